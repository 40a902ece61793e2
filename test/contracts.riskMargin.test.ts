/**
 * Proven risk drives portfolio margin, end to end with real proofs: a 4 → 4 → 1 call model
 * trained briefly on Black–Scholes prices, its price circuit and its risk-vector circuit
 * (default 15-scenario grid) set up on the bundled power-12 development ptau, the real
 * ModelRegistry / OptionPriceFeed / MarginEngine (deployStack, risk circuit registered), three
 * call series on ONE spot and ONE volatility oracle (so their risk vectors share a group), each
 * proven with `submitRisk`. Portfolio margin on.
 *
 * Shown: a call spread's IM is below the sum of its legs' IM (each leg alone in its own
 * account), with the engine matching the TypeScript mirror on the proven vectors; a naked short
 * at its IM is liquidated after a spot move once the new round is proven with a risk vector;
 * until then a late mark or a late risk vector blocks the liquidation (PENDING).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import type { Contract } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RiskSpec } from "../src/circuit/risk/spec.js";
import { blackScholesDataset } from "../src/data/blackScholes.js";
import { splitDataset } from "../src/data/split.js";
import { deployStack } from "../src/chain/deployStack.js";
import type { GeneratedModelVerifier } from "../src/chain/generatedModelVerifier.js";
import { portfolioHealth, type PortfolioLeg, type PortfolioRule } from "../src/chain/marginMath.js";
import { expectedChainRisk, riskLayoutFromSpec, SCENARIO_DIVISOR } from "../src/chain/risk.js";
import { proveAndSubmit, proveAndSubmitRisk } from "../src/chain/submit.js";
import { DEFAULT_ENGINE_RISK, DEFAULT_FEED_RISK } from "../src/chain/types.js";
import { quantize } from "../src/quantize/quantize.js";
import type { QuantizedModel } from "../src/quantize/types.js";
import { train } from "../src/train/train.js";
import { createProver, type Prover } from "../src/zk/groth16.js";
import { expectRevert, WAD } from "./helpers/contracts.js";
import { riskKeys } from "./helpers/riskKeys.js";

const connection = await hre.network.create();
const { ethers } = connection;

const USD = 10n ** 6n;
const SCALE = 10n ** 12n;
const MAX = 2n ** 256n - 1n;
const SPOT = 2_000n;
/** +4 %: the most the 4 → 4 → 1 model's mark range (S/K ≤ 1.043 under the +15 % shock) leaves for the 2000 strike. */
const SPOT_MOVED = 2_080n;
const STRIKES = [2_000n, 2_050n, 2_100n];
/** IM 1.1× / MM 1× the worst scenario loss; per-short floors max(10 % − OTM/S, 5 %)·S for both. */
const PM = { enabled: true, imFactorBps: 11_000, mmFactorBps: 10_000, imFloorABps: 1_000, imFloorBBps: 500, mmFloorABps: 1_000, mmFloorBBps: 500 };

let dir: string;
let q: QuantizedModel;
let spec: RiskSpec;
let price: GeneratedModelVerifier;
let priceProver: Prover;
let riskProver: Prover;
let riskVerifier: Awaited<ReturnType<typeof riskKeys>>["riskVerifier"];
let feed: Contract;
let engine: Contract;
let token: Contract;
let spotOracle: Contract;
const seriesIds: bigint[] = [];
const gas: Record<string, bigint> = {};

