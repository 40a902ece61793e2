/**
 * Proven risk on chain: a 4 → 4 → 1 option model (the risk-circuit test model) with its price
 * circuit and its risk-vector circuit (default 15-scenario grid, 2 packed signals + 4 inputs),
 * both set up on the bundled power-12 development ptau, deployed with `deployStack` (risk
 * circuit registered). Real proofs: `submitRisk` stores what the TypeScript mirror of the
 * feed's conversion computes from the integer reference; every statement mismatch is refused.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { AbiCoder, keccak256, type Contract } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeRiskSignals } from "../src/circuit/risk/reference.js";
import type { RiskSpec } from "../src/circuit/risk/spec.js";
import { deployStack } from "../src/chain/deployStack.js";
import type { GeneratedModelVerifier } from "../src/chain/generatedModelVerifier.js";
import { noArbitrageBounds, storedPriceWad } from "../src/chain/optionStatement.js";
import { decodeMarksAndRisks, expectedChainRisk, proveRiskRaw, readRisk, riskChainStatement, riskGridHash, riskLayoutFromSpec, SCENARIO_DIVISOR, SCENARIO_UNIT, type RiskCircuitLayout } from "../src/chain/risk.js";
import { StatementOutOfRangeError } from "../src/chain/statement.js";
import { proveAndSubmitRisk, submitRiskProof } from "../src/chain/submit.js";
import { DEFAULT_FEED_RISK, DEFAULT_PORTFOLIO } from "../src/chain/types.js";
import { zkinferModules, zkinferParameters } from "../src/ignition/modules.js";
import { quantize } from "../src/quantize/quantize.js";
import type { QuantizedModel } from "../src/quantize/types.js";
import { createProver, setupGroth16, type Prover } from "../src/zk/groth16.js";
import { bundledPtauDir } from "../src/zk/ptau.js";
import type { CompiledContract } from "../src/zk/solidity.js";
import { FIELD_ORDER } from "../src/zk/field.js";
import { riskKeys } from "./helpers/riskKeys.js";
import { expectRevert, WAD } from "./helpers/contracts.js";
import { randomModel } from "./helpers/randomModel.js";

/** BN254 base field (coordinates of proof points). */
const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
const STRIKE = 2_000n * WAD;

const connection = await hre.network.create();
const { ethers } = connection;

let dir: string;
let q: QuantizedModel;
let spec: RiskSpec;
let layout: RiskCircuitLayout;
let price: GeneratedModelVerifier;
let riskVerifier: CompiledContract;
let riskProver: Prover;
/** A prover of the same risk circuit with another setup (another verifying key). */
let otherProver: Prover;
let registry: Contract;
let feed: Contract;
let spotOracle: Contract;
let volOracle: Contract;
let seriesId: bigint;
let aggregator: Contract;
let riskVerifierAddress: string;
let priceVerifierAddress: string;
let engineAddress: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-riskfeed-"));
  q = await quantize(randomModel({ seed: 21, hidden: [4], name: "risk-feed" }), { actBits: 10 });
  const keys = await riskKeys(q, dir);
  ({ spec, riskVerifier, riskProver, price } = keys);
  layout = riskLayoutFromSpec(q, spec);
  // The same risk circuit under another verifying key (a proof made for it must be refused).
  const okeys = await setupGroth16({ r1csPath: keys.riskR1csPath, ptauPath: path.join(bundledPtauDir(), "dev-pot12.ptau"), outDir: path.join(dir, "other"), name: "risk" });
  otherProver = await createProver({ wasmPath: keys.riskWasmPath, zkeyPath: okeys.zkeyPath });
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  // Spot 2,000 at strike 2,000 (S/K = 1) and volatility 50 %: inside the risk circuit's mark
  // range (S/K 0.941–1.043, σ 0.133–0.64).
  const deployed = await deployStack(ethers, {
    verifier: price.verifier,
    model: price.model,
    allowMocks: true,
    risk: { verifier: riskVerifier, layout },
    series: [
      {
        spotOracle: { mock: { decimals: 8, answer: 2_000n * 10n ** 8n } },
        volOracle: { mock: { decimals: 8, answer: 50_000_000n } },
        strike: STRIKE,
        expiry: now + 30n * 86_400n,
        isCall: true,
        risk: DEFAULT_FEED_RISK,
      },
    ],
  });
  const s = deployed.series[0];
  registry = (await ethers.getContractAt("ModelRegistry", deployed.contracts.registry)) as unknown as Contract;
  feed = (await ethers.getContractAt("OptionPriceFeed", deployed.contracts.feed)) as unknown as Contract;
  spotOracle = (await ethers.getContractAt("MockV3Aggregator", s.spotOracle)) as unknown as Contract;
  volOracle = (await ethers.getContractAt("MockV3Aggregator", s.volOracle)) as unknown as Contract;
  aggregator = (await ethers.getContractAt("OptionSeriesAggregator", s.aggregator)) as unknown as Contract;
  seriesId = s.seriesId;
  riskVerifierAddress = deployed.contracts.riskVerifier!;
  priceVerifierAddress = deployed.contracts.verifier;
  engineAddress = deployed.contracts.engine;
});

