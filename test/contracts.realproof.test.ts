/**
 * The submit path with a REAL snarkjs Groth16 verifier and real proofs of a GENERATED
 * option-pricing circuit: a small MLP trained on Black–Scholes calls, quantized, emitted by
 * the circuit generator, set up on a development ptau and deployed with `deployStack` under
 * its Poseidon model id and input ranges. The hand-written test circuit
 * circuits/test/option_layout.circom (same 5-signal layout, fast to build) serves as a
 * foreign circuit for the cross-circuit attacks and as a second verifier for the gas report.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import type { Contract } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGeneratedModelVerifier, trainSmallOptionModel, type GeneratedModelVerifier } from "../src/chain/generatedModelVerifier.js";
import { buildOptionLayoutVerifier, type OptionLayoutVerifier } from "../src/chain/optionLayoutCircuit.js";
import type { OptionModelVerifier } from "../src/chain/optionModelVerifier.js";
import { storedPriceWad, timeToExpiryWad } from "../src/chain/optionStatement.js";
import { blackScholesPrice } from "../src/data/blackScholes.js";
import { deployStack } from "../src/chain/deployStack.js";
import { measureContractGas } from "../src/chain/measureGas.js";
import { InputOutOfRangeError } from "../src/errors.js";
import { expectRevert, statementFor, WAD } from "./helpers/contracts.js";

/** BN254 base field (coordinates of proof points). */
const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

const { ethers } = await hre.network.create();

let dir: string;
let model: GeneratedModelVerifier;
let layout: OptionLayoutVerifier;
let stack: { registry: Contract; feed: Contract; spotOracle: Contract; volOracle: Contract; seriesId: bigint; strike: bigint; expiry: bigint; verifierAddress: string };

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-realproof-"));
  const q = await trainSmallOptionModel({ seed: 3 });
  model = await buildGeneratedModelVerifier({ q, workDir: path.join(dir, "model") });
  layout = await buildOptionLayoutVerifier({ workDir: path.join(dir, "layout") });
  // Registry (model id + ranges; it probes the real verifier at registration), feed with one
  // 30-day call at strike 2,000 on mock oracles (spot 2,000, volatility 80%, rate 5%), engine.
  const deployed = await deployStack(ethers, { verifier: model.verifier, model: model.model, allowMocks: true });
  const s = deployed.series[0];
  stack = {
    registry: (await ethers.getContractAt("ModelRegistry", deployed.contracts.registry)) as unknown as Contract,
    feed: (await ethers.getContractAt("OptionPriceFeed", deployed.contracts.feed)) as unknown as Contract,
    spotOracle: (await ethers.getContractAt("MockV3Aggregator", s.spotOracle)) as unknown as Contract,
    volOracle: (await ethers.getContractAt("MockV3Aggregator", s.volOracle)) as unknown as Contract,
    seriesId: s.seriesId,
    strike: s.strike,
    expiry: s.expiry,
    verifierAddress: deployed.contracts.verifier,
  };
});

