/**
 * The nine attack classes of the solvency review, each played against the contracts (mock
 * verifier: the proof is not the point here) and asserted not to pay or not to block any more.
 */
import hre from "hardhat";
import type { Contract } from "ethers";
import { describe, expect, it } from "vitest";
import { blackScholesPrice } from "../src/data/blackScholes.js";
import { noArbitrageBounds } from "../src/chain/optionStatement.js";
import {
  deployTestStack,
  ENGINE_RISK,
  expectRevert,
  FEED_RISK,
  INPUT_SPECS,
  latestTimestamp,
  MODEL_ID,
  newSpotRound,
  PUT_MODEL_ID,
  statementFor,
  STRIKE,
  submitPrice,
  VOL_ANSWER,
  WAD,
  ZERO_PROOF,
  type DeployTestStackOptions,
  type TestStack,
} from "./helpers/contracts.js";

const { ethers, networkHelpers } = await hre.network.connect();
const { a, b, c } = ZERO_PROOF;

const USD = 10n ** 6n;
const SCALE = 10n ** 12n;
const POOL = 100_000n * USD;
const MAX = 2n ** 256n - 1n;
const pos = (price: bigint) => (price * WAD) / STRIKE;
const as = (x: Contract, who: { address: string }) => x.connect(who as never) as Contract;
const SPOT = (units: bigint) => units * 10n ** 8n; // oracle answer, 8 decimals
/** The reference model's error band: 0.0001 guaranteed quantization + 0.008 measured vs BS. */
const BAND = { quantizationBound: 10n ** 14n, referenceError: 8n * 10n ** 15n };

async function fund(stack: TestStack): Promise<TestStack> {
  await (await stack.token.mint(stack.owner.address, POOL)).wait();
  await (await stack.token.approve(await stack.engine.getAddress(), POOL)).wait();
  await (await stack.engine.fundPool(POOL)).wait();
  for (const who of [stack.alice, stack.bob, stack.carol]) {
    await (await stack.token.mint(who.address, 50_000n * USD)).wait();
    await (await as(stack.token, who).approve(await stack.engine.getAddress(), MAX)).wait();
  }
  return stack;
}

async function books(stack: { engine: Contract; token: Contract }, accounts: string[]) {
  let sum = BigInt(await stack.engine.poolBalance());
  for (const x of accounts) sum += BigInt(await stack.engine.collateralOf(x));
  expect(BigInt(await stack.token.balanceOf(await stack.engine.getAddress())) * SCALE).toBe(sum);
}

const make = (o: DeployTestStackOptions) => deployTestStack(ethers, o).then(fund);
async function plain() {
  return make({});
}
async function banded() {
  return make({ band: BAND, engineRisk: { feeBps: 50 } });
}
async function capped() {
  return make({ band: BAND, engineRisk: { feeBps: 25, seriesCapBps: 2_000, accountCapBps: 1_000 } });
}
async function ticked() {
  return make({ engineRisk: { minTick: 10n ** 15n } });
}
async function nearExpiryModel() {
  return make({
    inputSpecs: [INPUT_SPECS[0], { ...INPUT_SPECS[1], min: WAD / 50n }, INPUT_SPECS[2], INPUT_SPECS[3]],
    engineRisk: { reduceOnlyWindow: 86_400 },
  });
}

/** Create series 2 on the stack's oracles (same strike and expiry), of `isCall`'s kind. */
async function addSeries(stack: TestStack, isCall = true) {
  const s = await stack.feed.getSeries(1n);
  await (await stack.feed.createSeries({ spotOracle: s.spotOracle, volOracle: s.volOracle, strike: STRIKE, expiry: stack.expiry, isCall, modelId: isCall ? MODEL_ID : PUT_MODEL_ID, risk: FEED_RISK })).wait();
}

