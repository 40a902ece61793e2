import { type ChildProcess, spawn } from "node:child_process";
import hre from "hardhat";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisQueue, parseRedisUrl, runRedisWorker } from "../src/keeper/bullmqQueue.js";
import { createFeedAdapter } from "../src/keeper/chain.js";
import { jobId, type ProveJob, proverByKind } from "../src/keeper/job.js";
import { type Keeper, type KeeperEvent, startKeeper } from "../src/keeper/keeper.js";
import { type RedisServer, deployManySeries, echoProver, marksByRound, startRedis, waitFor } from "./helpers/keeper.js";

// The keeper with BullMQ on a real redis-server (started here on a free port; if it cannot
// start, these tests fail with the reason) and prover workers in separate processes
// (test/fixtures/keeperWorker.ts, echo prover on a MockVerifier feed).
type Stack = Awaited<ReturnType<typeof deployManySeries>>;

const connection = await hre.network.connect();
const { ethers } = connection;
let redis: RedisServer;
const children: ChildProcess[] = [];

interface WorkerProc {
  child: ChildProcess;
  events: { pid: number; type: string; jobId?: string }[];
}

async function startWorker(queueName: string, delayMs: number, lockMs: number): Promise<WorkerProc> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/keeperWorker.ts", redis.url, queueName, String(delayMs), String(lockMs)], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  const w: WorkerProc = { child, events: [] };
  let buf = "";
  child.stdout!.on("data", (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        w.events.push(JSON.parse(line));
      } catch {
        // not an event line
      }
    }
  });
  await waitFor("a prover worker ready", () => {
    if (child.exitCode !== null) throw new Error(`the prover worker exited with code ${child.exitCode} before it was ready`);
    return w.events.some((e) => e.type === "ready");
  }, 60_000);
  return w;
}

async function keeperOn(stack: Stack, queueName: string, log?: (e: KeeperEvent) => void): Promise<Keeper> {
  const [owner] = await ethers.getSigners();
  const feed = await createFeedAdapter({ feedAddress: await stack.feed.getAddress(), signer: owner, backoff: { attempts: 8, firstDelayMs: 20, maxDelayMs: 500 } });
  return startKeeper({
    feed,
    makeQueue: (handlers) => createRedisQueue({ connection: parseRedisUrl(redis.url), name: queueName, handlers }),
    pollMs: 200,
    coverage: () => undefined,
    log,
  });
}

async function allCurrent(stack: Stack): Promise<boolean> {
  const flags = await Promise.all(stack.seriesIds.map((id) => stack.feed.isCurrent(id) as Promise<boolean>));
  return flags.every(Boolean);
}

beforeAll(async () => {
  redis = await startRedis();
}, 30_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await redis?.stop();
  await connection.close?.();
});

