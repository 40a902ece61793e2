import hre from "hardhat";
import type { Contract } from "ethers";
import { describe, expect, it } from "vitest";
import { blackScholesPrice, type OptionKind } from "../src/data/blackScholes.js";
import { portfolioHealth, type PortfolioLeg, type PortfolioRule } from "../src/chain/marginMath.js";
import { ENGINE_RISK, expectRevert, latestTimestamp, WAD } from "./helpers/contracts.js";

const { ethers, networkHelpers } = await hre.network.connect();

const USD = 10n ** 6n;
const SCALE = 10n ** 12n;
const POOL = 10_000_000n * USD;
const MAX = 2n ** 256n - 1n;

/** The default stress grid of the risk circuit: spot −15, −5, 0, +5, +15 % × vol −25, 0, +25 % (spot-major). */
const SPOT_SHOCKS = [-0.15, -0.05, 0, 0.05, 0.15];
const VOL_SHOCKS = [-0.25, 0, 0.25];
const MARK_SCENARIO = 7;
const SPOT = 2_000;
const SIGMA = 0.5;
const TAU = 30 / 365;
const RATE = 0.03;
/** The model's error band, fraction of the strike (the engine's spread is band × K). */
const BAND = 0.004;
const GROUP_A = ethers.keccak256(ethers.toUtf8Bytes("grid-A/spot/vol"));
const GROUP_B = ethers.keccak256(ethers.toUtf8Bytes("grid-B/spot/vol"));

/** Portfolio params used unless a test says otherwise: IM 1.25× / MM 1× worst loss, floors 10 %/5 % (IM), 5 %/2.5 % (MM). */
const PM = { enabled: true, imFactorBps: 12_500, mmFactorBps: 10_000, imFloorABps: 1_000, imFloorBBps: 500, mmFloorABps: 500, mmFloorBBps: 250 };

const toWad = (x: number): bigint => BigInt(Math.round(x * 1e9)) * 10n ** 9n;

/** Black–Scholes price per unit (wad) of a `kind` with strike `k` at spot `s` and volatility `sigma`. */
function bs(kind: OptionKind, k: number, s: number, sigma: number): bigint {
  return toWad(blackScholesPrice({ kind, moneyness: s / k, timeToExpiry: TAU, volatility: sigma, rate: RATE }) * k);
}

/** The 15 scenario prices of the grid around spot `s` (the mark scenario at index 7). */
function scenarios(kind: OptionKind, k: number, s = SPOT): bigint[] {
  const out: bigint[] = [];
  for (const ds of SPOT_SHOCKS) for (const dv of VOL_SHOCKS) out.push(bs(kind, k, s * (1 + ds), SIGMA * (1 + dv)));
  return out;
}

interface SeriesDef {
  id: bigint;
  kind: OptionKind;
  strike: number;
  group?: string;
  /** Added to every proven price (mark and scenarios), wad; the model's error. */
  bias?: bigint;
}

const as = (c: Contract, who: { address: string }) => c.connect(who as never) as Contract;

async function fixture() {
  const [owner, alice, bob, carol, dave] = await ethers.getSigners();
  const feed = (await ethers.deployContract("MockOptionPriceFeed")) as unknown as Contract;
  const token = (await ethers.deployContract("MockERC20", ["Test USD", "TUSD", 6])) as unknown as Contract;
  const engine = (await ethers.deployContract("MarginEngine", [owner.address, await token.getAddress(), await feed.getAddress(), ENGINE_RISK])) as unknown as Contract;
  const probe = (await ethers.deployContract("MarginGasProbe")) as unknown as Contract;
  await (await engine.setPortfolioParams(PM)).wait();
  await (await token.mint(owner.address, POOL)).wait();
  await (await token.approve(await engine.getAddress(), POOL)).wait();
  await (await engine.fundPool(POOL)).wait();
  for (const who of [alice, bob, carol, dave]) {
    await (await token.mint(who.address, 1_000_000n * USD)).wait();
    await (await (token.connect(who) as Contract).approve(await engine.getAddress(), MAX)).wait();
  }
  return { owner, alice, bob, carol, dave, feed, token, engine, probe };
}
type Stack = Awaited<ReturnType<typeof fixture>>;

