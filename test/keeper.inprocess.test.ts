import hre from "hardhat";
import { JsonRpcProvider, Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UnsupportedKindError, createFeedAdapter } from "../src/keeper/chain.js";
import { type Keeper, type KeeperEvent, startKeeper } from "../src/keeper/keeper.js";
import { createInProcessQueue } from "../src/keeper/queue.js";
import { startStatusServer } from "../src/keeper/status.js";
import type { ProveJobFn, StatementKind } from "../src/keeper/job.js";
import { WAD } from "./helpers/contracts.js";
import { deployManySeries, echoProver, echoResult, marksByRound, startRpcProxy, waitFor } from "./helpers/keeper.js";

// The keeper against a MockVerifier-backed feed on Hardhat's in-process chain, with the
// in-process queue and a prove function that echoes the statement: here the queueing,
// staleness, replay and restart rules are the point, not the proof (test/keeper.realproof
// proves for real).
type Stack = Awaited<ReturnType<typeof deployManySeries>>;

const connection = await hre.network.connect();
const { ethers } = connection;

async function keeperFor(stack: Stack, prove: ProveJobFn, o: { series?: bigint[]; log?: (e: KeeperEvent) => void; coverage?: (i: { moneyness: bigint }) => string | undefined; signer?: Awaited<ReturnType<typeof ethers.getSigners>>[number] | Wallet } = {}): Promise<Keeper> {
  const [owner] = await ethers.getSigners();
  const feed = await createFeedAdapter({ feedAddress: await stack.feed.getAddress(), signer: o.signer ?? owner, backoff: { attempts: 12, firstDelayMs: 20, maxDelayMs: 500 } });
  return startKeeper({
    feed,
    makeQueue: async (handlers) => createInProcessQueue({ prove, concurrency: 2, handlers }),
    series: o.series,
    pollMs: 100,
    coverage: o.coverage ?? (() => undefined),
    log: o.log,
  });
}

async function allCurrent(stack: Stack, ids: bigint[]): Promise<boolean> {
  for (const id of ids) if (!(await stack.feed.isCurrent(id))) return false;
  return true;
}

