/**
 * Where a model's artifacts live: one folder per model under an artifact root (default
 * `build/`), with fixed names inside (see manifest.ts for the layout).
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { safeModelName } from "../circuit/names.js";
import { BaseError } from "../errors.js";
import { exists } from "../util/fs.js";
import { verifierContractName } from "../zk/groth16.js";

/** No model folder with that name, none at all, or several to choose from. */
export class ModelNotFoundError extends BaseError {
  override name = "ModelNotFoundError";
}

export interface ModelPaths {
  /** Folder-safe model name (also the file stem of circuit and keys). */
  name: string;
  dir: string;
  manifest: string;
  model: string;
  samples: string;
  qmodel: string;
  circuitDir: string;
  keysDir: string;
  proofDir: string;
  /** Proofs made by `submit`, one folder per submitted statement (never over proofDir). */
  submissionsDir: string;
  deploymentsDir: string;
  /** The risk-vector circuit's artifacts (never over the price circuit's). */
  riskDir: string;
  riskCircuitDir: string;
  riskKeysDir: string;
  riskProofDir: string;
}

export function modelPaths(root: string, modelName: string): ModelPaths {
  const name = safeModelName(modelName);
  const dir = path.join(root, name);
  return {
    name,
    dir,
    manifest: path.join(dir, "manifest.json"),
    model: path.join(dir, "model.json"),
    samples: path.join(dir, "samples.json"),
    qmodel: path.join(dir, "qmodel.json"),
    circuitDir: path.join(dir, "circuit"),
    keysDir: path.join(dir, "keys"),
    proofDir: path.join(dir, "proof"),
    submissionsDir: path.join(dir, "submissions"),
    deploymentsDir: path.join(dir, "deployments"),
    riskDir: path.join(dir, "risk"),
    riskCircuitDir: path.join(dir, "risk", "circuit"),
    riskKeysDir: path.join(dir, "risk", "keys"),
    riskProofDir: path.join(dir, "risk", "proof"),
  };
}

/**
 * The model folder to use: `--model <name>` if given, else the only model under the root.
 */
export async function resolveModel(root: string, name: string | undefined): Promise<ModelPaths> {
  if (name !== undefined) {
    const p = modelPaths(root, name);
    if (!(await exists(p.manifest))) {
      const others = await listModels(root);
      throw new ModelNotFoundError(`no model "${name}" in ${root}`, {
        details: others.length > 0 ? `Models there: ${others.join(", ")}. Or run \`zkinfer train --name ${name}\`.` : `Run \`zkinfer train --name ${name}\` first.`,
      });
    }
    return p;
  }
  const models = await listModels(root);
  if (models.length === 1) return modelPaths(root, models[0]);
  if (models.length === 0) throw new ModelNotFoundError(`no models in ${root}`, { details: "Run `zkinfer train` first (or pass --dir <artifact root>)." });
  throw new ModelNotFoundError(`several models in ${root}: ${models.join(", ")}`, { details: "Pass --model <name>." });
}

/** Model folders (those with a manifest) under the root, sorted. */
export async function listModels(root: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names.sort()) if (await exists(path.join(root, n, "manifest.json"))) out.push(n);
  return out;
}

/** Paths of the compiled circuit of a model (file stem: the circuit name). */
export function circuitFiles(paths: ModelPaths, circuitName: string): { r1cs: string; wasm: string; sym: string; circom: string } {
  const stem = safeModelName(circuitName);
  return {
    r1cs: path.join(paths.circuitDir, `${stem}.r1cs`),
    wasm: path.join(paths.circuitDir, `${stem}_js`, `${stem}.wasm`),
    sym: path.join(paths.circuitDir, `${stem}.sym`),
    circom: path.join(paths.circuitDir, `${stem}.circom`),
  };
}

/** Paths of the Groth16 keys and verifier of a model (file stem: the circuit name). */
export function keyFiles(paths: ModelPaths, circuitName: string): { stem: string; zkey: string; vkey: string; verifier: string; contractName: string } {
  const stem = safeModelName(circuitName);
  const contractName = verifierContractName(stem);
  return {
    stem,
    zkey: path.join(paths.keysDir, `${stem}.zkey`),
    vkey: path.join(paths.keysDir, `${stem}.vkey.json`),
    verifier: path.join(paths.keysDir, `${contractName}.sol`),
    contractName,
  };
}

/** File stem of a model's risk-vector circuit and keys: `<model>_risk`. */
export function riskStem(modelName: string): string {
  return `${safeModelName(modelName)}_risk`;
}

/** Paths of the compiled risk circuit of a model, and its risk spec (`<model>_risk.json`). */
export function riskCircuitFiles(paths: ModelPaths, modelName: string): { r1cs: string; wasm: string; sym: string; circom: string; spec: string } {
  const stem = riskStem(modelName);
  return {
    r1cs: path.join(paths.riskCircuitDir, `${stem}.r1cs`),
    wasm: path.join(paths.riskCircuitDir, `${stem}_js`, `${stem}.wasm`),
    sym: path.join(paths.riskCircuitDir, `${stem}.sym`),
    circom: path.join(paths.riskCircuitDir, `${stem}.circom`),
    spec: path.join(paths.riskCircuitDir, `${stem}.json`),
  };
}

/** Paths of the risk circuit's Groth16 keys and verifier (contract `<Model>RiskVerifier`). */
export function riskKeyFiles(paths: ModelPaths, modelName: string): { stem: string; zkey: string; vkey: string; verifier: string; contractName: string } {
  const stem = riskStem(modelName);
  const contractName = verifierContractName(stem);
  return {
    stem,
    zkey: path.join(paths.riskKeysDir, `${stem}.zkey`),
    vkey: path.join(paths.riskKeysDir, `${stem}.vkey.json`),
    verifier: path.join(paths.riskKeysDir, `${contractName}.sol`),
    contractName,
  };
}
