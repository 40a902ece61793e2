/**
 * The keeper: keeps every watched series of a feed marked.
 *
 * For each series it reads the statement of now (both oracles' latest rounds), and unless the
 * chain already holds a mark for that (series, spot round, vol round), queues one prove job
 * with a deterministic id. Proofs come back in any order; ONE submitter sends them in order
 * with the keeper's single signer. Right before sending, the submitter reads the chain again:
 * a proof whose statement is no longer the latest is dropped (and the new statement queued),
 * and a round the chain already holds is never sent again. New rounds are noticed by oracle
 * events AND by polling (an RPC may drop events). Expired series are settled.
 */
import type { OptionInputs } from "../chain/optionStatement.js";
import { type FeedAdapter, RpcError, type SeriesStatement } from "./chain.js";
import { type ProveJob, type ProveResult, type StatementKind, jobId, markKeyOf, parseStatementKind } from "./job.js";
import { KeeperMetrics } from "./metrics.js";
import type { ProofQueue, QueueHandlers } from "./queue.js";

export type KeeperEvent =
  | { event: "started"; series: number; queue: string }
  | { event: "queued"; job: string; seriesId: string }
  | { event: "proved"; job: string; worker: string; proveMs: number }
  | { event: "marked"; job: string; seriesId: string; txHash: string; latencySeconds: number }
  | { event: "dropped"; job: string; reason: string }
  | { event: "skipped"; seriesId: string; reason: string }
  | { event: "settled"; seriesId: string; txHash: string }
  | { event: "liquidated"; account: string; seriesId: string; txHash: string }
  | { event: "error"; seriesId?: string; job?: string; reason: string; message: string }
  | { event: "retry"; what: string; message: string }
  | { event: "stopping"; inFlight: number }
  | { event: "stopped" };

export interface KeeperOptions {
  feed: FeedAdapter;
  makeQueue: (handlers: QueueHandlers) => Promise<ProofQueue>;
  /** Series to keep marked (default: every series of the feed, re-read on each poll). */
  series?: bigint[];
  /**
   * Which statement each series is proven with (default "price" for all): a "risk" series is
   * proven with the risk circuit and submitted with the feed's risk entry point (`MARK_FUNCTIONS`).
   * May read the chain (a promise). At start every watched series' kind must resolve (an error
   * stops the start); for a series found later, an error skips it with the reason.
   */
  kindOf?: (seriesId: bigint) => StatementKind | Promise<StatementKind>;
  /** Poll interval (ms, default 2 000). */
  pollMs?: number;
  /** Why the model cannot prove these inputs (outside its coverage), or undefined if it can. */
  coverage: (inputs: OptionInputs, kind: StatementKind) => string | undefined;
  /**
   * A risk series whose statement is outside the risk circuit's mark range is proven as a
   * single price (if the price circuit covers it) instead of being skipped. Default true.
   */
  riskFallback?: boolean;
  /** The model's raw inputs for a statement, in the model's order (default: the option layout). */
  modelInputs?: (inputs: OptionInputs) => bigint[];
  /** Settle expired series (default true). */
  settle?: boolean;
  log?: (e: KeeperEvent) => void;
  metrics?: KeeperMetrics;
}

export interface Keeper {
  readonly metrics: KeeperMetrics;
  /** Scan every watched series now (also runs on events and every poll). */
  scanAll(): Promise<void>;
  /** Resolves when no job is queued or running and every result is submitted or dropped. */
  idle(): Promise<void>;
  /**
   * Stop watching. In-flight proofs finish and are submitted (in-process queue) or stay
   * queued in Redis for the next keeper (a restarted keeper receives their results).
   */
  stop(): Promise<void>;
  /** Jobs this keeper added whose results it has not handled yet. */
  inFlight(): number;
}

const optionInputsInOrder = (i: OptionInputs): bigint[] => [i.moneyness, i.timeToExpiry, i.volatility, i.rate];

