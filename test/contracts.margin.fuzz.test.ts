import hre from "hardhat";
import fc from "fast-check";
import type { Contract } from "ethers";
import { describe, expect, it } from "vitest";
import { accountHealth, premium, type MarginLeg } from "../src/chain/marginMath.js";

const { ethers, networkHelpers } = await hre.network.connect();

const WAD = 10n ** 18n;

describe("MarginMath against the TypeScript reference formula", () => {
  async function harnessFixture() {
    return ethers.deployContract("MarginMathHarness");
  }

  const leg = fc.record({
    size: fc.bigInt({ min: -(2n ** 110n), max: 2n ** 110n }),
    price: fc.bigInt({ min: 0n, max: 2n ** 96n - 1n }),
    spot: fc.bigInt({ min: 0n, max: 2n ** 96n - 1n }),
  });
  const bps = fc.integer({ min: 0, max: 10_000 }).chain((im) => fc.tuple(fc.constant(im), fc.integer({ min: 0, max: im })));

  it("equity, initial and maintenance margin match for random accounts", async () => {
    const harness = await networkHelpers.loadFixture(harnessFixture);
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: 0n, max: 2n ** 120n }), fc.array(leg, { maxLength: 8 }), bps, async (collateral, legs, [im, mm]) => {
        const [equity, initialMargin, maintenanceMargin] = await harness.health(collateral, legs, im, mm);
        expect({ equity, initialMargin, maintenanceMargin }).toEqual(accountHealth(collateral, legs, BigInt(im), BigInt(mm)));
      }),
      { numRuns: 300 },
    );
  });

  it("rounds against the account at the wei level", async () => {
    const harness = await networkHelpers.loadFixture(harnessFixture);
    // 1 wei of size at price 1 wad − 1: a long is worth 0, a short owes 1, the buffer is 1.
    const [e1] = await harness.health(0n, [{ size: 1n, price: WAD - 1n, spot: 0n }], 0, 0);
    const [e2, im2, mm2] = await harness.health(0n, [{ size: -1n, price: WAD - 1n, spot: 1n }], 1, 1);
    expect([e1, e2, im2, mm2]).toEqual([0n, -1n, 1n, 1n]);
  });
});

// ------------------------------------------------------------------ model-based engine test

const USD = 10n ** 6n;
const SCALE = 10n ** 12n;
const SERIES = [1n, 2n, 3n];
const LIQUIDATOR_START = 1_000_000n * USD - 20_000n * USD;
const RISK = { imBps: 1_500, mmBps: 1_000, liquidationBonusBps: 500, maxPriceAge: 3_600 };

type Action =
  | { kind: "price"; series: bigint; price: bigint; spot: bigint }
  | { kind: "open"; series: bigint; isLong: boolean; size: bigint }
  | { kind: "close"; series: bigint; permille: number }
  | { kind: "withdraw"; amount: bigint }
  | { kind: "liquidate" };

