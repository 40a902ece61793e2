/**
 * The on-chain side of the risk-vector circuit (src/circuit/risk): the registry layout of a
 * model's risk circuit (`ModelRegistry.registerRiskCircuit`), its grid hash, the statement and
 * proof of a risk submission (`OptionPriceFeed.submitRisk`), and the feed's `Risk` struct with
 * a TypeScript mirror of how the feed converts the proven components to wad.
 *
 * A risk proof makes the same statement as a price proof (`chainStatement`): its public signals
 * are the packed outputs, then `[moneyness, timeToExpiry, volatility, rate]` exactly as the feed
 * expects them now. The risk circuit accepts only marks whose every shocked point stays in the
 * model's declared domain (`spec.markRange`), a narrower range than the price circuit's.
 */
import { AbiCoder, type Contract, keccak256 } from "ethers";
import { BaseError, InputOutOfRangeError, InvalidValueError } from "../errors.js";
import { decodeRiskSignals, checkRiskInputs, riskForward } from "../circuit/risk/reference.js";
import { PACK_BITS, type RiskGrid, type RiskSpec } from "../circuit/risk/spec.js";
import { toCircuitInput } from "../circuit/inputs.js";
import { fromRawUnits } from "../quantize/decimal.js";
import type { QuantizedModel } from "../quantize/types.js";
import { type Prover, type SolidityCalldata, toSolidityCalldata, type Groth16Proof } from "../zk/groth16.js";
import { OPTION_DECIMALS } from "./optionLayout.js";
import { clampPriceOverStrike, type FeedReader, WAD } from "./optionStatement.js";
import { type ChainStatement, chainStatement, StatementOutOfRangeError } from "./statement.js";

/** `ModelRegistry.RiskLayout` without the verifier: the constants of a model's risk circuit. */
export interface RiskCircuitLayout {
  shockBits: number;
  spotShocks: number[];
  volShocks: number[];
  deltaStep: number;
  spotInput: number;
  volInput: number;
  /** Bits of one packed price component (`spec.priceWidth`). */
  priceWidth: number;
  /** Raw output units per quotient unit (`q.output.factor`). */
  factor: bigint;
  spotMarkMin: bigint;
  spotMarkMax: bigint;
  volMarkMin: bigint;
  volMarkMax: bigint;
  /**
   * The model's payoff skip (`q.output.skip`): 0 none, 1 call, 2 put (the registry's option
   * kinds; it must equal the model's `setOptionTerms` kind). The risk circuit proves the time
   * value only; the registry's `riskValues` adds the exact payoff at every scenario.
   */
  payoffKind: number;
  /** Index of the payoff's input (0 without a skip). */
  payoffInput: number;
  /** The payoff's strike in raw input units (0 without a skip). */
  payoffStrike: bigint;
  /** Raw output units per raw input unit (0 without a skip). */
  payoffFactor: bigint;
}

/**
 * The grid hash the registry records: keccak256(abi.encode(uint8 shockBits, int32[] spot,
 * int32[] vol, uint8 deltaStep)). Positions in series whose grids (and oracles) differ do not
 * offset each other on chain.
 */
export function riskGridHash(grid: RiskGrid): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["uint8", "int32[]", "int32[]", "uint8"], [grid.shockBits, grid.spot, grid.vol, grid.deltaStep]));
}

/** Packed signals of `numScenarios` prices of `priceWidth` bits plus dP, d2P (the registry's `riskPackedSignals`). */
export function riskPackedSignalCount(numScenarios: number, priceWidth: number): number {
  let signals = 1;
  let used = 0;
  for (let c = 0; c < numScenarios + 2; c++) {
    const width = c < numScenarios ? priceWidth : priceWidth + 1 + (c - numScenarios);
    if (used + width > PACK_BITS) {
      signals++;
      used = 0;
    }
    used += width;
  }
  return signals;
}

/**
 * The registry layout of a model's risk spec, its payoff skip included. Refuses a spec of
 * another model and a spec whose packing the registry would not derive the same way (the feed
 * decodes with the registry's).
 */