const as = (c: Contract, who: { address: string }) => c.connect(who as never) as Contract;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-riskmargin-"));
  const data = blackScholesDataset({ n: 4_000, seed: 5, kind: "call" });
  const trained = train(splitDataset(data, { seed: 5 }), { hidden: [4], epochs: 40, seed: 5 }, { name: "risk-margin" });
  q = await quantize(trained.model, { actBits: 10 });
  const keys = await riskKeys(q, dir);
  ({ spec, riskVerifier, riskProver, price } = keys);
  priceProver = await createProver({ wasmPath: keys.priceWasmPath, zkeyPath: keys.priceZkeyPath });

  // One underlying: every series reads the same spot and volatility oracles.
  const spot = await ethers.deployContract("MockV3Aggregator", [8, SPOT * 10n ** 8n, "ETH / USD"]);
  const vol = await ethers.deployContract("MockV3Aggregator", [8, 50_000_000n, "ETH 30d implied vol"]);
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const spotAddress = await spot.getAddress();
  const volAddress = await vol.getAddress();
  const deployed = await deployStack(ethers, {
    verifier: price.verifier,
    model: price.model,
    allowMocks: true,
    risk: { verifier: riskVerifier, layout: riskLayoutFromSpec(q, spec) },
    series: STRIKES.map((k) => ({
      spotOracle: { address: spotAddress },
      volOracle: { address: volAddress },
      strike: k * WAD,
      expiry: now + 30n * 86_400n,
      isCall: true,
      risk: DEFAULT_FEED_RISK,
    })),
  });
  seriesIds.push(...deployed.series.map((s) => s.seriesId));
  feed = (await ethers.getContractAt("OptionPriceFeed", deployed.contracts.feed)) as unknown as Contract;
  engine = (await ethers.getContractAt("MarginEngine", deployed.contracts.engine)) as unknown as Contract;
  token = (await ethers.getContractAt("MockERC20", deployed.contracts.collateral)) as unknown as Contract;
  spotOracle = spot as unknown as Contract;
  await (await engine.setPortfolioParams(PM)).wait();
  const [owner, ...traders] = await ethers.getSigners();
  await (await token.mint(owner.address, 1_000_000n * USD)).wait();
  await (await token.approve(deployed.contracts.engine, MAX)).wait();
  await (await engine.fundPool(1_000_000n * USD)).wait();
  for (const who of traders.slice(0, 5)) {
    await (await token.mint(who.address, 100_000n * USD)).wait();
    await (await as(token, who).approve(deployed.contracts.engine, MAX)).wait();
  }
  for (const id of seriesIds) {
    const r = await proveAndSubmitRisk({ feed, seriesId: id, q, spec, prover: riskProver });
    gas[`submitRisk ${id}`] = r.gasUsed;
  }
}, 600_000);

