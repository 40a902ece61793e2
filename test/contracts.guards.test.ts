/**
 * Guards of the feed and the engine that a mutation of the contracts must not pass unnoticed:
 * the no-arbitrage clamp away from the money, separate heartbeats, settlement rounds that are
 * future-dated or non-positive, the overflow, decimals, layout and size guards.
 */
import hre from "hardhat";
import fc from "fast-check";
import type { Contract } from "ethers";
import { describe, expect, it } from "vitest";
import { blackScholesPrice } from "../src/data/blackScholes.js";
import { clampPriceOverStrike, noArbitrageBounds, timeToExpiryWad } from "../src/chain/optionStatement.js";
import {
  deployTestStack,
  expectRevert,
  FEED_RISK,
  INPUT_SPECS,
  latestTimestamp,
  MODEL_ID,
  newSpotRound,
  SPOT_ANSWER,
  statementFor,
  STRIKE,
  submitPrice,
  VOL_ANSWER,
  WAD,
  ZERO_PROOF,
  type TestStack,
} from "./helpers/contracts.js";

const { ethers, networkHelpers } = await hre.network.connect();
const { a, b, c } = ZERO_PROOF;
const USD = 10n ** 6n;
const MAX = 2n ** 256n - 1n;
const as = (x: Contract, who: { address: string }) => x.connect(who as never) as Contract;

async function callStack() {
  return deployTestStack(ethers);
}
async function putStack() {
  return deployTestStack(ethers, { isCall: false });
}

/** Submit the statement of now for series 1 with `priceOverStrike`; return the stored price and the statement. */
async function storedFor(stack: TestStack, spotUnits: bigint, priceOverStrike: bigint) {
  await newSpotRound(stack, spotUnits * 10n ** 8n);
  const st = await statementFor(stack, 1n, { priceOverStrike });
  const receipt = await (await stack.feed.submit(1n, st.observedAt, a, b, c, st.signals)).wait();
  const ev = stack.feed.interface.parseLog(receipt!.logs[0])!;
  return { price: BigInt((await stack.feed.latestObservation(1n))[0]), moneyness: st.signals[1], ttm: st.signals[2], clamped: Boolean(ev.args.clamped) };
}

describe("no-arbitrage clamp away from the money (moneyness ≠ 1)", () => {
  it("a call at moneyness 1.2 and 0.7: lower bound max(m − D⁺, 0), upper bound m", async () => {
    const stack = await networkHelpers.loadFixture(callStack);
    // In the money: a zero proof is lifted to m − D⁺, a proof above spot is cut to spot.
    let r = await storedFor(stack, 2_400n, 0n);
    const lower = noArbitrageBounds(r.moneyness, r.ttm, FEED_RISK.rate, true).lower;
    expect(r.moneyness).toBe((12n * WAD) / 10n);
    expect(lower).toBeGreaterThan(r.moneyness - WAD); // D⁺ < 1 for r·τ > 0
    expect([r.price, r.clamped]).toEqual([(lower * STRIKE) / WAD, true]);
    r = await storedFor(stack, 2_400n, r.moneyness + 1n);
    expect([r.price, r.clamped]).toEqual([2_400n * WAD, true]);
    r = await storedFor(stack, 2_400n, (25n * WAD) / 100n); // inside: unchanged
    expect([r.price, r.clamped]).toEqual([500n * WAD, false]);
    // Out of the money the lower bound is 0, the upper is spot (0.7 · K = 1,400).
    r = await storedFor(stack, 1_400n, 0n);
    expect([r.price, r.clamped]).toEqual([0n, false]);
    r = await storedFor(stack, 1_400n, (71n * WAD) / 100n);
    expect([r.price, r.clamped]).toEqual([1_400n * WAD, true]);
  });

  it("a put at moneyness 0.7 and 1.3: lower bound max(D⁻ − m, 0), upper bound 1 (the strike)", async () => {
    const stack = await networkHelpers.loadFixture(putStack);
    let r = await storedFor(stack, 1_400n, 0n);
    const lower = noArbitrageBounds(r.moneyness, r.ttm, FEED_RISK.rate, false).lower;
    expect(lower).toBeLessThan(WAD - r.moneyness); // D⁻ < 1
    expect(lower).toBeGreaterThan(0n);
    expect([r.price, r.clamped]).toEqual([(lower * STRIKE) / WAD, true]);
    r = await storedFor(stack, 1_400n, WAD + 1n);
    expect([r.price, r.clamped]).toEqual([STRIKE, true]);
    r = await storedFor(stack, 2_600n, 0n); // out of the money: 0 is allowed
    expect([r.price, r.clamped]).toEqual([0n, false]);
    r = await storedFor(stack, 2_600n, (2n * WAD) / 100n);
    expect([r.price, r.clamped]).toEqual([40n * WAD, false]);
  });

  it("the contract's clamp equals the TypeScript mirror, and every Black–Scholes price lies inside the bounds", async () => {
    const stack = await networkHelpers.loadFixture(callStack);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 300, max: 3_000 }), // moneyness · 1e3
        fc.integer({ min: 1, max: 2_000 }), // τ · 1e3 years
        fc.integer({ min: 0, max: 200 }), // rate · 1e3
        fc.integer({ min: 50, max: 3_000 }), // σ · 1e3
        fc.boolean(),
        fc.bigInt({ min: 0n, max: 3n * WAD }),
        async (m, t, r, v, isCall, proven) => {
          const [mw, tw, rw] = [BigInt(m) * 10n ** 15n, BigInt(t) * 10n ** 15n, BigInt(r) * 10n ** 15n];
          const [onChain] = await stack.feed.clampToBounds(proven, mw, tw, rw, isCall);
          expect(onChain).toBe(clampPriceOverStrike(proven, mw, tw, rw, isCall));
          const { lower, upper } = noArbitrageBounds(mw, tw, rw, isCall);
          const bs = blackScholesPrice({ kind: isCall ? "call" : "put", moneyness: m / 1e3, timeToExpiry: t / 1e3, volatility: v / 1e3, rate: r / 1e3 });
          const bsWad = BigInt(Math.round(bs * 1e18));
          // 1e-9 of slack for the float reference's own rounding.
          expect(bsWad + 10n ** 9n >= lower && bsWad <= upper + 10n ** 9n).toBe(true);
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });
});