export function riskLayoutFromSpec(q: QuantizedModel, spec: RiskSpec): RiskCircuitLayout {
  if (spec.modelId !== q.modelId) throw new InvalidValueError({ field: "spec.modelId", value: spec.modelId, allowed: `the quantized model's id ${q.modelId}` });
  const w = spec.priceWidth;
  const n = spec.scenarios.length;
  const expected = spec.components.map((_, i) => (i < n ? { width: w, offset: 1n << BigInt(w - 1) } : { width: w + 1 + (i - n), offset: 1n << BigInt(w + i - n) }));
  const same = spec.components.length === n + 2 && spec.components.every((c, i) => c.width === expected[i].width && BigInt(c.offset) === expected[i].offset);
  if (!same || spec.signals.length !== riskPackedSignalCount(n, w)) {
    throw new InvalidValueError({ field: "spec.components", value: spec.components.map((c) => `${c.width}/${c.offset}`).join(", "), allowed: `the registry's packing: ${n} prices of ${w} bits (offset 2^${w - 1}), dP ${w + 1}, d2P ${w + 2} bits, in ${riskPackedSignalCount(n, w)} signals` });
  }
  return {
    shockBits: spec.grid.shockBits,
    spotShocks: [...spec.grid.spot],
    volShocks: [...spec.grid.vol],
    deltaStep: spec.grid.deltaStep,
    spotInput: spec.spotInput,
    volInput: spec.volInput,
    priceWidth: w,
    factor: BigInt(q.output.factor),
    spotMarkMin: BigInt(spec.markRange.spot[0]),
    spotMarkMax: BigInt(spec.markRange.spot[1]),
    volMarkMin: BigInt(spec.markRange.vol[0]),
    volMarkMax: BigInt(spec.markRange.vol[1]),
    ...payoffLayout(q),
  };
}

/** The payoff-skip fields of the registry layout (all 0 for a model without a skip). */
function payoffLayout(q: QuantizedModel): Pick<RiskCircuitLayout, "payoffKind" | "payoffInput" | "payoffStrike" | "payoffFactor"> {
  const sk = q.output.skip;
  if (!sk) return { payoffKind: 0, payoffInput: 0, payoffStrike: 0n, payoffFactor: 0n };
  return { payoffKind: sk.option === "call" ? 1 : 2, payoffInput: sk.input, payoffStrike: BigInt(sk.strikeRaw), payoffFactor: BigInt(sk.factor) };
}

/** Send `ModelRegistry.registerRiskCircuit` (owner only) and wait; returns the gas used. */
export async function registerRiskCircuit(registry: Contract, modelId: bigint, verifier: string, layout: RiskCircuitLayout): Promise<bigint> {
  const tx = await registry.registerRiskCircuit(modelId, { verifier, ...layout });
  const receipt = (await tx.wait()) as { gasUsed: bigint };
  return receipt.gasUsed;
}

/** `IOptionPriceFeed.Risk`: one series' latest proven risk vector. */
export interface ChainRisk {
  /** keccak256(abi.encode(gridHash, spotOracle, volOracle)); zero hash: no risk vector. */
  group: string;
  /** Wad per unit of underlying. */
  mark: bigint;
  /** dPrice/dSpot, wad. */
  delta: bigint;
  /** d2Price/dSpot², wad per quote unit of spot. */
  gamma: bigint;
  /** Wad per unit of underlying, grid order (spot-major), the mark included. */
  scenarios: bigint[];
  observedAt: bigint;
  current: boolean;
}

/** The feed's `Risk` struct as returned by ethers (a Result tuple) to plain data. */
export function decodeChainRisk(raw: readonly unknown[]): ChainRisk {
  const [group, mark, delta, gamma, scenarios, observedAt, current] = raw as [string, bigint, bigint, bigint, readonly bigint[], bigint, boolean];
  return { group: String(group), mark: BigInt(mark), delta: BigInt(delta), gamma: BigInt(gamma), scenarios: [...scenarios].map(BigInt), observedAt: BigInt(observedAt), current: Boolean(current) };
}

/** `OptionPriceFeed.risk(seriesId)`. */
export async function readRisk(feed: Contract, seriesId: bigint): Promise<ChainRisk> {
  return decodeChainRisk(await feed.risk(seriesId));
}

/** One series' mark as `marksAndRisks` packs it (the fields of `IOptionPriceFeed.Mark`). */
export interface PackedMark {
  price: bigint;
  spot: bigint;
  observedAt: bigint;
  spotNow: bigint;
  strike: bigint;
  expiry: bigint;
  coveredUntil: bigint;
  spread: bigint;
  unitReserve: bigint;
  isCall: boolean;
  settled: boolean;
  current: boolean;
  sequencerUp: boolean;
  usableSince: bigint;
}