afterAll(async () => {
  await riskProver?.close();
  await otherProver?.close();
  await price?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A new spot-oracle round (same answer) updated now; returns its updatedAt. */
async function newRound(answer?: bigint): Promise<bigint> {
  await (await spotOracle.updateAnswer(answer ?? (await spotOracle.answer()))).wait();
  return BigInt(await spotOracle.updatedAt());
}

/** A risk proof of the statement the chain expects now. */
async function proveRiskNow() {
  const st = await riskChainStatement(feed as never, seriesId, q, spec);
  const p = await proveRiskRaw(q, spec, riskProver, st.inputs);
  return { st, p, cd: p.calldata };
}

const series = { strike: STRIKE, isCall: true, rate: DEFAULT_FEED_RISK.rate };

/** The price `submitRisk` stores for a risk proof's mark (clamped, times the strike, rounded down; the call of `seriesId`). */
function markPriceOf(signals: readonly (string | bigint)[], rate: bigint): bigint {
  const d = decodeRiskSignals(q, spec, signals);
  const inputs = signals.slice(spec.signals.length).map(BigInt);
  const pos = d.mark > 0n ? d.mark : 0n;
  const { lower, upper } = noArbitrageBounds(inputs[0]!, inputs[1]!, rate, true);
  return storedPriceWad(pos < lower ? lower : pos > upper ? upper : pos, STRIKE);
}

describe("ModelRegistry: a model's risk circuit", () => {
  it("records the verifier, the derived packing and the grid hash the TypeScript side computes", async () => {
    expect(await registry.hasRiskCircuit(price.model.modelId)).toBe(true);
    const r = await registry.riskCircuitOf(price.model.modelId);
    expect(r.verifier).toBe(riskVerifierAddress);
    expect(r.gridHash).toBe(riskGridHash(spec.grid));
    expect(await registry.riskGridHash(spec.grid.shockBits, spec.grid.spot, spec.grid.vol, spec.grid.deltaStep)).toBe(riskGridHash(spec.grid));
    expect([Number(r.numPacked), Number(r.numScenarios), Number(r.markScenario), Number(r.priceWidth)]).toEqual([spec.signals.length, 15, spec.markScenario, spec.priceWidth]);
    expect(spec.signals.length).toBe(2);
    expect(Number(r.deltaShock)).toBe(spec.grid.spot[spec.grid.deltaStep]);
    expect([r.spotMarkMin, r.spotMarkMax, r.volMarkMin, r.volMarkMax]).toEqual(spec.markRange.spot.concat(spec.markRange.vol).map(BigInt));
    expect([...r.spotShocks].map(Number)).toEqual(spec.grid.spot);
    await expectRevert(registry.registerRiskCircuit(price.model.modelId, { verifier: riskVerifierAddress, ...layout }), registry, "RiskCircuitAlreadyRegistered", [price.model.modelId]);
  });

  it("a stack deployed with a risk circuit margins by portfolio margin (DEFAULT_PORTFOLIO), not the flat rule", async () => {
    const engine = await ethers.getContractAt("MarginEngine", engineAddress);
    const p = await engine.portfolioParams();
    expect({ enabled: p.enabled, imFactorBps: Number(p.imFactorBps), mmFactorBps: Number(p.mmFactorBps), imFloorABps: Number(p.imFloorABps), imFloorBBps: Number(p.imFloorBBps), mmFloorABps: Number(p.mmFloorABps), mmFloorBBps: Number(p.mmFloorBBps) }).toEqual(DEFAULT_PORTFOLIO);
  });

  it("refuses invalid layouts with errors naming the field and value", async () => {
    const id = 777n;
    await (await registry.registerModel(id, priceVerifierAddress, 1, 18, price.model.inputs)).wait();
    const reg = (l: Partial<RiskCircuitLayout> & { verifier?: string }) => registry.registerRiskCircuit(id, { verifier: riskVerifierAddress, ...layout, ...l });
    const k15 = layout.spotShocks[4];
    await expectRevert(reg({ shockBits: 0 }), registry, "InvalidShockBits", [0n]);
    await expectRevert(reg({ spotShocks: [-k15, k15] }), registry, "InvalidShock", [0n, 2n, 0n]);
    await expectRevert(reg({ volShocks: [0, -100, 100] }), registry, "InvalidShock", [1n, 1n, -100n]);
    await expectRevert(reg({ spotShocks: [1 << 16, 0] }), registry, "InvalidShock", [0n, 0n, 65536n]);
    await expectRevert(reg({ spotShocks: [0, 1, 2, 3, 4, 5, 6, 7, 8] }), registry, "InvalidShockCount", [0n, 9n]);
    await expectRevert(reg({ deltaStep: 2 }), registry, "InvalidDeltaStep", [2n]);
    await expectRevert(reg({ spotShocks: [-k15, 0, 3277, k15], deltaStep: 2 }), registry, "InvalidDeltaStep", [2n]);
    await expectRevert(reg({ volInput: 0 }), registry, "InvalidRiskInputs", [0n, 0n]);
    await expectRevert(reg({ priceWidth: 1 }), registry, "InvalidPriceWidth", [1n]);
    await expectRevert(reg({ factor: 0n }), registry, "InvalidRiskFactor");
    // A mark range reaching outside the declared input range (moneyness min 0.8).
    await expectRevert(reg({ spotMarkMin: (79n * WAD) / 100n }), registry, "InvalidMarkRange", [0n, (79n * WAD) / 100n, layout.spotMarkMax]);
    await expectRevert(reg({ volMarkMin: layout.volMarkMax + 1n }), registry, "InvalidMarkRange", [2n, layout.volMarkMax + 1n, layout.volMarkMax]);
    // The price verifier answers N = 5, not the risk circuit's N = 6.
    await expectRevert(reg({ verifier: priceVerifierAddress }), registry, "VerifierProbeFailed");
    const [, stranger] = await ethers.getSigners();
    await expectRevert((registry.connect(stranger) as Contract).registerRiskCircuit(id, { verifier: riskVerifierAddress, ...layout }), registry, "OwnableUnauthorizedAccount", [stranger.address]);
    await expectRevert(registry.registerRiskCircuit(778n, { verifier: riskVerifierAddress, ...layout }), registry, "ModelNotRegistered", [778n]);
    await expectRevert(registry.riskCircuitOf(id), registry, "NoRiskCircuit", [id]);
  });

  it("the Ignition registry module registers the risk circuit from its parameters", async () => {
    const { ignition } = connection as unknown as { ignition: { deploy: (m: unknown, o?: unknown) => Promise<Record<string, Contract>> } };
    const modules = zkinferModules({ contractName: "PriceVerifier", ...price.verifier }, { riskVerifier: { contractName: "RiskVerifier", ...riskVerifier } });
    const s = await feed.getSeries(seriesId);
    const parameters = zkinferParameters({ model: price.model, spotOracle: s.spotOracle, volOracle: s.volOracle, strike: STRIKE, expiry: s.expiry, riskLayout: layout });
    const deployed = await ignition.deploy(modules.registry, { parameters: { ZkinferRegistry: parameters.ZkinferRegistry } });
    const r = await deployed.registry.riskCircuitOf(price.model.modelId);
    expect(r.gridHash).toBe(riskGridHash(spec.grid));
    expect([Number(r.numPacked), Number(r.numScenarios), r.factor]).toEqual([2, 15, layout.factor]);
    expect(r.verifier).not.toBe(riskVerifierAddress);
  });

  it("the Ignition engine module of a risk stack turns portfolio margin on (its parameters override the defaults)", async () => {
    const { ignition } = connection as unknown as { ignition: { deploy: (m: unknown, o?: unknown) => Promise<Record<string, Contract>> } };
    const modules = zkinferModules({ contractName: "PriceVerifier", ...price.verifier }, { riskVerifier: { contractName: "RiskVerifier", ...riskVerifier } });
    const s = await feed.getSeries(seriesId);
    const engine = await ethers.getContractAt("MarginEngine", engineAddress);
    const collateral = await engine.collateralToken();
    const parameters = zkinferParameters({ model: price.model, spotOracle: s.spotOracle, volOracle: s.volOracle, strike: STRIKE, expiry: s.expiry, riskLayout: layout, collateral });
    const deployed = await ignition.deploy(modules.engine, { parameters: { ...parameters, ZkinferEngine: { ...parameters.ZkinferEngine, imFactorBps: 12_500 } } });
    const p = await deployed.engine.portfolioParams();
    expect([p.enabled, Number(p.imFactorBps), Number(p.mmFactorBps), Number(p.imFloorABps)]).toEqual([true, 12_500, DEFAULT_PORTFOLIO.mmFactorBps, DEFAULT_PORTFOLIO.imFloorABps]);
  });

  it("the TypeScript layout refuses a spec of another model", () => {
    expect(() => riskLayoutFromSpec({ ...q, modelId: "1" }, spec)).toThrow(/spec.modelId/);
  });
});

describe("OptionPriceFeed.submitRisk with real proofs", () => {
  it("stores the mark, Δ, Γ and the scenario prices the feed's conversion gives the integer reference", async () => {
    const t = await newRound();
    const result = await proveAndSubmitRisk({ feed, seriesId, q, spec, prover: riskProver });
    expect(result.observedAt).toBe(t);
    const signals = result.proved.publicSignals;
    const expected = expectedChainRisk(q, spec, signals, series);
    const risk = await readRisk(feed, seriesId);
    expect(risk).toEqual({ ...expected, group: keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "address", "address"], [riskGridHash(spec.grid), await spotOracle.getAddress(), await volOracle.getAddress()])), observedAt: t, current: true });
    expect(result.risk).toEqual(risk);
    expect(risk.scenarios).toHaveLength(15);
    // The mark is stored exactly as submit stores a price, and served by every read.
    const d = decodeRiskSignals(q, spec, signals);
    const m = BigInt(signals[spec.signals.length]);
    expect(m).toBe(WAD); // S/K = 1: the bounds of a call at the money do not bind this mark
    // The stored price is exact; the risk vector's mark is that price's priceOverStrike rounded
    // down to 2e-5 of the strike: below it by less than strike / 5e4 + 1 wei.
    const price = storedPriceWad(d.mark, STRIKE);
    expect(risk.mark).toBe(((d.mark / SCENARIO_UNIT) * STRIKE) / SCENARIO_DIVISOR);
    expect(risk.mark <= price && price < risk.mark + STRIKE / SCENARIO_DIVISOR + 1n).toBe(true);
    const k = await feed.mark(seriesId);
    expect([k.price, k.current]).toEqual([price, true]);
    expect((await feed.latestObservation(seriesId))[0]).toBe(price);
    expect(await feed.isCurrent(seriesId)).toBe(true);
    const [roundId, answer] = await aggregator.latestRoundData();
    expect([roundId, answer]).toEqual([t, price]);
    // Units: Δ is d(P/K)/d(S/K), the decoder's Δ; Γ per quote unit of spot is the decoder's Γ / K.
    expect(Number(risk.delta) / 1e18).toBeCloseTo(d.delta, 9);
    expect(Number(risk.gamma) / 1e18).toBeCloseTo(d.gamma / 2_000, 9);
    // Scenario prices are the proven ones unless outside the no-arbitrage interval at the
    // scenario's moneyness m_t (then its nearest end), never negative.
    for (const [i, s] of spec.scenarios.entries()) {
      const raw = d.prices[i] > 0n ? d.prices[i] : 0n;
      const mt = (m * (65_536n + BigInt(s.spot))) >> 16n;
      const { lower, upper } = noArbitrageBounds(mt, BigInt(signals[spec.signals.length + 1]), series.rate, true);
      const inside = raw >= lower && raw <= upper;
      const clamped = inside ? raw : raw < lower ? lower : upper;
      expect(risk.scenarios[i]).toBe(((clamped / SCENARIO_UNIT) * STRIKE) / SCENARIO_DIVISOR);
      expect(storedPriceWad(clamped, STRIKE) - risk.scenarios[i] <= STRIKE / SCENARIO_DIVISOR).toBe(true);
    }
  });

  it("refuses every statement mismatch by name, and a tampered proof or packed signal as InvalidProof", async () => {
    const t = await newRound();
    const { cd } = await proveRiskNow();
    const n = spec.signals.length;
    const sig = cd.publicSignals;
    const send = (signals: bigint[], a = cd.a) => feed.submitRisk(seriesId, t, a, cd.b, cd.c, signals);
    const bump = (i: number, by = 1n) => sig.map((v, j) => (j === i ? v + by : v));
    await expectRevert(send(bump(n)), feed, "MoneynessMismatch", [sig[n], sig[n] + 1n]);
    await expectRevert(send(bump(n + 1)), feed, "TimeToExpiryMismatch", [sig[n + 1], sig[n + 1] + 1n]);
    await expectRevert(send(bump(n + 2)), feed, "VolatilityMismatch", [sig[n + 2], sig[n + 2] + 1n]);
    await expectRevert(send(bump(n + 3)), feed, "RateMismatch", [sig[n + 3], sig[n + 3] + 1n]);
    // Packed outputs: one unit, or the top component bit of the first signal.
    await expectRevert(send(bump(0)), feed, "InvalidProof");
    await expectRevert(send(bump(1)), feed, "InvalidProof");
    await expectRevert(send(bump(0, 1n << BigInt(spec.priceWidth - 1))), feed, "InvalidProof");
    await expectRevert(send(bump(0, FIELD_ORDER)), registry, "SignalNotInField", [0n, sig[0] + FIELD_ORDER]);
    await expectRevert(send(sig, [cd.a[0], (cd.a[1] + 1n) % Q]), feed, "InvalidProof");
    // A valid proof of the same circuit under another verifying key.
    const other = await proveRiskRaw(q, spec, otherProver, sig.slice(n));
    await expectRevert(feed.submitRisk(seriesId, t, other.calldata.a, other.calldata.b, other.calldata.c, other.calldata.publicSignals), feed, "InvalidProof");
    // Signal counts: a packed signal missing, a price proof, a risk proof sent to submit.
    await expectRevert(send(sig.slice(1)), registry, "SignalCountMismatch", [BigInt(n + 4), BigInt(n + 3)]);
    const pp = await price.prove({ moneyness: sig[n], timeToExpiry: sig[n + 1], volatility: sig[n + 2], rate: sig[n + 3] });
    await expectRevert(feed.submitRisk(seriesId, t, pp.a, pp.b, pp.c, pp.publicSignals), registry, "SignalCountMismatch", [BigInt(n + 4), 5n]);
    await expectRevert(feed.submit(seriesId, t, cd.a, cd.b, cd.c, sig), feed, "SignalCountMismatch", [5n, BigInt(n + 4)]);
    // The honest proof goes through once; a replay is refused.
    await (await send(sig)).wait();
    await expectRevert(send(sig), feed, "ObservationNotNewer", [t, t]);
  });

  it("a proof is bound to its spot round: after a new round it is refused as not the latest", async () => {
    const t0 = await newRound();
    const { cd } = await proveRiskNow();
    const t1 = await newRound();
    await expectRevert(feed.submitRisk(seriesId, t0, cd.a, cd.b, cd.c, cd.publicSignals), feed, "ObservationNotLatestRound", [t0, t1]);
    await expectRevert(feed.submitRisk(seriesId, t1, cd.a, cd.b, cd.c, cd.publicSignals), feed, "TimeToExpiryMismatch");
    // An older observation than the stored one is refused before anything else.
    await (await submitRiskProof(feed, { seriesId, observedAt: t1, calldata: (await proveRiskNow()).cd })).gasUsed;
    await expectRevert(feed.submitRisk(seriesId, t0, cd.a, cd.b, cd.c, cd.publicSignals), feed, "ObservationNotNewer", [t0, t1]);
  });

  it("a later price submit makes the risk vector non-current; a new risk proof makes it current again", async () => {
    await newRound();
    await proveAndSubmitRisk({ feed, seriesId, q, spec, prover: riskProver });
    const before = await readRisk(feed, seriesId);
    expect(before.current).toBe(true);
    const t = await newRound();
    // The new spot round alone already makes it non-current (like the mark).
    expect((await readRisk(feed, seriesId)).current).toBe(false);
    const st = await riskChainStatement(feed as never, seriesId, q, spec);
    const [moneyness, timeToExpiry, volatility, rate] = st.inputs;
    const pp = await price.prove({ moneyness, timeToExpiry, volatility, rate });
    await (await feed.submit(seriesId, t, pp.a, pp.b, pp.c, pp.publicSignals)).wait();
    const after = await readRisk(feed, seriesId);
    expect(await feed.isCurrent(seriesId)).toBe(true);
    expect(after).toEqual({ ...before, current: false });
    expect((await feed.mark(seriesId)).observedAt).toBe(t);
    // A new volatility round for the same spot round: a risk proof of it is newer.
    await (await volOracle.updateAnswer(await volOracle.answer())).wait();
    const again = await proveAndSubmitRisk({ feed, seriesId, q, spec, prover: riskProver });
    expect(again.observedAt).toBe(t);
    expect((await readRisk(feed, seriesId)).current).toBe(true);
    // … and a new volatility round makes it non-current again.
    await (await volOracle.updateAnswer(await volOracle.answer())).wait();
    expect((await readRisk(feed, seriesId)).current).toBe(false);
    // A price proof of that volatility round (the same spot round) replaces the mark: the risk
    // vector of the same observedAt stays non-current.
    expect((await proveAndSubmitRisk({ feed, seriesId, q, spec, prover: riskProver })).observedAt).toBe(t);
    await (await volOracle.updateAnswer(await volOracle.answer())).wait();
    const st2 = await riskChainStatement(feed as never, seriesId, q, spec);
    expect(st2.observedAt).toBe(t);
    const pp2 = await price.prove({ moneyness: st2.inputs[0], timeToExpiry: st2.inputs[1], volatility: st2.inputs[2], rate: st2.inputs[3] });
    await (await feed.submit(seriesId, t, pp2.a, pp2.b, pp2.c, pp2.publicSignals)).wait();
    expect(await feed.isCurrent(seriesId)).toBe(true);
    const replaced = await readRisk(feed, seriesId);
    expect([replaced.observedAt, replaced.current]).toEqual([t, false]);
  });

  it("a mark outside the risk circuit's range: no proof, a named refusal on chain; the price path still works", async () => {
    const spot = BigInt(await spotOracle.answer());
    try {
      const t = await newRound(2_200n * 10n ** 8n); // S/K = 1.1: in the declared [0.8, 1.2], above the mark range's 1.0435
      await expect(riskChainStatement(feed as never, seriesId, q, spec)).rejects.toThrow(StatementOutOfRangeError);
      await expect(riskChainStatement(feed as never, seriesId, q, spec)).rejects.toThrow(/moneyness = 1.1, outside the risk circuit's mark range/);
      const { cd } = await (async () => {
        await (await spotOracle.updateAnswer(spot)).wait();
        return proveRiskNow();
      })();
      const t2 = await newRound(2_200n * 10n ** 8n);
      const n = spec.signals.length;
      const st = (await feed.expectedInputs(seriesId)) as bigint[];
      const signals = [...cd.publicSignals.slice(0, n), st[1], st[2], st[3], st[4]];
      await expectRevert(feed.submitRisk(seriesId, t2, cd.a, cd.b, cd.c, signals), registry, "RiskMarkOutOfRange", [0n, 11n * 10n ** 17n, layout.spotMarkMin, layout.spotMarkMax]);
      const pp = await price.prove({ moneyness: st[1], timeToExpiry: st[2], volatility: st[3], rate: st[4] });
      await (await feed.submit(seriesId, t2, pp.a, pp.b, pp.c, pp.publicSignals)).wait();
      expect(t2).toBeGreaterThan(t);
    } finally {
      await newRound(spot);
    }
  });

  it("a series whose model has no risk circuit refuses risk proofs", async () => {
    const id = 999n;
    await (await registry.registerModel(id, priceVerifierAddress, 1, 18, price.model.inputs)).wait();
    await (await registry.setOptionTerms(id, 1, 0, 10n ** 16n)).wait();
    const s = await feed.getSeries(seriesId);
    await (await feed.createSeries({ spotOracle: s.spotOracle, volOracle: s.volOracle, strike: STRIKE, expiry: s.expiry, isCall: true, modelId: id, risk: DEFAULT_FEED_RISK })).wait();
    const other = BigInt(await feed.seriesCount());
    const t = await newRound();
    const { cd } = await proveRiskNow();
    await expectRevert(feed.submitRisk(other, t, cd.a, cd.b, cd.c, cd.publicSignals), registry, "NoRiskCircuit", [id]);
    expect((await readRisk(feed, other)).group).toBe(`0x${"0".repeat(64)}`);
    expect((await readRisk(feed, other)).scenarios).toEqual([]);
    // Moving a series to another model: its stored risk vector (the old grid) is no longer current.
    await newRound();
    await proveAndSubmitRisk({ feed, seriesId, q, spec, prover: riskProver });
    await (await feed.setSeriesModel(seriesId, id)).wait();
    expect(await feed.isCurrent(seriesId)).toBe(true);
    expect((await readRisk(feed, seriesId)).current).toBe(false);
    await (await feed.setSeriesModel(seriesId, price.model.modelId)).wait();
    expect((await readRisk(feed, seriesId)).current).toBe(false);
  });

  it("replacing a series' oracles makes its stored mark and risk vector non-current; its group is keccak(gridHash, spotOracle, volOracle) of the series", async () => {
    const t = await newRound();
    await proveAndSubmitRisk({ feed, seriesId, q, spec, prover: riskProver });
    const s = await feed.getSeries(seriesId);
    const { gridHash } = await registry.riskCircuitOf(price.model.modelId);
    const group = keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "address", "address"], [gridHash, s.spotOracle, s.volOracle]));
    expect((await readRisk(feed, seriesId)).group).toBe(group);
    expect((await readRisk(feed, seriesId)).current).toBe(true);
    // Governance sets the oracles again (here the same ones): neither the mark nor the vector
    // (proven on the oracles they replaced) is current, in `risk` and in the batch.
    await (await feed.setOracles(seriesId, s.spotOracle, s.volOracle)).wait();
    expect(await feed.isCurrent(seriesId)).toBe(false);
    const r = await readRisk(feed, seriesId);
    expect([r.current, r.observedAt, r.group]).toEqual([false, t, group]);
    const batch = decodeMarksAndRisks(await feed.marksAndRisks([seriesId], true), 1, true).risks[0]!;
    expect([batch.current, batch.observedAt, batch.group, batch.scenarios]).toEqual([false, t, group, []]);
    // A risk proof of the same spot round is accepted: mark and vector are current again.
    await proveAndSubmitRisk({ feed, seriesId, q, spec, prover: riskProver });
    expect((await readRisk(feed, seriesId)).current).toBe(true);
    expect(await feed.isCurrent(seriesId)).toBe(true);
  });
});