describe("class 1: a zero mark no longer makes an unbounded long free", () => {
  it("deep out of the money: a zero-collateral account opens nothing, size is capped by the pool, every long pays spread and fee", async () => {
    const stack = await networkHelpers.loadFixture(capped);
    // Spot 1,000 against strike 2,000 (moneyness 0.5): the model's clamp outputs 0.
    await submitPrice(stack, { spot: SPOT(1_000n), priceOverStrike: 0n });
    expect((await stack.feed.latestObservation(1n))[0]).toBe(0n);
    const attacker = as(stack.engine, stack.carol);
    // The original attack: a huge long with no collateral.
    await expectRevert(attacker.openPosition(1n, true, 10n ** 30n, MAX), stack.engine, "OpenInterestCap");
    const k = await stack.feed.mark(1n);
    const spread = BigInt(k.spread);
    expect(spread).toBe((810n * STRIKE) / 100_000n); // ⌈0.0081 · 1e5⌉ = 810 (1e-5 of strike): 16.2 per unit
    const fee = (1_000n * WAD * 25n) / 10_000n; // 25 bps of spot: 2.5 per unit
    await expectRevert(attacker.openPosition(1n, true, WAD, MAX), stack.engine, "InsufficientCollateral", [0n, spread + fee]);
    // With collateral: the account may hold at most 10% of the free pool / unitReserve (4,000).
    await (await attacker.deposit(1_000n * USD)).wait();
    const free = 100_000n * WAD;
    await expectRevert(attacker.openPosition(1n, true, 2n * WAD + WAD / 2n + 1n, MAX), stack.engine, "OpenInterestCap");
    const before = BigInt(await stack.engine.collateralOf(stack.carol.address));
    await (await attacker.openPosition(1n, true, 2n * WAD, MAX)).wait();
    expect(before - BigInt(await stack.engine.collateralOf(stack.carol.address))).toBe(2n * (spread + fee));
    expect(free / 10n).toBeGreaterThanOrEqual(2n * 4_000n * WAD);
    await books(stack, [stack.carol.address]);
  });

  it("with no error band the minimum tick still charges every long", async () => {
    const stack = await networkHelpers.loadFixture(ticked);
    await submitPrice(stack, { spot: SPOT(1_000n), priceOverStrike: 0n });
    const e = as(stack.engine, stack.carol);
    await expectRevert(e.openPosition(1n, true, 10n * WAD, MAX), stack.engine, "InsufficientCollateral", [0n, 10n ** 16n]);
    await (await e.deposit(1n * USD)).wait();
    await (await e.openPosition(1n, true, 10n * WAD, MAX)).wait();
    expect(await stack.engine.collateralOf(stack.carol.address)).toBe(WAD - 10n ** 16n);
  });

  it("in the money a zero proof is clamped up to the no-arbitrage lower bound", async () => {
    const stack = await networkHelpers.loadFixture(plain);
    const observedAt = await submitPrice(stack, { spot: SPOT(3_000n), priceOverStrike: 0n });
    const m = (3n * WAD) / 2n;
    const ttm = ((stack.expiry - observedAt) * WAD) / 31_536_000n;
    const { lower } = noArbitrageBounds(m, ttm, FEED_RISK.rate, true);
    const price = BigInt((await stack.feed.latestObservation(1n))[0]);
    expect(price).toBe((lower * STRIKE) / WAD);
    expect(price).toBeGreaterThan(1_000n * WAD); // > S − K: the discounted strike is below K
  });
});

describe("class 2: a dust leg without a usable mark no longer freezes liquidation", () => {
  it("the insolvent account with a dust long in an unprovable series is liquidated; the dust is valued at 0", async () => {
    const stack = await networkHelpers.loadFixture(plain);
    await addSeries(stack);
    await newSpotRound(stack);
    for (const id of [1n, 2n]) await submitPrice(stack, { seriesId: id, priceOverStrike: pos(100n * WAD), newRound: false });
    const e = as(stack.engine, stack.alice);
    await (await e.deposit(1_000n * USD)).wait();
    await (await e.openPosition(2n, true, 10n ** 6n, MAX)).wait(); // 1e-12 units
    await (await e.openPosition(1n, false, 2n * WAD, 0n)).wait();
    await (await e.withdraw(399n * USD)).wait();
    // Series 2 is never proven again; series 1 moves against the short.
    await networkHelpers.time.increase(ENGINE_RISK.maxPriceAge + 1);
    await (await stack.volOracle.updateAnswer(VOL_ANSWER)).wait();
    await newSpotRound(stack);
    await submitPrice(stack, { seriesId: 1n, priceOverStrike: pos(300n * WAD), newRound: false });
    expect((await stack.engine.markStatus(2n))[2]).toBe(2n); // MISSING
    const [equity, , mm, fresh] = await stack.engine.accountHealth(stack.alice.address);
    expect(fresh).toBe(true);
    expect(equity).toBeLessThan(mm);
    const before = BigInt(await stack.token.balanceOf(stack.bob.address));
    await (await as(stack.engine, stack.bob).liquidate(stack.alice.address)).wait();
    expect(BigInt(await stack.token.balanceOf(stack.bob.address)) - before).toBeGreaterThan(0n); // the reward
    expect(await stack.engine.openSeriesOf(stack.alice.address)).toEqual([]);
    await books(stack, [stack.alice.address]);
  });
});