export async function startKeeper(o: KeeperOptions): Promise<Keeper> {
  const metrics = o.metrics ?? new KeeperMetrics();
  const log = o.log ?? (() => {});
  const modelInputs = o.modelInputs ?? optionInputsInOrder;
  const kindOf = async (seriesId: bigint) => parseStatementKind((await o.kindOf?.(seriesId)) ?? "price", `kind of series ${seriesId}`);
  const pending = new Map<string, number>(); // job id → when its round was first seen (ms)
  const submitted = new Set<string>(); // job ids this keeper has marked
  const skippedOnce = new Set<string>();
  const scanning = new Map<bigint, Promise<void>>();
  const rescan = new Set<bigint>();
  let submitChain: Promise<void> = Promise.resolve();
  let stopped = false;
  const idleWaiters: (() => void)[] = [];

  const checkIdle = () => {
    if (pending.size === 0) for (const f of idleWaiters.splice(0)) f();
  };

  const handlers: QueueHandlers = {
    completed(job, result) {
      metrics.proofs++;
      if (result.worker) metrics.workerMemory(result.worker, result.rssMb);
      log({ event: "proved", job: job.id, worker: result.worker, proveMs: Math.round(result.proveMs) });
      submitChain = submitChain.then(() => submitOne(job, result)).catch(() => {});
    },
    failed(job, error) {
      metrics.fail("prove");
      log({ event: "error", job: job.id, seriesId: job.seriesId, reason: "prove", message: error.message });
      pending.delete(job.id);
      void queue.forget(job.id);
      checkIdle();
    },
  };
  const queue = await o.makeQueue(handlers);

  function skipOnce(seriesId: bigint, key: string, reason: string): void {
    metrics.skip(reason.split(":")[0]);
    if (skippedOnce.has(key)) return;
    skippedOnce.add(key);
    log({ event: "skipped", seriesId: seriesId.toString(), reason });
  }

  async function submitOne(job: ProveJob, result: ProveResult): Promise<void> {
    const key = markKeyOf(job);
    const done = (reason?: string) => {
      if (reason) {
        metrics.fail(reason);
        log({ event: "dropped", job: job.id, reason });
      }
      pending.delete(job.id);
      checkIdle();
    };
    try {
      if (submitted.has(job.id)) return done("duplicate");
      const st = await o.feed.statement(key.seriesId, key.kind);
      if (jobId(st.key) !== job.id) {
        done("stale");
        void scan(key.seriesId);
        return;
      }
      if (o.feed.isMarked(key, await o.feed.marked(key.seriesId), st)) return done("already-marked");
      const outcome = await o.feed.submit(key, BigInt(job.observedAt), result);
      if (outcome.status === "included") {
        submitted.add(job.id);
        metrics.submissions++;
        const seen = pending.get(job.id) ?? Date.now();
        const latency = (Date.now() - seen) / 1000;
        metrics.observeLatency(latency);
        log({ event: "marked", job: job.id, seriesId: job.seriesId, txHash: outcome.txHash, latencySeconds: latency });
        done();
        await liquidateIn(key.seriesId);
        return;
      }
      done(outcome.status);
      if (outcome.status === "stale") void scan(key.seriesId);
      // Sequencer down or in its grace period: forget the job so that a later scan proves again.
      if (outcome.status === "retry-later") await queue.forget(job.id);
    } catch (e) {
      // RPC down for longer than the backoff: forget the job so that the next scan proves again.
      const reason = e instanceof RpcError ? "rpc" : "submit";
      log({ event: "error", job: job.id, seriesId: job.seriesId, reason, message: e instanceof Error ? e.message.split("\n")[0] : String(e) });
      done(reason);
      await queue.forget(job.id);
    }
  }

  /** The liquidator role: after a new mark, liquidate the series' accounts below maintenance. */
  async function liquidateIn(seriesId: bigint): Promise<void> {
    if (!o.feed.accountsIn || !o.feed.liquidate) return;
    try {
      for (const account of await o.feed.accountsIn(seriesId)) {
        const r = await o.feed.liquidate(account);
        if (r?.status === "included") {
          metrics.liquidations++;
          log({ event: "liquidated", account, seriesId: seriesId.toString(), txHash: r.txHash });
        }
      }
    } catch (e) {
      metrics.fail(e instanceof RpcError ? "rpc" : "liquidate");
      log({ event: "error", seriesId: seriesId.toString(), reason: "liquidate", message: e instanceof Error ? e.message.split("\n")[0] : String(e) });
    }
  }

  async function scanOne(seriesId: bigint): Promise<void> {
    const info = await o.feed.series(seriesId);
    let kind: StatementKind;
    try {
      kind = await kindOf(seriesId);
    } catch (e) {
      if (e instanceof RpcError) throw e;
      const message = e instanceof Error ? e.message.split("\n")[0] : String(e);
      skipOnce(seriesId, `${seriesId}:kind:${message}`, `no-kind: ${message}`);
      return;
    }
    let st: SeriesStatement;
    try {
      st = await o.feed.statement(seriesId, kind);
    } catch (e) {
      if (e instanceof RpcError) throw e;
      // No statement: expired (settle), or an oracle answer the feed refuses.
      const marked = await o.feed.marked(seriesId);
      if (marked.settled) return;
      const message = e instanceof Error ? e.message.split("\n")[0] : String(e);
      if (/observedAt|expiry/.test(message) && o.settle !== false) return settle(seriesId, info.expiry);
      skipOnce(seriesId, `${seriesId}:${message}`, `no-statement: ${message}`);
      return;
    }
    if (st.now >= info.expiry) {
      if (o.settle !== false) await settle(seriesId, info.expiry);
      return;
    }
    let reason = o.coverage(st.inputs, st.key.kind);
    if (reason && st.key.kind === "risk" && o.riskFallback !== false) {
      // Outside the risk circuit's mark range (its shocked points would leave the model's
      // domain): keep the series marked with its single price; the risk vector resumes when the
      // mark is back in range.
      const priceSt = await o.feed.statement(seriesId, "price");
      if (!o.coverage(priceSt.inputs, "price")) {
        skipOnce(seriesId, `${jobId(st.key)}:fallback`, `risk-fallback: proving the single price: ${reason}`);
        st = priceSt;
        reason = undefined;
      }
    }
    const id = jobId(st.key);
    if (pending.has(id) || submitted.has(id)) return;
    const marked = await o.feed.marked(seriesId);
    if (o.feed.isMarked(st.key, marked, st)) return;
    if (reason) return skipOnce(seriesId, id, `outside-coverage: ${reason}`);
    const job: ProveJob = {
      id,
      seriesId: seriesId.toString(),
      spotRound: st.key.spotRound.toString(),
      volRound: st.key.volRound.toString(),
      kind: st.key.kind,
      observedAt: st.inputs.observedAt.toString(),
      inputs: modelInputs(st.inputs).map(String),
      roundAt: st.roundAt,
    };
    pending.set(id, Date.now());
    if (await queue.add(job)) log({ event: "queued", job: id, seriesId: job.seriesId });
    else if (queue.kind === "in-process") {
      // Finished earlier without a mark (its result was dropped): let the next scan prove again.
      pending.delete(id);
      await queue.forget(id);
      checkIdle();
    }
    // On Redis a job already there (another keeper, an earlier run) still reports to us.
  }

  async function settle(seriesId: bigint, expiry: bigint): Promise<void> {
    const key = `settle:${seriesId}`;
    const r = await o.feed.settle(seriesId);
    if (r.status === "included") {
      metrics.settlements++;
      log({ event: "settled", seriesId: seriesId.toString(), txHash: r.txHash });
    } else if (r.status === "no-round" || r.status === "retry-later") {
      skipOnce(seriesId, `${key}:${expiry}`, `expired-awaiting-round: ${r.reason}`);
    }
  }

  /** One scan per series at a time; a request during a scan runs once more after it. */
  function scan(seriesId: bigint): Promise<void> {
    if (stopped) return Promise.resolve();
    const running = scanning.get(seriesId);
    if (running) {
      rescan.add(seriesId);
      return running;
    }
    const p = (async () => {
      try {
        await scanOne(seriesId);
      } catch (e) {
        metrics.fail(e instanceof RpcError ? "rpc" : "scan");
        log({ event: "error", seriesId: seriesId.toString(), reason: e instanceof RpcError ? "rpc" : "scan", message: e instanceof Error ? e.message.split("\n")[0] : String(e) });
      } finally {
        scanning.delete(seriesId);
        if (rescan.delete(seriesId)) void scan(seriesId);
      }
    })();
    scanning.set(seriesId, p);
    return p;
  }

  let watched: bigint[] = o.series ?? (await o.feed.seriesIds());
  // A series proven as a kind the feed cannot take is a configuration error: refuse to start.
  for (const id of watched) {
    let kind: StatementKind;
    try {
      kind = await kindOf(id);
    } catch (e) {
      await queue.close();
      throw e;
    }
    if (!o.feed.supports(kind)) {
      await queue.close();
      throw new Error(`series ${id}: kind = ${kind}, but the feed at ${o.feed.address} cannot take ${kind} marks (its ABI has no ${kind === "risk" ? "submitRisk" : "submit"})`);
    }
  }
  const byOracle = new Map<string, bigint[]>();
  for (const id of watched) {
    const info = await o.feed.series(id);
    for (const a of [info.spotOracle, info.volOracle]) byOracle.set(a, [...(byOracle.get(a) ?? []), id]);
  }
  const unwatch = o.feed.watchOracles([...byOracle.keys()], (oracle) => {
    for (const id of byOracle.get(oracle) ?? []) void scan(id);
  });

  async function scanAll(): Promise<void> {
    if (!o.series) {
      try {
        watched = await o.feed.seriesIds();
      } catch {
        // keep the last list; the error is counted by the scans
      }
    }
    await Promise.all(watched.map((id) => scan(id)));
    metrics.queueDepth = await queue.depth().catch(() => metrics.queueDepth);
  }

  let timer: NodeJS.Timeout | undefined;
  const poll = () => {
    timer = setTimeout(() => {
      void scanAll().finally(() => {
        if (!stopped) poll();
      });
    }, o.pollMs ?? 2_000);
  };
  log({ event: "started", series: watched.length, queue: queue.kind });
  await scanAll();
  poll();

  return {
    metrics,
    scanAll,
    inFlight: () => pending.size,
    idle: () =>
      new Promise<void>((resolve) => {
        if (pending.size === 0) resolve();
        else idleWaiters.push(resolve);
      }).then(() => submitChain),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      unwatch();
      log({ event: "stopping", inFlight: pending.size });
      await Promise.all(scanning.values());
      if (queue.kind === "in-process") {
        await queue.close({ drain: true });
        await submitChain;
      } else {
        await queue.close();
        await submitChain;
      }
      log({ event: "stopped" });
    },
  };
}
