/**
 * Rounding and range of the feed's 17-bit scenario lanes, the engine's batch read of them, and the
 * registry's unchecked risk unpacking, with MockVerifier-backed risk circuits (the proofs are not
 * the point: the signals are built here).
 *
 * The feed stores a scenario's clamped priceOverStrike in units of 2e-5 of the strike in 17 bits
 * (below 2^17 · 2e13, about 2.62 times the strike), and a call's scenario price is at most its
 * shocked moneyness m·(1 + k): the registry refuses a spot mark range whose largest shocked
 * moneyness reaches 2^17 · 2e13 (`MAX_SHOCKED_MONEYNESS`), so every mark in a registered range can
 * be stored as a risk vector.
 */
import hre from "hardhat";
import type { Contract } from "ethers";
import { describe, expect, it } from "vitest";
import { deployTestStack, ENGINE_RISK, expectRevert, INPUT_SPECS, MODEL_ID, newSpotRound, statementFor, STRIKE, submitPrice, WAD, ZERO_PROOF, type TestStack } from "./helpers/contracts.js";
import { portfolioHealth, type PortfolioLeg, type PortfolioRule } from "../src/chain/marginMath.js";
import { decodeMarksAndRisks, readRisk, SCENARIO_DIVISOR, SCENARIO_UNIT } from "../src/chain/risk.js";

const { ethers } = await hre.network.connect();

/** Shocks in 1/256: spot −51, 0, +51 (about ±20 %), vol 0, +26 (about +10 %); spot-major grid. */
const SHOCK_BITS = 8;
const SPOT_SHOCKS = [-51, 0, 51];
const VOL_SHOCKS = [0, 26];
const MARK_SCENARIO = 2; // spot shock 0 (index 1) × vol shock 0 (index 0)
/** 6 prices of 31 bits + dP (32) + d2P (33) = 251 bits: one packed signal, 5 signals with the inputs. */
const PRICE_WIDTH = 31;
/** Raw output unit: about 1e-8 of the strike (priceOverStrike wad = raw · FACTOR), not a multiple of the lane unit 2e13. */
const FACTOR = 10_000_000_007n;
/** The model's declared moneyness maximum (wider than any registrable risk mark range here). */
const DECLARED_MAX = 46n * WAD / 10n;
/** Bound of a shocked moneyness (the feed's 17-bit lanes of 2e-5 of the strike), wad. */
const MAX_SHOCKED = 2n ** 17n * SCENARIO_UNIT;
/** The largest spot mark the registry accepts with a +51/256 shock: m · 307 < MAX_SHOCKED · 256. */
const SPOT_MARK_MAX = (MAX_SHOCKED * 256n - 1n) / 307n;

/** Components in packing order (the mark, the other scenarios in grid order, dP, d2P) packed as the registry unpacks them. */
function packRisk(scenarios: bigint[], dP: bigint, d2P: bigint): bigint {
  const order = [scenarios[MARK_SCENARIO]!, ...scenarios.filter((_, t) => t !== MARK_SCENARIO), dP, d2P];
  let packed = 0n;
  let used = 0n;
  order.forEach((value, c) => {
    const width = BigInt(c < scenarios.length ? PRICE_WIDTH : PRICE_WIDTH + 1 + (c - scenarios.length));
    packed |= (value + (1n << (width - 1n))) << used;
    used += width;
  });
  expect(used <= 252n).toBe(true);
  return packed;
}

/** Raw scenario prices of a deep in-the-money call at moneyness `m` (wad): intrinsic value at each shocked moneyness. */
function callScenarios(m: bigint): bigint[] {
  const out: bigint[] = [];
  for (const k of SPOT_SHOCKS) {
    for (const _ of VOL_SHOCKS) {
      const mt = (m * (256n + BigInt(k))) / 256n;
      out.push((mt > WAD ? mt - WAD : 0n) / FACTOR);
    }
  }
  return out;
}