/** One series' risk record of `marksAndRisks`: mark and scenarios only for a current vector; prices in (exact − unit, exact]. */
export interface PackedRisk {
  group: string;
  mark: bigint;
  unit: bigint;
  scenarios: bigint[];
  observedAt: bigint;
  current: boolean;
}

const low = (w: bigint, bits: bigint) => w & ((1n << bits) - 1n);

/**
 * Decodes `OptionPriceFeed.marksAndRisks(ids, withRisk)` (packed words, layout in
 * `IOptionPriceFeed`) for `n` series; throws if the words do not have that layout.
 */
export function decodeMarksAndRisks(words: readonly bigint[], n: number, withRisk: boolean): { marks: PackedMark[]; risks: PackedRisk[] } {
  const d = words.map(BigInt);
  if (d.length < 2 + 4 * n) throw new Error(`marksAndRisks: ${d.length} words for ${n} series (at least ${2 + 4 * n} expected)`);
  const marks: PackedMark[] = [];
  const risks: PackedRisk[] = [];
  let at = 2 + 4 * n;
  for (let i = 0; i < n; i++) {
    const [w0, spotNow, w2, w3] = d.slice(2 + 4 * i, 6 + 4 * i) as [bigint, bigint, bigint, bigint];
    marks.push({
      price: low(w0, 128n),
      spot: w0 >> 128n,
      observedAt: low(w2 >> 128n, 40n),
      spotNow,
      strike: low(w2, 128n),
      expiry: low(w2 >> 168n, 40n),
      coveredUntil: low(w2 >> 208n, 40n),
      spread: low(w3, 128n),
      unitReserve: w3 >> 128n,
      isCall: ((w2 >> 248n) & 1n) === 1n,
      settled: ((w2 >> 249n) & 1n) === 1n,
      current: ((w2 >> 250n) & 1n) === 1n,
      sequencerUp: d[0] !== 0n,
      usableSince: d[1]!,
    });
    if (!withRisk) continue;
    const m = Number(d[at + 3]);
    if (at + 4 + m > d.length) throw new Error(`marksAndRisks: series ${i}'s risk record ends at word ${at + 4 + m}, past the ${d.length} words`);
    const w = d[at]!;
    risks.push({ group: "0x" + d[at + 1]!.toString(16).padStart(64, "0"), mark: d[at + 2]!, unit: w >> 128n, scenarios: d.slice(at + 4, at + 4 + m), observedAt: low(w, 40n), current: ((w >> 40n) & 1n) === 1n });
    at += 4 + m;
  }
  if (at !== d.length) throw new Error(`marksAndRisks: ${d.length - at} words after the last record`);
  return { marks, risks };
}

/** What the feed stores for a verified risk statement (see `expectedChainRisk`). */
export type ExpectedRisk = Pick<ChainRisk, "mark" | "delta" | "gamma" | "scenarios">;

/** Wad priceOverStrike per unit of a stored scenario lane (`OptionPriceFeed.SCENARIO_UNIT`): 2e-5 of the strike. */
export const SCENARIO_UNIT = 2n * 10n ** 13n;
/** A stored lane times the strike over this is its price, wad per unit (1e18 / `SCENARIO_UNIT`). */
export const SCENARIO_DIVISOR = 5n * 10n ** 4n;
/** Bits of a stored scenario lane (17: at most 131,071 units, 2.62 times the strike); 15 lanes per storage word. */
export const SCENARIO_LANE_BITS = 17;

/** The bound `unit` of `marksAndRisks` for a strike: a stored scenario price is below its exact value by less than this (strike / 5e4 + 2 wei). */
export const scenarioUnitOf = (strike: bigint): bigint => strike / SCENARIO_DIVISOR + 2n;

const div0 = (n: bigint, d: bigint) => n / d; // BigInt division truncates toward zero, as Solidity's.
const abs = (x: bigint) => (x < 0n ? -x : x);