/** Create a series on the mock: terms, a fresh observation at the BS mark, its risk vector. */
async function defineSeries(st: Stack, d: SeriesDef, spot = SPOT, vector = true) {
  const now = await latestTimestamp(ethers.provider);
  const K = BigInt(d.strike) * WAD;
  const spread = toWad(BAND * d.strike);
  await (await st.feed.setExpiry(d.id, now + 30n * 86_400n)).wait();
  await (await st.feed.setTerms(d.id, K, d.kind === "call", 0n, spread, d.kind === "call" ? (K * 12n) / 10n : K)).wait();
  await prove(st, d, spot, vector);
}

/** A new observation at `spot` (BS + bias), and (if `vector`) its risk vector. */
async function prove(st: Stack, d: SeriesDef, spot: number, vector = true, current = true) {
  const now = await latestTimestamp(ethers.provider);
  const bias = d.bias ?? 0n;
  const shift = (p: bigint) => (p + bias > 0n ? p + bias : 0n);
  const scen = scenarios(d.kind, d.strike, spot).map(shift);
  const mark = scen[MARK_SCENARIO]!;
  await (await st.feed.setObservation(d.id, mark, toWad(spot), now + 1n)).wait();
  if (vector) await setVector(st, d.id, { group: d.group ?? GROUP_A, mark, scenarios: scen, observedAt: now + 1n, current });
  return { mark, scen };
}

async function setVector(st: Stack, id: bigint, v: { group: string; mark: bigint; scenarios: bigint[]; observedAt: bigint; current: boolean }) {
  await (await st.feed.setRisk(id, { group: v.group, mark: v.mark, delta: 0n, gamma: 0n, scenarios: v.scenarios, observedAt: v.observedAt, current: v.current })).wait();
}

async function health(st: Stack, who: string) {
  const [equity, im, mm, fresh] = await st.engine.accountHealth(who);
  return { equity: BigInt(equity), im: BigInt(im), mm: BigInt(mm), fresh: Boolean(fresh) };
}

/** The TypeScript mirror's view of an account, from the feed's data (independent of the engine's code path). */
async function mirror(st: Stack, who: string): Promise<{ equity: bigint; initialMargin: bigint; maintenanceMargin: bigint; worstLoss: bigint }> {
  const ids: bigint[] = (await st.engine.openSeriesOf(who)).map((x: bigint) => BigInt(x));
  const legs: PortfolioLeg[] = [];
  for (const id of ids) {
    const size = BigInt(await st.engine.positionOf(who, id));
    const k = await st.feed.mark(id);
    const r = await st.feed.risk(id);
    const price = BigInt(k.price);
    const spread = BigInt(k.spread);
    const isLong = size > 0n;
    const value = isLong ? (price > spread ? price - spread : 0n) : price + spread > 1n ? price + spread : 1n;
    const bound = k.isCall ? (BigInt(k.spotNow) > BigInt(k.spot) ? BigInt(k.spotNow) : BigInt(k.spot)) : BigInt(k.strike);
    let hi = BigInt(k.unitReserve) > bound ? BigInt(k.unitReserve) : bound;
    hi = (hi > price ? hi : price) + spread;
    const used = r.current && BigInt(r.observedAt) === BigInt(k.observedAt) && BigInt(r.mark) === price;
    legs.push({
      size,
      price: value,
      spread,
      lo: 0n,
      hi: hi > value ? hi : value,
      spot: BigInt(k.spot),
      strike: BigInt(k.strike),
      isCall: Boolean(k.isCall),
      group: used ? String(r.group) : ethers.ZeroHash,
      scenarios: used ? r.scenarios.map((x: bigint) => BigInt(x)) : [],
    });
  }
  const pp = await st.engine.portfolioParams();
  const rule: PortfolioRule = {
    imFactorBps: BigInt(pp.imFactorBps),
    mmFactorBps: BigInt(pp.mmFactorBps),
    imFloorABps: BigInt(pp.imFloorABps),
    imFloorBBps: BigInt(pp.imFloorBBps),
    mmFloorABps: BigInt(pp.mmFloorABps),
    mmFloorBBps: BigInt(pp.mmFloorBBps),
    minTick: 1n,
  };
  return portfolioHealth(BigInt(await st.engine.collateralOf(who)), legs, rule);
}

