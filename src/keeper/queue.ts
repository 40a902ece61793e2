/**
 * The keeper's job queue: the keeper adds prove jobs and receives their results; provers take
 * jobs. Two implementations behind one interface:
 * - in-process (default, nothing to install): jobs go straight to a local prove function
 *   (the warm prover pool) with bounded concurrency;
 * - BullMQ on Redis (./bullmqQueue.ts): jobs go to `zkinfer prover-worker` processes anywhere.
 * Both collapse duplicates by job id and retry a job whose prover died.
 */
import type { ProveJob, ProveJobFn, ProveResult } from "./job.js";

export interface QueueHandlers {
  completed(job: ProveJob, result: ProveResult): void;
  failed(job: ProveJob, error: Error): void;
}

export interface ProofQueue {
  readonly kind: "in-process" | "redis";
  /** Add a job unless one with its id is waiting, running or recently done; true if added. */
  add(job: ProveJob): Promise<boolean>;
  /** Forget a finished job's id so that the same statement can be queued again. */
  forget(id: string): Promise<void>;
  /** Jobs waiting or running. */
  depth(): Promise<number>;
  /** Stop taking jobs (waiting ones are dropped); `drain` lets running ones finish and report. */
  close(opts?: { drain?: boolean }): Promise<void>;
}

/** Which errors mean "the prover died, try elsewhere" rather than "this job is bad". */
export function isWorkerLoss(e: Error): boolean {
  return e.name === "PoolError" && /died|exited/.test(e.message);
}

export interface InProcessQueueOptions {
  prove: ProveJobFn;
  concurrency: number;
  handlers: QueueHandlers;
  /** Attempts per job when the prover dies (default 3). */
  attempts?: number;
  /** How long a finished job id still collapses duplicates (ms, default 10 min). */
  doneTtlMs?: number;
}

export function createInProcessQueue(o: InProcessQueueOptions): ProofQueue {
  const attempts = o.attempts ?? 3;
  const ttl = o.doneTtlMs ?? 600_000;
  const waiting: ProveJob[] = [];
  const known = new Map<string, number>(); // id → 0 while queued/running, else done time
  let running = 0;
  let closed = false;
  const idle: (() => void)[] = [];

  async function run(job: ProveJob): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await o.prove(job);
        o.handlers.completed(job, r);
        return;
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        if (attempt < attempts && isWorkerLoss(err) && !closed) continue;
        o.handlers.failed(job, err);
        return;
      }
    }
  }

  function pump(): void {
    while (!closed && running < o.concurrency && waiting.length) {
      const job = waiting.shift()!;
      running++;
      void run(job).finally(() => {
        running--;
        known.set(job.id, Date.now());
        pump();
        if (running === 0 && (waiting.length === 0 || closed)) for (const f of idle.splice(0)) f();
      });
    }
  }

  return {
    kind: "in-process",
    async add(job) {
      if (closed) return false;
      const now = Date.now();
      for (const [id, at] of known) if (at > 0 && now - at > ttl) known.delete(id);
      if (known.has(job.id)) return false;
      known.set(job.id, 0);
      waiting.push(job);
      pump();
      return true;
    },
    async forget(id) {
      if ((known.get(id) ?? 0) > 0) known.delete(id);
    },
    async depth() {
      return waiting.length + running;
    },
    async close(opts) {
      // Jobs not started are dropped (a restarted keeper derives them again from the chain);
      // with `drain`, running ones finish and report first.
      closed = true;
      waiting.length = 0;
      if (opts?.drain) {
        while (running) await new Promise<void>((r) => idle.push(r));
      }
    },
  };
}
