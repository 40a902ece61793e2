/**
 * Proven risk of a payoff-skip model on chain: a 4 → 4 → 1 call model trained briefly on the
 * wide domain with the exact payoff skip (the network learns the time value above
 * max(m − 1, 0)), its price circuit and its risk-vector circuit (default 15-scenario grid) on
 * the bundled power-12 development ptau, deployed with `deployStack`. The risk circuit proves
 * only the network's time-value quotients; the registry's `riskValues` adds the exact payoff at
 * every shocked point, so `submitRisk` stores full scenario prices, Δ and Γ, equal to the
 * TypeScript mirror (`expectedChainRisk`) of the integer reference (`riskForward`) bit for bit.
 * An in-the-money series shows the intrinsic value in every stored scenario. The last block
 * measures `submitRisk`'s gas for this layout (the demo model's: 15 scenarios, 2 packed signals
 * + 4 inputs) against the 450,000 target, with the registry's parts from `RiskGasProbe`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import type { Contract } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeRiskSignals, riskForward } from "../src/circuit/risk/reference.js";
import { riskSpec, type RiskSpec } from "../src/circuit/risk/spec.js";
import { deployStack } from "../src/chain/deployStack.js";
import type { GeneratedModelVerifier } from "../src/chain/generatedModelVerifier.js";
import { expectedChainRisk, readRisk, riskLayoutFromSpec, SCENARIO_DIVISOR, type RiskCircuitLayout } from "../src/chain/risk.js";
import { proveAndSubmitRisk } from "../src/chain/submit.js";
import { DEFAULT_FEED_RISK } from "../src/chain/types.js";
import { blackScholesGreeks, blackScholesPrice } from "../src/data/blackScholes.js";
import { quantize } from "../src/quantize/quantize.js";
import type { QuantizedModel } from "../src/quantize/types.js";
import { trainReferenceModel } from "../src/train/reference.js";
import type { Prover } from "../src/zk/groth16.js";
import { expectRevert, WAD } from "./helpers/contracts.js";
import { riskKeys } from "./helpers/riskKeys.js";
import { randomModel } from "./helpers/randomModel.js";

const connection = await hre.network.create();
const { ethers } = connection;

const SPOT = 2_000n;
/** At the money, and deep in the money (S/K = 1.212: every shocked spot stays in the money). */
const STRIKES = [2_000n * WAD, 1_650n * WAD];
/** 180 days: the in-the-money call keeps a visible time value above its intrinsic value. */
const DAYS = 180n;
const VOL = 0.5;

let dir: string;
let q: QuantizedModel;
let spec: RiskSpec;
let layout: RiskCircuitLayout;
let price: GeneratedModelVerifier;
let riskProver: Prover;
let riskVerifier: Awaited<ReturnType<typeof riskKeys>>["riskVerifier"];
let registry: Contract;
let feed: Contract;
let priceVerifierAddress: string;
let riskVerifierAddress: string;
let spotOracle: Contract;
const seriesIds: bigint[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-riskskip-"));
  const trained = trainReferenceModel({ seed: 3, n: 8_000, kind: "call", config: { hidden: [4], batchNorm: false, epochs: 60 } });
  q = await quantize(trained.model, { actBits: 10 });
  const keys = await riskKeys(q, dir);
  ({ spec, riskVerifier, riskProver, price } = keys);
  layout = riskLayoutFromSpec(q, spec);
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const spot = await ethers.deployContract("MockV3Aggregator", [8, SPOT * 10n ** 8n, "ETH / USD"]);
  const vol = await ethers.deployContract("MockV3Aggregator", [8, BigInt(VOL * 1e8), "ETH 30d implied vol"]);
  spotOracle = spot as unknown as Contract;
  const spotAddress = await spot.getAddress();
  const volAddress = await vol.getAddress();
  const deployed = await deployStack(ethers, {
    verifier: price.verifier,
    model: price.model,
    allowMocks: true,
    risk: { verifier: riskVerifier, layout },
    series: STRIKES.map((strike) => ({
      spotOracle: { address: spotAddress },
      volOracle: { address: volAddress },
      strike,
      expiry: now + DAYS * 86_400n,
      isCall: true,
      risk: DEFAULT_FEED_RISK,
    })),
  });
  seriesIds.push(...deployed.series.map((s) => s.seriesId));
  registry = (await ethers.getContractAt("ModelRegistry", deployed.contracts.registry)) as unknown as Contract;
  feed = (await ethers.getContractAt("OptionPriceFeed", deployed.contracts.feed)) as unknown as Contract;
  priceVerifierAddress = deployed.contracts.verifier;
  riskVerifierAddress = deployed.contracts.riskVerifier!;
}, 600_000);

