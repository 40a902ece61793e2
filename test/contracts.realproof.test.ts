/**
 * The full submit path with a REAL snarkjs Groth16 verifier and real proofs, using the
 * hand-written test circuit circuits/test/option_layout.circom (the option model's 5-signal
 * layout; a generated pricing circuit replaces it later), plus the gas report.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOptionLayoutVerifier, optionLayoutPrice, OPTION_LAYOUT_TEST_MODEL_ID, type OptionLayoutVerifier } from "../src/contracts/optionLayoutCircuit.js";
import { storedPriceWad, timeToExpiryWad } from "../src/contracts/optionStatement.js";
import { measureContractGas } from "../src/deploy/measureGas.js";
import { deployTestStack, expectRevert, latestTimestamp, statementFor, STRIKE, type TestStack } from "./helpers/contracts.js";

/** BN254 base field (coordinates of proof points). */
const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

const { ethers } = await hre.network.create();

let dir: string;
let circuit: OptionLayoutVerifier;
let stack: TestStack;
let verifierAddress: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-realproof-"));
  circuit = await buildOptionLayoutVerifier({ workDir: dir });
  const [deployer] = await ethers.getSigners();
  const deployed = await new ethers.ContractFactory(circuit.verifier.abi as never, circuit.verifier.bytecode, deployer).deploy();
  verifierAddress = await deployed.getAddress();
  // The registry probes the real verifier with an all-zero proof at registration.
  stack = await deployTestStack(ethers, { verifierAddress, modelId: OPTION_LAYOUT_TEST_MODEL_ID });
});

afterAll(async () => {
  await circuit?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Prove the statement the chain expects at `observedAt`. */
async function proveAt(observedAt: bigint) {
  const [, moneyness, timeToExpiry, volatility, rate] = await statementFor(stack, stack.seriesId, observedAt);
  return circuit.prove({ moneyness, timeToExpiry, volatility, rate });
}

describe("OptionPriceFeed with a real Groth16 verifier", () => {
  it("accepts a real proof and stores the proven price", async () => {
    const t = await latestTimestamp(ethers.provider);
    const p = await proveAt(t);
    const [pos, moneyness, ttm, vol, rate] = p.publicSignals;
    expect(ttm).toBe(timeToExpiryWad(stack.expiry, t));
    expect(pos).toBe(optionLayoutPrice({ moneyness, timeToExpiry: ttm, volatility: vol, rate }));
    await (await stack.feed.submit(stack.seriesId, t, p.a, p.b, p.c, p.publicSignals)).wait();
    const [price, spot, observedAt] = await stack.feed.latestObservation(stack.seriesId);
    expect([price, spot, observedAt]).toEqual([storedPriceWad(pos, STRIKE), 2_000n * 10n ** 18n, t]);
  });

  it("rejects a tampered proof and a tampered output", async () => {
    const t = (await latestTimestamp(ethers.provider)) + 1n;
    await ethers.provider.send("evm_setNextBlockTimestamp", [Number(t)]);
    await ethers.provider.send("evm_mine", []);
    const p = await proveAt(t);
    const badA: [bigint, bigint] = [p.a[0], (p.a[1] + 1n) % Q];
    await expectRevert(stack.feed.submit(stack.seriesId, t, badA, p.b, p.c, p.publicSignals), stack.feed, "InvalidProof");
    const higherPrice = [p.publicSignals[0] + 1n, ...p.publicSignals.slice(1)];
    await expectRevert(stack.feed.submit(stack.seriesId, t, p.a, p.b, p.c, higherPrice), stack.feed, "InvalidProof");
  });

  it("a proof is bound to its observedAt: submitting it for another second fails", async () => {
    const t = (await latestTimestamp(ethers.provider)) + 1n;
    await ethers.provider.send("evm_setNextBlockTimestamp", [Number(t)]);
    await ethers.provider.send("evm_mine", []);
    const p = await proveAt(t - 1n);
    await expectRevert(stack.feed.submit(stack.seriesId, t, p.a, p.b, p.c, p.publicSignals), stack.feed, "TimeToExpiryMismatch", [timeToExpiryWad(stack.expiry, t), p.publicSignals[2]]);
  });

  it("a malleated proof (−A, −B, C) still verifies, and replay protection still rejects it", async () => {
    const t = (await latestTimestamp(ethers.provider)) + 1n;
    await ethers.provider.send("evm_setNextBlockTimestamp", [Number(t)]);
    await ethers.provider.send("evm_mine", []);
    const p = await proveAt(t);
    await (await stack.feed.submit(stack.seriesId, t, p.a, p.b, p.c, p.publicSignals)).wait();
    const neg = (y: bigint) => (y === 0n ? 0n : Q - y);
    const a2: [bigint, bigint] = [p.a[0], neg(p.a[1])];
    const b2: [[bigint, bigint], [bigint, bigint]] = [p.b[0], [neg(p.b[1][0]), neg(p.b[1][1])]];
    const verifier = new ethers.Contract(verifierAddress, circuit.verifier.abi as never, ethers.provider);
    expect(await verifier.verifyProof(a2, b2, p.c, p.publicSignals)).toBe(true);
    expect(await verifier.verifyProof(p.a, p.b, p.c, p.publicSignals)).toBe(true);
    await expectRevert(stack.feed.submit(stack.seriesId, t, a2, b2, p.c, p.publicSignals), stack.feed, "ObservationNotNewer", [t, t]);
  });
});

describe("gas with a real verifier (5 public signals)", () => {
  it("submit stays within 300,000 gas; report", async () => {
    const connection = await hre.network.create();
    const report = await measureContractGas(connection.ethers, { verifier: circuit });
    console.log(`contract gas: ${JSON.stringify(report)}`);
    expect(report.submit).toBeLessThanOrEqual(300_000);
    expect(report.submitFirst).toBeLessThanOrEqual(300_000);
    expect(report.verifyProofTx).toBeLessThan(report.submit);
    await connection.close();
  });
});
