import hre from "hardhat";
import type { Contract } from "ethers";
import { describe, expect, it } from "vitest";
import {
  deployTestStack,
  ENGINE_RISK,
  expectRevert,
  FEED_RISK,
  latestTimestamp,
  MODEL_ID,
  newSpotRound,
  PUT_MODEL_ID,
  SPOT_ANSWER,
  STRIKE,
  submitPrice,
  VOL_ANSWER,
  WAD,
  ZERO_PROOF,
  type TestStack,
} from "./helpers/contracts.js";

const { ethers, networkHelpers } = await hre.network.connect();

const USD = 10n ** 6n; // one unit of the 6-decimal collateral token
const SCALE = 10n ** 12n; // wad per token unit
const pos = (price: bigint) => (price * WAD) / STRIKE; // priceOverStrike for a price per unit

const POOL = 100_000n * USD;
/** No limit for a buyer. */
const MAX = 2n ** 256n - 1n;

/** Stack with a fresh price of 100 per unit, a funded pool, alice and bob with 10,000 USD each. */
async function engineFixture() {
  const stack = await deployTestStack(ethers);
  await submitPrice(stack, { priceOverStrike: pos(100n * WAD) });
  await (await stack.token.mint(stack.owner.address, POOL)).wait();
  await (await stack.token.approve(await stack.engine.getAddress(), POOL)).wait();
  await (await stack.engine.fundPool(POOL)).wait();
  for (const who of [stack.alice, stack.bob]) {
    await (await stack.token.mint(who.address, 10_000n * USD)).wait();
    await (await (stack.token.connect(who) as Contract).approve(await stack.engine.getAddress(), 2n ** 256n - 1n)).wait();
  }
  return stack;
}

async function reentrantFixture() {
  const stack = await deployTestStack(ethers, { reentrantToken: true });
  await submitPrice(stack, { priceOverStrike: pos(100n * WAD) });
  await (await stack.token.mint(stack.alice.address, 1_000n * WAD)).wait();
  await (await (stack.token.connect(stack.alice) as Contract).approve(await stack.engine.getAddress(), 2n ** 256n - 1n)).wait();
  return stack;
}

const as = (c: Contract, who: { address: string }) => c.connect(who as never) as Contract;

/** The engine on a MockOptionPriceFeed (series 1 and 2 at 100 per unit, spot 2,000, no reserve). */
async function mockFeedFixture() {
  const [owner, alice, bob, carol] = await ethers.getSigners();
  const feed = (await ethers.deployContract("MockOptionPriceFeed")) as unknown as Contract;
  const token = (await ethers.deployContract("MockERC20", ["Test USD", "TUSD", 6])) as unknown as Contract;
  const engine = (await ethers.deployContract("MarginEngine", [owner.address, await token.getAddress(), await feed.getAddress(), ENGINE_RISK])) as unknown as Contract;
  const now = await latestTimestamp(ethers.provider);
  for (const id of [1n, 2n]) {
    await (await feed.setExpiry(id, now + 30n * 86_400n)).wait();
    await (await feed.setObservation(id, 100n * WAD, 2_000n * WAD, now)).wait();
  }
  await (await token.mint(owner.address, POOL)).wait();
  await (await token.approve(await engine.getAddress(), POOL)).wait();
  await (await engine.fundPool(POOL)).wait();
  for (const who of [alice, bob]) {
    await (await token.mint(who.address, 10_000n * USD)).wait();
    await (await (token.connect(who) as Contract).approve(await engine.getAddress(), 2n ** 256n - 1n)).wait();
  }
  return { owner, alice, bob, carol, feed, token, engine };
}

async function expectEngineBooks(stack: { engine: Contract; token: Contract }, accounts: string[]) {
  let sum = BigInt(await stack.engine.poolBalance());
  for (const a of accounts) sum += BigInt(await stack.engine.collateralOf(a));
  expect(BigInt(await stack.token.balanceOf(await stack.engine.getAddress())) * SCALE).toBe(sum);
}

/** A new spot round, then a price for each `[seriesId, priceOverStrike]` proven for it. */
async function submitRound(stack: TestStack, prices: [bigint, bigint][], spot?: bigint) {
  await newSpotRound(stack, spot);
  for (const [seriesId, priceOverStrike] of prices) await submitPrice(stack, { seriesId, priceOverStrike, newRound: false });
}