afterAll(async () => {
  await riskProver?.close();
  await priceProver?.close();
  await price?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function health(who: string) {
  const [equity, im, mm, fresh] = await engine.accountHealth(who);
  return { equity: BigInt(equity), im: BigInt(im), mm: BigInt(mm), fresh: Boolean(fresh) };
}

/** The TypeScript mirror of the engine's portfolio margin, from what the feed stores (the legs valued as the engine does). */
async function mirror(who: string) {
  const legs: PortfolioLeg[] = [];
  for (const id of (await engine.openSeriesOf(who)).map((x: bigint) => BigInt(x))) {
    const size = BigInt(await engine.positionOf(who, id));
    const k = await feed.mark(id);
    const r = await feed.risk(id);
    const mark = BigInt(k.price);
    const spread = BigInt(k.spread);
    const long = size > 0n;
    const value = long ? (mark > spread ? mark - spread : 0n) : mark + spread > DEFAULT_ENGINE_RISK.minTick ? mark + spread : DEFAULT_ENGINE_RISK.minTick;
    const bound = BigInt(k.spotNow) > BigInt(k.spot) ? BigInt(k.spotNow) : BigInt(k.spot);
    let hi = BigInt(k.unitReserve) > bound ? BigInt(k.unitReserve) : bound;
    hi = (hi > mark ? hi : mark) + spread;
    // The feed's scenario prices are rounded down by less than `unit` (strike / 5e4 + 2 wei): the
    // engine checks the mark scenario against the mark within it and raises a short's by it.
    const unit = BigInt(k.strike) / SCENARIO_DIVISOR + 2n;
    expect(r.current && BigInt(r.observedAt) === BigInt(k.observedAt) && BigInt(r.mark) <= mark && mark - BigInt(r.mark) <= unit, `series ${id}: the risk vector is used`).toBe(true);
    legs.push({ size, price: value, spread: long ? spread : spread + unit, lo: 0n, hi: hi > value ? hi : value, spot: BigInt(k.spot), strike: BigInt(k.strike), isCall: true, group: String(r.group), scenarios: r.scenarios.map((x: bigint) => BigInt(x)) });
  }
  const rule: PortfolioRule = {
    imFactorBps: BigInt(PM.imFactorBps),
    mmFactorBps: BigInt(PM.mmFactorBps),
    imFloorABps: BigInt(PM.imFloorABps),
    imFloorBBps: BigInt(PM.imFloorBBps),
    mmFloorABps: BigInt(PM.mmFloorABps),
    mmFloorBBps: BigInt(PM.mmFloorBBps),
    minTick: DEFAULT_ENGINE_RISK.minTick,
  };
  return portfolioHealth(BigInt(await engine.collateralOf(who)), legs, rule);
}

async function open(who: { address: string }, id: bigint, isLong: boolean, size: bigint) {
  await (await as(engine, who).openPosition(id, isLong, size, isLong ? MAX : 0n)).wait();
}

const fmt = (wad: bigint) => (Number(wad / 10n ** 14n) / 1e4).toFixed(2);

describe("portfolio margin from proven risk vectors (real proofs, one underlying)", () => {
  it("the feed stores what the proofs say, all three series in one group", async () => {
    const groups = new Set<string>();
    for (const id of seriesIds) {
      const r = await feed.risk(id);
      expect(r.current).toBe(true);
      expect(r.scenarios).toHaveLength(15);
      groups.add(String(r.group));
      // A call's proven Δ lies in (0, 1) (the tiny model's is nearly flat across these strikes).
      expect(BigInt(r.delta)).toBeGreaterThan(0n);
      expect(BigInt(r.delta)).toBeLessThan(WAD);
      // The call's scenario prices rise with the spot shock (spot-major, 3 vol shocks each).
      const atVol = (i: number) => BigInt(r.scenarios[i * 3 + 1]);
      expect(atVol(4)).toBeGreaterThan(atVol(0));
    }
    expect(groups.size).toBe(1);
    expect([...groups][0]).not.toBe(ethers.ZeroHash);
    for (const [id, g] of Object.entries(gas)) expect(g, id).toBeLessThan(450_000n);
  });

  it("a call spread needs less IM than its legs margined alone (long 2000C + short 2050C)", async () => {
    const [, alice, bob, carol] = await ethers.getSigners();
    const size = 2n * WAD;
    for (const who of [alice, bob, carol]) await (await as(engine, who).deposit(20_000n * USD)).wait();
    await open(alice, seriesIds[0], true, size);
    await open(alice, seriesIds[1], false, size);
    await open(bob, seriesIds[0], true, size);
    await open(carol, seriesIds[1], false, size);
    const spread = await health(alice.address);
    const longLeg = await health(bob.address);
    const shortLeg = await health(carol.address);
    console.log(`IM (2 units): call spread ${fmt(spread.im)} < long 2000C ${fmt(longLeg.im)} + naked short 2050C ${fmt(shortLeg.im)}`);
    expect(spread.im).toBeLessThan(longLeg.im + shortLeg.im);
    expect(spread.mm).toBeLessThan(longLeg.mm + shortLeg.mm);
    // The hedge is worth something: the spread's IM is below the naked short's alone.
    expect(spread.im).toBeLessThan(shortLeg.im);
    for (const [who, h] of [[alice, spread], [bob, longLeg], [carol, shortLeg]] as const) {
      const m = await mirror(who.address);
      expect({ equity: h.equity, im: h.im, mm: h.mm }).toEqual({ equity: m.equity, im: m.initialMargin, mm: m.maintenanceMargin });
      expect(h.fresh).toBe(true);
    }
    expect((await mirror(alice.address)).worstLoss).toBeLessThan((await mirror(carol.address)).worstLoss);
  });

  it("the naked short at IM is liquidated after a +4 % spot move, once the new round is proven with its risk vector; late marks and vectors block it", async () => {
    const [, alice, , carol, dave] = await ethers.getSigners();
    // Carol keeps only her IM (whole token units above it withdrawn).
    const h0 = await health(carol.address);
    await (await as(engine, carol).withdraw((h0.equity - h0.im) / SCALE)).wait();
    const atIm = await health(carol.address);
    expect(atIm.equity).toBeGreaterThanOrEqual(atIm.im);
    expect(atIm.equity - atIm.im).toBeLessThan(SCALE);
    await expectRevert(as(engine, dave).liquidate(carol.address), engine, "AccountHealthy");

    // The spot oracle's next round: +4 %. Until a proof for it lands the mark is PENDING.
    await (await spotOracle.updateAnswer(SPOT_MOVED * 10n ** 8n)).wait();
    expect(await engine.isLiquidatable(carol.address)).toBe(false);
    await expectRevert(as(engine, dave).liquidate(carol.address), engine, "PriceNotCurrent");

    // A price proof alone (submit) makes the mark current but leaves the risk vector for the
    // old round: the portfolio margin of the leg is unknown, still PENDING.
    await proveAndSubmit({ feed, seriesId: seriesIds[1], q, prover: priceProver });
    expect(await feed.isCurrent(seriesIds[1])).toBe(true);
    expect((await feed.risk(seriesIds[1])).current).toBe(false);
    expect(await engine.isLiquidatable(carol.address)).toBe(false);
    await expectRevert(as(engine, dave).liquidate(carol.address), engine, "RiskNotCurrent");

    // The next spot round (same answer) is proven with its risk vector.
    await (await spotOracle.updateAnswer(SPOT_MOVED * 10n ** 8n)).wait();
    const r = await proveAndSubmitRisk({ feed, seriesId: seriesIds[1], q, prover: riskProver, spec });
    const k = await feed.mark(seriesIds[1]);
    expect(r.risk).toMatchObject(expectedChainRisk(q, spec, r.proved.publicSignals, { strike: BigInt(k.strike), isCall: true, rate: DEFAULT_FEED_RISK.rate }));
    const h1 = await health(carol.address);
    expect(h1.equity).toBeLessThan(h1.mm);
    const m1 = await mirror(carol.address);
    expect({ equity: h1.equity, mm: h1.mm }).toEqual({ equity: m1.equity, mm: m1.maintenanceMargin });
    expect(await engine.isLiquidatable(carol.address)).toBe(true);
    const before = BigInt(await token.balanceOf(dave.address));
    await (await as(engine, dave).liquidate(carol.address)).wait();
    expect(BigInt(await engine.positionOf(carol.address, seriesIds[1]))).toBe(0n);
    expect(BigInt(await token.balanceOf(dave.address))).toBeGreaterThan(before);
    console.log(`naked short 2050C at IM: equity ${fmt(atIm.equity)} → ${fmt(h1.equity)} after spot ${SPOT} → ${SPOT_MOVED}, MM ${fmt(atIm.mm)} → ${fmt(h1.mm)}: liquidated`);

    // The spread's long leg has no vector for the new round yet: Alice's account is PENDING,
    // not liquidatable; proven, her hedged account is healthy after the same move.
    await expectRevert(as(engine, dave).liquidate(alice.address), engine, "PriceNotCurrent");
    await proveAndSubmitRisk({ feed, seriesId: seriesIds[0], q, prover: riskProver, spec });
    const spread = await health(alice.address);
    expect(spread.fresh).toBe(true);
    expect(spread.equity).toBeGreaterThanOrEqual(spread.mm);
    expect(await engine.isLiquidatable(alice.address)).toBe(false);
  });
});
