import { type ErrorFragment, Interface } from "ethers";
import { describe, expect, it } from "vitest";
import { DONE_ERRORS, engineAbi, feedAbi, RETRY_ERRORS, RpcError, STALE_ERRORS, markRevertOutcome, revertName, withBackoff } from "../src/keeper/chain.js";
import { jobId, markKeyOf, proverByKind } from "../src/keeper/job.js";
import { KeeperMetrics } from "../src/keeper/metrics.js";
import { createInProcessQueue } from "../src/keeper/queue.js";
import { PoolError } from "../src/keeper/pool.js";
import { echoResult } from "./helpers/echoProver.js";

const fast = { attempts: 4, firstDelayMs: 1, maxDelayMs: 4 };
const revert = (name: string, args: unknown[]) => Object.assign(new Error("execution reverted"), { data: new Interface(feedAbi()).encodeErrorResult(name, args) });

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

  it("job ids are the mark key with its kind, and back", () => {
    const k = { seriesId: 12n, spotRound: 18446744073709551617n, volRound: 3n, kind: "price" as const };
    expect(jobId(k)).toBe("s12-p18446744073709551617-v3-price");
    expect(jobId(k)).not.toContain(":");
    expect(markKeyOf({ seriesId: "12", spotRound: "18446744073709551617", volRound: "3", kind: "price" })).toEqual(k);
    // The same rounds proven as a risk statement are another job.
    const risk = { ...k, kind: "risk" as const };
    expect(jobId(risk)).toBe("s12-p18446744073709551617-v3-risk");
    expect(markKeyOf({ seriesId: "12", spotRound: "18446744073709551617", volRound: "3", kind: "risk" })).toEqual(risk);
    expect(() => jobId({ ...k, kind: "greeks" as never })).toThrow(/kind = "greeks": expected one of price, risk/);
    expect(() => markKeyOf({ seriesId: "1", spotRound: "1", volRound: "1", kind: undefined as never })).toThrow(/job\.kind = undefined/);
  });

  it("proverByKind sends each job to its kind's prover, and fails a kind without one by name", async () => {
    const seen: string[] = [];
    const prove = proverByKind({ price: async (j) => (seen.push(`price:${j.id}`), echoResult(j.inputs, 0, "p")) });
    const job = (kind: "price" | "risk") => ({ id: `s1-p1-v1-${kind}`, seriesId: "1", spotRound: "1", volRound: "1", kind, observedAt: "1", inputs: ["1"], roundAt: 1 });
    await prove(job("price"));
    expect(seen).toEqual(["price:s1-p1-v1-price"]);
    await expect(prove(job("risk"))).rejects.toThrow(/job s1-p1-v1-risk: kind = "risk" has no prover here \(this prover has: price\)/);
  });

  it("a reverted mark maps to one outcome, static call or send alike; sequencer reverts retry later", () => {
    const feed = new Interface(feedAbi());
    const errorNames = (i: Interface) => new Set(i.fragments.filter((f): f is ErrorFragment => f.type === "error").map((f) => f.name));
    const feedErrors = errorNames(feed);
    const engineErrors = errorNames(new Interface(engineAbi()));
    // Every name the keeper acts on is an error of the shipped contracts (in step by construction).
    for (const n of [...DONE_ERRORS, ...RETRY_ERRORS, ...STALE_ERRORS]) expect(feedErrors.has(n) || engineErrors.has(n), n).toBe(true);
    const sets = [DONE_ERRORS, RETRY_ERRORS, STALE_ERRORS];
    for (const [i, a] of sets.entries()) for (const b of sets.slice(i + 1)) expect([...a].filter((n) => b.has(n))).toEqual([]);
    const args = (name: string) => feed.getError(name)!.inputs.map((p) => (p.type === "address" ? "0x0000000000000000000000000000000000000001" : 1n));
    expect(markRevertOutcome(revert("ObservationNotNewer", args("ObservationNotNewer")))).toEqual({ status: "already-marked", reason: "ObservationNotNewer" });
    expect(markRevertOutcome(revert("AlreadySettled", args("AlreadySettled")))).toEqual({ status: "already-marked", reason: "AlreadySettled" });
    expect(markRevertOutcome(revert("SequencerDown", []))).toEqual({ status: "retry-later", reason: "SequencerDown" });
    expect(markRevertOutcome(revert("SequencerGracePeriod", args("SequencerGracePeriod")))).toEqual({ status: "retry-later", reason: "SequencerGracePeriod" });
    for (const n of ["ObservationNotLatestRound", "VolatilityMismatch", "MoneynessMismatch", "TimeToExpiryMismatch", "StaleOracle"]) {
      expect(markRevertOutcome(revert(n, args(n)))).toEqual({ status: "stale", reason: n });
    }
    // Not the keeper's to handle: a bad proof, an unknown revert, an RPC failure.
    expect(markRevertOutcome(revert("InvalidProof", []))).toBeUndefined();
    expect(markRevertOutcome(Object.assign(new Error("execution reverted"), { data: "0xdeadbeef" }))).toBeUndefined();
    expect(markRevertOutcome(new Error("ECONNRESET"))).toBeUndefined();
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
    const job = (s: number) => ({ id: `s${s}-p1-v1`, seriesId: String(s), spotRound: "1", volRound: "1", kind: "price" as const, observedAt: "1", inputs: ["1"], roundAt: 1 });
    expect(await q.add(job(1))).toBe(true);
    expect(await q.add(job(1))).toBe(false);
    expect(await q.add(job(2))).toBe(true);
    await q.close({ drain: true });
    expect(done).toEqual(["s1-p1-v1"]);
    expect(attempts).toBe(3);
    expect(failed).toEqual([]); // job 2 was still waiting at close: dropped, not failed
  });
});
