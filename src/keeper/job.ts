/**
 * What the keeper asks a prover for and what comes back. Plain JSON (decimal strings for
 * integers) so that a job crosses Redis and process boundaries unchanged.
 */

/**
 * Which statement a series is proven with: "price" (the option's price, `OptionPriceFeed.submit`)
 * or "risk" (the risk vector of the risk circuit, src/circuit/risk: packed outputs, then the
 * same raw inputs as the price statement).
 */
export type StatementKind = "price" | "risk";
export const STATEMENT_KINDS: readonly StatementKind[] = ["price", "risk"];

export function parseStatementKind(v: unknown, field = "kind"): StatementKind {
  if (v === "price" || v === "risk") return v;
  throw new Error(`${field} = ${JSON.stringify(v)}: expected one of ${STATEMENT_KINDS.join(", ")}`);
}

/** The replay key of a mark: one proof per (series, spot round, volatility round, kind). */
export interface MarkKey {
  seriesId: bigint;
  spotRound: bigint;
  volRound: bigint;
  kind: StatementKind;
}

export interface ProveJob {
  /** Deterministic (see `jobId`): duplicates of a statement collapse in every queue. */
  id: string;
  seriesId: string;
  spotRound: string;
  volRound: string;
  /** The statement to prove (which circuit; which feed call submits it). */
  kind: StatementKind;
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
  /** Who proved it (host:pid/worker; host:pid/risk/worker for the risk pool) and that worker's RSS at the time (MB). */
  worker: string;
  rssMb: number;
}

/** Job id of a mark key: "s<series>-p<spot round>-v<vol round>-<kind>" (no ":" — BullMQ reserves it). */
export function jobId(k: MarkKey): string {
  return `s${k.seriesId}-p${k.spotRound}-v${k.volRound}-${parseStatementKind(k.kind)}`;
}

export function markKeyOf(job: Pick<ProveJob, "seriesId" | "spotRound" | "volRound" | "kind">): MarkKey {
  return { seriesId: BigInt(job.seriesId), spotRound: BigInt(job.spotRound), volRound: BigInt(job.volRound), kind: parseStatementKind(job.kind, "job.kind") };
}

/** A prove function per statement kind: a job of a kind without one fails, naming it. */
export function proverByKind(provers: Partial<Record<StatementKind, ProveJobFn>>): ProveJobFn {
  return (job) => {
    const prove = provers[job.kind];
    if (!prove) return Promise.reject(new Error(`job ${job.id}: kind = ${JSON.stringify(job.kind)} has no prover here (this prover has: ${Object.keys(provers).join(", ") || "none"})`));
    return prove(job);
  };
}

/** Anything that turns a job into a proof (a warm pool, a remote worker, a test double). */
export type ProveJobFn = (job: ProveJob) => Promise<ProveResult>;
