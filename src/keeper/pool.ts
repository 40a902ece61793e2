/**
 * A warm prover pool: N child processes (default: one per core), each holding one circuit's
 * witness generator, parsed proving key and curve (./poolWorker.ts), reused across jobs.
 * Child processes rather than threads so that each worker's memory is its own RSS, and a
 * crashed worker takes only its own job down (that job is failed; the worker is restarted).
 */
import { type ChildProcess, fork } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import type { Groth16Proof } from "snarkjs";
import { BaseError } from "../errors.js";
import type { CircuitInput, Groth16ProofResult } from "../zk/groth16.js";

export type PoolRequest = { type: "prove"; id: number; input: CircuitInput } | { type: "close" };

interface Memory {
  rssMb: number;
  peakRssMb: number;
}

export type PoolResponse =
  | ({ type: "ready" } & Memory)
  | ({ type: "proof"; id: number; proof: Groth16Proof; publicSignals: string[]; witnessMs: number; proveMs: number } & Memory)
  | ({ type: "error"; id: number; name: string; message: string } & Memory);

export class PoolError extends BaseError {
  override name = "PoolError";
}

export interface PoolProof extends Groth16ProofResult {
  witnessMs: number;
  proveMs: number;
  /** Index of the worker that made it. */
  worker: number;
}

export interface WorkerStats {
  worker: number;
  pid: number | undefined;
  busy: boolean;
  proofs: number;
  restarts: number;
  rssMb: number;
  peakRssMb: number;
}

export interface ProverPool {
  readonly size: number;
  prove(input: CircuitInput): Promise<PoolProof>;
  stats(): WorkerStats[];
  /** Waits for in-flight proofs, then ends the workers. */
  close(): Promise<void>;
}

interface Slot {
  index: number;
  child: ChildProcess;
  ready: Promise<void>;
  job?: { id: number; resolve: (p: PoolProof) => void; reject: (e: Error) => void };
  proofs: number;
  restarts: number;
  rssMb: number;
  peakRssMb: number;
}

// The worker sits beside this module: compiled JavaScript in the package (dist/), TypeScript in a
// clone run through tsx (the tests, `npm run zkinfer`), which then needs tsx's loader.
const FROM_SOURCE = import.meta.url.endsWith(".ts");
const WORKER = fileURLToPath(new URL(FROM_SOURCE ? "./poolWorker.ts" : "./poolWorker.js", import.meta.url));
const WORKER_EXEC_ARGV = FROM_SOURCE ? ["--import", "tsx"] : [];

export async function createProverPool(args: { wasmPath: string; zkeyPath: string; size?: number }): Promise<ProverPool> {
  const size = args.size ?? Math.max(1, os.availableParallelism());
  if (!Number.isInteger(size) || size < 1) throw new PoolError(`pool size ${size} is not a positive integer`);
  const queue: { input: CircuitInput; resolve: (p: PoolProof) => void; reject: (e: Error) => void }[] = [];
  let nextId = 1;
  let closing = false;

  function spawn(index: number, prev?: Slot): Slot {
    const child = fork(WORKER, [args.wasmPath, args.zkeyPath], { execArgv: WORKER_EXEC_ARGV, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const slot: Slot = { index, child, ready: Promise.resolve(), proofs: prev?.proofs ?? 0, restarts: prev ? prev.restarts + 1 : 0, rssMb: 0, peakRssMb: prev?.peakRssMb ?? 0 };
    slot.ready = new Promise<void>((resolve, reject) => {
      child.on("message", (m: PoolResponse) => {
        slot.rssMb = m.rssMb;
        slot.peakRssMb = Math.max(slot.peakRssMb, m.peakRssMb);
        if (m.type === "ready") return resolve();
        if (m.type === "error" && m.id === -1) return reject(new PoolError(`prover worker ${index} could not start: ${m.message}`));
        const job = slot.job;
        if (!job || job.id !== m.id) return;
        slot.job = undefined;
        if (m.type === "proof") {
          slot.proofs++;
          job.resolve({ proof: m.proof, publicSignals: m.publicSignals, witnessMs: m.witnessMs, proveMs: m.proveMs, worker: index });
        } else {
          const e = new PoolError(m.message);
          e.name = m.name;
          job.reject(e);
        }
        dispatch();
      });
      child.on("exit", (code, signal) => {
        reject(new PoolError(`prover worker ${index} exited before it was ready (${signal ?? `code ${code}`})`));
        const job = slot.job;
        slot.job = undefined;
        if (job) job.reject(new PoolError(`prover worker ${index} died during a proof (${signal ?? `code ${code}`})`));
        if (!closing) {
          slots[index] = spawn(index, slot);
          slots[index].ready.then(dispatch, () => {});
        }
      });
    });
    slot.ready.catch(() => {});
    return slot;
  }

  function dispatch(): void {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (slot.job || !slot.child.connected) continue;
      const next = queue.shift()!;
      const id = nextId++;
      slot.job = { id, resolve: next.resolve, reject: next.reject };
      slot.child.send({ type: "prove", id, input: next.input } satisfies PoolRequest);
    }
  }

  const slots: Slot[] = [];
  for (let i = 0; i < size; i++) slots.push(spawn(i));
  try {
    await Promise.all(slots.map((s) => s.ready));
  } catch (e) {
    closing = true;
    for (const s of slots) s.child.kill();
    throw e;
  }
  // Ready workers may have been replaced (restart) while others started: dispatch waits for none.
  return {
    size,
    prove(input) {
      if (closing) return Promise.reject(new PoolError("the prover pool is closed"));
      return new Promise<PoolProof>((resolve, reject) => {
        queue.push({ input, resolve, reject });
        dispatch();
      });
    },
    stats() {
      return slots.map((s) => ({ worker: s.index, pid: s.child.pid, busy: s.job !== undefined, proofs: s.proofs, restarts: s.restarts, rssMb: round(s.rssMb), peakRssMb: round(s.peakRssMb) }));
    },
    async close() {
      closing = true;
      while (slots.some((s) => s.job) || queue.length) await new Promise((r) => setTimeout(r, 10));
      await Promise.all(
        slots.map(
          (s) =>
            new Promise<void>((resolve) => {
              if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve();
              s.child.once("exit", () => resolve());
              if (s.child.connected) s.child.send({ type: "close" } satisfies PoolRequest);
              setTimeout(() => s.child.kill(), 5_000).unref();
            }),
        ),
      );
    },
  };
}

const round = (x: number) => Math.round(x * 10) / 10;