/** The risk layout above with spot mark range [declared min, `spotMarkMax`]. */
async function riskLayout(verifier: Contract, spotMarkMax: bigint) {
  return {
      verifier: await verifier.getAddress(),
      shockBits: SHOCK_BITS,
      spotShocks: SPOT_SHOCKS,
      volShocks: VOL_SHOCKS,
      deltaStep: 2,
      spotInput: 0,
      volInput: 2,
      priceWidth: PRICE_WIDTH,
      factor: FACTOR,
      spotMarkMin: INPUT_SPECS[0]!.min,
      spotMarkMax,
      volMarkMin: INPUT_SPECS[2]!.min,
      volMarkMax: INPUT_SPECS[2]!.max,
      payoffKind: 0,
      payoffInput: 0,
      payoffStrike: 0n,
      payoffFactor: 0n,
  };
}

/** The test stack with the risk circuit above registered, and a call of `strike` (wad) on a new spot oracle of `decimals` created after it. */
async function riskStack(strike: bigint, decimals: number, answer: bigint): Promise<{ feed: Contract; spotOracle: Contract; seriesId: bigint; stack: TestStack }> {
  const inputSpecs = INPUT_SPECS.map((s, i) => (i === 0 ? { ...s, max: DECLARED_MAX } : s));
  const stack = await deployTestStack(ethers, { inputSpecs });
  const { registry, verifier, feed } = stack;
  // One unit above the largest registrable spot mark is refused; the largest is accepted.
  await expectRevert(registry.registerRiskCircuit(MODEL_ID, await riskLayout(verifier, SPOT_MARK_MAX + 1n)), registry, "InvalidMarkRange", [0n, INPUT_SPECS[0]!.min, SPOT_MARK_MAX + 1n]);
  await (await registry.registerRiskCircuit(MODEL_ID, await riskLayout(verifier, SPOT_MARK_MAX))).wait();
  // A series created after the registration (its risk slots get their placeholders).
  const s = await feed.getSeries(stack.seriesId);
  const spotOracle = (await ethers.deployContract("MockV3Aggregator", [decimals, answer, "SPOT / QUOTE"])) as unknown as Contract;
  await (await feed.createSeries({ spotOracle: await spotOracle.getAddress(), volOracle: s.volOracle, strike, expiry: s.expiry, isCall: true, modelId: MODEL_ID, risk: { spotHeartbeat: s.spotHeartbeat, volHeartbeat: s.volHeartbeat, rate: s.rate } })).wait();
  return { feed, spotOracle, seriesId: BigInt(await feed.seriesCount()), stack };
}

/** Opens a spot round at `answer` (oracle units) and submits a risk statement of intrinsic-value call prices for it. */
async function submitRiskAt(feed: Contract, spotOracle: Contract, seriesId: bigint, answer: bigint): Promise<{ wait(): Promise<unknown> }> {
  await newSpotRound({ spotOracle }, answer);
  const { signals } = await statementFor({ feed }, seriesId);
  const observedAt = BigInt((await spotOracle.latestRoundData())[3]);
  const packed = packRisk(callScenarios(signals[1]!), 0n, 0n);
  return feed.submitRisk(seriesId, observedAt, ZERO_PROOF.a, ZERO_PROOF.b, ZERO_PROOF.c, [packed, ...signals.slice(1)]);
}

/** The feed's clamp of a call's scenario price from below: m_t − D⁺ (`clampToBounds`). */
function callLowerBound(mt: bigint, ttm: bigint, rate: bigint): bigint {
  const xDown = (rate * ttm) / WAD;
  const xUp = (rate * ttm + WAD - 1n) / WAD;
  let dPlus = WAD + (xUp * xUp + 2n * WAD - 1n) / (2n * WAD) - xDown;
  if (dPlus > WAD) dPlus = WAD;
  return mt > dPlus ? mt - dPlus : 0n;
}

/**
 * Stores a risk vector at the oracle's current answer and checks every stored scenario price
 * against the exact clamped price (priceOverStrike · strike / 1e18): at most it, by less than
 * the batch's `unit` = strike / 5e4 + 2 wei (`someRounded`: whether any differs); the mark is
 * the exact mark scenario's.
 */
