import hre from "hardhat";
import type { Contract } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFeedAdapter } from "../src/keeper/chain.js";
import { type Keeper, type KeeperEvent, startKeeper } from "../src/keeper/keeper.js";
import { createInProcessQueue } from "../src/keeper/queue.js";
import type { ProveJobFn } from "../src/keeper/job.js";
import { FEED_RISK, VOL_ANSWER, VOL_DECIMALS } from "./helpers/contracts.js";
import { deployManySeries, echoProver, marksByRound, waitFor } from "./helpers/keeper.js";

// A volatility round on its own (spot unchanged) makes the marks of the series on that
// volatility oracle non-current: the keeper re-marks each of them exactly once, leaves the
// series on another volatility oracle alone, and a spot round right after is marked once more
// per series, never twice. In-process queue, MockVerifier feed, echo prover.
const connection = await hre.network.connect();
const { ethers } = connection;

type Stack = Awaited<ReturnType<typeof deployManySeries>> & { otherVol: Contract; affected: bigint[]; other: bigint };

async function keeperFor(stack: Stack, prove: ProveJobFn, log?: (e: KeeperEvent) => void): Promise<Keeper> {
  const [owner] = await ethers.getSigners();
  const feed = await createFeedAdapter({ feedAddress: await stack.feed.getAddress(), signer: owner, backoff: { attempts: 12, firstDelayMs: 20, maxDelayMs: 500 } });
  return startKeeper({ feed, makeQueue: async (handlers) => createInProcessQueue({ prove, concurrency: 2, handlers }), pollMs: 100, coverage: () => undefined, log });
}

const latest = async (oracle: Contract) => {
  const [roundId, , , updatedAt] = await oracle.latestRoundData();
  return { roundId: BigInt(roundId), updatedAt: BigInt(updatedAt) };
};

/** New marks (key "series:observedAt:volRound" → count) since `before`. */
function added(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  return new Map([...after].filter(([k, n]) => n !== (before.get(k) ?? 0)).map(([k, n]) => [k, n - (before.get(k) ?? 0)]));
}

