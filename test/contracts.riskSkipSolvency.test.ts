/**
 * Solvency of portfolio margin for a payoff-skip model, real proofs: a 4 → 4 → 1 call model
 * trained briefly on the wide domain with the exact payoff skip (as test/contracts.riskSkip),
 * its risk-vector circuit on the default grid (spot −15 … +15 %, vol −25 / 0 / +25 %), the real
 * registry, feed and engine (deployStack), portfolio margin on (IM 1.1× / MM 1× the worst
 * scenario loss, per-short floors).
 *
 * A trader shorts an in-the-money call (S/K = 2,000 / 1,800) with exactly its initial margin,
 * knowing the next spot: the spot moves UP by each of the grid's positive spot shocks (+5 %,
 * +15 % = the largest), by +10 % (between grid points) and by +20 % (beyond the grid), and,
 * for the healthy path, down by −5 % and −15 %, each from the same state (EVM snapshots). The new round is proven with its risk vector, as the
 * keeper proves it (`proveAndSubmitRisk`). Checked each time: the account is then either
 * solvent above maintenance or liquidatable (equity < MM, the engine agrees); within the
 * grid's largest shock the IM taken covers the loss (equity at the new mark >= 0), so the
 * liquidation leaves no bad debt; beyond it any shortfall is booked as bad debt exactly; the
 * engine's accounting invariant (token balance = Σ collateral + pool balance) holds throughout.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import type { Contract } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RiskSpec } from "../src/circuit/risk/spec.js";
import { deployStack } from "../src/chain/deployStack.js";
import type { GeneratedModelVerifier } from "../src/chain/generatedModelVerifier.js";
import { riskLayoutFromSpec } from "../src/chain/risk.js";
import { proveAndSubmitRisk } from "../src/chain/submit.js";
import { DEFAULT_FEED_RISK } from "../src/chain/types.js";
import { quantize } from "../src/quantize/quantize.js";
import type { QuantizedModel } from "../src/quantize/types.js";
import { trainReferenceModel } from "../src/train/reference.js";
import type { Prover } from "../src/zk/groth16.js";
import { expectRevert, WAD } from "./helpers/contracts.js";
import { riskKeys } from "./helpers/riskKeys.js";

const connection = await hre.network.create();
const { ethers } = connection;

const USD = 10n ** 6n;
const SCALE = 10n ** 12n;
const MAX = 2n ** 256n - 1n;
/** Spot with the oracle's 8 decimals. */
const SPOT8 = 2_000n * 10n ** 8n;
/** In the money: S/K = 1.111; +20 % gives 1.333, inside the risk circuit's mark range (S/K <= 1.391). */
const STRIKE = 1_800n * WAD;
const PM = { enabled: true, imFactorBps: 11_000, mmFactorBps: 10_000, imFloorABps: 1_000, imFloorBBps: 500, mmFloorABps: 1_000, mmFloorBBps: 500 };

let dir: string;
let q: QuantizedModel;
let spec: RiskSpec;
let price: GeneratedModelVerifier;
let riskProver: Prover;
let feed: Contract;
let engine: Contract;
let token: Contract;
let spotOracle: Contract;
let engineAddress: string;
let seriesId: bigint;