describe("separate heartbeats of the spot and volatility oracles", () => {
  it("each oracle is held to its own heartbeat", async () => {
    const stack = await networkHelpers.loadFixture(callStack);
    await (await stack.feed.setRiskParams(1n, { ...FEED_RISK, spotHeartbeat: 3_600, volHeartbeat: 86_400 })).wait();
    const now = await latestTimestamp(ethers.provider);
    await (await stack.volOracle.updateRoundData(VOL_ANSWER, now - 7_200n)).wait(); // 2 h: within 1 day
    await (await stack.spotOracle.updateRoundData(SPOT_ANSWER, now - 7_000n)).wait(); // 2 h: beyond 1 h
    const st = await statementFor(stack, 1n);
    await expectRevert(stack.feed.submit(1n, st.observedAt, a, b, c, st.signals), stack.feed, "StaleOracle", [await stack.spotOracle.getAddress(), now - 7_000n, 3_600n]);
    // The other way round: the vol heartbeat binds, the spot passes.
    await (await stack.feed.setRiskParams(1n, { ...FEED_RISK, spotHeartbeat: 86_400, volHeartbeat: 3_600 })).wait();
    await expectRevert(stack.feed.submit(1n, st.observedAt, a, b, c, st.signals), stack.feed, "StaleOracle", [await stack.volOracle.getAddress(), now - 7_200n, 3_600n]);
    // Spot heartbeat 1 h, vol 1 day: a fresh spot with the 2-hour-old vol is accepted.
    await (await stack.feed.setRiskParams(1n, { ...FEED_RISK, spotHeartbeat: 3_600, volHeartbeat: 86_400 })).wait();
    await submitPrice(stack);
  });
});

describe("settlement rounds", () => {
  it("refuses a future-dated and a non-positive round, and skips them to the first valid one", async () => {
    const stack = await networkHelpers.loadFixture(callStack);
    await networkHelpers.time.increaseTo(stack.expiry + 100n);
    const now = await latestTimestamp(ethers.provider);
    await (await stack.spotOracle.updateRoundData(SPOT_ANSWER, now + 1_000n)).wait();
    const future = BigInt(await stack.spotOracle.roundId());
    await expectRevert(stack.feed.settle(1n, future), stack.feed, "StaleOracle", [await stack.spotOracle.getAddress(), now + 1_000n, 0n]);
    await (await stack.spotOracle.updateRoundData(0n, stack.expiry + 1n)).wait();
    await expectRevert(stack.feed.settle(1n, future + 1n), stack.feed, "InvalidOracleAnswer", [await stack.spotOracle.getAddress(), 0n]);
    await (await stack.spotOracle.updateRoundData(-1n, stack.expiry + 2n)).wait();
    await expectRevert(stack.feed.settle(1n, future + 2n), stack.feed, "InvalidOracleAnswer", [await stack.spotOracle.getAddress(), -1n]);
    // A valid round after the future-dated (unusable now) and non-positive ones settles.
    await (await stack.spotOracle.updateRoundData(2_100n * 10n ** 8n, stack.expiry + 3n)).wait();
    const round = BigInt(await stack.spotOracle.roundId());
    await (await stack.feed.settle(1n, round)).wait();
    expect((await stack.feed.latestObservation(1n))[0]).toBe(100n * WAD);
  });

  it("walks at most MAX_SETTLEMENT_SKIP invalid rounds", async () => {
    const stack = await networkHelpers.loadFixture(callStack);
    await networkHelpers.time.increaseTo(stack.expiry + 100n);
    for (let i = 0n; i < 17n; i++) await (await stack.spotOracle.updateRoundData(0n, stack.expiry + i)).wait();
    await (await stack.spotOracle.updateRoundData(2_100n * 10n ** 8n, stack.expiry + 50n)).wait();
    const round = BigInt(await stack.spotOracle.roundId());
    await expectRevert(stack.feed.settle(1n, round), stack.feed, "SettlementTooManyRounds", [round]);
  });
});