describe("keeper, in-process queue", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await deployManySeries(ethers, 6);
  }, 120_000);

  it("marks every round of every series exactly once, and never re-sends a marked round", async () => {
    const events: KeeperEvent[] = [];
    const keeper = await keeperFor(stack, echoProver({ delayMs: 5 }), { log: (e) => events.push(e) });
    try {
      // The deployment's initial round first, then 4 new rounds, each once every series is current.
      await waitFor("the initial round marked on every series", () => allCurrent(stack, stack.seriesIds), 60_000);
      for (let round = 0; round < 4; round++) {
        await (await stack.spotOracle.updateAnswer(2_000n * 10n ** 8n + BigInt(round) * 10n ** 8n)).wait();
        await waitFor(`round ${round} marked on every series`, () => allCurrent(stack, stack.seriesIds), 60_000);
      }
      await keeper.scanAll();
      await keeper.idle();
    } finally {
      await keeper.stop();
    }
    const marks = await marksByRound(stack.feed);
    // 6 series × (initial round + 4 rounds)
    expect([...marks.values()].every((n) => n === 1)).toBe(true);
    expect(marks.size).toBe(6 * 5);
    expect(keeper.metrics.submissions).toBe(30);
    expect(events.filter((e) => e.event === "marked")).toHaveLength(30);
  }, 120_000);

  it("drops a proof whose oracle moved between proving and inclusion, and marks the new round", async () => {
    let moved = false;
    const prove = echoProver({
      before: async () => {
        // The oracle updates while the first job is being proven.
        if (!moved) {
          moved = true;
          await (await stack.spotOracle.updateAnswer(2_100n * 10n ** 8n)).wait();
        }
      },
    });
    await (await stack.spotOracle.updateAnswer(2_050n * 10n ** 8n)).wait();
    const before = await marksByRound(stack.feed);
    const events: KeeperEvent[] = [];
    const keeper = await keeperFor(stack, prove, { series: [1n], log: (e) => events.push(e) });
    try {
      await waitFor("series 1 current", () => allCurrent(stack, [1n]));
      await keeper.idle();
    } finally {
      await keeper.stop();
    }
    expect(events.some((e) => e.event === "dropped" && e.reason === "stale")).toBe(true);
    expect(keeper.metrics.failures.get("stale")).toBeGreaterThanOrEqual(1);
    const after = await marksByRound(stack.feed);
    const added = [...after.keys()].filter((k) => !before.has(k));
    // Only the new round was marked, once; the stale one never reached the chain.
    expect(added).toHaveLength(1);
    const [, , observedAt] = await stack.feed.latestObservation(1n);
    const [, , , updatedAt] = await stack.spotOracle.latestRoundData();
    expect(observedAt).toBe(updatedAt);
  }, 120_000);

  it("a restarted keeper resumes from the chain state without double-submitting", async () => {
    await (await stack.spotOracle.updateAnswer(2_200n * 10n ** 8n)).wait();
    // The first keeper is stopped after its second mark (the others are still proving).
    let marked = 0;
    let first: Keeper | undefined;
    const stopping: Promise<void>[] = [];
    first = await keeperFor(stack, echoProver({ delayMs: 30 }), {
      log: (e) => {
        if (e.event === "marked" && ++marked === 2) stopping.push(first!.stop());
      },
    });
    await waitFor("the first keeper stopped", () => stopping.length === 1, 60_000);
    await Promise.all(stopping);
    const second = await keeperFor(stack, echoProver({ delayMs: 5 }));
    try {
      await waitFor("every series current", () => allCurrent(stack, stack.seriesIds));
      await second.idle();
    } finally {
      await second.stop();
    }
    const marks = await marksByRound(stack.feed);
    expect([...marks.values()].every((n) => n === 1)).toBe(true);
    expect(first.metrics.submissions + second.metrics.submissions).toBe(6);
  }, 120_000);

  it("skips series outside the model's coverage with the reason, and marks the others", async () => {
    await (await stack.spotOracle.updateAnswer(2_300n * 10n ** 8n)).wait();
    const events: KeeperEvent[] = [];
    // Pretend the model covers moneyness only up to that of series 3's strike or higher.
    const [s3] = [await stack.feed.getSeries(3n)];
    const limit = (2_300n * WAD * WAD) / BigInt(s3.strike);
    const keeper = await keeperFor(stack, echoProver(), {
      series: [1n, 6n],
      log: (e) => events.push(e),
      coverage: (i) => (i.moneyness > limit ? `moneyness = ${i.moneyness} is outside the model's range [0, ${limit}]` : undefined),
    });
    try {
      await waitFor("series 6 current", () => allCurrent(stack, [6n]));
      await keeper.scanAll();
      await keeper.idle();
    } finally {
      await keeper.stop();
    }
    expect(await stack.feed.isCurrent(1n)).toBe(false);
    const skipped = events.filter((e) => e.event === "skipped");
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ seriesId: "1", reason: expect.stringMatching(/^outside-coverage: moneyness = \d+ is outside the model's range/) });
  }, 120_000);

  it("a series configured for a kind the feed cannot take is refused at start; an unknown kind never reaches the chain", async () => {
    const [owner] = await ethers.getSigners();
    const real = await createFeedAdapter({ feedAddress: await stack.feed.getAddress(), signer: owner });
    // The shipped feed takes both kinds (its ABI has submit and submitRisk).
    expect(real.supports("price")).toBe(true);
    expect(real.supports("risk")).toBe(true);
    // A deployment of a feed without risk marks (here: the same adapter saying so).
    const priceOnly = { ...real, supports: (k: string) => k === "price" };
    let proved = 0;
    const start = startKeeper({
      feed: priceOnly,
      makeQueue: async (handlers) => createInProcessQueue({ prove: async (j) => (proved++, echoResult(j.inputs, 0, "t")), concurrency: 1, handlers }),
      kindOf: (id) => (id === 2n ? "risk" : "price"),
      pollMs: 100,
      coverage: () => undefined,
    });
    await expect(start).rejects.toThrow(new RegExp(`^series 2: kind = risk, but the feed at ${await stack.feed.getAddress()} cannot take risk marks \\(its ABI has no submitRisk\\)$`));
    expect(proved).toBe(0);
    // The adapter's one mark function refuses a kind it has no feed function for, before any call.
    const before = await marksByRound(stack.feed);
    const bogus = { seriesId: 1n, spotRound: 1n, volRound: 1n, kind: "greeks" as never };
    await expect(real.submit(bogus, 1n, echoResult(["1"], 0, "t"))).rejects.toThrow(UnsupportedKindError);
    await expect(real.submit(bogus, 1n, echoResult(["1"], 0, "t"))).rejects.toThrow(/^kind = "greeks": not a statement kind \(price, risk\)$/);
    expect(await marksByRound(stack.feed)).toEqual(before);
  }, 60_000);

  it("serves JSON status and Prometheus metrics on 127.0.0.1", async () => {
    await (await stack.spotOracle.updateAnswer(2_400n * 10n ** 8n)).wait();
    const keeper = await keeperFor(stack, echoProver());
    const server = await startStatusServer(keeper.metrics, 0);
    try {
      await waitFor("every series current", () => allCurrent(stack, stack.seriesIds));
      await keeper.idle();
      const status = (await (await fetch(`http://127.0.0.1:${server.port}/status`)).json()) as { submissions: number; markLatencySeconds: { count: number } };
      expect(status.submissions).toBe(6);
      expect(status.markLatencySeconds.count).toBe(6);
      const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      expect(text).toMatch(/^zkinfer_keeper_submissions_total 6$/m);
      expect(text).toMatch(/^zkinfer_keeper_mark_latency_seconds_count 6$/m);
      expect(text).toMatch(/^zkinfer_keeper_mark_latency_seconds_bucket\{le="\+Inf"\} 6$/m);
      expect(text).toMatch(/^zkinfer_keeper_worker_rss_megabytes\{worker="echo:\d+"\} \d+/m);
    } finally {
      await server.close();
      await keeper.stop();
    }
  }, 120_000);

  it("through an RPC proxy that drops or delays 10% of requests, still marks each round exactly once", async () => {
    const proxy = await startRpcProxy(connection.provider as never, { faultRate: 0.1, maxDelayMs: 300, seed: 7 });
    const provider = new JsonRpcProvider(proxy.url, undefined, { staticNetwork: true, batchMaxCount: 1, pollingInterval: 50 });
    // Hardhat's first default account (the same owner), through the flaky endpoint.
    const [owner] = await ethers.getSigners();
    const accounts = (connection as unknown as { networkConfig: { accounts: unknown } }).networkConfig.accounts;
    const key = await resolveFirstKey(accounts);
    const signer = new Wallet(key, provider);
    expect(signer.address).toBe(owner.address);
    const keeper = await keeperFor(stack, echoProver({ delayMs: 5 }), { signer });
    try {
      for (let round = 0; round < 3; round++) {
        await (await stack.spotOracle.updateAnswer(2_500n * 10n ** 8n + BigInt(round) * 10n ** 8n)).wait();
        await waitFor(`round ${round} marked on every series`, () => allCurrent(stack, stack.seriesIds), 90_000);
      }
      await keeper.idle();
    } finally {
      await keeper.stop();
      provider.destroy();
      await proxy.close();
    }
    expect(proxy.stats.dropped + proxy.stats.delayed).toBeGreaterThan(0);
    const marks = await marksByRound(stack.feed);
    expect([...marks.values()].every((n) => n === 1)).toBe(true);
  }, 180_000);

  it("a kind read from the chain (a promise): a watched series whose kind fails stops the start; a series added later is skipped with the reason", async () => {
    const [owner] = await ethers.getSigners();
    const feed = await createFeedAdapter({ feedAddress: await stack.feed.getAddress(), signer: owner });
    const queue = (handlers: Parameters<typeof createInProcessQueue>[0]["handlers"]) => Promise.resolve(createInProcessQueue({ prove: echoProver(), concurrency: 1, handlers }));
    const failing = startKeeper({ feed, makeQueue: queue, series: [1n, 2n], kindOf: async (id) => (id === 2n ? Promise.reject(new Error("series 2: no risk circuit for model 1")) : "price"), coverage: () => undefined });
    await expect(failing).rejects.toThrow(/^series 2: no risk circuit for model 1$/);
    const known = BigInt(await stack.feed.seriesCount());
    const events: KeeperEvent[] = [];
    const kinds: bigint[] = [];
    const keeper = await startKeeper({
      feed,
      makeQueue: queue,
      pollMs: 100,
      kindOf: async (id): Promise<StatementKind> => {
        kinds.push(id);
        if (id > known) throw new Error(`series ${id}: no kind for it`);
        return "price";
      },
      coverage: () => undefined,
      log: (e) => events.push(e),
    });
    try {
      await keeper.idle();
      const s = await stack.feed.getSeries(1n);
      await (await stack.feed.createSeries({ spotOracle: s.spotOracle, volOracle: s.volOracle, strike: s.strike + 7n * WAD, expiry: s.expiry, isCall: true, modelId: s.modelId, risk: { spotHeartbeat: s.spotHeartbeat, volHeartbeat: s.volHeartbeat, rate: s.rate } })).wait();
      const added = known + 1n;
      await waitFor("the new series skipped", () => events.some((e) => e.event === "skipped" && e.seriesId === String(added)), 30_000);
      await keeper.scanAll();
      await keeper.idle();
      const skipped = events.filter((e): e is Extract<KeeperEvent, { event: "skipped" }> => e.event === "skipped" && e.seriesId === String(added));
      expect(skipped).toHaveLength(1);
      expect(skipped[0].reason).toBe(`no-kind: series ${added}: no kind for it`);
      expect(await stack.feed.isCurrent(added)).toBe(false);
      expect(kinds.filter((id) => id === added).length).toBeGreaterThan(1);
      expect(keeper.metrics.skipped.get("no-kind")).toBeGreaterThan(1);
    } finally {
      await keeper.stop();
    }
  }, 60_000);
});