afterAll(async () => {
  await riskProver?.close();
  await price?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the risk layout of a payoff-skip model", () => {
  it("carries the skip (kind, input, strike, factor) into the registry", async () => {
    expect(q.output.skip).toMatchObject({ option: "call", input: 0, strikeRaw: WAD.toString(), factor: "1" });
    expect([layout.payoffKind, layout.payoffInput, layout.payoffStrike, layout.payoffFactor]).toEqual([1, 0, WAD, 1n]);
    const r = await registry.riskCircuitOf(price.model.modelId);
    expect([Number(r.payoffKind), Number(r.payoffInput), r.payoffStrike, r.payoffFactor]).toEqual([1, 0, WAD, 1n]);
    // A put skip records the put kind; a model without a skip records zeros.
    const put = { ...q, output: { ...q.output, skip: { ...q.output.skip!, option: "put" as const } } };
    expect(riskLayoutFromSpec(put, spec).payoffKind).toBe(2);
    const plain = await quantize(randomModel({ seed: 21, hidden: [4] }), { actBits: 10 });
    const p = riskLayoutFromSpec(plain, riskSpec(plain));
    expect([p.payoffKind, p.payoffInput, p.payoffStrike, p.payoffFactor]).toEqual([0, 0, 0n, 0n]);
  });

  it("registration refuses a skip kind that contradicts the model's option kind, and malformed skip fields", async () => {
    const put = 801n;
    await (await registry.registerModel(put, priceVerifierAddress, 1, 18, price.model.inputs)).wait();
    await (await registry.setOptionTerms(put, 2, 0, 10n ** 16n)).wait();
    const reg = (id: bigint, l: Partial<RiskCircuitLayout>) => registry.registerRiskCircuit(id, { verifier: riskVerifierAddress, ...layout, ...l });
    // A call skip on a put model, and a put skip on a put model's opposite.
    await expectRevert(reg(put, {}), registry, "PayoffSkipMismatch", [put, 1n, 2n]);
    await expectRevert(reg(put, { payoffKind: 3 }), registry, "PayoffSkipMismatch", [put, 3n, 2n]);
    // Option terms never set: no kind to agree with.
    const bare = 802n;
    await (await registry.registerModel(bare, priceVerifierAddress, 1, 18, price.model.inputs)).wait();
    await expectRevert(reg(bare, {}), registry, "PayoffSkipMismatch", [bare, 1n, 0n]);
    const call = 803n;
    await (await registry.registerModel(call, priceVerifierAddress, 1, 18, price.model.inputs)).wait();
    await (await registry.setOptionTerms(call, 1, 0, 10n ** 16n)).wait();
    await expectRevert(reg(call, { payoffKind: 2 }), registry, "PayoffSkipMismatch", [call, 2n, 1n]);
    await expectRevert(reg(call, { payoffInput: 4 }), registry, "InvalidPayoffSkip", [4n, WAD, 1n]);
    await expectRevert(reg(call, { payoffFactor: 0n }), registry, "InvalidPayoffSkip", [0n, WAD, 0n]);
    // No skip, yet payoff fields set.
    await expectRevert(reg(call, { payoffKind: 0 }), registry, "InvalidPayoffSkip", [0n, WAD, 1n]);
    await (await reg(call, {})).wait();
    expect(Number((await registry.riskCircuitOf(call)).payoffKind)).toBe(1);
  });
});

describe("ModelRegistry.riskValues: the feed's reading of the packed components", () => {
  it("equals decodeRiskSignals (prices, dP, d2P, payoff included) for call and put skips in and out of the money, on the shocked and unshocked inputs", async () => {
    const putId = 804n;
    await (await registry.registerModel(putId, priceVerifierAddress, 1, 18, price.model.inputs)).wait();
    await (await registry.setOptionTerms(putId, 2, 0, 10n ** 16n)).wait();
    await (await registry.registerRiskCircuit(putId, { verifier: riskVerifierAddress, ...layout, payoffKind: 2 })).wait();
    const put: QuantizedModel = { ...q, output: { ...q.output, skip: { ...q.output.skip!, option: "put" } } };
    // A skip on the volatility input (shocked by the vol axis) and on timeToExpiry (not shocked).
    const onInput = async (id: bigint, input: number): Promise<[QuantizedModel, bigint]> => {
      await (await registry.registerModel(id, priceVerifierAddress, 1, 18, price.model.inputs)).wait();
      await (await registry.setOptionTerms(id, 1, 0, 10n ** 16n)).wait();
      await (await registry.registerRiskCircuit(id, { verifier: riskVerifierAddress, ...layout, payoffInput: input, payoffStrike: WAD / 10n })).wait();
      return [{ ...q, output: { ...q.output, skip: { ...q.output.skip!, input, strikeRaw: (WAD / 10n).toString() } } }, id];
    };
    const others = [await onInput(805n, spec.volInput), await onInput(806n, 1)];
    const [lo, hi] = spec.markRange.spot.map(BigInt);
    const mid = (j: number) => (BigInt(spec.markRange.vol[0]) + BigInt(spec.markRange.vol[1])) / 2n + BigInt(j);
    let checked = 0;
    for (const m of [lo, (8n * WAD) / 10n, WAD - 12_345n, WAD, WAD + 1n, (12n * WAD) / 10n, hi]) {
      const raw = q.inputs.map((inp, j) => (j === spec.spotInput ? m : j === spec.volInput ? mid(j) : (BigInt(inp.minRaw) + BigInt(inp.maxRaw)) / 3n));
      for (const [model, id] of [[q, price.model.modelId], [put, putId], ...others] as const) {
        const v = riskForward(model, spec, raw);
        const signals = [...v.packed, ...raw];
        const d = decodeRiskSignals(model, spec, signals);
        expect(d.prices).toEqual(v.prices);
        const got = (await registry.riskValues(id, signals)).map(BigInt);
        expect(got).toEqual([...d.prices, d.dP, d.d2P]);
        checked++;
      }
    }
    expect(checked).toBe(28);
  });
});

