// Price and risk circuits of one small model, compiled and set up on the bundled power-12 ptau:
// what the real-proof risk tests on chain need (verifier sources, provers, the risk spec).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { buildCircuit } from "../../src/circuit/build.js";
import { buildRiskCircuit } from "../../src/circuit/risk/build.js";
import { defaultGrid, riskSpec, type RiskSpec } from "../../src/circuit/risk/spec.js";
import { generatedModelVerifier, type GeneratedModelVerifier } from "../../src/chain/generatedModelVerifier.js";
import type { QuantizedModel } from "../../src/quantize/types.js";
import { createProver, setupGroth16, type Prover } from "../../src/zk/groth16.js";
import { bundledPtauDir } from "../../src/zk/ptau.js";
import { compileSolidity } from "../../src/zk/solidity.js";

export interface RiskKeys {
  spec: RiskSpec;
  /** The risk circuit's compiled Solidity verifier. */
  riskVerifier: ReturnType<typeof compileSolidity>;
  riskProver: Prover;
  riskWasmPath: string;
  riskR1csPath: string;
  /** The price circuit's verifier, model registration and artifacts. */
  price: GeneratedModelVerifier;
  priceWasmPath: string;
  priceZkeyPath: string;
}

/** Builds both circuits of `q` (default grid) under `dir`/risk and `dir`/price. */
export async function riskKeys(q: QuantizedModel, dir: string): Promise<RiskKeys> {
  const spec = riskSpec(q, defaultGrid());
  const ptau = path.join(bundledPtauDir(), "dev-pot12.ptau");
  const risk = await buildRiskCircuit(q, defaultGrid(), { outDir: path.join(dir, "risk") });
  const rkeys = await setupGroth16({ r1csPath: risk.r1csPath, ptauPath: ptau, outDir: path.join(dir, "risk"), name: "risk" });
  const riskVerifier = compileSolidity(await readFile(rkeys.verifierPath, "utf8"), rkeys.verifierContractName);
  const riskProver = await createProver({ wasmPath: risk.wasmPath, zkeyPath: rkeys.zkeyPath });
  const built = await buildCircuit(q, { outDir: path.join(dir, "price") });
  const pkeys = await setupGroth16({ r1csPath: built.r1csPath, ptauPath: ptau, outDir: path.join(dir, "price"), name: "price" });
  const price = await generatedModelVerifier({ q, wasmPath: built.wasmPath, zkeyPath: pkeys.zkeyPath, verifierPath: pkeys.verifierPath, verifierContractName: pkeys.verifierContractName, constraints: built.constraints });
  return { spec, riskVerifier, riskProver, riskWasmPath: risk.wasmPath, riskR1csPath: risk.r1csPath, price, priceWasmPath: built.wasmPath, priceZkeyPath: pkeys.zkeyPath };
}
