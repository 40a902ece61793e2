import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import * as snarkjs from "snarkjs";
import { WitnessCalculatorBuilder } from "circom_runtime";
import { ArtifactError, BaseError, InvalidValueError } from "../errors.js";
import { releaseCurves } from "./curve.js";
import { FIELD_ORDER } from "./field.js";

const require = createRequire(import.meta.url);

/** circom's witness calculator (circom_runtime), loaded from a circuit's .wasm. */
export interface WitnessCalculator {
  calculateWitness(input: Record<string, unknown>, sanityCheck?: boolean): Promise<bigint[]>;
  calculateWTNSBin(input: Record<string, unknown>, sanityCheck?: boolean): Promise<Uint8Array>;
}

/** A Groth16 proof as snarkjs writes it (proof.json): BN254 points as decimal strings. */
export interface Groth16Proof {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
  protocol: string;
  curve: string;
}

/** Inputs of a circuit: signal name → decimal string / bigint (or nested arrays of them). */
export type CircuitInput = Record<string, unknown>;

export interface SetupGroth16Parameters {
  r1csPath: string;
  ptauPath: string;
  outDir: string;
  /** File stem and Solidity contract name stem, e.g. "reference" → ReferenceVerifier. */
  name: string;
  /** Entropy of the single phase-2 contribution (random when omitted). */
  entropy?: string;
  log?: (line: string) => void;
}

export interface SetupGroth16ReturnType {
  zkeyPath: string;
  vkeyPath: string;
  verifierPath: string;
  verifierContractName: string;
  setupMs: number;
}

/** Solidity contract name for a model's verifier: "bs-call" → "BsCallVerifier". */
export function verifierContractName(name: string): string {
  const stem = name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join("");
  if (!stem) throw new InvalidValueError({ field: "name", value: name, allowed: "a name with at least one letter or digit" });
  return `${/^[0-9]/.test(stem) ? "M" : ""}${stem}Verifier`;
}

/**
 * Groth16 setup: circuit-specific zkey from the ptau, one contribution, verification
 * key and Solidity verifier. With a development ptau the result is NOT secure.
 */
export async function setupGroth16(params: SetupGroth16Parameters): Promise<SetupGroth16ReturnType> {
  const log = params.log ?? (() => {});
  await mkdir(params.outDir, { recursive: true });
  const zkey0 = path.join(params.outDir, `${params.name}_0000.zkey`);
  const zkeyPath = path.join(params.outDir, `${params.name}.zkey`);
  const vkeyPath = path.join(params.outDir, `${params.name}.vkey.json`);
  const contractName = verifierContractName(params.name);
  const verifierPath = path.join(params.outDir, `${contractName}.sol`);
  const started = performance.now();
  try {
    log("  setup: circuit-specific keys (zkey new)");
    await snarkjs.zKey.newZKey(params.r1csPath, params.ptauPath, zkey0);
    log("  setup: phase-2 contribution");
    await snarkjs.zKey.contribute(zkey0, zkeyPath, "zkinfer phase-2 contribution", params.entropy ?? randomBytes(32).toString("hex"));
    log("  setup: verification key and Solidity verifier");
    const vkey = await snarkjs.zKey.exportVerificationKey(zkeyPath);
    await writeFile(vkeyPath, `${JSON.stringify(vkey, null, 2)}\n`);
    await writeFile(verifierPath, await exportSolidityVerifier(zkeyPath, contractName));
  } catch (cause) {
    throw new BaseError(`Groth16 setup failed for ${params.r1csPath}`, { cause, details: cause instanceof Error ? cause.message : String(cause) });
  } finally {
    await rm(zkey0, { force: true });
    await releaseCurves();
  }
  return { zkeyPath, vkeyPath, verifierPath, verifierContractName: contractName, setupMs: performance.now() - started };
}

/** The snarkjs Groth16 Solidity verifier for a zkey, with its contract renamed. */
export async function exportSolidityVerifier(zkeyPath: string, contractName: string): Promise<string> {
  // snarkjs's package exports hide package.json; its CommonJS build sits in <root>/build/.
  const templatePath = path.join(path.dirname(require.resolve("snarkjs")), "..", "templates", "verifier_groth16.sol.ejs");
  const template = await readFile(templatePath, "utf8");
  const source = await snarkjs.zKey.exportSolidityVerifier(zkeyPath, { groth16: template });
  return source.replace(/contract Groth16Verifier\b/, `contract ${contractName}`);
}

export class WitnessError extends BaseError {
  override name = "WitnessError";
}

/** Load a circuit's WebAssembly witness generator once. */
export async function loadWitnessCalculator(wasmPath: string): Promise<WitnessCalculator> {
  let code: Buffer;
  try {
    code = await readFile(wasmPath);
  } catch (cause) {
    throw new ArtifactError({ path: wasmPath, problem: "witness generator (.wasm) not found", details: "Compile the circuit first.", cause });
  }
  return WitnessCalculatorBuilder(code);
}