async function refreshOracles(stack: TestStack) {
  await (await stack.spotOracle.updateAnswer(SPOT_ANSWER)).wait();
  await (await stack.volOracle.updateAnswer(VOL_ANSWER)).wait();
}

/** The engine's books balance: token balance = Σ collateral + pool. */
async function expectBooksBalance(stack: TestStack, accounts: string[]) {
  let sum = BigInt(await stack.engine.poolBalance());
  for (const a of accounts) sum += BigInt(await stack.engine.collateralOf(a));
  expect(BigInt(await stack.token.balanceOf(await stack.engine.getAddress())) * SCALE).toBe(sum);
}

async function health(stack: TestStack, who: string) {
  const [equity, im, mm, fresh] = await stack.engine.accountHealth(who);
  return { equity: BigInt(equity), im: BigInt(im), mm: BigInt(mm), fresh: Boolean(fresh) };
}

describe("MarginEngine: collateral", () => {
  it("normalises a 6-decimal token to wad and back", async () => {
    const stack = await networkHelpers.loadFixture(engineFixture);
    const e = as(stack.engine, stack.alice);
    expect(await stack.engine.tokenScale()).toBe(SCALE);
    await (await e.deposit(1_000n * USD + 1n)).wait();
    expect(await stack.engine.collateralOf(stack.alice.address)).toBe((1_000n * USD + 1n) * SCALE);
    await (await e.withdraw(1n)).wait();
    expect(await stack.engine.collateralOf(stack.alice.address)).toBe(1_000n * WAD);
    expect(await stack.token.balanceOf(await stack.engine.getAddress())).toBe(POOL + 1_000n * USD);
    await expectBooksBalance(stack, [stack.alice.address]);
    await expectRevert(e.withdraw(1_000n * USD + 1n), stack.engine, "InsufficientCollateral", [1_000n * WAD, (1_000n * USD + 1n) * SCALE]);
    await expectRevert(e.deposit(0n), stack.engine, "ZeroAmount");
  });

  it("rejects tokens with more than 18 decimals", async () => {
    const stack = await networkHelpers.loadFixture(engineFixture);
    const t24 = await ethers.deployContract("MockERC20", ["X", "X", 24]);
    const factory = await ethers.getContractFactory("MarginEngine");
    await expectRevert(
      factory.deploy(stack.owner.address, await t24.getAddress(), await stack.feed.getAddress(), ENGINE_RISK),
      stack.engine,
      "UnsupportedTokenDecimals",
      [24n],
    );
  });
});

