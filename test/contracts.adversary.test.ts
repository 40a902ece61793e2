/**
 * Adversarial property test of the feed + engine. An attacker controls two funded accounts and
 * one account that never deposits; he knows the true Black–Scholes price, the model's error
 * at every step and the NEXT oracle update, and acts in any order between updates: open, close,
 * withdraw, liquidate. Honest keepers move the spot oracle (at most one 1% deviation step per
 * update), prove the model's price (true price + an error within the registered band, chosen
 * adversarially) and liquidate every liquidatable account after each update.
 *
 * Asserted after every action: token balance == pool + Σ collateral, and the zero-collateral
 * account never withdraws anything. At the end: the attacker's profit, valued at the true
 * price, never exceeds what holding his positions across the updates earned at true prices
 * (his foreknowledge) minus the fees he paid: the spread (≥ the error band) leaves him no edge
 * against the true price on any trade, liquidation or claim, and the fee is charged on every trade.
 */
import hre from "hardhat";
import fc from "fast-check";
import type { Contract } from "ethers";
import { describe, expect, it } from "vitest";
import { blackScholesPrice } from "../src/data/blackScholes.js";
import { deployTestStack, newSpotRound, statementFor, STRIKE, WAD, ZERO_PROOF, type TestStack } from "./helpers/contracts.js";

const { ethers, networkHelpers } = await hre.network.connect();
const USD = 10n ** 6n;
const SCALE = 10n ** 12n;
const MAX = 2n ** 256n - 1n;
const K = 2_000;
const BAND = 0.0081; // fraction of strike: 0.0001 quantization + 0.008 reference error
const FEE_BPS = 50; // half of the 1% deviation step
const STEP = 60; // seconds between oracle updates
const as = (x: Contract, who: { address: string }) => x.connect(who as never) as Contract;

async function adversaryFixture() {
  const stack = await deployTestStack(ethers, {
    band: { quantizationBound: 10n ** 14n, referenceError: 8n * 10n ** 15n },
    engineRisk: { feeBps: FEE_BPS, seriesCapBps: 5_000, accountCapBps: 2_000 },
  });
  await (await stack.token.mint(stack.owner.address, 200_000n * USD)).wait();
  await (await stack.token.approve(await stack.engine.getAddress(), MAX)).wait();
  await (await stack.engine.fundPool(100_000n * USD)).wait();
  for (const who of [stack.alice, stack.bob, stack.carol]) {
    await (await stack.token.mint(who.address, 20_000n * USD)).wait();
    await (await as(stack.token, who).approve(await stack.engine.getAddress(), MAX)).wait();
  }
  // The attacker's two funded accounts; carol never deposits.
  for (const who of [stack.alice, stack.bob]) await (await as(stack.engine, who).deposit(5_000n * USD)).wait();
  return stack;
}

type Act =
  | { kind: "open"; who: 0 | 1 | 2; isLong: boolean; size: number }
  | { kind: "close"; who: 0 | 1; permille: number }
  | { kind: "withdraw"; who: 0 | 1 | 2; amount: number }
  | { kind: "liquidate"; who: 0 | 1; target: 0 | 1 };

interface Step {
  /** Spot move of the next update, fraction (within ±1%). */
  move: number;
  /** The model's error at the next update, fraction of the band (−0.99..0.99). */
  error: number;
  acts: Act[];
}

const actArb: fc.Arbitrary<Act> = fc.oneof(
  fc.record({ kind: fc.constant("open" as const), who: fc.constantFrom(0 as const, 1 as const, 2 as const), isLong: fc.boolean(), size: fc.integer({ min: 1, max: 80 }) }),
  fc.record({ kind: fc.constant("close" as const), who: fc.constantFrom(0 as const, 1 as const), permille: fc.integer({ min: 1, max: 1_000 }) }),
  fc.record({ kind: fc.constant("withdraw" as const), who: fc.constantFrom(0 as const, 1 as const, 2 as const), amount: fc.integer({ min: 1, max: 6_000 }) }),
  fc.record({ kind: fc.constant("liquidate" as const), who: fc.constantFrom(0 as const, 1 as const), target: fc.constantFrom(0 as const, 1 as const) }),
);
const stepArb: fc.Arbitrary<Step> = fc.record({
  move: fc.double({ min: -0.01, max: 0.01, noNaN: true }),
  error: fc.double({ min: -0.99, max: 0.99, noNaN: true }),
  acts: fc.array(actArb, { maxLength: 4 }),
});

/** True call price per unit (float) for the oracle state `spot` at `observedAt`. */
function truePrice(stack: TestStack, spot: number, observedAt: bigint): number {
  const tau = Number(stack.expiry - observedAt) / 31_536_000;
  return blackScholesPrice({ kind: "call", moneyness: spot / K, timeToExpiry: tau, volatility: 0.8, rate: 0.05 }) * K;
}