/** The exact clamped scenario prices (priceOverStrike · strike / 1e18) of the statement `submitRiskAt` builds now. */
async function exactScenarios(feed: Contract, seriesId: bigint, strike: bigint): Promise<bigint[]> {
  const st = await statementFor({ feed }, seriesId);
  const [m, ttm, rate] = [st.signals[1]!, st.signals[2]!, st.signals[4]!];
  return callScenarios(m).map((v, t) => {
    const mt = (m * (256n + BigInt(SPOT_SHOCKS[Math.floor(t / VOL_SHOCKS.length)]!))) / 256n;
    const lo = callLowerBound(mt, ttm, rate);
    const pos = v * FACTOR < lo ? lo : v * FACTOR > mt ? mt : v * FACTOR;
    return (pos * strike) / WAD;
  });
}

async function expectRoundedDown(feed: Contract, spotOracle: Contract, seriesId: bigint, strike: bigint, someRounded: boolean): Promise<void> {
  await (await submitRiskAt(feed, spotOracle, seriesId, BigInt(await spotOracle.answer()))).wait();
  const r = await readRisk(feed, seriesId);
  expect(r.current).toBe(true);
  expect(r.scenarios.length).toBe(6);
  const unit = strike / SCENARIO_DIVISOR + 2n;
  const exact = await exactScenarios(feed, seriesId, strike);
  let roundedSomewhere = false;
  for (let t = 0; t < 6; t++) {
    expect(r.scenarios[t]! <= exact[t]! && exact[t]! - r.scenarios[t]! < unit).toBe(true);
    if (r.scenarios[t] !== exact[t]) roundedSomewhere = true;
  }
  expect(roundedSomewhere).toBe(someRounded);
  const k = await feed.mark(seriesId);
  expect(BigInt(k.price)).toBe(exact[MARK_SCENARIO]);
  expect(r.mark).toBe(r.scenarios[MARK_SCENARIO]);
  // The batch serves the same prices with that `unit`.
  const { risks } = decodeMarksAndRisks(await feed.marksAndRisks([seriesId], true), 1, true);
  expect(risks[0]).toEqual({ group: r.group, mark: r.mark, unit, scenarios: r.scenarios, observedAt: r.observedAt, current: true });
}

describe("review: the 17-bit scenario lanes of the feed", () => {
  it("are rounded down by less than `unit` (strike 2,000); a mark range whose shocked moneyness would overflow a lane is refused at registration, and the largest accepted one stores its top marks", async () => {
    const { feed, spotOracle, seriesId } = await riskStack(STRIKE, 8, 4_000n * 10n ** 8n);
    // S/K = 2: the +20 % scenarios are clamped to at least 2.4 − 1 of the strike, below 2^17 units.
    await expectRoundedDown(feed, spotOracle, seriesId, STRIKE, true);
    // The largest registrable mark (S/K ≈ 2.19, shocked +20 % ≈ 2.62, the call's upper bound
    // there): the vector is stored (its prices, intrinsic values here, are below the bound).
    const spot = (SPOT_MARK_MAX * STRIKE) / WAD / 10n ** 10n;
    await (await submitRiskAt(feed, spotOracle, seriesId, spot)).wait();
    const st = await statementFor({ feed }, seriesId);
    expect(st.signals[1]! <= SPOT_MARK_MAX).toBe(true);
    const r = await readRisk(feed, seriesId);
    expect(r.current).toBe(true);
    const top = r.scenarios.reduce((a, b) => (b > a ? b : a));
    expect(top * WAD / STRIKE < MAX_SHOCKED).toBe(true);
    // A statement's lower clamp at that mark fits too.
    expect(callLowerBound((st.signals[1]! * 307n) / 256n, st.signals[2]!, st.signals[4]!) / SCENARIO_UNIT <= 2n ** 17n - 1n).toBe(true);
  });

  it("a strike below 5e4 wei (strike / 5e4 = 0): prices within 2 wei below exact, `unit` 2", async () => {
    // Strike 37,777 wei, spot twice it (an 18-decimal oracle): S/K = 2, prices below 2.4 · 37,777 wei.
    const strike = 37_777n;
    const { feed, spotOracle, seriesId } = await riskStack(strike, 18, 2n * strike);
    await expectRoundedDown(feed, spotOracle, seriesId, strike, true);
  });
});

