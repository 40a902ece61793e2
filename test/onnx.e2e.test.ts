/**
 * An imported ONNX model through the whole pipeline: the PyTorch-style fixture (4 → 8 → 8 → 1,
 * batch norm + ReLU, Sub/Div scaler, Mul/Add de-scaling) is imported, quantized, compiled,
 * set up on the bundled development ptau, proven from raw on-chain inputs, and the proof is
 * verified off chain and by the exported Solidity verifier on Hardhat's in-process chain. The
 * proven price is compared with onnxruntime's output for the same inputs.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCircuit } from "../src/circuit/build.js";
import { decodePublicSignals, realToRawInputs, toCircuitInput } from "../src/circuit/inputs.js";
import { predict } from "../src/model/forward.js";
import type { FloatModel } from "../src/model/types.js";
import { importOnnx } from "../src/onnx/import.js";
import { integerForward } from "../src/quantize/forward.js";
import { quantize } from "../src/quantize/quantize.js";
import { quantizationReport } from "../src/quantize/report.js";
import type { QuantizedModel } from "../src/quantize/types.js";
import { proveGroth16, setupGroth16, toSolidityCalldata, verifyGroth16 } from "../src/zk/groth16.js";
import { requiredPower, resolvePtau } from "../src/zk/ptau.js";
import { compileSolidity } from "../src/zk/solidity.js";
import { OPTION_SPEC } from "./helpers/onnxFixtures.js";
import { inRangeRows, runOnnxRuntime } from "./helpers/ort.js";

const FIXTURE = path.join(import.meta.dirname, "fixtures", "onnx", "pytorch-gemm-bn-relu.onnx");

describe("pipeline: ONNX import → quantize → circuit → proof verified on chain", () => {
  let dir: string;
  let bytes: Uint8Array;
  let model: FloatModel;
  let q: QuantizedModel;
  let built: Awaited<ReturnType<typeof buildCircuit>>;
  let keys: Awaited<ReturnType<typeof setupGroth16>>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-onnx-e2e-"));
    bytes = new Uint8Array(await readFile(FIXTURE));
    model = importOnnx(bytes, OPTION_SPEC, { name: "onnx-e2e" }).model;
    q = await quantize(model, { actBits: 16 });
    built = await buildCircuit(q, { outDir: dir });
    const ptau = await resolvePtau({ power: requiredPower(built.constraints, q.publicSignals.length), log: () => {} });
    keys = await setupGroth16({ r1csPath: built.r1csPath, ptauPath: ptau.path, outDir: dir, name: q.name });
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("keeps the quantized model within its guaranteed bound of the imported float model", () => {
    // Interior rows only: the real → raw conversion of an exact range end can round past it.
    const report = quantizationReport(model, q, inRangeRows(OPTION_SPEC.features, 300, 3).slice(0, 300));
    expect(report.maxAbsErr).toBeLessThanOrEqual(report.guaranteedBound);
    expect(report.guaranteedBound).toBeLessThan(1e-2);
  });

  it("proves the output for raw inputs; it verifies off chain and on chain and is onnxruntime's price within the bound", async () => {
    const real = { moneyness: 1.02, timeToExpiry: 0.25, volatility: 0.3, rate: 0.03 };
    const raw = realToRawInputs(q, real);
    const { proof, publicSignals } = await proveGroth16({ wasmPath: built.wasmPath, zkeyPath: keys.zkeyPath, input: toCircuitInput(q, raw) });
    const decoded = decodePublicSignals(q, publicSignals);
    expect(decoded.inputs).toEqual(raw);
    expect(decoded.output).toBe(integerForward(q, Object.values(raw).map(BigInt)).output);

    const proven = Number(decoded.output) / 10 ** q.output.decimals;
    const x = Object.values(real);
    const [ort] = await runOnnxRuntime(bytes, [x], "float32");
    expect(Math.abs(predict(model, x) - ort)).toBeLessThan(1e-6);
    const bound = quantizationReport(model, q, [x]).guaranteedBound;
    expect(Math.abs(proven - ort)).toBeLessThanOrEqual(bound + 1e-6);

    expect(await verifyGroth16({ vkey: keys.vkeyPath, proof, publicSignals })).toBe(true);
    const verifierBuild = compileSolidity(await readFile(keys.verifierPath, "utf8"), keys.verifierContractName);
    const { ethers } = await hre.network.connect();
    const [deployer] = await ethers.getSigners();
    const verifier = (await new ethers.ContractFactory(verifierBuild.abi as never, verifierBuild.bytecode, deployer).deploy()) as unknown as {
      verifyProof: (...a: unknown[]) => Promise<boolean>;
    };
    const cd = toSolidityCalldata(proof, publicSignals);
    expect(await verifier.verifyProof(cd.a, cd.b, cd.c, cd.publicSignals)).toBe(true);
    const forged = [...cd.publicSignals];
    forged[0] += 1n;
    expect(await verifier.verifyProof(cd.a, cd.b, cd.c, forged)).toBe(false);
  });
});