describe("OptionPriceFeed.submitRisk of a payoff-skip model, real proofs", () => {
  const results: { signals: string[]; strike: bigint }[] = [];

  beforeAll(async () => {
    for (const [i, id] of seriesIds.entries()) {
      const r = await proveAndSubmitRisk({ feed, seriesId: id, q, spec, prover: riskProver });
      results.push({ signals: r.proved.publicSignals, strike: STRIKES[i] });
    }
  }, 300_000);

  it("stores the mark, every scenario, Δ and Γ of the TypeScript mirror of the integer reference", async () => {
    for (const [i, id] of seriesIds.entries()) {
      const { signals, strike } = results[i];
      const inputs = signals.slice(spec.signals.length).map(BigInt);
      // The reference's packed outputs are the proof's; decoder and reference agree on the prices.
      const v = riskForward(q, spec, inputs);
      expect(signals.slice(0, spec.signals.length).map(BigInt)).toEqual(v.packed);
      const d = decodeRiskSignals(q, spec, signals);
      expect(d.prices).toEqual(v.prices);
      expect(d.mark).toBe(v.prices[spec.markScenario]);
      const expected = expectedChainRisk(q, spec, [...v.packed, ...inputs], { strike, isCall: true, rate: DEFAULT_FEED_RISK.rate });
      const stored = await readRisk(feed, id);
      expect({ mark: stored.mark, delta: stored.delta, gamma: stored.gamma, scenarios: stored.scenarios }).toEqual(expected);
      expect(stored.current).toBe(true);
      // The stored price is the exact mark; the vector's mark is its priceOverStrike rounded down
      // to 2e-5 of the strike.
      const price = BigInt((await feed.mark(id)).price);
      expect(price >= expected.mark && price - expected.mark <= strike / SCENARIO_DIVISOR + 1n).toBe(true);
    }
  });

  it("an in-the-money series' scenarios include the intrinsic value (≈ Black–Scholes), Δ near the full delta", async () => {
    const { signals, strike } = results[1];
    const inputs = signals.slice(spec.signals.length).map(BigInt);
    const stored = await readRisk(feed, seriesIds[1]);
    const m = Number(inputs[0]) / 1e18;
    const tau = Number(inputs[1]) / 1e18;
    const sigma = Number(inputs[2]) / 1e18;
    const rate = Number(inputs[3]) / 1e18;
    expect(m).toBeCloseTo(2_000 / 1_650, 12);
    const K = Number(strike) / 1e18;
    const one = 2 ** spec.grid.shockBits;
    // Without the payoff the circuit's time value alone, clamped: what a decoder that ignores the skip would store.
    const timeValueOnly = expectedChainRisk({ ...q, output: { ...q.output, skip: undefined } }, spec, signals, { strike, isCall: true, rate: DEFAULT_FEED_RISK.rate });
    spec.scenarios.forEach((s, t) => {
      const mt = m * (1 + s.spot / one);
      const bs = blackScholesPrice({ kind: "call", moneyness: mt, timeToExpiry: tau, volatility: sigma * (1 + s.vol / one), rate }) * K;
      const intrinsic = (mt - 1) * K;
      const got = Number(stored.scenarios[t]) / 1e18;
      expect(intrinsic).toBeGreaterThan(0);
      expect(got).toBeGreaterThan(intrinsic);
      // Roughly: the 4-unit model's time value is off by up to 4.3 % of the strike at the −15 % edge.
      expect(Math.abs(got - bs)).toBeLessThan(0.06 * K);
      expect(stored.scenarios[t]).not.toBe(timeValueOnly.scenarios[t]);
    });
    const delta = Number(stored.delta) / 1e18;
    const bsDelta = blackScholesGreeks({ kind: "call", moneyness: m, timeToExpiry: tau, volatility: sigma, rate }).delta;
    expect(bsDelta).toBeGreaterThan(0.75);
    expect(Math.abs(delta - bsDelta)).toBeLessThan(0.15);
    // The time value alone falls as the call goes deeper in the money: Δ without the payoff is far off.
    expect(Math.abs(Number(timeValueOnly.delta) / 1e18 - bsDelta)).toBeGreaterThan(0.5);
  });

  it("at the money the payoff's kink enters Δ and Γ (the finite differences of the full price)", async () => {
    const { signals, strike } = results[0];
    const stored = await readRisk(feed, seriesIds[0]);
    const timeValueOnly = expectedChainRisk({ ...q, output: { ...q.output, skip: undefined } }, spec, signals, { strike, isCall: true, rate: DEFAULT_FEED_RISK.rate });
    expect(BigInt(signals[spec.signals.length])).toBe(WAD);
    // P(+h) gains h·m of payoff, P(0) and P(−h) none: Δ up by 1/2, Γ by 1/(h·m), per the mirror.
    const h = spec.grid.spot[spec.grid.deltaStep] / 2 ** spec.grid.shockBits;
    expect(Number(stored.delta - timeValueOnly.delta) / 1e18).toBeCloseTo(0.5, 6);
    expect(Number(stored.gamma - timeValueOnly.gamma) / 1e18).toBeCloseTo(1 / h / (Number(strike) / 1e18), 3);
    expect(stored.scenarios[spec.markScenario]).toBe(timeValueOnly.scenarios[spec.markScenario]);
  });
});