describe("keeper on BullMQ / Redis", () => {
  it("parses redis:// URLs and names the flag on a bad one", () => {
    expect(parseRedisUrl("redis://10.0.0.5:6380/2")).toEqual({ host: "10.0.0.5", port: 6380, db: 2 });
    expect(parseRedisUrl("redis://u:p%40ss@h:1")).toEqual({ host: "h", port: 1, username: "u", password: "p@ss" });
    expect(() => parseRedisUrl("http://h:1")).toThrow(/--queue.*redis:\/\//);
    expect(() => parseRedisUrl("nonsense")).toThrow(/--queue/);
  });

  it("a statement queued twice is one job (deterministic id)", async () => {
    const completed: string[] = [];
    const q = await createRedisQueue({ connection: parseRedisUrl(redis.url), name: "dedup", handlers: { completed: (j) => completed.push(j.id), failed: () => {} } });
    try {
      const job: ProveJob = { id: jobId({ seriesId: 1n, spotRound: 7n, volRound: 3n, kind: "price" }), seriesId: "1", spotRound: "7", volRound: "3", kind: "price", observedAt: "100", inputs: ["1", "2", "3", "4"], roundAt: 100 };
      expect(job.id).toBe("s1-p7-v3-price");
      expect(await q.add(job)).toBe(true);
      expect(await q.add(job)).toBe(false);
      expect(await q.add({ ...job })).toBe(false);
      expect(await q.depth()).toBe(1);
    } finally {
      await q.close();
    }
  });

  it("the statement kind travels through Redis: the same rounds as a risk statement are another job, routed by kind", async () => {
    const completed: ProveJob[] = [];
    const failed: { job: ProveJob; error: string }[] = [];
    const q = await createRedisQueue({ connection: parseRedisUrl(redis.url), name: "kinds", handlers: { completed: (j) => completed.push(j), failed: (j, e) => failed.push({ job: j, error: e.message }) }, attempts: 1 });
    let worker: Awaited<ReturnType<typeof runRedisWorker>> | undefined;
    try {
      const job = (kind: "price" | "risk"): ProveJob => ({ id: jobId({ seriesId: 2n, spotRound: 9n, volRound: 4n, kind }), seriesId: "2", spotRound: "9", volRound: "4", kind, observedAt: "100", inputs: ["1", "2", "3", "4"], roundAt: 100 });
      expect(await q.add(job("price"))).toBe(true);
      expect(await q.add(job("risk"))).toBe(true);
      expect(await q.add(job("risk"))).toBe(false);
      expect(await q.depth()).toBe(2);
      // A worker with a price prover only: the risk job fails, naming its kind.
      worker = await runRedisWorker({ connection: parseRedisUrl(redis.url), name: "kinds", prove: proverByKind({ price: echoProver() }) });
      await waitFor("both jobs reported", () => completed.length + failed.length === 2, 30_000);
      expect(completed.map((j) => [j.id, j.kind])).toEqual([["s2-p9-v4-price", "price"]]);
      expect(failed.map((f) => [f.job.id, f.job.kind])).toEqual([["s2-p9-v4-risk", "risk"]]);
      expect(failed[0].error).toMatch(/kind = "risk" has no prover here \(this prover has: price\)/);
    } finally {
      await worker?.close();
      await q.close();
    }
  });

  it("50 series × 10 oracle rounds with 3 workers: every round of every series marked exactly once", async () => {
    const stack = await deployManySeries(ethers, 50);
    const workers = await Promise.all([startWorker("load", 2, 5_000), startWorker("load", 2, 5_000), startWorker("load", 2, 5_000)]);
    const keeper = await keeperOn(stack, "load");
    try {
      await waitFor("the initial round marked on 50 series", () => allCurrent(stack), 60_000, 200);
      for (let round = 1; round <= 10; round++) {
        await (await stack.spotOracle.updateAnswer(2_000n * 10n ** 8n + BigInt(round) * 10n ** 7n)).wait();
        await waitFor(`round ${round} marked on 50 series`, () => allCurrent(stack), 60_000, 200);
      }
      await keeper.idle();
    } finally {
      await keeper.stop();
      for (const w of workers) w.child.kill("SIGTERM");
    }
    const marks = await marksByRound(stack.feed);
    expect(marks.size).toBe(50 * 11);
    expect([...marks.values()].every((n) => n === 1)).toBe(true);
    expect(keeper.metrics.submissions).toBe(550);
    // The work was shared: every worker proved some of it.
    for (const w of workers) expect(w.events.filter((e) => e.type === "proved").length).toBeGreaterThan(0);
  }, 300_000);

  it("SIGKILL of a worker mid-proof: its job completes on another worker, marked once", async () => {
    const stack = await deployManySeries(ethers, 1);
    // Slow proofs (1.5 s) and a short lock (1 s) so that the stalled job is noticed quickly.
    const [a, b] = await Promise.all([startWorker("kill", 1_500, 1_000), startWorker("kill", 1_500, 1_000)]);
    const keeper = await keeperOn(stack, "kill");
    let victim: WorkerProc | undefined;
    try {
      await waitFor("a worker started the job", () => [a, b].some((w) => w.events.some((e) => e.type === "started")), 60_000);
      victim = [a, b].find((w) => w.events.some((e) => e.type === "started"))!;
      victim.child.kill("SIGKILL");
      const survivor = victim === a ? b : a;
      await waitFor("the series marked", () => allCurrent(stack), 60_000, 100);
      await keeper.idle();
      expect(survivor.events.some((e) => e.type === "proved")).toBe(true);
      expect(victim.events.some((e) => e.type === "proved")).toBe(false);
    } finally {
      await keeper.stop();
      a.child.kill("SIGTERM");
      b.child.kill("SIGTERM");
    }
    const marks = await marksByRound(stack.feed);
    expect(marks.size).toBe(1);
    expect([...marks.values()]).toEqual([1]);
  }, 120_000);

  it("a keeper restarted while jobs sit in Redis picks up their results without double-submitting", async () => {
    const stack = await deployManySeries(ethers, 4);
    const first = await keeperOn(stack, "restart");
    // No worker yet: the jobs wait in Redis; the keeper stops (they stay queued).
    await waitFor("4 jobs queued", async () => first.inFlight() === 4, 30_000);
    await first.stop();
    const w = await startWorker("restart", 2, 5_000);
    await waitFor("the worker proved the 4 jobs", () => w.events.filter((e) => e.type === "proved").length === 4, 60_000);
    const second = await keeperOn(stack, "restart");
    try {
      await waitFor("every series current", () => allCurrent(stack), 60_000, 100);
      await second.idle();
    } finally {
      await second.stop();
      w.child.kill("SIGTERM");
    }
    expect(w.events.filter((e) => e.type === "proved")).toHaveLength(4);
    const marks = await marksByRound(stack.feed);
    expect(marks.size).toBe(4);
    expect([...marks.values()].every((n) => n === 1)).toBe(true);
  }, 120_000);
});