describe("review: the engine on the feed's rounded scenarios (portfolio margin, one batch read)", () => {
  const PM = { enabled: true, imFactorBps: 12_500, mmFactorBps: 10_000, imFloorABps: 1_000, imFloorBBps: 500, mmFloorABps: 500, mmFloorBBps: 250 };
  const RULE: PortfolioRule = { imFactorBps: 12_500n, mmFactorBps: 10_000n, imFloorABps: 1_000n, imFloorBBps: 500n, mmFloorABps: 500n, mmFloorBBps: 250n, minTick: ENGINE_RISK.minTick };
  const USD = 10n ** 6n;

  it("a short on a current vector is margined at spread + unit over the stored prices, never below the exact prices; a leg without a vector beside it falls back", async () => {
    const { feed, spotOracle, seriesId, stack } = await riskStack(STRIKE, 8, 4_000n * 10n ** 8n);
    const { engine, token, owner, alice } = stack;
    await expectRoundedDown(feed, spotOracle, seriesId, STRIKE, true);
    const exact = await exactScenarios(feed, seriesId, STRIKE);
    // Series 1 (same model, created before the risk circuit): a price-only mark, no vector.
    await submitPrice(stack, { newRound: true });
    await (await engine.setPortfolioParams(PM)).wait();
    await (await token.mint(owner.address, 100_000_000n * USD)).wait();
    await (await token.approve(await engine.getAddress(), 2n ** 256n - 1n)).wait();
    await (await engine.fundPool(100_000_000n * USD)).wait();
    await (await token.mint(alice.address, 1_000_000n * USD)).wait();
    const asAlice = engine.connect(alice) as Contract;
    await (await (token.connect(alice) as Contract).approve(await engine.getAddress(), 2n ** 256n - 1n)).wait();
    await (await asAlice.deposit(1_000_000n * USD)).wait();
    await (await asAlice.openPosition(seriesId, false, 3n * WAD, 0n)).wait();
    await (await asAlice.openPosition(stack.seriesId, true, WAD, 2n ** 256n - 1n)).wait();

    const legsWith = async (scenarios: (id: bigint, stored: bigint[]) => bigint[], unitOf: (strike: bigint) => bigint): Promise<PortfolioLeg[]> => {
      const legs: PortfolioLeg[] = [];
      for (const id of [seriesId, stack.seriesId]) {
        const size = BigInt(await engine.positionOf(alice.address, id));
        const k = await feed.mark(id);
        const r = await readRisk(feed, id);
        const [mark, spread] = [BigInt(k.price), BigInt(k.spread)];
        const long = size > 0n;
        const value = long ? (mark > spread ? mark - spread : 0n) : mark + spread > ENGINE_RISK.minTick ? mark + spread : ENGINE_RISK.minTick;
        const bound = BigInt(k.spotNow) > BigInt(k.spot) ? BigInt(k.spotNow) : BigInt(k.spot);
        let hi = BigInt(k.unitReserve) > bound ? BigInt(k.unitReserve) : bound;
        hi = (hi > mark ? hi : mark) + spread;
        const used = r.current && r.scenarios.length > 0;
        legs.push({ size, price: value, spread: long || !used ? spread : spread + unitOf(BigInt(k.strike)), lo: 0n, hi: hi > value ? hi : value, spot: BigInt(k.spot), strike: BigInt(k.strike), isCall: true, group: used ? String(r.group) : ethers.ZeroHash, scenarios: used ? scenarios(id, r.scenarios) : [] });
      }
      return legs;
    };
    const [equity, im, mm, fresh] = await engine.accountHealth(alice.address);
    expect(fresh).toBe(true);
    const collateral = BigInt(await engine.collateralOf(alice.address));
    // The engine: the stored (rounded-down) prices, a short's moved by spread + unit.
    const onChain = portfolioHealth(collateral, await legsWith((_, stored) => stored, (k) => k / SCENARIO_DIVISOR + 2n), RULE);
    expect([BigInt(equity), BigInt(im), BigInt(mm)]).toEqual([onChain.equity, onChain.initialMargin, onChain.maintenanceMargin]);
    // With the exact prices and the spread alone: never more margin than the engine asks.
    const exactHealth = portfolioHealth(collateral, await legsWith((id, stored) => (id === seriesId ? exact : stored), () => 0n), RULE);
    expect(exactHealth.initialMargin <= BigInt(im) && exactHealth.maintenanceMargin <= BigInt(mm)).toBe(true);
    // and at most unit · size · IM factor (plus rounding) more.
    const slack = ((3n * (STRIKE / SCENARIO_DIVISOR + 2n)) * 12_500n) / 10_000n + 2n;
    expect(BigInt(im) - exactHealth.initialMargin <= slack).toBe(true);
    console.log(`review: IM ${im} (exact prices ${exactHealth.initialMargin}, slack ${slack}), worst loss ${onChain.worstLoss}`);

    // Portfolio margin off: the flat rule reads marksAndRisks(ids, false) (2 series: the batch).
    await (await engine.setPortfolioParams({ ...PM, enabled: false })).wait();
    const flat = await engine.accountHealth(alice.address);
    expect(flat.pricesFresh).toBe(true);
    expect(BigInt(flat.equity)).toBe(BigInt(equity));
  });
});

