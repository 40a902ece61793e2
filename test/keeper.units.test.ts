import { Interface } from "ethers";
import { describe, expect, it } from "vitest";
import { FEED_ABI, RpcError, revertName, withBackoff } from "../src/keeper/chain.js";
import { jobId, markKeyOf } from "../src/keeper/job.js";
import { KeeperMetrics } from "../src/keeper/metrics.js";
import { createInProcessQueue } from "../src/keeper/queue.js";
import { PoolError } from "../src/keeper/pool.js";
import { echoResult } from "./helpers/echoProver.js";

const fast = { attempts: 4, firstDelayMs: 1, maxDelayMs: 4 };
const revert = (name: string, args: unknown[]) => Object.assign(new Error("execution reverted"), { data: new Interface(FEED_ABI).encodeErrorResult(name, args) });

describe("keeper units", () => {
  it("backoff retries RPC failures, then fails naming the call; reverts are not retried", async () => {
    let calls = 0;
    expect(await withBackoff("x", async () => (++calls < 3 ? Promise.reject(new Error("ECONNRESET")) : "ok"), fast)).toBe("ok");
    expect(calls).toBe(3);
    calls = 0;
    await expect(withBackoff("getSeries(1)", async () => (calls++, Promise.reject(new Error("socket hang up"))), fast)).rejects.toThrow(RpcError);
    expect(calls).toBe(4);
    await expect(withBackoff("getSeries(1)", () => Promise.reject(new Error("socket hang up")), fast)).rejects.toThrow(/getSeries\(1\): RPC failed 4 times: socket hang up/);
    calls = 0;
    const e = revert("ObservationNotNewer", [5n, 6n]);
    await expect(withBackoff("submit", async () => (calls++, Promise.reject(e)), fast)).rejects.toBe(e);
    expect(calls).toBe(1);
    expect(revertName(e)).toBe("ObservationNotNewer");
    expect(revertName(new Error("timeout"))).toBeUndefined();
  });

  it("job ids are the mark key, and back", () => {
    const k = { seriesId: 12n, spotRound: 18446744073709551617n, volRound: 3n };
    expect(jobId(k)).toBe("s12-p18446744073709551617-v3");
    expect(jobId(k)).not.toContain(":");
    expect(markKeyOf({ seriesId: "12", spotRound: "18446744073709551617", volRound: "3" })).toEqual(k);
  });

  it("the latency histogram is cumulative in Prometheus text, with sum and count", () => {
    const m = new KeeperMetrics();
    for (const s of [0.1, 0.3, 0.3, 7, 400]) m.observeLatency(s);
    m.fail("stale");
    m.fail("stale");
    const t = m.toPrometheus();
    expect(t).toMatch(/^zkinfer_keeper_mark_latency_seconds_bucket\{le="0.25"\} 1$/m);
    expect(t).toMatch(/^zkinfer_keeper_mark_latency_seconds_bucket\{le="0.5"\} 3$/m);
    expect(t).toMatch(/^zkinfer_keeper_mark_latency_seconds_bucket\{le="10"\} 4$/m);
    expect(t).toMatch(/^zkinfer_keeper_mark_latency_seconds_bucket\{le="300"\} 4$/m);
    expect(t).toMatch(/^zkinfer_keeper_mark_latency_seconds_bucket\{le="\+Inf"\} 5$/m);
    expect(t).toMatch(/^zkinfer_keeper_mark_latency_seconds_count 5$/m);
    expect(t).toMatch(/^zkinfer_keeper_failures_total\{reason="stale"\} 2$/m);
    expect(m.toJSON().markLatencySeconds).toEqual({ count: 5, median: 0.3, p95: 400 });
  });

  it("the in-process queue collapses duplicate ids and retries a job whose prover died", async () => {
    const done: string[] = [];
    const failed: string[] = [];
    let attempts = 0;
    const q = createInProcessQueue({
      concurrency: 1,
      prove: async (job) => {
        if (job.id === "s1-p1-v1" && ++attempts < 3) throw new PoolError("prover worker 0 died during a proof (SIGKILL)");
        if (job.id === "s2-p1-v1") throw new Error("witness generation failed");
        return echoResult(job.inputs, 0, "t");
      },
      handlers: { completed: (j) => done.push(j.id), failed: (j) => failed.push(j.id) },
    });
    const job = (s: number) => ({ id: `s${s}-p1-v1`, seriesId: String(s), spotRound: "1", volRound: "1", observedAt: "1", inputs: ["1"], roundAt: 1 });
    expect(await q.add(job(1))).toBe(true);
    expect(await q.add(job(1))).toBe(false);
    expect(await q.add(job(2))).toBe(true);
    await q.close({ drain: true });
    expect(done).toEqual(["s1-p1-v1"]);
    expect(attempts).toBe(3);
    expect(failed).toEqual([]); // job 2 was still waiting at close: dropped, not failed
  });
});