describe("MarginEngine: positions and margin", () => {
  it("opens a short: premium credited, equity and requirements as specified", async () => {
    const stack = await networkHelpers.loadFixture(engineFixture);
    const e = as(stack.engine, stack.alice);
    await (await e.deposit(1_000n * USD)).wait();
    await (await e.openPosition(1n, false, 2n * WAD, 0n)).wait();
    expect(await stack.engine.positionOf(stack.alice.address, 1n)).toBe(-2n * WAD);
    expect(await stack.engine.collateralOf(stack.alice.address)).toBe(1_200n * WAD);
    // equity = 1,200 − 2·100; IM = 2·2,000·15%; MM = 2·2,000·10%
    expect(await health(stack, stack.alice.address)).toEqual({ equity: 1_000n * WAD, im: 600n * WAD, mm: 400n * WAD, fresh: true });
    expect(await stack.engine.openSeriesOf(stack.alice.address)).toEqual([1n]);
  });

  it("opens a long: premium paid from collateral, no further requirement", async () => {
    const stack = await networkHelpers.loadFixture(engineFixture);
    const e = as(stack.engine, stack.alice);
    await (await e.deposit(250n * USD)).wait();
    await expectRevert(e.openPosition(1n, true, 3n * WAD, MAX), stack.engine, "InsufficientCollateral", [250n * WAD, 300n * WAD]);
    await (await e.openPosition(1n, true, 2n * WAD, MAX)).wait();
    expect(await stack.engine.collateralOf(stack.alice.address)).toBe(50n * WAD);
    expect(await health(stack, stack.alice.address)).toEqual({ equity: 250n * WAD, im: 0n, mm: 0n, fresh: true });
    // Long value counts as equity, but the premium cannot be withdrawn twice.
    await expectRevert(e.withdraw(51n * USD), stack.engine, "InsufficientCollateral", [50n * WAD, 51n * WAD]);
  });

  it("rejects an open that breaks initial margin", async () => {
    const stack = await networkHelpers.loadFixture(engineFixture);
    const e = as(stack.engine, stack.alice);
    await (await e.deposit(599n * USD)).wait();
    // equity after = 599 (premium in and liability out cancel), IM = 600
    await expectRevert(e.openPosition(1n, false, 2n * WAD, 0n), stack.engine, "InitialMarginViolated", [599n * WAD, 600n * WAD]);
    await (await e.deposit(1n * USD)).wait();
    await (await e.openPosition(1n, false, 2n * WAD, 0n)).wait();
  });

  it("rejects a withdrawal that breaks initial margin and allows one that keeps it", async () => {
    const stack = await networkHelpers.loadFixture(engineFixture);
    const e = as(stack.engine, stack.alice);
    await (await e.deposit(1_000n * USD)).wait();
    await (await e.openPosition(1n, false, 2n * WAD, 0n)).wait();
    await expectRevert(e.withdraw(401n * USD), stack.engine, "InitialMarginViolated", [599n * WAD, 600n * WAD]);
    await (await e.withdraw(400n * USD)).wait();
    expect(await stack.token.balanceOf(stack.alice.address)).toBe(9_400n * USD);
    expect((await health(stack, stack.alice.address)).equity).toBe(600n * WAD);
  });

  it("closes positions at the new mark and realises PnL", async () => {
    const stack = await networkHelpers.loadFixture(engineFixture);
    const e = as(stack.engine, stack.alice);
    await (await e.deposit(1_000n * USD)).wait();
    await (await e.openPosition(1n, true, 2n * WAD, MAX)).wait(); // pays 200
    await networkHelpers.time.increase(10);
    await submitPrice(stack, { priceOverStrike: pos(130n * WAD) });
    await expectRevert(e.closePosition(1n, 3n * WAD, 0n), stack.engine, "CloseExceedsPosition", [1n, 3n * WAD, 2n * WAD]);
    await (await e.closePosition(1n, WAD, 0n)).wait(); // +130
    expect(await stack.engine.positionOf(stack.alice.address, 1n)).toBe(WAD);
    await (await e.closePosition(1n, WAD, 0n)).wait(); // +130
    expect(await stack.engine.collateralOf(stack.alice.address)).toBe(1_060n * WAD);
    expect(await stack.engine.openSeriesOf(stack.alice.address)).toEqual([]);
    // The pool paid the profit.
    expect(await stack.engine.poolBalance()).toBe(POOL * SCALE - 60n * WAD);
    await (await e.withdraw(1_060n * USD)).wait();
    await expectBooksBalance(stack, [stack.alice.address]);
  });

  it("trades against the pool: open interest is capped by its free balance, and only governance takes funds out", async () => {
    const stack = await networkHelpers.loadFixture(engineFixture);
    const e = as(stack.engine, stack.alice);
    await expectRevert(as(stack.engine, stack.alice).withdrawPool(stack.alice.address, 1n), stack.engine, "OwnableUnauthorizedAccount", [stack.alice.address]);
    await (await stack.engine.withdrawPool(stack.owner.address, POOL - 4_150n * USD)).wait();
    await (await e.deposit(5_000n * USD)).wait();
    // unitReserve of the call = strike · the model's largest moneyness (2) = 4,000 per unit:
    // a short of 2 is 8,000 of exposure against a free pool of 4,150.
    await expectRevert(e.openPosition(1n, false, 2n * WAD, 0n), stack.engine, "OpenInterestCap", [1n, 8_000n * WAD, 4_150n * WAD]);
    await (await e.openPosition(1n, false, WAD, 0n)).wait();
    expect(await stack.engine.poolBalance()).toBe(4_050n * WAD);
    await expectRevert(stack.engine.withdrawPool(stack.owner.address, 4_051n * USD), stack.engine, "InsufficientPoolLiquidity", [4_050n * WAD, 4_051n * WAD]);
    await expectBooksBalance(stack, [stack.alice.address]);
  });

  it("refuses opposite-side opens, unknown and expired series, too many positions", async () => {
    const stack = await networkHelpers.loadFixture(engineFixture);
    const e = as(stack.engine, stack.alice);
    await (await e.deposit(5_000n * USD)).wait();
    await (await e.openPosition(1n, true, WAD, MAX)).wait();
    await expectRevert(e.openPosition(1n, false, WAD, 0n), stack.engine, "OppositePosition", [1n, WAD]);
    await expectRevert(e.openPosition(99n, true, WAD, MAX), stack.engine, "UnknownSeries", [99n]);
    await expectRevert(e.openPosition(1n, true, 0n, MAX), stack.engine, "ZeroAmount");
    const series = await stack.feed.getSeries(1n);
    for (let i = 2n; i <= 9n; i++) {
      await (await stack.feed.createSeries({ spotOracle: series.spotOracle, volOracle: series.volOracle, strike: STRIKE, expiry: stack.expiry, isCall: true, modelId: MODEL_ID, risk: FEED_RISK })).wait();
    }
    // The series share a spot oracle: all are proven for its latest round.
    await submitRound(stack, [[1n, pos(100n * WAD)], ...[2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n].map((i) => [i, pos(10n * WAD)] as [bigint, bigint])]);
    for (let i = 2n; i <= 8n; i++) await (await e.openPosition(i, true, WAD, MAX)).wait();
    await expectRevert(e.openPosition(9n, true, WAD, MAX), stack.engine, "TooManyPositions");
    await networkHelpers.time.increaseTo(stack.expiry);
    await expectRevert(e.openPosition(1n, true, WAD, MAX), stack.engine, "SeriesExpired", [1n, stack.expiry]);
  });
});