async function open(st: Stack, who: { address: string }, id: bigint, isLong: boolean, size: bigint) {
  await (await as(st.engine, who).openPosition(id, isLong, size, isLong ? MAX : 0n)).wait();
}

/** Deposit plenty, open the legs, then take out everything above IM (whole token units). */
async function openAtIm(st: Stack, who: { address: string }, legs: [bigint, boolean, bigint][]) {
  await (await as(st.engine, who).deposit(500_000n * USD)).wait();
  for (const [id, isLong, size] of legs) await open(st, who, id, isLong, size);
  const h = await health(st, who.address);
  const excess = (h.equity - h.im) / SCALE;
  if (excess > 0n) await (await as(st.engine, who).withdraw(excess)).wait();
  return health(st, who.address);
}

const C1800: SeriesDef = { id: 1n, kind: "call", strike: 1_800 };
const C2000: SeriesDef = { id: 2n, kind: "call", strike: 2_000 };
const C2200: SeriesDef = { id: 3n, kind: "call", strike: 2_200 };
const P2000: SeriesDef = { id: 4n, kind: "put", strike: 2_000 };
const C2000B: SeriesDef = { id: 5n, kind: "call", strike: 2_000, group: GROUP_B };
const C1800B: SeriesDef = { id: 6n, kind: "call", strike: 1_800, group: GROUP_B };
const TEN = 10n * WAD;

async function seriesFixture() {
  const st = await fixture();
  for (const d of [C1800, C2000, C2200, P2000, C2000B, C1800B]) await defineSeries(st, d);
  return st;
}

describe("portfolio margin: hedges offset within a group (Black–Scholes scenario prices)", () => {
  it("a call spread and a covered short need less IM than their legs margined alone", async () => {
    const st = await networkHelpers.loadFixture(seriesFixture);
    const { alice, bob, carol, dave } = st;
    // Bull call spread: long 2000C, short 2200C.
    await (await as(st.engine, alice).deposit(100_000n * USD)).wait();
    await open(st, alice, C2000.id, true, TEN);
    await open(st, alice, C2200.id, false, TEN);
    await (await as(st.engine, bob).deposit(100_000n * USD)).wait();
    await open(st, bob, C2000.id, true, TEN);
    await (await as(st.engine, carol).deposit(100_000n * USD)).wait();
    await open(st, carol, C2200.id, false, TEN);
    const spread = await health(st, alice.address);
    const longAlone = await health(st, bob.address);
    const shortAlone = await health(st, carol.address);
    expect(spread.im).toBeLessThan(longAlone.im + shortAlone.im);
    expect(spread.mm).toBeLessThan(longAlone.mm + shortAlone.mm);
    // The engine agrees with the TypeScript mirror on every account.
    for (const [who, h] of [[alice, spread], [bob, longAlone], [carol, shortAlone]] as const) {
      const m = await mirror(st, who.address);
      expect({ equity: h.equity, im: h.im, mm: h.mm }).toEqual({ equity: m.equity, im: m.initialMargin, mm: m.maintenanceMargin });
    }
    // Covered short: short 2000C against long 1800C (lower strike).
    await (await as(st.engine, dave).deposit(100_000n * USD)).wait();
    await open(st, dave, C1800.id, true, TEN);
    await open(st, dave, C2000.id, false, TEN);
    const covered = await health(st, dave.address);
    const l1800 = await portfolioAlone(st, C1800.id, true);
    expect(covered.im).toBeLessThan(l1800.im + shortAlone.im);
    // A covered short's worst loss is below the naked short's.
    expect((await mirror(st, dave.address)).worstLoss).toBeLessThan((await mirror(st, carol.address)).worstLoss);
    console.log(`IM (10 units): call spread ${fmt(spread.im)} vs legs ${fmt(longAlone.im)} + ${fmt(shortAlone.im)}; covered short ${fmt(covered.im)}`);
  });

  it("positions in different groups never offset: IM and MM are the sums of the groups", async () => {
    const st = await networkHelpers.loadFixture(seriesFixture);
    const { alice, bob, carol } = st;
    for (const who of [alice, bob, carol]) await (await as(st.engine, who).deposit(100_000n * USD)).wait();
    // alice: long 1800C in group A, short 2000C in group B (the same terms as A's 2000C).
    await open(st, alice, C1800.id, true, TEN);
    await open(st, alice, C2000B.id, false, TEN);
    await open(st, bob, C1800.id, true, TEN);
    await open(st, carol, C2000B.id, false, TEN);
    const mixed = await health(st, alice.address);
    const a = await health(st, bob.address);
    const b = await health(st, carol.address);
    expect(mixed.im).toBe(a.im + b.im);
    expect(mixed.mm).toBe(a.mm + b.mm);
    // Within group B the same pair offsets.
    await open(st, carol, C1800B.id, true, TEN);
    expect((await health(st, carol.address)).im).toBeLessThan(a.im + b.im);
  });
});

