/**
 * A proof folder: proof.json and public.json as snarkjs writes them, calldata.json for
 * Solidity, statement.json with names, units and the keys the proof was made with.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { BaseError } from "../errors.js";
import { fromRawUnits } from "../quantize/decimal.js";
import type { QuantizedModel } from "../quantize/types.js";
import { readJsonFile, writeFileAtomic } from "../util/fs.js";
import { toJson } from "../util/json.js";
import type { Groth16Proof } from "../zk/groth16.js";
import type { ProvedStatement } from "./proving.js";

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

function statementOf(art: { q: QuantizedModel; keysHash: string }, proved: Pick<ProvedStatement, "inputs" | "output">, observedAt?: bigint): StatementFile {
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

function proofFiles(dir: string): ProofFiles {
  return {
    proof: path.join(dir, "proof.json"),
    public: path.join(dir, "public.json"),
    calldata: path.join(dir, "calldata.json"),
    statement: path.join(dir, "statement.json"),
  };
}

export async function writeProof(dir: string, art: { q: QuantizedModel; keysHash: string }, proved: ProvedStatement, observedAt?: bigint): Promise<ProofFiles> {
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
    throw new BaseError(`${files.proof} is not a Groth16 proof (pi_a, pi_b, pi_c)`, { details: "Re-run `zkinfer prove`." });
  }
  const publicSignals = await readJsonFile(files.public, "public signals file");
  if (!Array.isArray(publicSignals) || publicSignals.some((s) => typeof s !== "string" || !/^\d+$/.test(s))) {
    throw new BaseError(`${files.public} must be a JSON array of decimal strings`, { details: "Re-run `zkinfer prove`." });
  }
  let statement: StatementFile | undefined;
  try {
    statement = JSON.parse(await readFile(files.statement, "utf8")) as StatementFile;
  } catch {
    statement = undefined;
  }
  return { proof, publicSignals: publicSignals as string[], ...(statement ? { statement } : {}) };
}

