// Builds (once, cached under bench/tmp/keeper) the two circuits the keeper benchmarks and
// the prover profile use: the 8-constraint fixed-cost circuit and the reference model.
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { buildCircuit } from "../../src/circuit/build.js";
import { toCircuitInput } from "../../src/circuit/inputs.js";
import { quantizeToTolerance, realToRaw } from "../../src/quantize/report.js";
import { trainReferenceModel } from "../../src/train/reference.js";
import { compileCircuit } from "../../src/zk/circom.js";
import { setupGroth16 } from "../../src/zk/groth16.js";
import { requiredPower, resolvePtau } from "../../src/zk/ptau.js";

export interface BenchCircuit {
  wasmPath: string;
  zkeyPath: string;
  vkeyPath: string;
  constraints: number;
  inputs: Record<string, string>[];
}

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");
const work = path.join(root, "bench", "tmp", "keeper");

async function cached(name: string, build: (dir: string) => Promise<BenchCircuit>): Promise<BenchCircuit> {
  const dir = path.join(work, name);
  const info = path.join(dir, "circuit.json");
  if (existsSync(info)) return JSON.parse(await readFile(info, "utf8")) as BenchCircuit;
  await mkdir(dir, { recursive: true });
  const c = await build(dir);
  await writeFile(info, JSON.stringify(c));
  return c;
}

export function fixed8Circuit(): Promise<BenchCircuit> {
  return cached("fixed8", async (dir) => {
    const compiled = await compileCircuit({ circuit: path.join(root, "circuits", "test", "fixed8.circom"), outDir: dir });
    const ptau = await resolvePtau({ power: requiredPower(compiled.constraints, 2), log: () => {} });
    const keys = await setupGroth16({ r1csPath: compiled.r1csPath, ptauPath: ptau.path, outDir: dir, name: "fixed8" });
    const inputs = Array.from({ length: 10 }, (_, i) => ({ x: String(i + 2), y: String(3 * i + 1) }));
    return { wasmPath: compiled.wasmPath, zkeyPath: keys.zkeyPath, vkeyPath: keys.vkeyPath, constraints: compiled.constraints, inputs };
  });
}

export function referenceCircuit(): Promise<BenchCircuit> {
  return cached("reference", async (dir) => {
    const { splits, training } = trainReferenceModel({ seed: 1, n: 50_000 });
    const { q } = await quantizeToTolerance(training.model, splits.validation.x, { tolerance: 5e-5 });
    const built = await buildCircuit(q, { outDir: dir });
    const ptau = await resolvePtau({ power: requiredPower(built.constraints, q.publicSignals.length), constraints: built.constraints, log: () => {} });
    const keys = await setupGroth16({ r1csPath: built.r1csPath, ptauPath: ptau.path, outDir: dir, name: "reference" });
    const inputs = splits.test.x.slice(0, 10).map((x) => toCircuitInput(q, x.map((v, j) => realToRaw(v, q.inputs[j].decimals))) as Record<string, string>);
    return { wasmPath: built.wasmPath, zkeyPath: keys.zkeyPath, vkeyPath: keys.vkeyPath, constraints: built.constraints, inputs };
  });
}