function fmt(x: bigint): string {
  return (Number(x / 10n ** 14n) / 1e4).toFixed(2);
}

/** The IM of one leg alone, on a fresh account (from the mirror with the feed's data). */
async function portfolioAlone(st: Stack, id: bigint, isLong: boolean) {
  const who = (await ethers.getSigners())[9]!;
  await (await st.token.mint(who.address, 100_000n * USD)).wait();
  await (await (st.token.connect(who) as Contract).approve(await st.engine.getAddress(), MAX)).wait();
  await (await as(st.engine, who).deposit(100_000n * USD)).wait();
  await open(st, who, id, isLong, TEN);
  return health(st, who.address);
}

describe("portfolio margin: liquidation below MM", () => {
  it("a naked short is liquidatable once a spot move takes equity below MM, not before", async () => {
    const st = await networkHelpers.loadFixture(seriesFixture);
    const { alice, bob } = st;
    const h0 = await openAtIm(st, alice, [[C2000.id, false, TEN]]);
    expect(h0.equity).toBeGreaterThanOrEqual(h0.im);
    await expectRevert(as(st.engine, bob).liquidate(alice.address), st.engine, "AccountHealthy");
    // The next oracle round: spot +10 %; the keeper proves mark and risk vector for it.
    await prove(st, C2000, SPOT * 1.1);
    const h1 = await health(st, alice.address);
    expect(h1.equity).toBeLessThan(h1.mm);
    expect(await st.engine.isLiquidatable(alice.address)).toBe(true);
    await (await as(st.engine, bob).liquidate(alice.address)).wait();
    expect(BigInt(await st.engine.positionOf(alice.address, C2000.id))).toBe(0n);
  });

  it("a late risk vector is PENDING: no liquidation, no open, until it is proven (or older than maxPriceAge)", async () => {
    const st = await networkHelpers.loadFixture(seriesFixture);
    const { alice, bob } = st;
    await openAtIm(st, alice, [[C1800.id, true, TEN], [C2000.id, false, TEN]]);
    // A new mark without its risk vector: the hedge's offset is unknown for now.
    await prove(st, C1800, SPOT * 1.02, false);
    expect((await health(st, alice.address)).fresh).toBe(false);
    expect(await st.engine.isLiquidatable(alice.address)).toBe(false);
    await expectRevert(as(st.engine, bob).liquidate(alice.address), st.engine, "RiskNotCurrent");
    await expectRevert(as(st.engine, alice).openPosition(C1800.id, true, 1n, MAX), st.engine, "RiskNotCurrent");
    // Past maxPriceAge the vector is ignored: the leg is margined alone at its bounds (conservative).
    await networkHelpers.time.increase(ENGINE_RISK.maxPriceAge + 1);
    for (const d of [C1800, C2000]) await prove(st, d, SPOT * 1.02, d === C2000);
    const h = await health(st, alice.address);
    expect(h.fresh).toBe(true);
    const m = await mirror(st, alice.address);
    expect({ im: h.im, mm: h.mm }).toEqual({ im: m.initialMargin, mm: m.maintenanceMargin });
    // The long is margined alone now: its whole bid value counts as loss.
    const bid = BigInt((await st.feed.mark(C1800.id)).price) - toWad(BAND * 1_800);
    expect(m.worstLoss).toBeGreaterThanOrEqual((TEN * bid) / WAD);
  });
});