describe("class 3: coverage to expiry", () => {
  it("records where the model stops covering; reduce-only before it, conservative valuation after it, no bad debt left for settlement", async () => {
    const stack = await networkHelpers.loadFixture(nearExpiryModel);
    const coveredUntil = stack.expiry - 630_720n; // ⌈0.02 · 365 days⌉
    expect(BigInt((await stack.feed.getSeries(1n)).coveredUntil)).toBe(coveredUntil);
    await submitPrice(stack, { priceOverStrike: pos(100n * WAD) });
    const e = as(stack.engine, stack.alice);
    await (await e.deposit(3_000n * USD)).wait();
    await (await e.openPosition(1n, false, 10n * WAD, 0n)).wait(); // + 1,000 premium
    // One day before coverage ends: reduce-only.
    await networkHelpers.time.increaseTo(coveredUntil - 86_400n);
    await (await stack.volOracle.updateAnswer(VOL_ANSWER)).wait();
    await submitPrice(stack, { priceOverStrike: pos(60n * WAD) });
    await expectRevert(e.openPosition(1n, false, WAD, 0n), stack.engine, "ReduceOnly", [1n, coveredUntil - 86_400n]);
    await (await e.closePosition(1n, WAD, MAX)).wait();
    // Coverage over: the model refuses the time to expiry, so nothing can be proven ...
    await networkHelpers.time.increaseTo(coveredUntil);
    await (await stack.volOracle.updateAnswer(VOL_ANSWER)).wait();
    await newSpotRound(stack);
    const st = await statementFor(stack, 1n);
    await expectRevert(stack.feed.submit(1n, st.observedAt, a, b, c, st.signals), stack.registry, "InputOutOfRange");
    // ... but the short is valued at spot (conservative) and liquidated before expiry.
    expect((await stack.engine.markStatus(1n))[2]).toBe(2n);
    expect(await stack.engine.isLiquidatable(stack.alice.address)).toBe(true);
    const pool = BigInt(await stack.engine.poolBalance());
    const collateral = BigInt(await stack.engine.collateralOf(stack.alice.address));
    await (await as(stack.engine, stack.bob).liquidate(stack.alice.address)).wait();
    expect(BigInt(await stack.engine.poolBalance())).toBe(pool + collateral);
    // The spot then runs up 20% before expiry: the pool owes nothing on the closed short.
    await networkHelpers.time.increaseTo(stack.expiry + 1n);
    await newSpotRound(stack, SPOT(2_400n));
    await (await stack.feed.settle(1n, await stack.spotOracle.roundId())).wait();
    expect(BigInt((await stack.engine.openInterest(1n)).shorts)).toBe(0n);
    expect(BigInt(await stack.engine.poolBalance())).toBe(pool + collateral);
    await books(stack, [stack.alice.address]);
  });
});