const toWad = (x: number) => BigInt(Math.round(x * 1e6)) * 10n ** 12n;
const fromWad = (x: bigint) => Number(x) / 1e18;

describe("adversary with the true price and the next oracle update", () => {
  it("never profits beyond his positions' true-price moves minus fees; books balance; a zero-collateral account withdraws nothing", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 2, maxLength: 6 }), async (steps) => {
        const stack = await networkHelpers.loadFixture(adversaryFixture);
        const { engine, token, feed } = stack;
        const attacker = [stack.alice, stack.bob];
        const everyone = [stack.alice, stack.bob, stack.carol, stack.owner];
        const books = async () => {
          let sum = BigInt(await engine.poolBalance());
          for (const w of everyone) sum += BigInt(await engine.collateralOf(w.address));
          expect(BigInt(await token.balanceOf(await engine.getAddress())) * SCALE).toBe(sum);
        };
        const positions = async () => Promise.all(attacker.map(async (w) => fromWad(BigInt(await engine.positionOf(w.address, 1n)))));
        const tokensOf = async () => Promise.all(attacker.map(async (w) => Number(await token.balanceOf(w.address)) / 1e6));
        const startTokens = await tokensOf();
        const carolStart = BigInt(await token.balanceOf(stack.carol.address));
        let spot = 2_000;
        let fees = 0;
        let marketPnl = 0;
        // Honest keeper: a new spot round, the model's price = true price + error (within the band).
        const update = async (move: number, error: number) => {
          await networkHelpers.time.increase(STEP);
          spot = Math.round(spot * (1 + move) * 100) / 100;
          await newSpotRound(stack, BigInt(Math.round(spot * 100)) * 10n ** 6n);
          await (await stack.volOracle.updateAnswer(80_000_000n)).wait();
          const st = await statementFor(stack, 1n);
          const c = truePrice(stack, spot, st.observedAt);
          const mark = Math.max(0, c + error * BAND * K);
          st.signals[0] = (toWad(mark) * WAD) / STRIKE;
          await (await feed.submit(1n, st.observedAt, ZERO_PROOF.a, ZERO_PROOF.b, ZERO_PROOF.c, st.signals)).wait();
          return c;
        };
        let c = await update(0, steps[0].error);
        for (const [k, s] of steps.entries()) {
          for (const act of s.acts) {
            const w = act.kind === "liquidate" ? attacker[act.who] : [stack.alice, stack.bob, stack.carol][act.who];
            const e = as(engine, w);
            let tx: Promise<{ wait(): Promise<{ logs: never[] } | null> }>;
            if (act.kind === "open") tx = e.openPosition(1n, act.isLong, BigInt(act.size) * 10n ** 17n, act.isLong ? MAX : 0n);
            else if (act.kind === "close") {
              const held = BigInt(await engine.positionOf(w.address, 1n));
              const abs = held < 0n ? -held : held;
              tx = e.closePosition(1n, (abs * BigInt(act.permille)) / 1_000n || 1n, held < 0n ? MAX : 0n);
            } else if (act.kind === "withdraw") tx = e.withdraw(BigInt(act.amount) * USD);
            else tx = e.liquidate(attacker[act.target].address);
            const receipt = await tx.then((t) => t.wait()).catch(() => null);
            for (const log of receipt?.logs ?? []) {
              const ev = engine.interface.parseLog(log);
              if (ev && (ev.name === "PositionOpened" || ev.name === "PositionClosed")) fees += fromWad(BigInt(ev.args.fee));
            }
            await books();
          }
          // Positions held across the next update earn its true-price move (the foreknowledge).
          const held = await positions();
          const next = k + 1 < steps.length ? steps[k + 1].error : 0;
          const c1 = await update(s.move, next);
          marketPnl += (held[0] + held[1]) * (c1 - c);
          c = c1;
          // Honest liquidator.
          for (const w of attacker) if (await engine.isLiquidatable(w.address)) await (await engine.liquidate(w.address)).wait();
          await books();
        }
        // Attacker's wealth at the true price: tokens gained + collateral + claims + positions at c.
        const held = await positions();
        let wealth = (await tokensOf()).reduce((x, y) => x + y, 0) - startTokens.reduce((x, y) => x + y, 0);
        for (const w of attacker) wealth += fromWad(BigInt(await engine.collateralOf(w.address)) + BigInt(await engine.claimOf(w.address)));
        wealth -= 10_000; // deposited
        wealth += (held[0] + held[1]) * c;
        expect(wealth).toBeLessThanOrEqual(marketPnl - fees + 1e-6);
        // The zero-collateral account never takes anything out.
        expect(BigInt(await token.balanceOf(stack.carol.address))).toBe(carolStart);
        expect(BigInt(await engine.collateralOf(stack.carol.address))).toBe(0n);
      }),
      { numRuns: 25, seed: 424_242, endOnFailure: true },
    );
  });
});