const as = (c: Contract, who: { address: string }) => c.connect(who as never) as Contract;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-riskskip-solvency-"));
  const trained = trainReferenceModel({ seed: 3, n: 8_000, kind: "call", config: { hidden: [4], batchNorm: false, epochs: 60 } });
  q = await quantize(trained.model, { actBits: 10 });
  const keys = await riskKeys(q, dir);
  ({ spec, riskProver, price } = keys);
  const spot = await ethers.deployContract("MockV3Aggregator", [8, SPOT8, "ETH / USD"]);
  const vol = await ethers.deployContract("MockV3Aggregator", [8, 50_000_000n, "ETH 30d implied vol"]);
  spotOracle = spot as unknown as Contract;
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const deployed = await deployStack(ethers, {
    verifier: price.verifier,
    model: price.model,
    allowMocks: true,
    risk: { verifier: keys.riskVerifier, layout: riskLayoutFromSpec(q, spec) },
    series: [{ spotOracle: { address: await spot.getAddress() }, volOracle: { address: await vol.getAddress() }, strike: STRIKE, expiry: now + 60n * 86_400n, isCall: true, risk: DEFAULT_FEED_RISK }],
  });
  seriesId = deployed.series[0].seriesId;
  feed = (await ethers.getContractAt("OptionPriceFeed", deployed.contracts.feed)) as unknown as Contract;
  engine = (await ethers.getContractAt("MarginEngine", deployed.contracts.engine)) as unknown as Contract;
  token = (await ethers.getContractAt("MockERC20", deployed.contracts.collateral)) as unknown as Contract;
  engineAddress = deployed.contracts.engine;
  await (await engine.setPortfolioParams(PM)).wait();
  const [owner, alice] = await ethers.getSigners();
  await (await token.mint(owner.address, 1_000_000n * USD)).wait();
  await (await token.approve(engineAddress, MAX)).wait();
  await (await engine.fundPool(1_000_000n * USD)).wait();
  await (await token.mint(alice.address, 100_000n * USD)).wait();
  await (await as(token, alice).approve(engineAddress, MAX)).wait();
  await proveAndSubmitRisk({ feed, seriesId, q, spec, prover: riskProver });
}, 600_000);