describe("MarginEngine: liquidation", () => {
  async function shortAlice(stack: TestStack) {
    const e = as(stack.engine, stack.alice);
    await (await e.deposit(1_000n * USD)).wait();
    await (await e.openPosition(1n, false, 2n * WAD, 0n)).wait(); // collateral 1,200
    await (await e.withdraw(400n * USD)).wait(); // collateral 800, equity 600 = IM
  }

  it("refuses to liquidate a healthy account", async () => {
    const stack = await networkHelpers.loadFixture(engineFixture);
    await shortAlice(stack);
    const l = as(stack.engine, stack.bob);
    await expectRevert(l.liquidate(stack.alice.address), stack.engine, "AccountHealthy", [600n * WAD, 400n * WAD]);
    // Exactly at maintenance: equity 800 − 2·200 = 400 = MM, still healthy.
    await networkHelpers.time.increase(10);
    await submitPrice(stack, { priceOverStrike: pos(200n * WAD) });
    await expectRevert(l.liquidate(stack.alice.address), stack.engine, "AccountHealthy", [400n * WAD, 400n * WAD]);
    await expectRevert(l.liquidate(stack.carol.address), stack.engine, "AccountHealthy", [0n, 0n]);
  });

  it("liquidates below maintenance: positions closed at mark, bonus to the liquidator", async () => {
    const stack = await networkHelpers.loadFixture(engineFixture);
    await shortAlice(stack);
    await networkHelpers.time.increase(10);
    await submitPrice(stack, { priceOverStrike: pos(300n * WAD) });
    expect(await stack.engine.isLiquidatable(stack.alice.address)).toBe(true);
    const before = await stack.token.balanceOf(stack.bob.address);
    const receipt = await (await as(stack.engine, stack.bob).liquidate(stack.alice.address)).wait();
    const ev = receipt!.logs.map((l: never) => stack.engine.interface.parseLog(l)).find((l: { name: string } | null) => l?.name === "Liquidated");
    // equity = 800 − 600 = 200 < MM 400; bonus = 5% of 400 = 20
    expect([ev!.args.equity, ev!.args.maintenanceMargin, ev!.args.bonus, ev!.args.shortfall]).toEqual([200n * WAD, 400n * WAD, 20n * USD, 0n]);
    expect((await stack.token.balanceOf(stack.bob.address)) - before).toBe(20n * USD);
    expect(await stack.engine.collateralOf(stack.alice.address)).toBe(180n * WAD);
    expect(await stack.engine.positionOf(stack.alice.address, 1n)).toBe(0n);
    expect(await stack.engine.openSeriesOf(stack.alice.address)).toEqual([]);
    expect(await stack.engine.badDebt()).toBe(0n);
    await (await as(stack.engine, stack.alice).withdraw(180n * USD)).wait();
    await expectBooksBalance(stack, [stack.alice.address, stack.bob.address]);
  });

  it("records bad debt when equity is negative and pays no bonus", async () => {
    const stack = await networkHelpers.loadFixture(engineFixture);
    await shortAlice(stack);
    await networkHelpers.time.increase(10);
    await submitPrice(stack, { priceOverStrike: pos(1_000n * WAD) });
    await (await as(stack.engine, stack.bob).liquidate(stack.alice.address)).wait();
    expect(await stack.engine.badDebt()).toBe(1_200n * WAD);
    expect(await stack.engine.collateralOf(stack.alice.address)).toBe(0n);
    expect(await stack.token.balanceOf(stack.bob.address)).toBe(10_000n * USD);
    // The pool paid the 200 premium and received the 800 of collateral.
    expect(await stack.engine.poolBalance()).toBe(POOL * SCALE + 600n * WAD);
    await expectBooksBalance(stack, [stack.alice.address]);
  });
});