describe("a risk circuit that does not shock the option layout's moneyness and volatility", () => {
  it("is refused by the feed (RiskLayoutMismatch)", async () => {
    const id = 555n;
    await (await registry.registerModel(id, priceVerifierAddress, 1, 18, price.model.inputs)).wait();
    await (await registry.setOptionTerms(id, 1, 0, 10n ** 16n)).wait();
    // Shocks timeToExpiry (input 1) in place of moneyness: a valid registry layout, not the feed's.
    const tau = price.model.inputs[1];
    await (await registry.registerRiskCircuit(id, { verifier: riskVerifierAddress, ...layout, spotInput: 1, spotMarkMin: tau.min * 2n, spotMarkMax: tau.max / 2n })).wait();
    const s = await feed.getSeries(seriesId);
    await (await feed.createSeries({ spotOracle: s.spotOracle, volOracle: s.volOracle, strike: STRIKE, expiry: s.expiry, isCall: true, modelId: id, risk: DEFAULT_FEED_RISK })).wait();
    const other = BigInt(await feed.seriesCount());
    const t = await newRound();
    const { cd } = await proveRiskNow();
    await expectRevert(feed.submitRisk(other, t, cd.a, cd.b, cd.c, cd.publicSignals), feed, "RiskLayoutMismatch", [id]);
  });
});