describe("keeper, volatility-only rounds", () => {
  let stack: Stack;
  beforeAll(async () => {
    // Series 1–4 on (spot, vol); series 5 on (spot, another vol oracle).
    const base = await deployManySeries(ethers, 4);
    const otherVol = (await ethers.deployContract("MockV3Aggregator", [VOL_DECIMALS, VOL_ANSWER, "IV 2"])) as unknown as Contract;
    const s1 = await base.feed.getSeries(1n);
    await (await base.feed.createSeries({ spotOracle: await base.spotOracle.getAddress(), volOracle: await otherVol.getAddress(), strike: s1.strike, expiry: s1.expiry, isCall: true, modelId: s1.modelId, risk: FEED_RISK })).wait();
    stack = { ...base, otherVol, affected: base.seriesIds, other: 5n, seriesIds: [...base.seriesIds, 5n] };
  }, 120_000);

  afterAll(async () => {
    await connection.close?.();
  });

  const allCurrent = async (ids: bigint[]) => (await Promise.all(ids.map((id) => stack.feed.isCurrent(id)))).every(Boolean);

  it("re-marks each series on the volatility oracle exactly once, then the spot round right after once more", async () => {
    const events: KeeperEvent[] = [];
    const keeper = await keeperFor(stack, echoProver({ delayMs: 5 }), (e) => events.push(e));
    try {
      await waitFor("the initial round marked on every series", () => allCurrent(stack.seriesIds));
      await keeper.idle();
      const m0 = await marksByRound(stack.feed);
      const s0 = keeper.metrics.submissions;
      const spot = await latest(stack.spotOracle);
      const otherVolRound = (await latest(stack.otherVol)).roundId;

      // A volatility round, spot unchanged.
      await (await stack.volOracle.updateAnswer(85_000_000n)).wait();
      const vol = await latest(stack.volOracle);
      expect((await latest(stack.spotOracle)).roundId).toBe(spot.roundId);
      for (const id of stack.affected) expect(await stack.feed.isCurrent(id)).toBe(false);
      await waitFor("every affected series marked at the new volatility round", () => allCurrent(stack.affected));
      await keeper.scanAll(); // one more scan over a chain that holds the marks: nothing to send
      await keeper.idle();
      const m1 = await marksByRound(stack.feed);
      const volMarks = added(m1, m0);
      // One new mark per affected series, at the SAME observedAt (the unchanged spot round) and the new vol round.
      expect([...volMarks.keys()].sort()).toEqual(stack.affected.map((id) => `${id}:${spot.updatedAt}:${vol.roundId}`).sort());
      expect([...volMarks.values()].every((n) => n === 1)).toBe(true);
      expect(keeper.metrics.submissions - s0).toBe(stack.affected.length);
      for (const id of stack.affected) expect((await stack.feed.getSeries(id)).lastVolRound).toBe(vol.roundId);
      // The series on the other volatility oracle was current throughout and is not re-marked.
      expect([...volMarks.keys()].some((k) => k.startsWith(`${stack.other}:`))).toBe(false);
      expect((await stack.feed.getSeries(stack.other)).lastVolRound).toBe(otherVolRound);

      // The spot round right after: every series (both vol oracles) once more, at the new spot round.
      await (await stack.spotOracle.updateAnswer(2_010n * 10n ** 8n)).wait();
      const spot2 = await latest(stack.spotOracle);
      await waitFor("every series marked at the new spot round", () => allCurrent(stack.seriesIds));
      await keeper.scanAll();
      await keeper.idle();
      const spotMarks = added(await marksByRound(stack.feed), m1);
      const expected = [...stack.affected.map((id) => `${id}:${spot2.updatedAt}:${vol.roundId}`), `${stack.other}:${spot2.updatedAt}:${otherVolRound}`];
      expect([...spotMarks.keys()].sort()).toEqual(expected.sort());
      expect([...spotMarks.values()].every((n) => n === 1)).toBe(true);
      expect(keeper.metrics.submissions - s0).toBe(stack.affected.length + stack.seriesIds.length);
      expect(events.filter((e) => e.event === "marked")).toHaveLength(keeper.metrics.submissions);
    } finally {
      await keeper.stop();
    }
    const all = await marksByRound(stack.feed);
    expect([...all.values()].every((n) => n === 1)).toBe(true);
  }, 120_000);

  it("a spot round landing while the volatility round is being proven: one mark per series, the stale proofs dropped", async () => {
    const m0 = await marksByRound(stack.feed);
    let moved = false;
    const prove = echoProver({
      delayMs: 20,
      before: async () => {
        // The spot oracle updates while the first proof of the volatility round is made.
        if (!moved) {
          moved = true;
          await (await stack.spotOracle.updateAnswer(2_020n * 10n ** 8n)).wait();
        }
      },
    });
    const keeper = await keeperFor(stack, prove);
    try {
      await (await stack.volOracle.updateAnswer(90_000_000n)).wait();
      const vol = await latest(stack.volOracle);
      await waitFor("the spot update made", () => moved);
      const spot = await latest(stack.spotOracle);
      await waitFor("every series current", () => allCurrent(stack.seriesIds));
      await keeper.scanAll();
      await keeper.idle();
      const marks = added(await marksByRound(stack.feed), m0);
      // Each affected series is marked at (new spot round, new vol round) exactly once; the
      // series on the other oracle once at the new spot round; nothing is marked twice.
      for (const id of stack.affected) expect(marks.get(`${id}:${spot.updatedAt}:${vol.roundId}`)).toBe(1);
      expect([...marks.keys()].filter((k) => k.startsWith(`${stack.other}:`))).toHaveLength(1);
      expect([...marks.values()].every((n) => n === 1)).toBe(true);
      // A proof of the volatility round on the old spot round that was not sent before the
      // spot update was dropped as stale (not submitted).
      expect(keeper.metrics.submissions).toBe([...marks.values()].reduce((a, b) => a + b, 0));
      expect(keeper.metrics.failures.get("stale") ?? 0).toBeGreaterThanOrEqual(1);
    } finally {
      await keeper.stop();
    }
  }, 120_000);
});