describe("MarginEngine: stale prices", () => {
  it("block opening; the leg is then MISSING: valued conservatively, so a liquidation is not frozen", async () => {
    const stack = await networkHelpers.loadFixture(engineFixture);
    const e = as(stack.engine, stack.alice);
    await (await e.deposit(1_000n * USD)).wait();
    await (await e.openPosition(1n, false, 2n * WAD, 0n)).wait();
    await (await e.withdraw(400n * USD)).wait();
    await networkHelpers.time.increase(10);
    const t = await submitPrice(stack, { priceOverStrike: pos(300n * WAD) }); // now liquidatable
    await networkHelpers.time.increase(ENGINE_RISK.maxPriceAge + 1);
    const maxAge = BigInt(ENGINE_RISK.maxPriceAge);
    await expectRevert(e.openPosition(1n, false, WAD, 0n), stack.engine, "StalePrice", [1n, t, maxAge]);
    // MISSING: the short call is valued at spot (2,000 per unit): equity 800 − 4,000.
    expect(await health(stack, stack.alice.address)).toEqual({ equity: -3_200n * WAD, im: 600n * WAD, mm: 400n * WAD, fresh: true });
    expect((await stack.engine.markStatus(1n))[2]).toBe(2n);
    await expectRevert(e.withdraw(1n), stack.engine, "InitialMarginViolated", [-3_200n * WAD - SCALE, 600n * WAD]);
    // Deposits never need a price.
    await (await e.deposit(1n * USD)).wait();
    expect(await stack.engine.isLiquidatable(stack.alice.address)).toBe(true);
    await (await as(stack.engine, stack.bob).liquidate(stack.alice.address)).wait();
    expect(await stack.engine.openSeriesOf(stack.alice.address)).toEqual([]);
    expect((await stack.engine.openInterest(1n)).shorts).toBe(0n);
    await expectBooksBalance(stack, [stack.alice.address, stack.bob.address]);
  });

  it("a series that never had a price blocks opening", async () => {
    const stack = await networkHelpers.loadFixture(engineFixture);
    const series = await stack.feed.getSeries(1n);
    await (await stack.feed.createSeries({ spotOracle: series.spotOracle, volOracle: series.volOracle, strike: STRIKE, expiry: stack.expiry, isCall: false, modelId: PUT_MODEL_ID, risk: FEED_RISK })).wait();
    await (await as(stack.engine, stack.alice).deposit(1_000n * USD)).wait();
    await expectRevert(as(stack.engine, stack.alice).openPosition(2n, true, WAD, MAX), stack.engine, "NoPrice", [2n]);
  });
});