describe("gas: submitRisk (15 scenarios, 2 packed signals + 4 inputs)", () => {
  it("stays within 450,000 gas, the first submission of a series included (its slots are written at creation)", async () => {
    // A fresh series of the same model: createSeries wrote placeholders into its risk slots.
    const s = await feed.getSeries(seriesId);
    await (await feed.createSeries({ spotOracle: s.spotOracle, volOracle: s.volOracle, strike: STRIKE, expiry: s.expiry, isCall: true, modelId: price.model.modelId, risk: DEFAULT_FEED_RISK })).wait();
    const fresh = BigInt(await feed.seriesCount());
    const t0 = await newRound();
    const { cd: first } = await proveRiskNow();
    const firstGas = (await (await feed.submitRisk(fresh, t0, first.a, first.b, first.c, first.publicSignals)).wait()).gasUsed;
    expect((await readRisk(feed, fresh)).current).toBe(true);
    const gas: bigint[] = [];
    for (let i = 0; i < 2; i++) {
      const t = await newRound();
      const { cd } = await proveRiskNow();
      const receipt = await (await feed.submitRisk(seriesId, t, cd.a, cd.b, cd.c, cd.publicSignals)).wait();
      gas.push(receipt.gasUsed);
    }
    const t = await newRound();
    const st = await riskChainStatement(feed as never, seriesId, q, spec);
    const [moneyness, timeToExpiry, volatility, rate] = st.inputs;
    const pp = await price.prove({ moneyness, timeToExpiry, volatility, rate });
    const submitGas = (await (await feed.submit(seriesId, t, pp.a, pp.b, pp.c, pp.publicSignals)).wait()).gasUsed;
    console.log(`gas: submitRisk first ${firstGas}, repeat ${gas.join(", ")}; submit ${submitGas}`);
    expect(firstGas).toBeLessThanOrEqual(450_000n);
    expect(gas[1]).toBeLessThanOrEqual(450_000n);
    expect(gas[1]).toBeGreaterThan(submitGas);
  });
});