/** Compute the full witness (all wires, wire 0 = 1). Fails if any circuit assertion fails. */
export async function calculateWitness(wc: WitnessCalculator, input: CircuitInput): Promise<bigint[]> {
  try {
    return await wc.calculateWitness(input, true);
  } catch (cause) {
    throw new WitnessError("witness generation failed: the inputs violate a circuit constraint", {
      cause,
      details: cause instanceof Error ? cause.message : String(cause),
    });
  }
}

export interface Groth16ProofResult {
  proof: Groth16Proof;
  /** Decimal strings, in the circuit's public-signal order (outputs, then public inputs). */
  publicSignals: string[];
}

/**
 * A prover that keeps the witness generator, the zkey bytes and the curve loaded
 * between proofs. Call `close()` when done so worker threads end.
 */
export interface Prover {
  prove(input: CircuitInput): Promise<Groth16ProofResult & { witnessMs: number; proveMs: number }>;
  close(): Promise<void>;
}

/**
 * A prover that keeps the zkey parsed and the curve built between proofs (./warmProver.ts).
 *
 * `threads: "single"` (the default) runs the arithmetic on the calling thread. It is also the
 * faster way to make a one-off proof (`zkinfer prove`, the demo, `proveGroth16`): in a fresh
 * process on 2 cores it took about half the wall and CPU time of snarkjs's multi-threaded
 * `groth16.fullProve` for the reference model, since snarkjs starts worker threads (each
 * compiling the curve's wasm) and re-reads the zkey (`npx tsx scripts/bench/keeper.ts oneoff`,
 * `oneOffProve_*` under `keeper` in bench/results.json). Warm (the zkey already parsed),
 * snarkjs's multi-threaded prove was slightly faster in wall time per reference proof on a
 * near-idle machine but used more CPU, and `threads: "multi"` was no faster than "single":
 * the keeper's pool runs one single-threaded prover per worker process, one per core. For a
 * large circuit's latency, "multi" is the faster warm prover: it splits every MSM of 4,096
 * points or more over the threads (the reference model's 38,977-constraint risk circuit: 1.93 s
 * against 2.69 s single-threaded on 2 cores, BENCHMARKS.md "Risk vector").
 */
export async function createProver(args: { wasmPath: string; zkeyPath: string; threads?: "single" | "multi" }): Promise<Prover> {
  const { createWarmProver } = await import("./warmProver.js");
  return createWarmProver({ ...args, threads: args.threads ?? "single" });
}

/** One-shot proof (loads everything, proves, releases the curve). */
export async function proveGroth16(args: { wasmPath: string; zkeyPath: string; input: CircuitInput }): Promise<Groth16ProofResult> {
  const prover = await createProver(args);
  try {
    const { proof, publicSignals } = await prover.prove(args.input);
    return { proof, publicSignals };
  } finally {
    await prover.close();
  }
}

/** Off-chain verification against a verification key (object or path to vkey.json). */
export async function verifyGroth16(args: { vkey: Record<string, unknown> | string; proof: Groth16Proof; publicSignals: string[] }): Promise<boolean> {
  const vkey = typeof args.vkey === "string" ? await readJson(args.vkey) : args.vkey;
  try {
    for (const s of args.publicSignals) {
      if (!/^[0-9]+$/.test(s) || BigInt(s) >= FIELD_ORDER) return false;
    }
    return await snarkjs.groth16.verify(vkey, args.publicSignals, args.proof);
  } finally {
    await releaseCurves();
  }
}

/** A proof as the arguments of the exported verifier's `verifyProof(a, b, c, signals)`. */
export interface SolidityProof {
  a: [bigint, bigint];
  b: [[bigint, bigint], [bigint, bigint]];
  c: [bigint, bigint];
}

export interface SolidityCalldata extends SolidityProof {
  publicSignals: bigint[];
}

/**
 * Format a proof for Solidity. G2 coordinates are swapped to the order the
 * precompile expects (imaginary part first).
 */
export function toSolidityCalldata(proof: Groth16Proof, publicSignals: readonly string[]): SolidityCalldata {
  const n = (s: string) => BigInt(s);
  return {
    a: [n(proof.pi_a[0]), n(proof.pi_a[1])],
    b: [
      [n(proof.pi_b[0][1]), n(proof.pi_b[0][0])],
      [n(proof.pi_b[1][1]), n(proof.pi_b[1][0])],
    ],
    c: [n(proof.pi_c[0]), n(proof.pi_c[1])],
    publicSignals: publicSignals.map(n),
  };
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  } catch (cause) {
    throw new ArtifactError({ path: file, problem: "cannot read JSON", cause });
  }
}