describe("MarginEngine: marks must be current", () => {
  it("a new spot round without a proven price blocks open, close, withdraw and liquidation", async () => {
    const stack = await networkHelpers.loadFixture(engineFixture);
    const e = as(stack.engine, stack.alice);
    await (await e.deposit(1_000n * USD)).wait();
    await (await e.openPosition(1n, false, 2n * WAD, 0n)).wait();
    await (await e.withdraw(400n * USD)).wait();
    const t = await submitPrice(stack, { priceOverStrike: pos(300n * WAD) }); // liquidatable
    // The spot falls back: the proven 300 no longer reflects the oracle. A liquidator may
    // not use it, the account may not trade on it.
    await newSpotRound(stack, 1_900n * 10n ** 8n);
    expect(await stack.feed.isCurrent(1n)).toBe(false);
    expect(await stack.engine.isLiquidatable(stack.alice.address)).toBe(false);
    expect((await health(stack, stack.alice.address)).fresh).toBe(false);
    const [usable, reason] = await stack.engine.markStatus(1n);
    expect([usable, reason]).toEqual([false, stack.engine.interface.getError("PriceNotCurrent")!.selector]);
    expect((await stack.engine.markStatus(1n))[2]).toBe(1n); // PENDING: never liquidates
    await expectRevert(as(stack.engine, stack.bob).liquidate(stack.alice.address), stack.engine, "PriceNotCurrent", [1n, t]);
    await expectRevert(e.openPosition(1n, false, WAD, 0n), stack.engine, "PriceNotCurrent", [1n, t]);
    await expectRevert(e.closePosition(1n, WAD, MAX), stack.engine, "PriceNotCurrent", [1n, t]);
    await expectRevert(e.withdraw(1n), stack.engine, "PriceNotCurrent", [1n, t]);
    // The new round's proven price: healthy again (equity 800 − 2·150 = 500 ≥ MM 380).
    await submitPrice(stack, { priceOverStrike: pos(150n * WAD), newRound: false });
    expect([...(await stack.engine.markStatus(1n))]).toEqual([true, "0x00000000", 0n]);
    await expectRevert(as(stack.engine, stack.bob).liquidate(stack.alice.address), stack.engine, "AccountHealthy", [500n * WAD, 380n * WAD]);
    await (await e.closePosition(1n, WAD, MAX)).wait();
  });

  it("a move of another series' shared spot oracle blocks an account holding that series too", async () => {
    const stack = await networkHelpers.loadFixture(engineFixture);
    const e = as(stack.engine, stack.alice);
    await (await e.deposit(1_000n * USD)).wait();
    await (await e.openPosition(1n, true, WAD, MAX)).wait();
    await newSpotRound(stack);
    await expectRevert(e.withdraw(1n), stack.engine, "PriceNotCurrent");
    await submitPrice(stack, { newRound: false, priceOverStrike: pos(100n * WAD) });
    await (await e.withdraw(1n)).wait();
  });
});

describe("MarginEngine: slippage limits", () => {
  it("open: a long pays at most, a short receives at least, its limit per unit", async () => {
    const stack = await networkHelpers.loadFixture(engineFixture);
    const e = as(stack.engine, stack.alice);
    await (await e.deposit(2_000n * USD)).wait();
    const mark = 100n * WAD;
    await expectRevert(e.openPosition(1n, true, WAD, mark - 1n), stack.engine, "PriceLimitExceeded", [mark, mark - 1n]);
    await (await e.openPosition(1n, true, WAD, mark)).wait();
    await (await e.closePosition(1n, WAD, 0n)).wait();
    await expectRevert(e.openPosition(1n, false, WAD, mark + 1n), stack.engine, "PriceLimitExceeded", [mark, mark + 1n]);
    await (await e.openPosition(1n, false, WAD, mark)).wait();
  });

  it("close: a long's sale receives at least, a short's buy-back pays at most, its limit", async () => {
    const stack = await networkHelpers.loadFixture(engineFixture);
    const e = as(stack.engine, stack.alice);
    const b = as(stack.engine, stack.bob);
    await (await e.deposit(2_000n * USD)).wait();
    await (await b.deposit(2_000n * USD)).wait();
    await (await e.openPosition(1n, true, WAD, MAX)).wait();
    await (await b.openPosition(1n, false, WAD, 0n)).wait();
    await submitPrice(stack, { priceOverStrike: pos(120n * WAD) });
    const mark = 120n * WAD;
    await expectRevert(e.closePosition(1n, WAD, mark + 1n), stack.engine, "PriceLimitExceeded", [mark, mark + 1n]);
    await (await e.closePosition(1n, WAD, mark)).wait();
    await expectRevert(b.closePosition(1n, WAD, mark - 1n), stack.engine, "PriceLimitExceeded", [mark, mark - 1n]);
    await (await b.closePosition(1n, WAD, mark)).wait();
  });
});