describe("class 3b: coverage end with a fresh, current mark", () => {
  it("past coveredUntil even a current price a few seconds old is not used: the leg is MISSING", async () => {
    const stack = await networkHelpers.loadFixture(nearExpiryModel);
    const coveredUntil = stack.expiry - 630_720n;
    await submitPrice(stack, { priceOverStrike: pos(100n * WAD) });
    const e = as(stack.engine, stack.alice);
    await (await e.deposit(3_000n * USD)).wait();
    await (await e.openPosition(1n, false, 10n * WAD, 0n)).wait();
    await networkHelpers.time.increaseTo(coveredUntil - 20n);
    await (await stack.volOracle.updateAnswer(VOL_ANSWER)).wait();
    await newSpotRound(stack);
    await networkHelpers.time.setNextBlockTimestamp(coveredUntil - 5n);
    await submitPrice(stack, { priceOverStrike: pos(40n * WAD), newRound: false });
    expect((await stack.engine.markStatus(1n))[2]).toBe(0n); // USABLE just before
    expect(await stack.engine.isLiquidatable(stack.alice.address)).toBe(false);
    await networkHelpers.time.increaseTo(coveredUntil);
    expect(await stack.feed.isCurrent(1n)).toBe(true);
    expect((await stack.engine.markStatus(1n))[2]).toBe(2n); // MISSING from coveredUntil on
    expect(await stack.engine.isLiquidatable(stack.alice.address)).toBe(true);
  });
});

describe("class 4: the currency key covers the volatility round", () => {
  it("a volatility update makes the old mark non-current; a new price is proven for the same spot round; replay refused", async () => {
    const stack = await networkHelpers.loadFixture(plain);
    const t = await submitPrice(stack, { priceOverStrike: pos(60n * WAD) }); // at 80% vol
    await (await stack.volOracle.updateAnswer(VOL_ANSWER * 2n)).wait(); // 80% → 160%
    expect(await stack.feed.isCurrent(1n)).toBe(false);
    const e = as(stack.engine, stack.alice);
    await (await e.deposit(5_000n * USD)).wait();
    // The attack: buy at the stale (low-vol) mark. Refused.
    await expectRevert(e.openPosition(1n, true, 10n * WAD, MAX), stack.engine, "PriceNotCurrent", [1n, t]);
    // Same spot round, new vol round: provable and accepted.
    await submitPrice(stack, { priceOverStrike: pos(120n * WAD), newRound: false });
    expect(BigInt((await stack.feed.latestObservation(1n))[2])).toBe(t);
    expect(await stack.feed.isCurrent(1n)).toBe(true);
    const st = await statementFor(stack, 1n, { priceOverStrike: pos(120n * WAD) });
    await expectRevert(stack.feed.submit(1n, st.observedAt, a, b, c, st.signals), stack.feed, "ObservationNotNewer", [t, t]);
    // Buying now costs the new mark.
    await (await e.openPosition(1n, true, WAD, MAX)).wait();
    expect(await stack.engine.collateralOf(stack.alice.address)).toBe(4_880n * WAD);
  });
});

describe("class 5: spread and fee make front-running one oracle step and harvesting the model's error unprofitable", () => {
  const tau = 30 / 365;
  const bs = (spot: number) => blackScholesPrice({ kind: "call", moneyness: spot / 2_000, timeToExpiry: tau, volatility: 0.8, rate: 0.05 });
  const toPos = (x: number) => BigInt(Math.round(x * 1e18));
  const err = 0.0081; // the model's worst error, fraction of strike, placed against the pool

  /** Buy 20 calls before a visible +1% spot update, sell after; the marks are wrong by the full band. */
  async function frontRun(stack: TestStack, markError: number): Promise<bigint> {
    await submitPrice(stack, { priceOverStrike: toPos(bs(2_000) - markError) });
    const e = as(stack.engine, stack.alice);
    await (await e.deposit(10_000n * USD)).wait();
    const start = BigInt(await stack.engine.collateralOf(stack.alice.address));
    await (await e.openPosition(1n, true, 20n * WAD, MAX)).wait();
    await newSpotRound(stack, SPOT(2_020n));
    await submitPrice(stack, { priceOverStrike: toPos(bs(2_020) + markError), newRound: false });
    await (await e.closePosition(1n, 20n * WAD, 0n)).wait();
    await books(stack, [stack.alice.address]);
    return BigInt(await stack.engine.collateralOf(stack.alice.address)) - start;
  }

  it("without spread and fee (control) the front-run pays", async () => {
    const stack = await networkHelpers.loadFixture(plain);
    expect(await frontRun(stack, err)).toBeGreaterThan(500n * WAD);
  });

  it("with spread >= band and a fee of half the deviation step it loses", async () => {
    const stack = await networkHelpers.loadFixture(banded);
    const profit = await frontRun(stack, err);
    expect(profit).toBeLessThan(0n);
  });

  it("buying at a mark below the true price by the full band still costs at least the true price", async () => {
    const stack = await networkHelpers.loadFixture(banded);
    const observedAt = await submitPrice(stack, { priceOverStrike: toPos(bs(2_000) - err) });
    const tauNow = Number(stack.expiry - observedAt) / 31_536_000;
    const truePrice = blackScholesPrice({ kind: "call", moneyness: 1, timeToExpiry: tauNow, volatility: 0.8, rate: 0.05 }) * 2_000;
    const e = as(stack.engine, stack.alice);
    await (await e.deposit(10_000n * USD)).wait();
    await (await e.openPosition(1n, true, WAD, MAX)).wait();
    const paid = Number(10_000n * WAD - BigInt(await stack.engine.collateralOf(stack.alice.address))) / 1e18;
    expect(paid).toBeGreaterThan(truePrice);
  });
});