const seriesArb = fc.constantFrom(...SERIES);
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({
    kind: fc.constant("price" as const),
    series: seriesArb,
    price: fc.bigInt({ min: 0n, max: 1_000n * WAD }),
    spot: fc.bigInt({ min: 1n, max: 5_000n * WAD }),
  }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant("open" as const), series: seriesArb, isLong: fc.boolean(), size: fc.bigInt({ min: 1n, max: 20n * WAD }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant("close" as const), series: seriesArb, permille: fc.integer({ min: 0, max: 1_100 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant("withdraw" as const), amount: fc.bigInt({ min: 1n, max: 12_000n * USD }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("liquidate" as const) }), weight: 1 },
);

async function engineFixture() {
  const [owner, alice] = await ethers.getSigners();
  const token = (await ethers.deployContract("MockERC20", ["USD", "USD", 6])) as unknown as Contract;
  const feed = (await ethers.deployContract("MockOptionPriceFeed")) as unknown as Contract;
  const engine = (await ethers.deployContract("MarginEngine", [owner.address, await token.getAddress(), await feed.getAddress(), RISK])) as unknown as Contract;
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  for (const id of SERIES) {
    await (await feed.setExpiry(id, now + 10n ** 6n)).wait();
    await (await feed.setObservation(id, 100n * WAD, 2_000n * WAD, now)).wait();
  }
  await (await token.mint(owner.address, 1_000_000n * USD)).wait();
  await (await token.approve(await engine.getAddress(), 2n ** 256n - 1n)).wait();
  await (await engine.fundPool(20_000n * USD)).wait();
  await (await token.mint(alice.address, 10_000n * USD)).wait();
  const e = engine.connect(alice) as Contract;
  await (await (token.connect(alice) as Contract).approve(await engine.getAddress(), 2n ** 256n - 1n)).wait();
  await (await e.deposit(10_000n * USD)).wait();
  return { engine, e, feed, token, alice, liquidator: owner };
}

/** The engine's state as the reference sees it. */
interface Model {
  collateral: bigint;
  pool: bigint;
  /** The account's claim on the pool (what a liquidation could not pay). */
  claims: bigint;
  positions: Map<bigint, bigint>;
  obs: Map<bigint, { price: bigint; spot: bigint }>;
  /** Token units paid to the liquidator. */
  bonusPaid: bigint;
}

function legs(m: Model): MarginLeg[] {
  return [...m.positions.entries()].filter(([, s]) => s !== 0n).map(([id, size]) => ({ size, ...m.obs.get(id)! }));
}

/** Size a close action asks for: a fraction of the position (above 100%: one wei too many). */
function closeSize(m: Model, a: { series: bigint; permille: number }): bigint {
  const held = m.positions.get(a.series) ?? 0n;
  const abs = held < 0n ? -held : held;
  return a.permille > 1_000 ? abs + 1n : (abs * BigInt(a.permille)) / 1_000n;
}

/** Pool funds not owed to claims. */
const free = (m: Model) => (m.pool > m.claims ? m.pool - m.claims : 0n);

/** Apply `a` to the model; return the custom error the engine must raise, or null. */
function step(m: Model, a: Action): string | null {
  const imOk = (next: Model) => {
    const h = accountHealth(next.collateral, legs(next), BigInt(RISK.imBps), BigInt(RISK.mmBps));
    return legs(next).length === 0 || h.equity >= h.initialMargin;
  };
  if (a.kind === "price") {
    m.obs.set(a.series, { price: a.price, spot: a.spot });
    return null;
  }
  if (a.kind === "open") {
    const held = m.positions.get(a.series) ?? 0n;
    if (held !== 0n && held > 0n !== a.isLong) return "OppositePosition";
    const { price } = m.obs.get(a.series)!;
    const next: Model = { ...m, positions: new Map(m.positions) };
    next.positions.set(a.series, held + (a.isLong ? a.size : -a.size));
    if (a.isLong) {
      const p = premium(a.size, price, "pay");
      if (p > m.collateral) return "InsufficientCollateral";
      next.collateral -= p;
      next.pool += p;
    } else {
      const p = premium(a.size, price, "receive");
      if (p > free(m)) return "InsufficientPoolLiquidity";
      next.collateral += p;
      next.pool -= p;
    }
    if (!imOk(next)) return "InitialMarginViolated";
    Object.assign(m, next);
    return null;
  }
  if (a.kind === "close") {
    const held = m.positions.get(a.series) ?? 0n;
    const abs = held < 0n ? -held : held;
    const size = closeSize(m, a);
    if (size === 0n) return "ZeroAmount";
    if (size > abs) return "CloseExceedsPosition";
    const { price } = m.obs.get(a.series)!;
    if (held > 0n) {
      const p = premium(size, price, "receive");
      if (p > free(m)) return "InsufficientPoolLiquidity";
      m.pool -= p;
      m.collateral += p;
      m.positions.set(a.series, held - size);
    } else {
      const p = premium(size, price, "pay");
      if (p > m.collateral) return "InsufficientCollateral";
      m.pool += p;
      m.collateral -= p;
      m.positions.set(a.series, held + size);
    }
    return null;
  }
  if (a.kind === "liquidate") {
    const h = accountHealth(m.collateral, legs(m), BigInt(RISK.imBps), BigInt(RISK.mmBps));
    if (legs(m).length === 0 || h.equity >= h.maintenanceMargin) return "AccountHealthy";
    let remaining = 0n;
    if (h.equity < 0n) {
      m.pool += m.collateral;
    } else {
      remaining = h.equity;
      if (remaining <= m.collateral) {
        m.pool += m.collateral - remaining;
      } else {
        // Never reverts for liquidity: the pool pays what is free, the rest is a claim.
        let owed = remaining - m.collateral;
        if (owed > free(m)) {
          const unpaid = owed - free(m);
          owed = free(m);
          remaining -= unpaid;
          m.claims += unpaid;
        }
        m.pool -= owed;
      }
    }
    let bonus = (h.maintenanceMargin * BigInt(RISK.liquidationBonusBps)) / 10_000n;
    if (bonus > remaining) bonus = remaining;
    m.collateral = remaining - (bonus / SCALE) * SCALE;
    m.bonusPaid += bonus / SCALE;
    m.positions.clear();
    return null;
  }
  const wad = a.amount * SCALE;
  if (wad > m.collateral) return "InsufficientCollateral";
  const next: Model = { ...m, collateral: m.collateral - wad };
  if (!imOk(next)) return "InitialMarginViolated";
  Object.assign(m, next);
  return null;
}

async function errorName(engine: Contract, p: Promise<unknown>): Promise<string | null> {
  try {
    await p;
    return null;
  } catch (e) {
    let data: string | undefined;
    for (let x: unknown = e; x && typeof x === "object" && !data; ) {
      const o = x as Record<string, unknown>;
      if (typeof o.data === "string") data = o.data;
      x = o.error ?? o.info ?? o.cause;
    }
    if (!data) throw e;
    return engine.interface.parseError(data)?.name ?? `unknown ${data}`;
  }
}

describe("MarginEngine against a reference model", () => {
  it("accepts and rejects exactly what the reference predicts, and books match", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 1, maxLength: 16 }), async (actions) => {
        const { engine, e, feed, token, alice, liquidator } = await networkHelpers.loadFixture(engineFixture);
        const m: Model = {
          collateral: 10_000n * WAD,
          pool: 20_000n * WAD,
          claims: 0n,
          positions: new Map(),
          obs: new Map(SERIES.map((id) => [id, { price: 100n * WAD, spot: 2_000n * WAD }])),
          bonusPaid: 0n,
        };
        for (const a of actions) {
          const size = a.kind === "close" ? closeSize(m, a) : 0n;
          // No slippage limit: a buyer (closing a short) accepts any price, a seller any.
          const closeLimit = a.kind === "close" && (m.positions.get(a.series) ?? 0n) < 0n ? 2n ** 256n - 1n : 0n;
          const expected = step(m, a);
          let actual: string | null;
          if (a.kind === "price") {
            const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
            actual = await errorName(engine, feed.setObservation(a.series, a.price, a.spot, now).then((t: { wait(): Promise<unknown> }) => t.wait()));
          } else if (a.kind === "open") {
            actual = await errorName(engine, e.openPosition(a.series, a.isLong, a.size, a.isLong ? 2n ** 256n - 1n : 0n).then((t: { wait(): Promise<unknown> }) => t.wait()));
          } else if (a.kind === "close") {
            actual = await errorName(engine, e.closePosition(a.series, size, closeLimit).then((t: { wait(): Promise<unknown> }) => t.wait()));
          } else if (a.kind === "liquidate") {
            actual = await errorName(engine, engine.liquidate(alice.address).then((t: { wait(): Promise<unknown> }) => t.wait()));
          } else {
            actual = await errorName(engine, e.withdraw(a.amount).then((t: { wait(): Promise<unknown> }) => t.wait()));
          }
          expect(actual, JSON.stringify(a, (_, v) => (typeof v === "bigint" ? v.toString() : v))).toBe(expected);
        }
        expect(await engine.collateralOf(alice.address)).toBe(m.collateral);
        expect(await engine.poolBalance()).toBe(m.pool);
        expect(await engine.claimOf(alice.address)).toBe(m.claims);
        expect(await engine.totalClaims()).toBe(m.claims);
        for (const id of SERIES) expect(await engine.positionOf(alice.address, id)).toBe(m.positions.get(id) ?? 0n);
        const [equity, im, mm] = await engine.accountHealth(alice.address);
        expect({ equity, initialMargin: im, maintenanceMargin: mm }).toEqual(accountHealth(m.collateral, legs(m), BigInt(RISK.imBps), BigInt(RISK.mmBps)));
        expect((await token.balanceOf(await engine.getAddress())) * SCALE).toBe(m.collateral + m.pool);
        expect(await token.balanceOf(liquidator.address)).toBe(LIQUIDATOR_START + m.bonusPaid);
      }),
      { numRuns: 100 },
    );
  });
});