describe("portfolio margin: what an attacker who knows the true price, the next round and the error band can take", () => {
  it("scenario prices wrong by the band in the attacker's favour: at IM the account covers every true scenario", async () => {
    const st = await networkHelpers.loadFixture(fixture);
    // No factor buffer, no floors: only the scenario loss and the band protect the pool.
    await (await st.engine.setPortfolioParams({ ...PM, imFactorBps: 10_000, imFloorABps: 0, imFloorBBps: 0, mmFloorABps: 0, mmFloorBBps: 0 })).wait();
    const spreadWad = toWad(BAND * 2_000);
    // Short call whose proven prices are below the true ones by the band; long call above.
    const shortD: SeriesDef = { id: 11n, kind: "call", strike: 2_000, bias: -spreadWad };
    const longD: SeriesDef = { id: 12n, kind: "call", strike: 1_900, bias: toWad(BAND * 1_900) };
    await defineSeries(st, shortD);
    await defineSeries(st, longD);
    const { alice } = st;
    await openAtIm(st, alice, [[longD.id, true, TEN], [shortD.id, false, 2n * TEN]]);
    const collateral = BigInt(await st.engine.collateralOf(alice.address));
    // The next oracle round moves to each grid point; the account is worth its true exit value.
    const trueShort = scenarios("call", 2_000);
    const trueLong = scenarios("call", 1_900);
    for (let s = 0; s < trueShort.length; s++) {
      const value = collateral + (TEN * trueLong[s]!) / WAD - (2n * TEN * trueShort[s]!) / WAD;
      expect(value, `scenario ${s}`).toBeGreaterThanOrEqual(0n);
    }
  });

  it("no new short without a current risk vector: stale, for another mark, missing", async () => {
    const st = await networkHelpers.loadFixture(seriesFixture);
    const { alice } = st;
    await (await as(st.engine, alice).deposit(100_000n * USD)).wait();
    const now = await latestTimestamp(ethers.provider);
    const k = await st.feed.mark(C2000.id);
    // A vector claimed current for the same observation but another (cheaper) mark.
    await setVector(st, C2000.id, { group: GROUP_A, mark: BigInt(k.price) - 1n, scenarios: scenarios("call", 2_000), observedAt: BigInt(k.observedAt), current: true });
    await expectRevert(as(st.engine, alice).openPosition(C2000.id, false, TEN, 0n), st.engine, "RiskNotCurrent");
    // A vector for an older observation.
    await setVector(st, C2000.id, { group: GROUP_A, mark: BigInt(k.price), scenarios: scenarios("call", 2_000), observedAt: BigInt(k.observedAt), current: true });
    await (await st.feed.setObservation(C2000.id, BigInt(k.price), BigInt(k.spot), now + 1n)).wait();
    await expectRevert(as(st.engine, alice).openPosition(C2000.id, false, TEN, 0n), st.engine, "RiskNotCurrent");
    // No vector at all (group 0): refused as well; a long is allowed (margined at its bounds).
    await setVector(st, C2000.id, { group: ethers.ZeroHash, mark: 0n, scenarios: [], observedAt: 0n, current: false });
    await expectRevert(as(st.engine, alice).openPosition(C2000.id, false, TEN, 0n), st.engine, "NoRiskVector");
    await open(st, alice, C2000.id, true, TEN);
    // Too many scenarios (above MAX_SCENARIOS) is not a usable vector either.
    const many = Array.from({ length: 65 }, () => BigInt(k.price));
    await prove(st, C2200, SPOT);
    const k3 = await st.feed.mark(C2200.id);
    await setVector(st, C2200.id, { group: GROUP_A, mark: BigInt(k3.price), scenarios: many, observedAt: BigInt(k3.observedAt), current: true });
    await expectRevert(as(st.engine, alice).openPosition(C2200.id, false, TEN, 0n), st.engine, "RiskNotCurrent");
  });

  it("a hedge leg without a risk vector gives no offset, and losing the vector never makes margin cheaper", async () => {
    const st = await networkHelpers.loadFixture(seriesFixture);
    const { alice, bob } = st;
    for (const who of [alice, bob]) await (await as(st.engine, who).deposit(100_000n * USD)).wait();
    await open(st, alice, C1800.id, true, TEN);
    await open(st, alice, C2000.id, false, TEN);
    const withVector = await health(st, alice.address);
    await open(st, bob, C2000.id, false, TEN);
    const shortAlone = await health(st, bob.address);
    // Remove the long's vector: it is margined alone at its bounds (its whole value can be lost).
    await setVector(st, C1800.id, { group: ethers.ZeroHash, mark: 0n, scenarios: [], observedAt: 0n, current: false });
    const without = await health(st, alice.address);
    expect(without.im).toBeGreaterThan(withVector.im);
    expect(without.mm).toBeGreaterThan(withVector.mm);
    const m = await mirror(st, alice.address);
    expect(without.im).toBe(m.initialMargin);
    // No offset: at least the short's own IM plus the long's whole bid value.
    const bid = BigInt((await st.feed.mark(C1800.id)).price) - toWad(BAND * 1_800);
    expect(without.im).toBeGreaterThanOrEqual(shortAlone.im + (TEN * bid) / WAD);
    // Removing the short's vector too: margined at its upper bound, far above the vector's IM.
    await setVector(st, C2000.id, { group: ethers.ZeroHash, mark: 0n, scenarios: [], observedAt: 0n, current: false });
    expect((await health(st, alice.address)).im).toBeGreaterThan(without.im);
    expect((await health(st, bob.address)).im).toBeGreaterThan(shortAlone.im);
  });

  it("a hedge in another group does not let a short open on the spread's margin", async () => {
    const st = await networkHelpers.loadFixture(seriesFixture);
    const { alice, bob } = st;
    // bob finds the collateral a same-group covered short needs.
    const same = await openAtIm(st, bob, [[C1800.id, true, TEN], [C2000.id, false, TEN]]);
    // alice deposits the same and tries the short in group B against her group-A long.
    await (await as(st.engine, alice).deposit(same.equity / SCALE + 1_000n * USD)).wait();
    await open(st, alice, C1800.id, true, TEN);
    await expectRevert(as(st.engine, alice).openPosition(C2000B.id, false, TEN, 0n), st.engine, "InitialMarginViolated");
  });

  it("eight series of 15 scenarios: the engine matches the mirror, a ninth is refused, the margin check gas (mock feed)", async () => {
    const st = await networkHelpers.loadFixture(fixture);
    const defs: SeriesDef[] = [];
    const strikes = [1_700, 1_800, 1_900, 2_000, 2_100, 2_200, 2_300, 2_400];
    for (let i = 0; i < 8; i++) defs.push({ id: BigInt(20 + i), kind: i % 3 === 2 ? "put" : "call", strike: strikes[i]!, group: i < 6 ? GROUP_A : GROUP_B });
    defs.push({ id: 28n, kind: "call", strike: 2_500 });
    for (const d of defs) await defineSeries(st, d);
    const { alice } = st;
    await (await as(st.engine, alice).deposit(500_000n * USD)).wait();
    for (let i = 0; i < 8; i++) await open(st, alice, defs[i]!.id, i % 2 === 0, TEN + BigInt(i) * WAD);
    await expectRevert(as(st.engine, alice).openPosition(28n, true, TEN, MAX), st.engine, "TooManyPositions");
    const h = await health(st, alice.address);
    const m = await mirror(st, alice.address);
    expect({ equity: h.equity, im: h.im, mm: h.mm }).toEqual({ equity: m.equity, im: m.initialMargin, mm: m.maintenanceMargin });
    const [gas, im] = await st.probe.accountHealthGas(await st.engine.getAddress(), alice.address);
    expect(BigInt(im)).toBe(h.im);
    const feedGas = await st.probe.feedReadGas(await st.feed.getAddress(), defs.slice(0, 8).map((d) => d.id));
    const batchGas = await st.probe.batchReadGas(await st.feed.getAddress(), defs.slice(0, 8).map((d) => d.id), true);
    const legs = defs.slice(0, 8).map((d, i) => ({ size: (i % 2 === 0 ? 1n : -1n) * TEN, price: 100n * WAD, spread: WAD, lo: 0n, hi: 3_000n * WAD, spot: 2_000n * WAD, strike: BigInt(d.strike) * WAD, isCall: true, group: GROUP_A, scenarios: scenarios("call", d.strike) }));
    const math = await st.probe.mathGas(legs, { imFactorBps: 12_500n, mmFactorBps: 10_000n, imFloorABps: 1_000n, imFloorBBps: 500n, mmFloorABps: 500n, mmFloorBBps: 250n, minTick: 1n });
    await (await st.engine.setPortfolioParams({ ...PM, enabled: false })).wait();
    const [flat] = await st.probe.accountHealthGas(await st.engine.getAddress(), alice.address);
    await (await st.engine.setPortfolioParams(PM)).wait();
    console.log(`mock feed: margin check ${gas}: marksAndRisks (mock) ${batchGas}, mark + risk per series ${feedGas}, MarginMath.portfolioHealth ${math}; flat rule on the same account ${flat}`);
    // Regression bounds of the measured figures against the mock (gas is deterministic). The
    // mock decodes its stored vectors in memory and packs them for the batch read, so its batch
    // is not the feed's figure: marginCheckGas8 of record is the real feed's
    // (test/contracts.risk.test.ts). `gas − batchGas` is the engine's share (its own decoding of
    // the packed words included, the probe's decoding of the same words subtracted).
    expect(Number(math)).toBeLessThanOrEqual(48_000);
    expect(Number(gas) - Number(batchGas)).toBeLessThanOrEqual(101_000);
    expect(Number(gas)).toBeLessThanOrEqual(352_000);
    // The IM check inside an open with 8 series (a transaction, for reference).
    const rc = await (await as(st.engine, alice).openPosition(defs[0]!.id, true, 1n, MAX)).wait();
    console.log(`openPosition (8 open series, portfolio margin) gas = ${rc!.gasUsed}`);
  });

  it("dust sizes round against the account: a 1-wei short needs collateral, and many of them never leave the pool short", async () => {
    const st = await networkHelpers.loadFixture(seriesFixture);
    const { alice } = st;
    await expectRevert(as(st.engine, alice).openPosition(C2000.id, false, 1n, 0n), st.engine, "InitialMarginViolated");
    await (await as(st.engine, alice).deposit(1n)).wait();
    for (const d of [C1800, C2000, C2200, P2000, C2000B, C1800B]) await open(st, alice, d.id, false, 1n);
    const h = await health(st, alice.address);
    // Each 1-wei short owes ⌈ask / 1e18⌉ wei; each floor rounds up to at least 1 wei.
    let owed = 0n;
    for (const d of [C1800, C2000, C2200, P2000, C2000B, C1800B]) {
      const k = await st.feed.mark(d.id);
      owed += (BigInt(k.price) + BigInt(k.spread) + WAD - 1n) / WAD;
    }
    expect(h.equity).toBe(BigInt(await st.engine.collateralOf(alice.address)) - owed);
    expect(h.im).toBeGreaterThanOrEqual(6n);
    expect(h.equity).toBeGreaterThanOrEqual(h.im);
    const m = await mirror(st, alice.address);
    expect(h.im).toBe(m.initialMargin);
  });
});

