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

/** Both circuits of the reference model, for a deployment with a registered risk circuit. */
export interface BenchRiskCircuits {
  /** The quantized reference model (serialized: src/quantize/file.ts). */
  qmodelPath: string;
  /** The risk spec the risk circuit was emitted from (default grid). */
  specPath: string;
  price: { wasmPath: string; zkeyPath: string; verifierPath: string; verifierContractName: string; constraints: number };
  risk: { wasmPath: string; zkeyPath: string; verifierPath: string; verifierContractName: string; constraints: number; ptauPower: number; setupMs: number };
}

// The shared power-16 development ptau (benchmarks only): beside the checkout, or in /work/shared.
function sharedPtau16(): string | undefined {
  return [path.resolve(root, "..", "shared", "ptau", "dev-pot16.ptau"), path.resolve(root, "..", "..", "shared", "ptau", "dev-pot16.ptau"), "/work/shared/ptau/dev-pot16.ptau"].find((p) => existsSync(p));
}

/**
 * The reference model (as scripts/bench-risk.ts builds it: seed 1, quantized to tolerance
 * 5e-5), its price circuit and its risk circuit on the default grid, with Groth16 keys on the
 * shared power-16 development ptau (a fresh INSECURE development file if it is absent). The
 * risk setup takes minutes: everything is cached under bench/tmp/keeper/reference-risk.
 */
export async function referenceRiskCircuits(log: (line: string) => void = () => {}): Promise<BenchRiskCircuits> {
  const dir = path.join(work, "reference-risk");
  const info = path.join(dir, "circuits.json");
  if (existsSync(info)) return JSON.parse(await readFile(info, "utf8")) as BenchRiskCircuits;
  await mkdir(dir, { recursive: true });
  const { serializeQuantizedModel } = await import("../../src/quantize/file.js");
  const { buildRiskCircuit } = await import("../../src/circuit/risk/build.js");
  const { defaultGrid } = await import("../../src/circuit/risk/spec.js");
  log("training the reference model…");
  const { model, splits } = trainReferenceModel({ seed: 1 });
  const { q } = await quantizeToTolerance(model, splits.validation.x, { tolerance: 5e-5 });
  const qmodelPath = path.join(dir, "qmodel.json");
  await writeFile(qmodelPath, serializeQuantizedModel(q));
  const shared = sharedPtau16();
  const price = await buildCircuit(q, { outDir: path.join(dir, "price") });
  const pptau = await resolvePtau({ power: requiredPower(price.constraints, q.publicSignals.length), constraints: price.constraints, ptauPath: shared, log: () => {} });
  const pkeys = await setupGroth16({ r1csPath: price.r1csPath, ptauPath: pptau.path, outDir: path.join(dir, "price"), name: "price" });
  log(`price circuit: ${price.constraints} constraints, set up in ${(pkeys.setupMs / 1000).toFixed(1)} s`);
  const risk = await buildRiskCircuit(q, defaultGrid(), { outDir: path.join(dir, "risk") });
  const rptau = await resolvePtau({ power: requiredPower(risk.constraints, risk.spec.signals.length + q.inputs.length), constraints: risk.constraints, ptauPath: shared, log });
  log(`risk circuit: ${risk.constraints} constraints; Groth16 setup on the power-${rptau.power} ptau (minutes)…`);
  const rkeys = await setupGroth16({ r1csPath: risk.r1csPath, ptauPath: rptau.path, outDir: path.join(dir, "risk"), name: "risk" });
  log(`risk setup: ${(rkeys.setupMs / 1000).toFixed(1)} s`);
  const c: BenchRiskCircuits = {
    qmodelPath,
    specPath: risk.specPath,
    price: { wasmPath: price.wasmPath, zkeyPath: pkeys.zkeyPath, verifierPath: pkeys.verifierPath, verifierContractName: pkeys.verifierContractName, constraints: price.constraints },
    risk: { wasmPath: risk.wasmPath, zkeyPath: rkeys.zkeyPath, verifierPath: rkeys.verifierPath, verifierContractName: rkeys.verifierContractName, constraints: risk.constraints, ptauPower: rptau.power, setupMs: Math.round(rkeys.setupMs) },
  };
  await writeFile(info, JSON.stringify(c));
  return c;
}