/** A price-only proof (the price circuit) of the statement the chain expects now for `id`. */
async function provePriceNow(id: bigint) {
  const st = await riskChainStatement(feed as never, id, q, spec);
  const [moneyness, timeToExpiry, volatility, rate] = st.inputs;
  return { t: st.observedAt, pp: await price.prove({ moneyness, timeToExpiry, volatility, rate }) };
}

describe("replay key: a price-only proof posted first does not keep a round without its risk vector", () => {
  it("submitRisk joins a price-only mark of the same round with the same mark, once; no price over it", async () => {
    const [, , attacker] = await ethers.getSigners();
    const t = await newRound();
    const { pp } = await provePriceNow(seriesId);
    await (await (feed.connect(attacker) as Contract).submit(seriesId, t, pp.a, pp.b, pp.c, pp.publicSignals)).wait();
    const priced = await feed.mark(seriesId);
    expect([priced.observedAt, priced.current]).toEqual([t, true]);
    expect((await readRisk(feed, seriesId)).current).toBe(false);
    const { cd } = await proveRiskNow();
    await (await feed.submitRisk(seriesId, t, cd.a, cd.b, cd.c, cd.publicSignals)).wait();
    const after = await feed.mark(seriesId);
    // The round keeps one mark: the risk circuit's mark is the price circuit's.
    expect([after.price, after.observedAt, after.current]).toEqual([priced.price, t, true]);
    const r = await readRisk(feed, seriesId);
    expect([r.current, r.observedAt]).toEqual([true, t]);
    expect(markPriceOf(cd.publicSignals, series.rate)).toBe(BigInt(priced.price));
    expect(r.mark <= BigInt(priced.price) && BigInt(priced.price) < r.mark + STRIKE / SCENARIO_DIVISOR + 1n).toBe(true);
    // A second risk vector, or a price over it, for the same (spot, vol) round: refused.
    const again = await proveRiskNow();
    await expectRevert(feed.submitRisk(seriesId, t, again.cd.a, again.cd.b, again.cd.c, again.cd.publicSignals), feed, "ObservationNotNewer", [t, t]);
    await expectRevert(feed.submit(seriesId, t, pp.a, pp.b, pp.c, pp.publicSignals), feed, "ObservationNotNewer", [t, t]);
    // A price over a price of the same round stays refused.
    const t2 = await newRound();
    const p2 = await provePriceNow(seriesId);
    await (await feed.submit(seriesId, t2, p2.pp.a, p2.pp.b, p2.pp.c, p2.pp.publicSignals)).wait();
    await expectRevert(feed.submit(seriesId, t2, p2.pp.a, p2.pp.b, p2.pp.c, p2.pp.publicSignals), feed, "ObservationNotNewer", [t2, t2]);
  });

  it("a risk vector whose mark is not the round's stored price is refused (RiskMarkMismatch): one round, one mark", async () => {
    // Governance changes the series' rate within a round: the stored price was proven for the old
    // rate, a risk proof for the same (spot, vol) round carries the new rate and another mark.
    const s = await feed.getSeries(seriesId);
    const oldRisk = { spotHeartbeat: s.spotHeartbeat, volHeartbeat: s.volHeartbeat, rate: s.rate };
    const rateRange = price.model.inputs[3]!;
    const newRate = BigInt(s.rate) === BigInt(rateRange.max) ? BigInt(rateRange.min) : BigInt(rateRange.max);
    const t = await newRound();
    const { pp } = await provePriceNow(seriesId);
    await (await feed.submit(seriesId, t, pp.a, pp.b, pp.c, pp.publicSignals)).wait();
    const stored = BigInt((await feed.mark(seriesId)).price);
    await (await feed.setRiskParams(seriesId, { ...oldRisk, rate: newRate })).wait();
    try {
      const { st, cd } = await proveRiskNow();
      const expected = expectedChainRisk(q, spec, cd.publicSignals, { ...series, rate: newRate });
      expect(st.observedAt).toBe(t);
      const riskMark = markPriceOf(cd.publicSignals, newRate);
      expect(riskMark).not.toBe(stored);
      expect(riskMark - expected.mark <= STRIKE / SCENARIO_DIVISOR).toBe(true);
      await expectRevert(feed.submitRisk(seriesId, t, cd.a, cd.b, cd.c, cd.publicSignals), feed, "RiskMarkMismatch", [seriesId, stored, riskMark]);
      expect(BigInt((await feed.mark(seriesId)).price)).toBe(stored);
    } finally {
      await (await feed.setRiskParams(seriesId, oldRisk)).wait();
    }
  });
});

