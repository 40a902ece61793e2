import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCircuit } from "../src/circuit/build.js";
import { decodePublicSignals, realToRawInputs, toCircuitInput } from "../src/circuit/inputs.js";
import { blackScholesDataset, blackScholesPrice } from "../src/data/blackScholes.js";
import { splitDataset } from "../src/data/split.js";
import { integerForward } from "../src/quantize/forward.js";
import { quantize } from "../src/quantize/quantize.js";
import { quantizationReport } from "../src/quantize/report.js";
import type { QuantizedModel } from "../src/quantize/types.js";
import { train } from "../src/train/train.js";
import { proveGroth16, setupGroth16, toSolidityCalldata, verifyGroth16 } from "../src/zk/groth16.js";
import { requiredPower, resolvePtau } from "../src/zk/ptau.js";
import { compileSolidity } from "../src/zk/solidity.js";

/**
 * The whole pipeline on the reference architecture (4 → 32 → 32 → 1, batch norm + ReLU),
 * trained briefly on a small sample so it runs in CI: train → quantize → circuit → setup →
 * prove → verify off-chain and with the exported verifier on Hardhat's in-process chain.
 */
describe("pipeline: trained reference architecture → proof verified on chain", () => {
  let dir: string;
  let q: QuantizedModel;
  let built: Awaited<ReturnType<typeof buildCircuit>>;
  let keys: Awaited<ReturnType<typeof setupGroth16>>;
  let testRows: number[][];
  let model: Awaited<ReturnType<typeof train>>["model"];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-e2e-"));
    const data = blackScholesDataset({ n: 4000, seed: 1, kind: "call" });
    const splits = splitDataset(data, { seed: 1 });
    const trained = train(splits, { hidden: [32, 32], epochs: 12, frozenBatchNormEpochs: 3, seed: 1 }, { name: "e2e-reference" });
    model = trained.model;
    testRows = splits.test.x;
    q = await quantize(model, { actBits: 16 });
    built = await buildCircuit(q, { outDir: dir });
    const ptau = await resolvePtau({ power: requiredPower(built.constraints, q.publicSignals.length), log: () => {} });
    keys = await setupGroth16({ r1csPath: built.r1csPath, ptauPath: ptau.path, outDir: dir, name: q.name });
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("fits a power-12 ptau (≤ 4,096 constraints)", () => {
    expect(built.constraints).toBeLessThan(4096 - q.publicSignals.length);
  });

  it("keeps the quantized model within 1e-4 of the float model on the test split", () => {
    const report = quantizationReport(model, q, testRows);
    expect(report.maxAbsErr).toBeLessThan(1e-4);
    expect(report.maxAbsErr).toBeLessThanOrEqual(report.guaranteedBound);
  });

  it("proves a price that verifies off-chain and with the Solidity verifier, and equals the integer reference", async () => {
    const raw = realToRawInputs(q, { moneyness: 1.02, timeToExpiry: 0.25, volatility: 0.3, rate: 0.03 });
    const { proof, publicSignals } = await proveGroth16({ wasmPath: built.wasmPath, zkeyPath: keys.zkeyPath, input: toCircuitInput(q, raw) });
    const decoded = decodePublicSignals(q, publicSignals);
    expect(decoded.inputs).toEqual(raw);
    const reference = integerForward(q, Object.values(raw).map(BigInt));
    expect(decoded.output).toBe(reference.output);
    // A sanity check on meaning: the proven price/strike is near Black–Scholes after brief training.
    const exact = blackScholesPrice({ kind: "call", moneyness: 1.02, timeToExpiry: 0.25, volatility: 0.3, rate: 0.03 });
    expect(Math.abs(Number(decoded.output) / 1e18 - exact)).toBeLessThan(0.02);

    expect(await verifyGroth16({ vkey: keys.vkeyPath, proof, publicSignals })).toBe(true);
    const verifierBuild = compileSolidity(await readFile(keys.verifierPath, "utf8"), keys.verifierContractName);
    const { ethers } = await hre.network.connect();
    const [deployer] = await ethers.getSigners();
    const verifier = (await new ethers.ContractFactory(verifierBuild.abi as never, verifierBuild.bytecode, deployer).deploy()) as unknown as {
      verifyProof: ((...a: unknown[]) => Promise<boolean>) & { estimateGas: (...a: unknown[]) => Promise<bigint> };
    };
    const cd = toSolidityCalldata(proof, publicSignals);
    expect(await verifier.verifyProof(cd.a, cd.b, cd.c, cd.publicSignals)).toBe(true);
    const forged = [...cd.publicSignals];
    forged[0] += BigInt(q.output.factor);
    expect(await verifier.verifyProof(cd.a, cd.b, cd.c, forged)).toBe(false);
  });
});
