/**
 * A prove function that echoes the statement's signals with a dummy proof, for a
 * MockVerifier-backed feed (the keeper tests where the proof is not the point). No vitest
 * import: prover-worker fixtures run it outside the test runner.
 */
import type { ProveJobFn, ProveResult } from "../../src/keeper/job.js";

export const ECHO_PRICE_OVER_STRIKE = 5n * 10n ** 16n;

/** A prove function that returns the statement's signals with a dummy proof (MockVerifier). */
export function echoProver(opts: { delayMs?: number; worker?: string; before?: (jobId: string) => Promise<void>; priceOverStrike?: () => bigint } = {}): ProveJobFn {
  return async (job) => {
    if (opts.before) await opts.before(job.id);
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    const r = echoResult(job.inputs, opts.delayMs ?? 0, opts.worker ?? `echo:${process.pid}`);
    if (opts.priceOverStrike) r.publicSignals[0] = opts.priceOverStrike().toString();
    return r;
  };
}

export function echoResult(inputs: string[], proveMs: number, worker: string): ProveResult {
  return {
    publicSignals: [ECHO_PRICE_OVER_STRIKE.toString(), ...inputs],
    a: ["1", "2"],
    b: [
      ["3", "4"],
      ["5", "6"],
    ],
    c: ["7", "8"],
    proveMs,
    worker,
    rssMb: Math.round(process.memoryUsage.rss() / 2 ** 20),
  };
}