describe("overflow, decimals, layout and size guards", () => {
  it("ObservationOverflow: a spot above 2^96 wad", async () => {
    const stack = await networkHelpers.loadFixture(callStack);
    const strike = 6n * 10n ** 28n; // < 2^96 ≈ 7.9e28
    const spot = await ethers.deployContract("MockV3Aggregator", [8, 10n ** 19n, "huge"]); // 1e29 wad
    await (await stack.feed.createSeries({ spotOracle: await spot.getAddress(), volOracle: await stack.volOracle.getAddress(), strike, expiry: stack.expiry, isCall: true, modelId: MODEL_ID, risk: FEED_RISK })).wait();
    const pos = (9n * WAD) / 10n; // inside [m − D⁺, m] at m ≈ 1.67
    const st = await statementFor(stack, 2n, { priceOverStrike: pos });
    await expectRevert(stack.feed.submit(2n, st.observedAt, a, b, c, st.signals), stack.feed, "ObservationOverflow", [(pos * strike) / WAD, 10n ** 29n]);
  });

  it("OracleDecimalsTooLarge: an oracle with 37 decimals", async () => {
    const stack = await networkHelpers.loadFixture(callStack);
    const o37 = await ethers.deployContract("MockV3Aggregator", [37, 1n, "too precise"]);
    await expectRevert(stack.feed.setOracles(1n, await o37.getAddress(), await stack.volOracle.getAddress()), stack.feed, "OracleDecimalsTooLarge", [await o37.getAddress(), 37n]);
    await expectRevert(stack.feed.setOracles(1n, await stack.spotOracle.getAddress(), await o37.getAddress()), stack.feed, "OracleDecimalsTooLarge", [await o37.getAddress(), 37n]);
  });

  it("the input-decimals layout check: every input must have 18 decimals", async () => {
    const stack = await networkHelpers.loadFixture(callStack);
    const s = await stack.feed.getSeries(1n);
    for (let i = 0; i < 4; i++) {
      const id = MODEL_ID + 100n + BigInt(i);
      const specs = INPUT_SPECS.map((x, j) => (j === i ? { ...x, decimals: 17 } : x));
      await (await stack.registry.registerModel(id, await stack.verifier.getAddress(), 1, 18, specs)).wait();
      await (await stack.registry.setOptionTerms(id, 1, 0n, 0n)).wait();
      await expectRevert(stack.feed.createSeries({ spotOracle: s.spotOracle, volOracle: s.volOracle, strike: STRIKE, expiry: stack.expiry, isCall: true, modelId: id, risk: FEED_RISK }), stack.feed, "ModelLayoutMismatch", [id]);
    }
  });

  it("SizeTooLarge: a position above MAX_SIZE (2^120 − 1)", async () => {
    const stack = await networkHelpers.loadFixture(callStack);
    await submitPrice(stack, { priceOverStrike: (100n * WAD * WAD) / STRIKE });
    await (await stack.token.mint(stack.alice.address, 1_000n * USD)).wait();
    await (await as(stack.token, stack.alice).approve(await stack.engine.getAddress(), MAX)).wait();
    await (await stack.token.mint(stack.owner.address, 100_000n * USD)).wait();
    await (await stack.token.approve(await stack.engine.getAddress(), MAX)).wait();
    await (await stack.engine.fundPool(100_000n * USD)).wait();
    const e = as(stack.engine, stack.alice);
    await (await e.deposit(1_000n * USD)).wait();
    expect(await stack.engine.MAX_SIZE()).toBe(2n ** 120n - 1n);
    await expectRevert(e.openPosition(1n, true, 2n ** 120n, MAX), stack.engine, "SizeTooLarge", [2n ** 120n]);
    await (await e.openPosition(1n, true, 1n, MAX)).wait();
    await expectRevert(e.openPosition(1n, true, 2n ** 120n - 1n, MAX), stack.engine, "SizeTooLarge", [2n ** 120n]);
  });

  it("timeToExpiry helper agrees with the feed", async () => {
    const stack = await networkHelpers.loadFixture(callStack);
    const t = await latestTimestamp(ethers.provider);
    expect(await stack.feed.expectedTimeToExpiry(1n, t)).toBe(timeToExpiryWad(stack.expiry, t));
  });
});