describe("portfolio margin on the real feed: 8 series proven by submitRisk (15 scenarios each)", () => {
  const PM = { enabled: true, imFactorBps: 12_500, mmFactorBps: 10_000, imFloorABps: 1_000, imFloorBBps: 500, mmFloorABps: 500, mmFloorBBps: 250 };
  const MAX = 2n ** 255n;

  it("an attacker posting price-only proofs first leaves the account PENDING only until the risk proofs land; the margin check gas", async () => {
    const [deployer, alice, attacker] = await ethers.getSigners();
    // The engine and token are owned by (and minted from) the deployer, the default signer.
    const engine = (await ethers.getContractAt("MarginEngine", engineAddress)) as unknown as Contract;
    const token = (await ethers.getContractAt("MockERC20", await engine.collateralToken())) as unknown as Contract;
    const s = await feed.getSeries(seriesId);
    // Eight calls on the same oracles (one risk group), S/K from 1.036 to 0.950.
    const ids: bigint[] = [];
    for (let i = 0; i < 8; i++) {
      await (await feed.createSeries({ spotOracle: s.spotOracle, volOracle: s.volOracle, strike: (1_930n + 25n * BigInt(i)) * WAD, expiry: s.expiry, isCall: true, modelId: price.model.modelId, risk: DEFAULT_FEED_RISK })).wait();
      ids.push(BigInt(await feed.seriesCount()));
    }
    const proveAll = async () => {
      for (const id of ids) await proveAndSubmitRisk({ feed, seriesId: id, q, spec, prover: riskProver });
    };
    await newRound();
    await proveAll();
    await (await engine.setPortfolioParams(PM)).wait();
    const USD = 10n ** 6n;
    await (await token.mint(deployer.address, 100_000_000n * USD)).wait();
    await (await token.approve(await engine.getAddress(), MAX)).wait();
    await (await engine.fundPool(100_000_000n * USD)).wait();
    await (await token.mint(alice.address, 1_000_000n * USD)).wait();
    await (await (token.connect(alice) as Contract).approve(await engine.getAddress(), MAX)).wait();
    const asAlice = engine.connect(alice) as Contract;
    await (await asAlice.deposit(1_000_000n * USD)).wait();
    // A ladder of alternating longs and shorts (hedged within the group).
    for (let i = 0; i < 8; i++) await (await asAlice.openPosition(ids[i]!, i % 2 === 0, WAD, i % 2 === 0 ? MAX : 0n)).wait();
    expect((await engine.accountHealth(alice.address)).pricesFresh).toBe(true);

    // Griefing round: the attacker proves every series with the price circuit first.
    const t = await newRound();
    for (const id of ids) {
      const { pp } = await provePriceNow(id);
      await (await (feed.connect(attacker) as Contract).submit(id, t, pp.a, pp.b, pp.c, pp.publicSignals)).wait();
    }
    // Marks current, vectors not: PENDING (no liquidation, no valuation), as for a late mark.
    expect((await engine.accountHealth(alice.address)).pricesFresh).toBe(false);
    expect(await engine.isLiquidatable(alice.address)).toBe(false);
    // The batch gives a non-current vector's group and observedAt, no mark or scenarios.
    const late = decodeMarksAndRisks(await feed.marksAndRisks(ids, true), 8, true).risks;
    for (const [i, r] of late.entries()) {
      const single = await readRisk(feed, ids[i]!);
      expect(single.current).toBe(false);
      expect(r).toEqual({ group: single.group, mark: 0n, unit: 0n, scenarios: [], observedAt: single.observedAt, current: false });
    }
    // The keeper's risk proofs of the same round are still accepted: the griefing ends there.
    await proveAll();
    for (const id of ids) {
      const r = await readRisk(feed, id);
      expect([r.current, r.observedAt]).toEqual([true, t]);
    }
    const h = await engine.accountHealth(alice.address);
    expect(h.pricesFresh).toBe(true);

    // The batch read (packed words) equals the single reads: the marks field by field, the
    // current vectors but for Δ and Γ (not read by the batch), with the rounding bound `unit`.
    const { marks, risks } = decodeMarksAndRisks(await feed.marksAndRisks(ids, true), 8, true);
    for (let i = 0; i < 8; i++) {
      const k = await feed.mark(ids[i]!);
      expect(marks[i]).toEqual(Object.fromEntries(Object.keys(marks[i]!).map((f) => [f, typeof k[f] === "boolean" ? k[f] : BigInt(k[f])])));
      const r = await readRisk(feed, ids[i]!);
      expect(risks[i]).toEqual({ group: r.group, mark: r.mark, unit: BigInt(k.strike) / SCENARIO_DIVISOR + 2n, scenarios: r.scenarios, observedAt: r.observedAt, current: true });
    }
    // Marks only: no risk records.
    expect(decodeMarksAndRisks(await feed.marksAndRisks(ids, false), 8, false).marks).toEqual(marks);
    const probe = (await ethers.deployContract("MarginGasProbe")) as unknown as Contract;
    const [gas, im] = await probe.accountHealthGas(await engine.getAddress(), alice.address);
    expect(BigInt(im)).toBe(BigInt(h.initialMargin));
    const batch = await probe.batchReadGas(await feed.getAddress(), ids, true);

    const single = await probe.feedReadGas(await feed.getAddress(), ids);
    const fa = await feed.getAddress();
    const [one, two, marksOne, marksTwo] = [await probe.batchReadGas(fa, ids.slice(0, 1), true), await probe.batchReadGas(fa, ids.slice(0, 2), true), await probe.batchReadGas(fa, ids.slice(0, 1), false), await probe.batchReadGas(fa, ids.slice(0, 2), false)];
    await (await engine.setPortfolioParams({ ...PM, enabled: false })).wait();
    const [flat] = await probe.accountHealthGas(await engine.getAddress(), alice.address);
    await (await engine.setPortfolioParams(PM)).wait();
    const rc = await (await asAlice.openPosition(ids[0]!, true, 1n, MAX)).wait();
    console.log(`real feed: marginCheckGas8 = ${gas}; marksAndRisks(8) ${batch} (1: ${one}, 2: ${two}; marks only 1: ${marksOne}, 2: ${marksTwo}), mark + risk per series ${single}; flat rule ${flat}; openPosition (8 series, portfolio margin) ${rc!.gasUsed}`);
    expect(BigInt(batch)).toBeLessThan(BigInt(single));
    // Regression bound of the measured figure, 255,995 (deterministic gas; the 200k target is not
    // met, BENCHMARKS.md "Risk vector").
    expect(Number(gas)).toBeLessThanOrEqual(258_000);
  });
});