async function resolveFirstKey(accounts: unknown): Promise<string> {
  // Hardhat 3's default accounts: derived from the well-known test mnemonic.
  const { HDNodeWallet, Mnemonic } = await import("ethers");
  const cfg = accounts as { mnemonic?: { get(): Promise<string> } | string; path?: string };
  const phrase = typeof cfg?.mnemonic === "string" ? cfg.mnemonic : cfg?.mnemonic ? await cfg.mnemonic.get() : "test test test test test test test test test test test junk";
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(phrase), "m/44'/60'/0'/0/0").privateKey;
}

afterAll(async () => {
  await connection.close?.();
});

describe("keeper, liquidator role", () => {
  it("after a mark that puts an account below maintenance, liquidates it", async () => {
    const stack = await deployManySeries(ethers, 1);
    const USD = 10n ** 6n;
    const pos = (price: bigint) => (price * WAD) / (2_000n * WAD); // priceOverStrike for a price per unit
    let price = pos(100n * WAD);
    const prove = echoProver({ priceOverStrike: () => price });
    const [owner] = await ethers.getSigners();
    const feed = await createFeedAdapter({ feedAddress: await stack.feed.getAddress(), engineAddress: await stack.engine.getAddress(), signer: owner });
    const events: KeeperEvent[] = [];
    const keeper = await startKeeper({ feed, makeQueue: async (handlers) => createInProcessQueue({ prove, concurrency: 1, handlers }), pollMs: 100, coverage: () => undefined, log: (e) => events.push(e) });
    try {
      await waitFor("series 1 marked at 100", () => allCurrent(stack, [1n]));
      // A pool, and alice short 2 units at 100 with collateral at her initial margin.
      const pool = 100_000n * USD;
      await (await stack.token.mint(owner.address, pool)).wait();
      await (await stack.token.approve(await stack.engine.getAddress(), pool)).wait();
      await (await stack.engine.fundPool(pool)).wait();
      await (await stack.token.mint(stack.alice.address, 10_000n * USD)).wait();
      const asAlice = <T>(c: T) => (c as unknown as { connect(s: unknown): T }).connect(stack.alice);
      await (await asAlice(stack.token).approve(await stack.engine.getAddress(), 2n ** 256n - 1n)).wait();
      await (await asAlice(stack.engine).deposit(1_000n * USD)).wait();
      await (await asAlice(stack.engine).openPosition(1n, false, 2n * WAD, 0n)).wait();
      await (await asAlice(stack.engine).withdraw(400n * USD)).wait();
      expect(await stack.engine.isLiquidatable(stack.alice.address)).toBe(false);
      // The next round proves 300 per unit: equity 800 − 600 = 200 < maintenance 400.
      price = pos(300n * WAD);
      await (await stack.spotOracle.updateAnswer(2_010n * 10n ** 8n)).wait();
      await waitFor("alice liquidated", () => events.some((e) => e.event === "liquidated"), 60_000);
      await keeper.idle();
    } finally {
      await keeper.stop();
    }
    expect(events.find((e) => e.event === "liquidated")).toMatchObject({ account: stack.alice.address, seriesId: "1" });
    expect(keeper.metrics.liquidations).toBe(1);
    expect(await stack.engine.isLiquidatable(stack.alice.address)).toBe(false);
    expect(await stack.engine.openSeriesOf(stack.alice.address)).toEqual([]);
  }, 120_000);
});

describe("keeper, settlement", () => {
  it("settles an expired series with the first spot round at or after expiry", async () => {
    const stack = await deployManySeries(ethers, 1);
    const { networkHelpers } = connection as unknown as { networkHelpers: { time: { increaseTo(t: bigint): Promise<void> } } };
    await networkHelpers.time.increaseTo(stack.expiry + 10n);
    await (await stack.spotOracle.updateAnswer(2_100n * 10n ** 8n)).wait(); // first round after expiry
    await (await stack.spotOracle.updateAnswer(2_500n * 10n ** 8n)).wait(); // a later one
    const events: KeeperEvent[] = [];
    const keeper = await keeperFor(stack, echoProver(), { log: (e) => events.push(e) });
    try {
      await waitFor("settled", () => events.some((e) => e.event === "settled"), 60_000);
      await keeper.scanAll();
    } finally {
      await keeper.stop();
    }
    const [price, spot, , , settled] = await stack.feed.latestObservation(1n);
    expect(settled).toBe(true);
    expect(spot).toBe(2_100n * WAD);
    expect(price).toBe(100n * WAD); // call, strike 2,000
    expect(keeper.metrics.settlements).toBe(1);
    expect(keeper.metrics.submissions).toBe(0);
  }, 120_000);
});
