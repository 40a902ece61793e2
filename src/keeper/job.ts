/**
 * What the keeper asks a prover for and what comes back. Plain JSON (decimal strings for
 * integers) so that a job crosses Redis and process boundaries unchanged.
 */

/** The replay key of a mark: one proof per (series, spot round, volatility round). */
export interface MarkKey {
  seriesId: bigint;
  spotRound: bigint;
  volRound: bigint;
}

export interface ProveJob {
  /** Deterministic (see `jobId`): duplicates of a statement collapse in every queue. */
  id: string;
  seriesId: string;
  spotRound: string;
  volRound: string;
  /** The spot round's updatedAt (unix s): the `observedAt` the feed expects. */
  observedAt: string;
  /** Raw model inputs in the model's order (wad for the option layout). */
  inputs: string[];
  /** When the newer of the two oracle rounds was updated (unix s): start of the mark latency. */
  roundAt: number;
}

export interface ProveResult {
  publicSignals: string[];
  /** Proof in Solidity order (decimal strings), as `OptionPriceFeed.submit` takes it. */
  a: [string, string];
  b: [[string, string], [string, string]];
  c: [string, string];
  proveMs: number;
  /** Who proved it (host:pid/worker) and that worker's RSS at the time (MB). */
  worker: string;
  rssMb: number;
}

/** Job id of a mark key: "s<series>-p<spot round>-v<vol round>" (no ":" — BullMQ reserves it). */
export function jobId(k: MarkKey): string {
  return `s${k.seriesId}-p${k.spotRound}-v${k.volRound}`;
}

export function markKeyOf(job: Pick<ProveJob, "seriesId" | "spotRound" | "volRound">): MarkKey {
  return { seriesId: BigInt(job.seriesId), spotRound: BigInt(job.spotRound), volRound: BigInt(job.volRound) };
}

/** Anything that turns a job into a proof (a warm pool, a remote worker, a test double). */
export type ProveJobFn = (job: ProveJob) => Promise<ProveResult>;
