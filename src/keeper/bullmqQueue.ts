/**
 * The job queue on BullMQ (Redis ≥ 6.2). The keeper (`createRedisQueue`) adds jobs under
 * their deterministic id, so a statement queued twice — by two scans, two keepers, or a
 * restarted keeper — is one job; it hears results through BullMQ's queue events. Provers
 * (`runRedisWorker`, behind `zkinfer prover-worker`) hold no keys: they prove and return.
 *
 * A worker that dies mid-proof stops renewing its job's lock; after `lockDurationMs` BullMQ's
 * stalled-job check puts the job back for another worker (up to `maxStalledCount` times).
 */
import os from "node:os";
import { Queue, QueueEvents, Worker } from "bullmq";
import { InvalidValueError } from "../errors.js";
import type { ProveJob, ProveJobFn, ProveResult } from "./job.js";
import type { ProofQueue, QueueHandlers } from "./queue.js";

export const DEFAULT_QUEUE_NAME = "zkinfer-marks";

export interface RedisConnection {
  host: string;
  port: number;
  db?: number;
  password?: string;
  username?: string;
}

/** `redis://[user:password@]host:port[/db]` → connection options; a clear error otherwise. */
export function parseRedisUrl(url: string): RedisConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InvalidValueError({ field: "--queue", value: url, allowed: "redis://host:port (optionally redis://user:password@host:port/db)" });
  }
  if (u.protocol !== "redis:") throw new InvalidValueError({ field: "--queue", value: url, allowed: "a redis:// URL" });
  const port = u.port ? Number(u.port) : 6379;
  const db = u.pathname && u.pathname !== "/" ? Number(u.pathname.slice(1)) : undefined;
  if (db !== undefined && !Number.isInteger(db)) throw new InvalidValueError({ field: "--queue database", value: u.pathname.slice(1), allowed: "an integer" });
  return {
    host: u.hostname || "127.0.0.1",
    port,
    ...(db === undefined ? {} : { db }),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
  };
}

export interface RedisQueueOptions {
  connection: RedisConnection;
  name?: string;
  handlers: QueueHandlers;
  /** Attempts per job when a prove fails (default 3). */
  attempts?: number;
}

export async function createRedisQueue(o: RedisQueueOptions): Promise<ProofQueue> {
  const name = o.name ?? DEFAULT_QUEUE_NAME;
  // Fail fast (one clear error) instead of retrying forever when Redis is not there.
  const connection = { ...o.connection, maxRetriesPerRequest: null, enableOfflineQueue: true };
  const queue = new Queue<ProveJob, ProveResult>(name, { connection });
  const events = new QueueEvents(name, { connection });
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  const jobs = new Map<string, ProveJob>();
  const jobOf = async (id: string): Promise<ProveJob | undefined> => jobs.get(id) ?? (await queue.getJob(id))?.data;
  events.on("completed", ({ jobId, returnvalue }) => {
    void jobOf(jobId).then((job) => {
      if (!job) return;
      jobs.delete(jobId);
      const r = (typeof returnvalue === "string" ? JSON.parse(returnvalue) : returnvalue) as ProveResult;
      o.handlers.completed(job, r);
    });
  });
  events.on("failed", ({ jobId, failedReason }) => {
    void queue.getJob(jobId).then((j) => {
      const job = j?.data ?? jobs.get(jobId);
      // A failure with attempts left is retried by BullMQ: report only the final one.
      if (!job || (j && j.attemptsMade < (j.opts.attempts ?? 1))) return;
      jobs.delete(jobId);
      o.handlers.failed(job, new Error(failedReason));
    });
  });
  let closed = false;
  return {
    kind: "redis",
    async add(job) {
      if (closed) return false;
      const existing = await queue.getJob(job.id);
      if (existing) {
        const state = await existing.getState();
        // Proven while nobody listened (e.g. the keeper restarted): hand the result over.
        if (state === "completed" && existing.returnvalue) {
          o.handlers.completed(job, existing.returnvalue);
          return false;
        }
        if (state !== "failed") return false;
        await existing.remove();
      }
      jobs.set(job.id, job);
      const added = await queue.add("prove", job, {
        jobId: job.id,
        attempts: o.attempts ?? 3,
        backoff: { type: "fixed", delay: 200 },
        // Finished jobs stay a while so that a re-add of the same statement collapses.
        removeOnComplete: { age: 600 },
        removeOnFail: { age: 600 },
      });
      return added.id === job.id;
    },
    async forget(id) {
      const j = await queue.getJob(id);
      if (j && ["completed", "failed"].includes(await j.getState())) await j.remove();
    },
    async depth() {
      const c = await queue.getJobCounts("waiting", "active", "delayed", "prioritized");
      return Object.values(c).reduce((a, b) => a + b, 0);
    },
    async close() {
      closed = true;
      await events.close();
      await queue.close();
    },
  };
}

export interface RedisWorkerOptions {
  connection: RedisConnection;
  name?: string;
  prove: ProveJobFn;
  /** Jobs proven at once by this process (default 1: one per warm prover). */
  concurrency?: number;
  /** Lock of a running job (ms, default 30 s): how long a dead worker's job waits to be retried. */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for (ms, default 30 s). */
  stalledIntervalMs?: number;
  onEvent?: (e: { type: "started" | "proved" | "failed"; jobId: string; ms: number; error?: string }) => void;
}

export interface RedisWorkerHandle {
  close(): Promise<void>;
  readonly id: string;
}

export async function runRedisWorker(o: RedisWorkerOptions): Promise<RedisWorkerHandle> {
  const connection = { ...o.connection, maxRetriesPerRequest: null };
  const id = `${os.hostname()}:${process.pid}`;
  const worker = new Worker<ProveJob, ProveResult>(
    o.name ?? DEFAULT_QUEUE_NAME,
    async (job) => {
      const t0 = performance.now();
      o.onEvent?.({ type: "started", jobId: job.id ?? "", ms: 0 });
      try {
        const r = await o.prove(job.data);
        o.onEvent?.({ type: "proved", jobId: job.id ?? "", ms: performance.now() - t0 });
        return r;
      } catch (e) {
        o.onEvent?.({ type: "failed", jobId: job.id ?? "", ms: performance.now() - t0, error: e instanceof Error ? e.message : String(e) });
        throw e;
      }
    },
    {
      connection,
      concurrency: o.concurrency ?? 1,
      lockDuration: o.lockDurationMs ?? 30_000,
      stalledInterval: o.stalledIntervalMs ?? 30_000,
      maxStalledCount: 3,
      name: id,
    },
  );
  await worker.waitUntilReady();
  return {
    id,
    async close() {
      await worker.close();
    },
  };
}
