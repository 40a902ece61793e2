/**
 * Proving with a model's artifacts: load everything a proof needs (checked fresh), prove raw
 * inputs, cross-check the proven output against the integer reference, and read/write the
 * proof folder (proof.json and public.json as snarkjs writes them, calldata.json for
 * Solidity, statement.json with names, units and the keys the proof was made with).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { decodePublicSignals, toCircuitInput } from "../circuit/inputs.js";
import { readModelFile } from "../model/file.js";
import { predict } from "../model/forward.js";
import type { FloatModel } from "../model/types.js";
import { fromRawUnits } from "../quantize/decimal.js";
import { loadQuantizedModel } from "../quantize/file.js";
import { integerForward } from "../quantize/forward.js";
import type { QuantizedModel } from "../quantize/types.js";
import { type Groth16Proof, type Prover, type SolidityCalldata, createProver, toSolidityCalldata } from "../zk/groth16.js";
import { type Manifest, type ModelPaths, circuitFiles, keyFiles, readJsonFile, requireStages, toJson, writeFileAtomic } from "./artifacts.js";
import { CliError } from "./errors.js";

export interface ProvingArtifacts {
  paths: ModelPaths;
  manifest: Manifest;
  q: QuantizedModel;
  model: FloatModel;
  wasm: string;
  zkey: string;
  vkey: string;
  verifier: string;
  verifierContract: string;
  /** Hash of the proving key (identifies the verifier a proof is valid for). */
  keysHash: string;
}

/** Everything a proof needs, after checking that model → qmodel → circuit → keys are consistent. */
export async function loadProvingArtifacts(paths: ModelPaths): Promise<ProvingArtifacts> {
  const manifest = await requireStages(paths, "keys");
  const q = await loadQuantizedModel(paths.qmodel);
  const { model } = await readModelFile(paths.model);
  const keys = keyFiles(paths, q.name);
  return {
    paths,
    manifest,
    q,
    model,
    wasm: circuitFiles(paths, q.name).wasm,
    zkey: keys.zkey,
    vkey: keys.vkey,
    verifier: keys.verifier,
    verifierContract: keys.contractName,
    keysHash: manifest.stages.keys!.hash,
  };
}

export interface ProvedStatement {
  proof: Groth16Proof;
  publicSignals: string[];
  calldata: SolidityCalldata;
  /** Raw inputs in model order. */
  inputs: bigint[];
  /** Proven output, raw on-chain units. */
  output: bigint;
  /** The float model's prediction for the same (rounded) inputs, real units. */
  floatOutput: number;
  witnessMs: number;
  proveMs: number;
}

export async function openProver(art: ProvingArtifacts): Promise<Prover> {
  return createProver({ wasmPath: art.wasm, zkeyPath: art.zkey });
}

/** Prove raw inputs; the proven output must equal the integer reference (else an internal error). */
export async function proveRaw(art: ProvingArtifacts, prover: Prover, inputs: bigint[]): Promise<ProvedStatement> {
  const { q } = art;
  const result = await prover.prove(toCircuitInput(q, inputs));
  const decoded = decodePublicSignals(q, result.publicSignals);
  const reference = integerForward(q, inputs).output;
  if (decoded.output !== reference) {
    throw new Error(`the circuit's output ${decoded.output} differs from the integer reference ${reference}`);
  }
  const real = inputs.map((v, j) => Number(fromRawUnits(v, q.inputs[j].decimals)));
  return {
    proof: result.proof,
    publicSignals: result.publicSignals,
    calldata: toSolidityCalldata(result.proof, result.publicSignals),
    inputs,
    output: decoded.output,
    floatOutput: predict(art.model, real),
    witnessMs: result.witnessMs,
    proveMs: result.proveMs,
  };
}

/** What statement.json holds. */
export interface StatementFile {
  model: string;
  modelId: string;
  keysHash: string;
  output: { name: string; unit: string; decimals: number; raw: string; value: string };
  inputs: { name: string; unit: string; decimals: number; raw: string; value: string }[];
  /** Set when the statement was built for a price feed submission. */
  observedAt?: string;
}

export function statementOf(art: ProvingArtifacts, proved: Pick<ProvedStatement, "inputs" | "output">, observedAt?: bigint): StatementFile {
  const { q } = art;
  return {
    model: q.name,
    modelId: q.modelId,
    keysHash: art.keysHash,
    output: { name: q.output.name, unit: q.output.unit, decimals: q.output.decimals, raw: proved.output.toString(), value: fromRawUnits(proved.output, q.output.decimals) },
    inputs: q.inputs.map((inp, j) => ({ name: inp.name, unit: inp.unit, decimals: inp.decimals, raw: proved.inputs[j].toString(), value: fromRawUnits(proved.inputs[j], inp.decimals) })),
    ...(observedAt === undefined ? {} : { observedAt: observedAt.toString() }),
  };
}

export interface ProofFiles {
  proof: string;
  public: string;
  calldata: string;
  statement: string;
}

export function proofFiles(dir: string): ProofFiles {
  return {
    proof: path.join(dir, "proof.json"),
    public: path.join(dir, "public.json"),
    calldata: path.join(dir, "calldata.json"),
    statement: path.join(dir, "statement.json"),
  };
}

export async function writeProof(dir: string, art: ProvingArtifacts, proved: ProvedStatement, observedAt?: bigint): Promise<ProofFiles> {
  const files = proofFiles(dir);
  await writeFileAtomic(files.proof, toJson(proved.proof));
  await writeFileAtomic(files.public, toJson(proved.publicSignals));
  await writeFileAtomic(files.calldata, toJson(proved.calldata));
  await writeFileAtomic(files.statement, toJson(statementOf(art, proved, observedAt)));
  return files;
}

export interface LoadedProof {
  proof: Groth16Proof;
  publicSignals: string[];
  statement?: StatementFile;
}

/** Read proof.json + public.json (+ statement.json if present) from a proof folder. */
export async function readProof(dir: string): Promise<LoadedProof> {
  const files = proofFiles(dir);
  const proof = (await readJsonFile(files.proof, "proof file")) as Groth16Proof;
  if (proof === null || typeof proof !== "object" || !Array.isArray(proof.pi_a) || !Array.isArray(proof.pi_b) || !Array.isArray(proof.pi_c)) {
    throw new CliError(`${files.proof} is not a Groth16 proof (pi_a, pi_b, pi_c)`, { details: "Re-run `zkinfer prove`." });
  }
  const publicSignals = await readJsonFile(files.public, "public signals file");
  if (!Array.isArray(publicSignals) || publicSignals.some((s) => typeof s !== "string" || !/^\d+$/.test(s))) {
    throw new CliError(`${files.public} must be a JSON array of decimal strings`, { details: "Re-run `zkinfer prove`." });
  }
  let statement: StatementFile | undefined;
  try {
    statement = JSON.parse(await readFile(files.statement, "utf8")) as StatementFile;
  } catch {
    statement = undefined;
  }
  return { proof, publicSignals: publicSignals as string[], ...(statement ? { statement } : {}) };
}

/** "0.0912 1/K", from raw units. */
export function formatOutput(q: QuantizedModel, raw: bigint): string {
  return `${q.output.name} = ${fromRawUnits(raw, q.output.decimals)} ${q.output.unit}`;
}