describe("class 6: capacity", () => {
  it("caps per series and per account against the free pool; withdrawPool keeps the long reserve", async () => {
    const stack = await networkHelpers.loadFixture(capped);
    await submitPrice(stack, { priceOverStrike: pos(100n * WAD) });
    for (const who of [stack.alice, stack.bob, stack.carol]) await (await as(stack.engine, who).deposit(10_000n * USD)).wait();
    // Account cap: 10% of 100,000 / 4,000 per unit = 2.5 units.
    await expectRevert(as(stack.engine, stack.alice).openPosition(1n, true, 3n * WAD, MAX), stack.engine, "OpenInterestCap");
    await (await as(stack.engine, stack.alice).openPosition(1n, true, 2n * WAD, MAX)).wait();
    await (await as(stack.engine, stack.bob).openPosition(1n, true, 2n * WAD, MAX)).wait();
    // Series cap: 20% of the free pool per side; a third 2-unit long would be 6 · 4,000 = 24,000.
    await expectRevert(as(stack.engine, stack.carol).openPosition(1n, true, 2n * WAD, MAX), stack.engine, "OpenInterestCap");
    expect(await stack.engine.reservedForLongs()).toBe(16_000n * WAD);
    const free = BigInt(await stack.engine.poolBalance());
    const available = free - 16_000n * WAD;
    await expectRevert(stack.engine.withdrawPool(stack.owner.address, free / SCALE), stack.engine, "InsufficientPoolLiquidity", [available, free]);
    await (await stack.engine.withdrawPool(stack.owner.address, available / SCALE)).wait();
    expect(BigInt(await stack.engine.poolBalance())).toBe(16_000n * WAD);
    await books(stack, [stack.alice.address, stack.bob.address, stack.carol.address]);
  });

  it("a winning long close the pool cannot pay becomes a claim instead of reverting", async () => {
    const [owner, alice] = await ethers.getSigners();
    const feed = (await ethers.deployContract("MockOptionPriceFeed")) as unknown as Contract;
    const token = (await ethers.deployContract("MockERC20", ["T", "T", 6])) as unknown as Contract;
    const engine = (await ethers.deployContract("MarginEngine", [owner.address, await token.getAddress(), await feed.getAddress(), ENGINE_RISK])) as unknown as Contract;
    const now = await latestTimestamp(ethers.provider);
    await (await feed.setExpiry(1n, now + 86_400n * 30n)).wait();
    await (await feed.setObservation(1n, 100n * WAD, 2_000n * WAD, now)).wait();
    for (const who of [owner, alice]) {
      await (await token.mint(who.address, 10_000n * USD)).wait();
      await (await as(token, who).approve(await engine.getAddress(), MAX)).wait();
    }
    await (await engine.fundPool(1_000n * USD)).wait();
    const e = as(engine, alice);
    await (await e.deposit(1_000n * USD)).wait();
    await (await e.openPosition(1n, true, 5n * WAD, MAX)).wait(); // pays 500: pool 1,500
    await (await feed.setObservation(1n, 400n * WAD, 2_300n * WAD, await latestTimestamp(ethers.provider))).wait();
    const receipt = await (await e.closePosition(1n, 5n * WAD, 0n)).wait(); // owed 2,000
    expect(receipt!.logs.map((l: never) => engine.interface.parseLog(l)?.name)).toContain("ClaimRecorded");
    expect(await engine.claimOf(alice.address)).toBe(500n * WAD);
    expect(await engine.collateralOf(alice.address)).toBe(2_000n * WAD);
    expect(await engine.poolBalance()).toBe(0n);
    await books({ engine, token }, [alice.address]);
    await (await engine.fundPool(600n * USD)).wait();
    await (await engine.payClaim(alice.address)).wait();
    expect(await engine.collateralOf(alice.address)).toBe(2_500n * WAD);
    await books({ engine, token }, [alice.address]);
  });
});