afterAll(async () => {
  await riskProver?.close();
  await price?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function health(who: string) {
  const [equity, im, mm, fresh] = await engine.accountHealth(who);
  return { equity: BigInt(equity), im: BigInt(im), mm: BigInt(mm), fresh: Boolean(fresh) };
}

/** token balance of the engine (wad) = Σ collateral of `accounts` (every account that ever deposited) + pool balance. */
async function expectInvariant(accounts: string[]) {
  const balance = BigInt(await token.balanceOf(engineAddress)) * SCALE;
  let collateral = 0n;
  for (const a of accounts) collateral += BigInt(await engine.collateralOf(a));
  expect(balance).toBe(collateral + BigInt(await engine.poolBalance()));
}

const fmt = (wad: bigint) => (Number(wad / 10n ** 14n) / 1e4).toFixed(2);

describe("a short in-the-money call of a payoff-skip model at its IM, the spot moving up (real proofs)", () => {
  it("stays solvent or is liquidated without bad debt for every move up to the grid's largest spot shock; beyond it a shortfall is bad debt exactly; the pool's accounting holds", async () => {
    const [, alice, bob] = await ethers.getSigners();
    const accounts = [alice.address];
    const one = 1n << BigInt(spec.grid.shockBits);
    const maxShock = BigInt(Math.max(...spec.grid.spot));
    const minShock = BigInt(Math.min(...spec.grid.spot));
    const positive = spec.grid.spot.filter((k) => k > 0).map(BigInt);
    expect(positive.length).toBeGreaterThanOrEqual(2);
    // The default grid's largest spot shock: 15 % (rounded to the shock unit 2^−b).
    expect(Number(maxShock) / Number(one)).toBeCloseTo(0.15, 3);

    // Alice shorts 1 unit of the 1800 call and keeps only her initial margin.
    await (await as(engine, alice).deposit(20_000n * USD)).wait();
    await (await as(engine, alice).openPosition(seriesId, false, WAD, 0n)).wait();
    const h0 = await health(alice.address);
    await (await as(engine, alice).withdraw((h0.equity - h0.im) / SCALE)).wait();
    const atIm = await health(alice.address);
    expect(atIm.fresh).toBe(true);
    expect(atIm.equity).toBeGreaterThanOrEqual(atIm.im);
    expect(atIm.equity - atIm.im).toBeLessThan(SCALE);
    expect(await engine.isLiquidatable(alice.address)).toBe(false);
    await expectInvariant(accounts);
    expect((await feed.risk(seriesId)).current).toBe(true);

    // Each move from the same state: the grid's positive spot shocks, +10 % between them, +20 %
    // beyond the grid, and the grid's largest and smallest down shocks (the short gains).
    const down = spec.grid.spot.filter((k) => k < 0).map(BigInt);
    const moves = [minShock, down[down.length - 1], ...positive, (10n * one) / 100n, (20n * one) / 100n].sort((a, b) => Number(a - b));
    const base = await ethers.provider.send("evm_snapshot", []);
    let snapshot = base;
    const lines: string[] = [];
    let liquidations = 0;
    for (const k of moves) {
      await ethers.provider.send("evm_revert", [snapshot]);
      snapshot = await ethers.provider.send("evm_snapshot", []);
      // Rounded down: never more than the shock k / 2^b.
      const spot8 = (SPOT8 * (one + k)) / one;
      await (await spotOracle.updateAnswer(spot8)).wait();
      await proveAndSubmitRisk({ feed, seriesId, q, spec, prover: riskProver });
      expect((await feed.risk(seriesId)).current).toBe(true);
      const h = await health(alice.address);
      expect(h.fresh).toBe(true);
      const within = k >= minShock && k <= maxShock;
      // The trader knew the move: what the IM taken must cover.
      if (within) expect(h.equity, `+${k}/${one}: equity at the new mark`).toBeGreaterThanOrEqual(0n);
      const liquidatable = h.equity < h.mm;
      expect(await engine.isLiquidatable(alice.address)).toBe(liquidatable);
      await expectInvariant(accounts);
      let outcome = `solvent above MM (${fmt(h.mm)})`;
      if (liquidatable) {
        const debt0 = BigInt(await engine.badDebt());
        const pool0 = BigInt(await engine.poolBalance());
        const collateral0 = BigInt(await engine.collateralOf(alice.address));
        const bonus0 = BigInt(await token.balanceOf(bob.address));
        await (await as(engine, bob).liquidate(alice.address)).wait();
        liquidations++;
        expect(BigInt(await engine.positionOf(alice.address, seriesId))).toBe(0n);
        const shortfall = h.equity < 0n ? -h.equity : 0n;
        expect(BigInt(await engine.badDebt()) - debt0).toBe(shortfall);
        if (within) expect(shortfall).toBe(0n);
        const bonus = (BigInt(await token.balanceOf(bob.address)) - bonus0) * SCALE;
        const left = BigInt(await engine.collateralOf(alice.address));
        if (h.equity >= 0n) {
          // Alice keeps her equity less the liquidator's bonus; the pool receives the rest.
          expect(left + bonus).toBe(h.equity);
          expect(BigInt(await engine.poolBalance()) - pool0).toBe(collateral0 - h.equity);
        } else {
          expect(left).toBe(0n);
          expect(bonus).toBe(0n);
        }
        await expectInvariant(accounts);
        outcome = `liquidated (MM ${fmt(h.mm)}), bad debt ${fmt(shortfall)}, bonus ${fmt(bonus)}`;
      } else {
        await expectRevert(as(engine, bob).liquidate(alice.address), engine, "AccountHealthy", [h.equity, h.mm]);
        await expectInvariant(accounts);
      }
      lines.push(`${k > 0n ? "+" : ""}${((Number(k) / Number(one)) * 100).toFixed(2)} % (spot ${Number(spot8) / 1e8}${within ? "" : ", beyond the grid"}): equity ${fmt(atIm.equity)} → ${fmt(h.equity)}, ${outcome}`);
    }
    console.log(`short 1 × 1800C at IM ${fmt(atIm.im)} (spot 2000):\n  ${lines.join("\n  ")}`);
    // Both paths ran: up moves put the short below maintenance, down moves leave it healthy.
    expect(liquidations).toBeGreaterThan(0);
    expect(liquidations).toBeLessThan(moves.length);
    await ethers.provider.send("evm_revert", [snapshot]);
  });
});