describe("gas: submitRisk of a payoff-skip model (15 scenarios, 2 packed signals + 4 inputs)", () => {
  it("stays within 450,000 gas, in and at the money, the first submission of a series included", async () => {
    const probe = await ethers.deployContract("RiskGasProbe");
    // A fresh in-the-money series (its risk slots are written by createSeries): its first submission.
    const s = await feed.getSeries(seriesIds[1]);
    await (await feed.createSeries({ spotOracle: s.spotOracle, volOracle: s.volOracle, strike: STRIKES[1], expiry: s.expiry, isCall: true, modelId: price.model.modelId, risk: DEFAULT_FEED_RISK })).wait();
    const fresh = BigInt(await feed.seriesCount());
    await (await spotOracle.updateAnswer(await spotOracle.answer())).wait();
    const first = await proveAndSubmitRisk({ feed, seriesId: fresh, q, spec, prover: riskProver });
    expect(first.risk.current).toBe(true);
    const rc = await registry.riskCircuitOf(price.model.modelId);
    expect(Number(rc.numScenarios)).toBe(15);
    expect(Number(rc.numPacked)).toBe(2);
    const gas: bigint[] = [];
    const parts: string[] = [];
    for (const id of seriesIds) {
      // Two new spot rounds at the same price; the second submission rewrites a stored risk
      // vector (whether or not the tests above ran first).
      let r!: Awaited<ReturnType<typeof proveAndSubmitRisk>>;
      for (let i = 0; i < 2; i++) {
        await (await spotOracle.updateAnswer(await spotOracle.answer())).wait();
        r = await proveAndSubmitRisk({ feed, seriesId: id, q, spec, prover: riskProver });
      }
      expect(r.risk.current).toBe(true);
      gas.push(r.gasUsed);
      const cd = r.proved.calldata;
      const check = await probe.checkGas(await registry.getAddress(), price.model.modelId, cd.publicSignals);
      const values = await probe.valuesGas(await registry.getAddress(), price.model.modelId, cd.publicSignals);
      const both = await probe.checkedValuesGas(await registry.getAddress(), price.model.modelId, cd.publicSignals);
      const [verify, ok] = await probe.verifyGas(rc.verifier, rc.selector, cd.a, cd.b, cd.c, cd.publicSignals);
      expect(ok).toBe(true);
      parts.push(`series ${id}: checkRiskSignals ${check}, riskValues ${values}, checkedRiskValues ${both}, verify ${verify} (each alone, cold)`);
    }
    console.log(`gas: submitRisk (payoff skip) first ${first.gasUsed}, repeat ${gas.join(", ")}; ${parts.join("; ")}`);
    expect(first.gasUsed).toBeLessThanOrEqual(450_000n);
    for (const g of gas) expect(g).toBeLessThanOrEqual(450_000n);
  });
});