/**
 * The feed's conversion of a risk proof's public signals (TypeScript mirror of
 * `OptionPriceFeed.submitRisk` with the registry's `riskValues`, bit-exact): scenario t's
 * proven priceOverStrike (`decodeRiskSignals`: the payoff skip included; negative as 0)
 * clamped into the no-arbitrage interval at moneyness m·(2^b + k_t) >> b, rounded down to 2e-5 of
 * the strike (the feed stores 17-bit lanes of `SCENARIO_UNIT`), times the strike (rounded down);
 * the mark is the mark scenario's, so it can be below the stored price by less than strike / 5e4 + 1 wei; Δ = dP·2^b·1e18 / (2·k·m) and Γ = ⌊|d2P|·4^b·1e36 / (k²·m²)⌋·1e18 / strike, signed,
 * magnitudes rounded down (k = the step's shock, m = moneyness wad, dP and d2P raw).
 */
export function expectedChainRisk(q: QuantizedModel, spec: RiskSpec, publicSignals: readonly (string | bigint)[], series: { strike: bigint; isCall: boolean; rate: bigint }): ExpectedRisk {
  const d = decodeRiskSignals(q, spec, publicSignals);
  const inputs = publicSignals.slice(spec.signals.length).map(BigInt);
  const m = inputs[spec.spotInput];
  const ttm = inputs[q.inputs.findIndex((i) => i.name === "timeToExpiry")];
  const b = BigInt(spec.grid.shockBits);
  const scenarios = spec.scenarios.map((s, t) => {
    const pos = d.prices[t] > 0n ? d.prices[t] : 0n;
    const mt = (m * ((1n << b) + BigInt(s.spot))) >> b;
    return ((clampPriceOverStrike(pos, mt, ttm, series.rate, series.isCall) / SCENARIO_UNIT) * series.strike) / SCENARIO_DIVISOR;
  });
  const k = BigInt(spec.grid.spot[spec.grid.deltaStep]);
  const dMag = div0(abs(d.dP) * (1n << b) * WAD, 2n * k * m);
  const p2 = div0(abs(d.d2P) * (1n << (2n * b)) * WAD * WAD, k * k * m * m);
  const gMag = div0(p2 * WAD, series.strike);
  return { mark: scenarios[spec.markScenario], delta: d.dP < 0n ? -dMag : dMag, gamma: d.d2P < 0n ? -gMag : gMag, scenarios };
}

/**
 * The statement a risk proof must carry now: `chainStatement` (the price proof's statement,
 * the same raw inputs), refused with a `StatementOutOfRangeError` if the risk circuit cannot
 * prove it (a mark outside `spec.markRange`).
 */
export async function riskChainStatement(feed: FeedReader, seriesId: bigint, q: QuantizedModel, spec: RiskSpec): Promise<ChainStatement> {
  const statement = await chainStatement(feed, seriesId, q);
  try {
    checkRiskInputs(q, spec, statement.inputs);
  } catch (error) {
    if (error instanceof InputOutOfRangeError) {
      const real = (v: string | bigint) => fromRawUnits(BigInt(v), OPTION_DECIMALS);
      throw new StatementOutOfRangeError(`series ${seriesId} now has ${error.feature} = ${real(error.value)}, outside the risk circuit's mark range [${real(error.min)}, ${real(error.max)}]`, {
        details: "Every stressed point of a risk vector must lie in the model's declared domain; prove a price instead (submit), or use a model trained for a wider range.",
        cause: error,
      });
    }
    throw error;
  }
  return statement;
}

export interface ProvedRisk {
  proof: Groth16Proof;
  publicSignals: string[];
  calldata: SolidityCalldata;
  inputs: bigint[];
  /** The packed outputs (the first public signals). */
  packed: bigint[];
  proveMs: number;
}

/** Prove raw inputs with the risk circuit's prover; the packed outputs must equal the integer reference (else an internal error). */
export async function proveRiskRaw(q: QuantizedModel, spec: RiskSpec, prover: Prover, inputs: bigint[]): Promise<ProvedRisk> {
  const reference = riskForward(q, spec, inputs);
  const result = await prover.prove(toCircuitInput(q, inputs));
  const packed = result.publicSignals.slice(0, spec.signals.length).map(BigInt);
  if (packed.some((v, i) => v !== reference.packed[i])) {
    throw new BaseError(`the risk circuit's packed outputs ${packed.join(", ")} differ from the integer reference ${reference.packed.join(", ")}`, { details: "The risk circuit's artifacts do not belong to this model and spec." });
  }
  return { proof: result.proof, publicSignals: result.publicSignals, calldata: toSolidityCalldata(result.proof, result.publicSignals), inputs, packed, proveMs: result.proveMs };
}