describe("review: the registry's unchecked unpacking at the largest registrable layout", () => {
  it("64 scenarios, priceWidth 120, factor 2^64 − 1: riskValues equals the reference decoding at the extreme and random components", async () => {
    const stack = await deployTestStack(ethers);
    // A verifier that answers `true` to any call (the probe of 33 + 4 signals).
    const verifier = ethers.Wallet.createRandom().address;
    await ethers.provider.send("hardhat_setCode", [verifier, "0x600160005260206000f3"]);
    const shocks = [-112, -80, -48, -16, 0, 16, 48, 112];
    const w = 120;
    const factor = 2n ** 64n - 1n;
    await (
      await stack.registry.registerRiskCircuit(MODEL_ID, {
        verifier, shockBits: 8, spotShocks: shocks, volShocks: shocks, deltaStep: 5, spotInput: 0, volInput: 2, priceWidth: w, factor,
        // S/K at most 1.8: shocked by +112/256, below the feed's lane bound 2.62.
        spotMarkMin: INPUT_SPECS[0]!.min, spotMarkMax: (18n * WAD) / 10n, volMarkMin: INPUT_SPECS[2]!.min, volMarkMax: INPUT_SPECS[2]!.max,
        payoffKind: 0, payoffInput: 0, payoffStrike: 0n, payoffFactor: 0n,
      })
    ).wait();
    const rc = await stack.registry.riskCircuitOf(MODEL_ID);
    const [n, mark, numPacked] = [Number(rc.numScenarios), Number(rc.markScenario), Number(rc.numPacked)];
    expect([n, numPacked]).toEqual([64, 33]);
    const widths = [...Array<number>(n).fill(w), w + 1, w + 2];
    const cases: bigint[][] = [
      widths.map(() => 0n), // every component at its least value −2^(width−1)
      widths.map((b) => (1n << BigInt(b)) - 1n), // every component at its largest 2^(width−1) − 1
      widths.map((b, c) => BigInt(ethers.keccak256(ethers.toBeHex(c, 32))) % (1n << BigInt(b))),
    ];
    for (const raw of cases) {
      const packed: bigint[] = [0n];
      let used = 0;
      raw.forEach((value, c) => {
        if (used + widths[c]! > 252) {
          packed.push(0n);
          used = 0;
        }
        packed[packed.length - 1]! |= value << BigInt(used);
        used += widths[c]!;
      });
      expect(packed.length).toBe(numPacked);
      // Reference: component c is raw − 2^(width−1), times the factor; the mark first, then the
      // other scenarios in grid order, then dP, d2P.
      const expected = new Array<bigint>(n + 2);
      raw.forEach((value, c) => {
        const v = (value - (1n << BigInt(widths[c]! - 1))) * factor;
        expected[c === 0 ? mark : c < n ? (c <= mark ? c - 1 : c) : c] = v;
      });
      const signals = [...packed, WAD, WAD / 10n, WAD / 2n, WAD / 20n];
      expect((await stack.registry.riskValues(MODEL_ID, signals)).map((x: bigint) => BigInt(x))).toEqual(expected);
    }
  });
});
