/**
 * Proving with a model's artifacts: load everything a proof needs (checked fresh), prove raw
 * inputs, and cross-check the proven output against the integer reference.
 */
import { decodePublicSignals, toCircuitInput } from "../circuit/inputs.js";
import { readModelFile } from "../model/file.js";
import type { FloatModel } from "../model/types.js";
import { loadQuantizedModel } from "../quantize/file.js";
import { integerForward } from "../quantize/forward.js";
import type { QuantizedModel } from "../quantize/types.js";
import { type Groth16Proof, type Prover, type SolidityCalldata, createProver, toSolidityCalldata } from "../zk/groth16.js";
import { type Manifest, requireStages } from "../manifest/manifest.js";
import { type ModelPaths, circuitFiles, keyFiles } from "../manifest/paths.js";

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
  witnessMs: number;
  proveMs: number;
}

export async function openProver(art: Pick<ProvingArtifacts, "wasm" | "zkey">): Promise<Prover> {
  return createProver({ wasmPath: art.wasm, zkeyPath: art.zkey });
}

/** Prove raw inputs; the proven output must equal the integer reference (else an internal error). */
export async function proveRaw(art: { q: QuantizedModel }, prover: Prover, inputs: bigint[]): Promise<ProvedStatement> {
  const { q } = art;
  const result = await prover.prove(toCircuitInput(q, inputs));
  const decoded = decodePublicSignals(q, result.publicSignals);
  const reference = integerForward(q, inputs).output;
  if (decoded.output !== reference) {
    throw new Error(`the circuit's output ${decoded.output} differs from the integer reference ${reference}`);
  }
  return {
    proof: result.proof,
    publicSignals: result.publicSignals,
    calldata: toSolidityCalldata(result.proof, result.publicSignals),
    inputs,
    output: decoded.output,
    witnessMs: result.witnessMs,
    proveMs: result.proveMs,
  };
}