describe("MarginEngine: expiry", () => {
  it("from expiry on the pre-expiry mark is never used: close, withdraw and liquidation wait for settlement", async () => {
    const stack = await networkHelpers.loadFixture(engineFixture);
    const e = as(stack.engine, stack.alice);
    await (await e.deposit(1_000n * USD)).wait();
    await (await e.openPosition(1n, false, 2n * WAD, 0n)).wait(); // +200 premium
    // A last price shortly before expiry, still young and current when expiry passes.
    await networkHelpers.time.increaseTo(stack.expiry - 20n);
    await refreshOracles(stack);
    await submitPrice(stack, { priceOverStrike: pos(90n * WAD), newRound: false });
    await networkHelpers.time.increaseTo(stack.expiry);
    const expiry = stack.expiry;
    await expectRevert(e.closePosition(1n, 2n * WAD, MAX), stack.engine, "NotSettled", [1n, expiry]);
    await expectRevert(e.withdraw(1n * USD), stack.engine, "NotSettled", [1n, expiry]);
    await expectRevert(as(stack.engine, stack.bob).liquidate(stack.alice.address), stack.engine, "NotSettled", [1n, expiry]);
    expect((await health(stack, stack.alice.address)).fresh).toBe(false);
    // No more proven prices: the first round after expiry settles the series.
    await newSpotRound(stack);
    const settleRound = BigInt(await stack.spotOracle.roundId());
    const observedAt = BigInt(await stack.spotOracle.updatedAt());
    await expectRevert(stack.feed.submit(1n, observedAt, ZERO_PROOF.a, ZERO_PROOF.b, ZERO_PROOF.c, [pos(90n * WAD), WAD, 0n, (8n * WAD) / 10n, FEED_RISK.rate]), stack.feed, "SeriesExpired", [1n, expiry]);
    await (await stack.spotOracle.updateAnswer(2_100n * 10n ** 8n)).wait();
    await expectRevert(stack.feed.settle(1n, settleRound + 1n), stack.feed, "SettlementRoundNotFirst");
    await (await stack.feed.settle(1n, settleRound)).wait(); // call intrinsic: 0 at spot 2,000
    // Final price: usable however old.
    await networkHelpers.time.increase(30 * 86_400);
    expect(await health(stack, stack.alice.address)).toEqual({ equity: 1_200n * WAD, im: 600n * WAD, mm: 400n * WAD, fresh: true });
    await expectRevert(e.openPosition(1n, false, WAD, 0n), stack.engine, "SeriesExpired", [1n, stack.expiry]);
    await (await e.closePosition(1n, 2n * WAD, 0n)).wait(); // worthless: pays nothing
    expect(await stack.engine.collateralOf(stack.alice.address)).toBe(1_200n * WAD);
    await (await e.withdraw(1_200n * USD)).wait();
    await expectBooksBalance(stack, [stack.alice.address]);
  });

  it("a settled in-the-money series closes at intrinsic value", async () => {
    const stack = await networkHelpers.loadFixture(engineFixture);
    const e = as(stack.engine, stack.alice);
    await (await e.deposit(1_000n * USD)).wait();
    await (await e.openPosition(1n, false, 2n * WAD, 0n)).wait(); // +200 premium
    await networkHelpers.time.increaseTo(stack.expiry + 1n);
    await newSpotRound(stack, 2_100n * 10n ** 8n);
    await (await stack.feed.settle(1n, await stack.spotOracle.roundId())).wait(); // intrinsic 100
    expect(await health(stack, stack.alice.address)).toEqual({ equity: 1_000n * WAD, im: 630n * WAD, mm: 420n * WAD, fresh: true });
    await (await e.closePosition(1n, 2n * WAD, MAX)).wait(); // pays 200 back to the pool
    expect(await stack.engine.collateralOf(stack.alice.address)).toBe(1_000n * WAD);
    await expectBooksBalance(stack, [stack.alice.address]);
  });
});