describe("class 7: the option kind is bound to the model", () => {
  it("createSeries and setSeriesModel refuse a model of the other kind or without terms; terms are set once", async () => {
    const stack = await networkHelpers.loadFixture(plain);
    const s = await stack.feed.getSeries(1n);
    const base = { spotOracle: s.spotOracle, volOracle: s.volOracle, strike: STRIKE, expiry: stack.expiry, risk: FEED_RISK };
    await expectRevert(stack.feed.createSeries({ ...base, isCall: false, modelId: MODEL_ID }), stack.feed, "ModelKindMismatch", [MODEL_ID, 1n, false]);
    await expectRevert(stack.feed.setSeriesModel(1n, PUT_MODEL_ID), stack.feed, "ModelKindMismatch", [PUT_MODEL_ID, 2n, true]);
    const bare = MODEL_ID + 11n;
    await (await stack.registry.registerModel(bare, await stack.verifier.getAddress(), 1, 18, INPUT_SPECS)).wait();
    await expectRevert(stack.feed.createSeries({ ...base, isCall: true, modelId: bare }), stack.feed, "ModelKindMismatch", [bare, 0n, true]);
    await expectRevert(stack.registry.setOptionTerms(bare, 3, 0n, 0n), stack.registry, "InvalidOptionKind", [3n]);
    await (await stack.registry.setOptionTerms(bare, 1, 5n, 7n)).wait();
    expect(await stack.registry.errorBand(bare)).toBe(12n);
    await expectRevert(stack.registry.setOptionTerms(bare, 2, 0n, 0n), stack.registry, "OptionTermsAlreadySet", [bare]);
    await (await stack.feed.createSeries({ ...base, isCall: false, modelId: PUT_MODEL_ID })).wait();
  });
});