describe("portfolio margin: governance", () => {
  it("refuses parameters out of range, naming the field", async () => {
    const st = await networkHelpers.loadFixture(fixture);
    const cases: [Partial<typeof PM>, string, number][] = [
      [{ mmFactorBps: 9_999 }, "mmFactorBps", 9_999],
      [{ mmFactorBps: 100_001, imFactorBps: 100_001 }, "mmFactorBps", 100_001],
      [{ imFactorBps: 9_999 }, "imFactorBps", 9_999],
      [{ imFloorABps: 10_001 }, "imFloorABps", 10_001],
      [{ imFloorBBps: 10_001 }, "imFloorBBps", 10_001],
      [{ mmFloorABps: 1_001 }, "mmFloorABps", 1_001],
      [{ mmFloorBBps: 501 }, "mmFloorBBps", 501],
    ];
    for (const [patch, field, value] of cases) {
      await expectRevert(st.engine.setPortfolioParams({ ...PM, ...patch }), st.engine, "InvalidPortfolioParams", [field, BigInt(value)]);
    }
    await expectRevert(as(st.engine, st.alice).setPortfolioParams(PM), st.engine, "OwnableUnauthorizedAccount");
    await (await st.engine.setPortfolioParams({ ...PM, enabled: false })).wait();
    expect((await st.engine.portfolioParams()).enabled).toBe(false);
  });
});