describe("MarginEngine: pool shortfall", () => {
  it("a liquidation the pool cannot pay in full succeeds; the rest is the account's claim", async () => {
    // A feed mock with no long reserve (unitReserve 0) lets governance drain the pool, as a
    // pool loss beyond the reserve would: the claim path is what is under test here.
    const stack = await networkHelpers.loadFixture(mockFeedFixture);
    const { engine, feed } = stack;
    const e = as(engine, stack.alice);
    await (await e.deposit(1_000n * USD)).wait();
    await (await e.openPosition(2n, true, 5n * WAD, MAX)).wait(); // pays 500
    await (await e.openPosition(1n, false, 2n * WAD, 0n)).wait(); // receives 200
    await (await e.withdraw(400n * USD)).wait(); // collateral 300, equity 600 = IM
    // Governance leaves 50 in the pool.
    await (await engine.withdrawPool(stack.owner.address, POOL + 300n * USD - 50n * USD)).wait();
    expect(await engine.poolBalance()).toBe(50n * WAD);
    // Series 1 to 210: equity = 300 + 5·100 − 2·210 = 380 < MM 400; the pool owes 80.
    await (await feed.setObservation(1n, 210n * WAD, 2_000n * WAD, await latestTimestamp(ethers.provider))).wait();
    const receipt = await (await as(engine, stack.bob).liquidate(stack.alice.address)).wait();
    const names = receipt!.logs.map((l: never) => engine.interface.parseLog(l)?.name);
    expect(names).toContain("ClaimRecorded");
    // Paid 50, claim 30; the bonus (5% of 400 = 20) comes from what was credited.
    expect(await engine.claimOf(stack.alice.address)).toBe(30n * WAD);
    expect(await engine.totalClaims()).toBe(30n * WAD);
    expect(await engine.poolBalance()).toBe(0n);
    expect(await engine.collateralOf(stack.alice.address)).toBe(330n * WAD);
    expect(await stack.token.balanceOf(stack.bob.address)).toBe(10_000n * USD + 20n * USD);
    await expectEngineBooks(stack, [stack.alice.address]);

    // Governance cannot take funds owed to the claim; nor can trades.
    await expectRevert(as(engine, stack.carol).payClaim(stack.alice.address), engine, "NothingToPay", [stack.alice.address]);
    await (await stack.token.mint(stack.owner.address, 100n * USD)).wait();
    await (await stack.token.approve(await engine.getAddress(), 100n * USD)).wait();
    await (await engine.fundPool(100n * USD)).wait();
    await expectRevert(engine.withdrawPool(stack.owner.address, 71n * USD), engine, "InsufficientPoolLiquidity", [70n * WAD, 71n * WAD]);
    await (await as(engine, stack.carol).payClaim(stack.alice.address)).wait();
    expect(await engine.claimOf(stack.alice.address)).toBe(0n);
    expect(await engine.totalClaims()).toBe(0n);
    expect(await engine.collateralOf(stack.alice.address)).toBe(360n * WAD);
    await (await engine.withdrawPool(stack.owner.address, 70n * USD)).wait();
    await (await e.withdraw(360n * USD)).wait();
    await expectEngineBooks(stack, [stack.alice.address]);
  });
});

describe("MarginEngine: reentrancy", () => {
  it("a token that calls back into the engine during a transfer cannot re-enter", async () => {
    const stack = await networkHelpers.loadFixture(reentrantFixture);
    const e = as(stack.engine, stack.alice);
    const engineAddress = await stack.engine.getAddress();
    await (await e.deposit(100n * WAD)).wait();
    for (const callData of [
      stack.engine.interface.encodeFunctionData("withdraw", [100n * WAD]),
      stack.engine.interface.encodeFunctionData("deposit", [1n]),
      stack.engine.interface.encodeFunctionData("liquidate", [stack.alice.address]),
      stack.engine.interface.encodeFunctionData("openPosition", [1n, false, WAD, 0n]),
    ]) {
      await (await stack.token.arm(engineAddress, callData)).wait();
      await expectRevert(e.withdraw(10n * WAD), stack.engine, "ReentrancyGuardReentrantCall");
      await (await stack.token.arm(engineAddress, callData)).wait();
      await expectRevert(e.deposit(10n * WAD), stack.engine, "ReentrancyGuardReentrantCall");
    }
    expect(await stack.engine.collateralOf(stack.alice.address)).toBe(100n * WAD);
    expect(await stack.token.balanceOf(engineAddress)).toBe(100n * WAD);
  });
});

describe("MarginEngine: governance", () => {
  it("validates and restricts risk parameters", async () => {
    const stack = await networkHelpers.loadFixture(engineFixture);
    await expectRevert(as(stack.engine, stack.alice).setRiskParams(ENGINE_RISK), stack.engine, "OwnableUnauthorizedAccount", [stack.alice.address]);
    await expectRevert(stack.engine.setRiskParams({ ...ENGINE_RISK, mmBps: 1_600 }), stack.engine, "InvalidRiskParams");
    await expectRevert(stack.engine.setRiskParams({ ...ENGINE_RISK, maxPriceAge: 0 }), stack.engine, "InvalidRiskParams");
    await (await stack.engine.setRiskParams({ ...ENGINE_RISK, imBps: 2_000 })).wait();
    expect((await stack.engine.riskParams()).imBps).toBe(2_000n);
  });
});