describe("class 8: a retired model's price and an L2 sequencer outage", () => {
  it("after retireModel the last price is not a usable mark", async () => {
    const stack = await networkHelpers.loadFixture(plain);
    const t = await submitPrice(stack, { priceOverStrike: pos(100n * WAD) });
    await (await stack.registry.retireModel(MODEL_ID)).wait();
    expect(await stack.feed.isCurrent(1n)).toBe(false);
    const e = as(stack.engine, stack.alice);
    await (await e.deposit(1_000n * USD)).wait();
    await expectRevert(e.openPosition(1n, true, WAD, MAX), stack.engine, "PriceNotCurrent", [1n, t]);
  });

  async function sequencerFixture() {
    const sequencer = (await ethers.deployContract("MockV3Aggregator", [0, 0, "sequencer uptime"])) as unknown as Contract;
    const now = await latestTimestamp(ethers.provider);
    await (await sequencer.updateRoundData(0, now - 7_200n)).wait(); // up for two hours
    const stack = await fund(await deployTestStack(ethers, { sequencer: { feed: await sequencer.getAddress(), grace: 3_600 } }));
    return { stack, sequencer };
  }

  it("while the sequencer is down and during the grace period nothing is current, submitted, settled or liquidated", async () => {
    const { stack, sequencer } = await networkHelpers.loadFixture(sequencerFixture);
    await submitPrice(stack, { priceOverStrike: pos(100n * WAD) });
    const e = as(stack.engine, stack.alice);
    await (await e.deposit(1_000n * USD)).wait();
    await (await e.openPosition(1n, false, 2n * WAD, 0n)).wait();
    await (await e.withdraw(400n * USD)).wait();
    await (await sequencer.updateAnswer(1)).wait(); // down
    expect(await stack.feed.isCurrent(1n)).toBe(false);
    await newSpotRound(stack);
    const st = await statementFor(stack, 1n, { priceOverStrike: pos(300n * WAD) });
    await expectRevert(stack.feed.submit(1n, st.observedAt, a, b, c, st.signals), stack.feed, "SequencerDown");
    // Even long after maxPriceAge, an outage never makes a leg MISSING (no liquidation).
    await networkHelpers.time.increase(ENGINE_RISK.maxPriceAge * 3);
    await expectRevert(as(stack.engine, stack.bob).liquidate(stack.alice.address), stack.engine, "SequencerUnusable", [1n]);
    await (await sequencer.updateAnswer(0)).wait(); // back up
    const upAt = BigInt(await sequencer.updatedAt());
    await (await stack.spotOracle.updateAnswer(SPOT(2_000n))).wait();
    await (await stack.volOracle.updateAnswer(VOL_ANSWER)).wait();
    const st2 = await statementFor(stack, 1n, { priceOverStrike: pos(300n * WAD) });
    await expectRevert(stack.feed.submit(1n, st2.observedAt, a, b, c, st2.signals), stack.feed, "SequencerGracePeriod", [upAt, 3_600n]);
    await expectRevert(as(stack.engine, stack.bob).liquidate(stack.alice.address), stack.engine, "SequencerUnusable", [1n]);
    // After the grace period keepers get a full maxPriceAge before the old mark is MISSING.
    await networkHelpers.time.increaseTo(upAt + 3_601n);
    expect((await stack.engine.markStatus(1n))[2]).toBe(1n); // PENDING, not MISSING
    await (await stack.volOracle.updateAnswer(VOL_ANSWER)).wait();
    await submitPrice(stack, { priceOverStrike: pos(300n * WAD) });
    await (await as(stack.engine, stack.bob).liquidate(stack.alice.address)).wait();
  });

  it("settlement waits for the sequencer too", async () => {
    const { stack, sequencer } = await networkHelpers.loadFixture(sequencerFixture);
    await networkHelpers.time.increaseTo(stack.expiry + 10n);
    await newSpotRound(stack, SPOT(2_100n));
    await (await sequencer.updateAnswer(1)).wait();
    const round = await stack.spotOracle.roundId();
    await expectRevert(stack.feed.settle(1n, round), stack.feed, "SequencerDown");
    await (await sequencer.updateAnswer(0)).wait();
    await expectRevert(stack.feed.settle(1n, round), stack.feed, "SequencerGracePeriod");
    await networkHelpers.time.increase(3_601);
    await (await stack.feed.settle(1n, round)).wait();
    expect((await stack.feed.latestObservation(1n))[0]).toBe(100n * WAD);
  });
});

describe("class 9: settlement takes the first VALID round at or after expiry", () => {
  it("an invalid first round no longer blocks settlement; a later valid round is still refused", async () => {
    const stack = await networkHelpers.loadFixture(plain);
    await networkHelpers.time.increaseTo(stack.expiry + 5n);
    await (await stack.spotOracle.updateRoundData(0, stack.expiry + 1n)).wait(); // answer 0
    const invalid = BigInt(await stack.spotOracle.roundId());
    await expectRevert(stack.feed.settle(1n, invalid), stack.feed, "InvalidOracleAnswer", [await stack.spotOracle.getAddress(), 0n]);
    await (await stack.spotOracle.updateRoundData(-5n, stack.expiry + 2n)).wait(); // answer < 0
    await (await stack.spotOracle.updateRoundData(SPOT(2_150n), stack.expiry + 3n)).wait();
    const valid = BigInt(await stack.spotOracle.roundId());
    await (await stack.spotOracle.updateRoundData(SPOT(2_400n), stack.expiry + 4n)).wait();
    await expectRevert(stack.feed.settle(1n, valid + 1n), stack.feed, "SettlementRoundNotFirst", [valid + 1n, valid, stack.expiry + 3n]);
    await (await stack.feed.settle(1n, valid)).wait();
    expect((await stack.feed.latestObservation(1n))[0]).toBe(150n * WAD);
  });
});