afterAll(async () => {
  await model?.close();
  await layout?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Prove, with `circuit`, the statement the chain expects now (the oracles' latest rounds). */
async function proveNow(circuit: OptionModelVerifier = model) {
  const { signals } = await statementFor(stack, stack.seriesId);
  const [, moneyness, timeToExpiry, volatility, rate] = signals;
  return circuit.prove({ moneyness, timeToExpiry, volatility, rate });
}

/** A new spot-oracle round (same answer) updated now; returns its updatedAt. */
async function newRound(): Promise<bigint> {
  await (await stack.spotOracle.updateAnswer(await stack.spotOracle.answer())).wait();
  return BigInt(await stack.spotOracle.updatedAt());
}

describe("OptionPriceFeed with a generated model's real Groth16 verifier", () => {
  it("registers the model under its Poseidon id with the circuit's declared input ranges", async () => {
    expect(model.model.modelId).toBe(BigInt(model.q.modelId));
    expect(await stack.registry.isActive(model.model.modelId)).toBe(true);
    const info = await stack.registry.getModel(model.model.modelId);
    expect(info.verifier).toBe(stack.verifierAddress);
    const ranges = info.inputs.map((i: { decimals: bigint; min: bigint; max: bigint }) => [Number(i.decimals), i.min, i.max]);
    expect(ranges).toEqual(model.q.inputs.map((i) => [18, BigInt(i.minRaw), BigInt(i.maxRaw)]));
    // moneyness [0.8, 1.2], volatility [0.1, 0.8] (wad)
    expect(ranges[0].slice(1)).toEqual([(8n * WAD) / 10n, (12n * WAD) / 10n]);
    expect(ranges[2].slice(1)).toEqual([WAD / 10n, (8n * WAD) / 10n]);
    expect((await stack.feed.getSeries(stack.seriesId)).modelId).toBe(model.model.modelId);
  });

  it("accepts a real proof of the model's price and stores it", async () => {
    const t = await newRound();
    const p = await proveNow();
    const [pos, moneyness, ttm, vol, rate] = p.publicSignals;
    expect(ttm).toBe(timeToExpiryWad(stack.expiry, t));
    // The proven output is the quantized model's integer forward pass, bit for bit ...
    expect(pos).toBe(model.expectedPrice({ moneyness, timeToExpiry: ttm, volatility: vol, rate }));
    // ... and, after brief training, near Black–Scholes (price / strike ≈ 0.093 here).
    const exact = blackScholesPrice({ kind: "call", moneyness: Number(moneyness) / 1e18, timeToExpiry: Number(ttm) / 1e18, volatility: Number(vol) / 1e18, rate: Number(rate) / 1e18 });
    expect(Math.abs(Number(pos) / 1e18 - exact)).toBeLessThan(0.03);
    await (await stack.feed.submit(stack.seriesId, t, p.a, p.b, p.c, p.publicSignals)).wait();
    const [price, spot, observedAt] = await stack.feed.latestObservation(stack.seriesId);
    expect([price, spot, observedAt]).toEqual([storedPriceWad(pos, stack.strike), 2_000n * WAD, t]);
  });

  it("rejects a tampered proof and a tampered output", async () => {
    const t = await newRound();
    const p = await proveNow();
    const badA: [bigint, bigint] = [p.a[0], (p.a[1] + 1n) % Q];
    await expectRevert(stack.feed.submit(stack.seriesId, t, badA, p.b, p.c, p.publicSignals), stack.feed, "InvalidProof");
    // One step of the output's resolution (output.factor wad) is already a different statement.
    const higherPrice = [p.publicSignals[0] + BigInt(model.q.output.factor), ...p.publicSignals.slice(1)];
    await expectRevert(stack.feed.submit(stack.seriesId, t, p.a, p.b, p.c, higherPrice), stack.feed, "InvalidProof");
  });

  it("a proof is bound to its spot round: once the oracle updates, it is refused and proven again", async () => {
    const t0 = await newRound();
    const p = await proveNow();
    const t1 = await newRound();
    await expectRevert(stack.feed.submit(stack.seriesId, t0, p.a, p.b, p.c, p.publicSignals), stack.feed, "ObservationNotLatestRound", [t0, t1]);
    await expectRevert(stack.feed.submit(stack.seriesId, t1, p.a, p.b, p.c, p.publicSignals), stack.feed, "TimeToExpiryMismatch", [timeToExpiryWad(stack.expiry, t1), p.publicSignals[2]]);
    const again = await proveNow();
    await (await stack.feed.submit(stack.seriesId, t1, again.a, again.b, again.c, again.publicSignals)).wait();
  });

  it("a malleated proof (−A, −B, C) still verifies, and replay protection still rejects it", async () => {
    const t = await newRound();
    const p = await proveNow();
    await (await stack.feed.submit(stack.seriesId, t, p.a, p.b, p.c, p.publicSignals)).wait();
    const neg = (y: bigint) => (y === 0n ? 0n : Q - y);
    const a2: [bigint, bigint] = [p.a[0], neg(p.a[1])];
    const b2: [[bigint, bigint], [bigint, bigint]] = [p.b[0], [neg(p.b[1][0]), neg(p.b[1][1])]];
    const verifier = new ethers.Contract(stack.verifierAddress, model.verifier.abi as never, ethers.provider);
    expect(await verifier.verifyProof(a2, b2, p.c, p.publicSignals)).toBe(true);
    expect(await verifier.verifyProof(p.a, p.b, p.c, p.publicSignals)).toBe(true);
    await expectRevert(stack.feed.submit(stack.seriesId, t, a2, b2, p.c, p.publicSignals), stack.feed, "ObservationNotNewer", [t, t]);
  });

  it("a valid proof of another circuit with the same signal layout is rejected", async () => {
    const t = await newRound();
    // The hand-written circuit proves a (wrong) price for exactly the statement the chain expects.
    const foreign = await proveNow(layout);
    expect(foreign.publicSignals.slice(1)).toEqual((await statementFor(stack, stack.seriesId)).signals.slice(1));
    await expectRevert(stack.feed.submit(stack.seriesId, t, foreign.a, foreign.b, foreign.c, foreign.publicSignals), stack.feed, "InvalidProof");
    // Its proof with the model's price in place of its own does not verify either.
    const honest = await proveNow();
    const spliced = [honest.publicSignals[0], ...foreign.publicSignals.slice(1)];
    await expectRevert(stack.feed.submit(stack.seriesId, t, foreign.a, foreign.b, foreign.c, spliced), stack.feed, "InvalidProof");
  });

  it("outside the model's declared ranges there is no proof, and the registry refuses the statement", async () => {
    const oracleVol = BigInt(await stack.volOracle.answer());
    await (await stack.volOracle.updateAnswer(300_000_000n)).wait(); // 300%: above the model's 80%
    try {
      const t = await newRound();
      const [, moneyness, timeToExpiry, volatility, rate] = (await statementFor(stack, stack.seriesId)).signals;
      expect(volatility).toBe(3n * WAD);
      const refused = await model.prove({ moneyness, timeToExpiry, volatility, rate }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(InputOutOfRangeError);
      expect((refused as InputOutOfRangeError).feature).toBe("volatility");
      // The test circuit accepts 300%, but the feed checks the series model's ranges first.
      const foreign = await proveNow(layout);
      await expectRevert(stack.feed.submit(stack.seriesId, t, foreign.a, foreign.b, foreign.c, foreign.publicSignals), stack.registry, "InputOutOfRange", [2n, 3n * WAD, WAD / 10n, (8n * WAD) / 10n]);
    } finally {
      await (await stack.volOracle.updateAnswer(oracleVol)).wait();
    }
  });
});

describe("gas with a real verifier (5 public signals)", () => {
  let generatedVerifyGas = 0;

  it("generated model: submit stays within 310,000 gas; open, stress move inside the ranges, liquidate", async () => {
    const connection = await hre.network.create();
    try {
      const report = await measureContractGas(connection.ethers, { verifier: model });
      console.log(`contract gas (generated model, ${model.constraints} constraints): ${JSON.stringify(report)}`);
      expect(report.submit).toBeLessThanOrEqual(310_000);
      expect(report.submitFirst).toBeLessThanOrEqual(310_000);
      expect(report.verifyProofTx).toBeLessThan(report.submit);
      expect(BigInt(report.prices.liquidation)).toBeGreaterThan(BigInt(report.prices.open));
      generatedVerifyGas = report.verifyProofTx;
    } finally {
      await connection.close();
    }
  });

  it("hand-written test circuit: the same flow, and about the same verification gas (it depends on the signal count)", async () => {
    const connection = await hre.network.create();
    try {
      const report = await measureContractGas(connection.ethers, { verifier: layout });
      expect(report.submit).toBeLessThanOrEqual(310_000);
      expect(report.liquidate).toBeGreaterThan(0);
      // Only calldata bytes differ (zero bytes are cheaper).
      expect(Math.abs(report.verifyProofTx - generatedVerifyGas)).toBeLessThan(1_000);
    } finally {
      await connection.close();
    }
  });
});
