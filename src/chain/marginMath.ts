/**
 * Reference implementation of the margin engine's arithmetic (`MarginMath.sol`), for
 * off-chain risk checks and for testing the contract against an independent formula.
 *
 * Units: sizes in wad units of underlying, prices and spots in wad of collateral per unit,
 * amounts in wad of collateral, bps in basis points.
 *
 *   equity            = collateral + Σ_long ⌊size·price/1e18⌋ − Σ_short ⌈size·price/1e18⌉
 *   initialMargin     = Σ_short ⌈size·spot·imBps/1e22⌉
 *   maintenanceMargin = Σ_short ⌈size·spot·mmBps/1e22⌉
 *
 * i.e. per short unit IM = price + imBps·spot/1e4 and MM = price + mmBps·spot/1e4 against
 * collateral plus long value; values round down, requirements round up.
 */

const WAD = 10n ** 18n;
const BPS = 10_000n;

export interface MarginLeg {
  /** > 0 long, < 0 short, wad units of underlying. */
  size: bigint;
  /** Mark price, wad per unit. */
  price: bigint;
  /** Spot proven with the price, wad per unit. */
  spot: bigint;
}

export interface AccountHealth {
  equity: bigint;
  initialMargin: bigint;
  maintenanceMargin: bigint;
}

const ceilDiv = (a: bigint, b: bigint): bigint => (a === 0n ? 0n : (a - 1n) / b + 1n);

export function accountHealth(collateral: bigint, legs: readonly MarginLeg[], imBps: bigint, mmBps: bigint): AccountHealth {
  let equity = collateral;
  let initialMargin = 0n;
  let maintenanceMargin = 0n;
  for (const { size, price, spot } of legs) {
    if (size > 0n) {
      equity += (size * price) / WAD;
    } else if (size < 0n) {
      const q = -size;
      equity -= ceilDiv(q * price, WAD);
      initialMargin += ceilDiv(q * spot * imBps, WAD * BPS);
      maintenanceMargin += ceilDiv(q * spot * mmBps, WAD * BPS);
    }
  }
  return { equity, initialMargin, maintenanceMargin };
}

/** Premium of a trade of `size` at `price`: paid by a buyer (rounded up) or received by a seller (down). */
export function premium(size: bigint, price: bigint, side: "pay" | "receive"): bigint {
  return side === "pay" ? ceilDiv(size * price, WAD) : (size * price) / WAD;
}

/**
 * The engine's fill prices of a USABLE mark (`MarginEngine`): a buyer pays the ask
 * max(mark + spread, minTick), a seller receives the bid max(mark − spread, 0), both wad per
 * unit; the fee is feeBps of spot per unit (rounded down per unit, then up on the trade).
 */
export function fillPrices(mark: bigint, spread: bigint, minTick: bigint, spot: bigint, feeBps: bigint): { bid: bigint; ask: bigint; feePerUnit: bigint } {
  const ask = mark + spread > minTick ? mark + spread : minTick;
  return { bid: mark > spread ? mark - spread : 0n, ask, feePerUnit: (spot * feeBps) / BPS };
}

/** Fee of a trade of `size` (rounded up, paid to the pool). */
export function tradeFee(size: bigint, feePerUnit: bigint): bigint {
  return ceilDiv(size * feePerUnit, WAD);
}

// ------------------------------------------------------------------ portfolio margin

/** One position for portfolio margin (`MarginMath.Position`); all amounts wad. */
export interface PortfolioLeg {
  /** > 0 long, < 0 short, wad units of underlying. */
  size: bigint;
  /** Valuation per unit: the bid for a long, the ask for a short (or a conservative value). */
  price: bigint;
  /** The model's error band per unit (the engine's spread): scenarios move by it against the account. */
  spread: bigint;
  /** Least value of one unit (a long's fallback loss goes down to it). */
  lo: bigint;
  /** Largest value of one unit, spread included (a short's fallback liability goes up to it). */
  hi: bigint;
  spot: bigint;
  strike: bigint;
  isCall: boolean;
  /** Risk group, bytes32 hex; zero: no risk vector. */
  group: string;
  /** Scenario prices per unit, grid order. */
  scenarios: readonly bigint[];
}

/** Portfolio-margin parameters (`MarginMath.Rule`). */
export interface PortfolioRule {
  imFactorBps: bigint;
  mmFactorBps: bigint;
  imFloorABps: bigint;
  imFloorBBps: bigint;
  mmFloorABps: bigint;
  mmFloorBBps: bigint;
  minTick: bigint;
}

export interface PortfolioHealth extends AccountHealth {
  worstLoss: bigint;
}

const ZERO_GROUP = /^0x0*$/;
const MAX_SCENARIO_VALUE = 2n ** 128n - 1n;

/** ⌈size · max(a·S − OTM, b·S) / 1e22⌉, OTM = max(K − S, 0) (call) or max(S − K, 0) (put). */
export function shortFloor(size: bigint, spot: bigint, strike: bigint, isCall: boolean, aBps: bigint, bBps: bigint): bigint {
  const otm = isCall ? (strike > spot ? strike - spot : 0n) : spot > strike ? spot - strike : 0n;
  const a = spot * aBps - otm * BPS;
  const b = spot * bBps;
  const perUnit = a > b ? a : b;
  return ceilDiv(size * perUnit, WAD * BPS);
}

/** A scenario price moved against the account: a long at max(p − spread, 0), a short at max(p + spread, minTick). */
export function scenarioValue(isLong: boolean, p: bigint, spread: bigint, minTick: bigint): bigint {
  const c = p > MAX_SCENARIO_VALUE ? MAX_SCENARIO_VALUE : p;
  if (isLong) return c > spread ? c - spread : 0n;
  let v = c + spread;
  if (v < minTick) v = minTick;
  return v > MAX_SCENARIO_VALUE ? MAX_SCENARIO_VALUE : v;
}

function usesScenarios(leg: PortfolioLeg): boolean {
  if (ZERO_GROUP.test(leg.group) || leg.scenarios.length === 0 || leg.size === 0n) return false;
  return (leg.size > 0n ? leg.size : -leg.size) <= MAX_SCENARIO_VALUE;
}

function fallbackLoss(leg: PortfolioLeg): bigint {
  if (leg.size > 0n) {
    const d = (leg.size * leg.price) / WAD - (leg.size * leg.lo) / WAD;
    return d > 0n ? d : 0n;
  }
  if (leg.size < 0n) {
    const q = -leg.size;
    const d = ceilDiv(q * leg.hi, WAD) - ceilDiv(q * leg.price, WAD);
    return d > 0n ? d : 0n;
  }
  return 0n;
}

/**
 * Portfolio margin (`MarginMath.portfolioHealth`): per risk group the worst scenario loss
 * against the account's current exit value, scenario prices moved by the spread against the
 * account; legs without a used risk vector are margined alone at their bounds [lo, hi];
 * IM = ⌈imFactor·worstLoss/1e4⌉ + Σ_short imFloor, MM likewise.
 */
export function portfolioHealth(collateral: bigint, legs: readonly PortfolioLeg[], r: PortfolioRule): PortfolioHealth {
  let equity = collateral;
  let initialMargin = 0n;
  let maintenanceMargin = 0n;
  let worstLoss = 0n;
  const groups = new Map<string, bigint[]>();
  for (const leg of legs) {
    if (leg.size > 0n) equity += (leg.size * leg.price) / WAD;
    else if (leg.size < 0n) {
      const q = -leg.size;
      equity -= ceilDiv(q * leg.price, WAD);
      initialMargin += shortFloor(q, leg.spot, leg.strike, leg.isCall, r.imFloorABps, r.imFloorBBps);
      maintenanceMargin += shortFloor(q, leg.spot, leg.strike, leg.isCall, r.mmFloorABps, r.mmFloorBBps);
    }
    if (!usesScenarios(leg)) {
      worstLoss += fallbackLoss(leg);
      continue;
    }
    const key = `${BigInt(leg.group)}:${leg.scenarios.length}`;
    const loss = groups.get(key) ?? leg.scenarios.map(() => 0n);
    groups.set(key, loss);
    const isLong = leg.size > 0n;
    const q = isLong ? leg.size : -leg.size;
    leg.scenarios.forEach((p, s) => {
      const v = scenarioValue(isLong, p, leg.spread, r.minTick);
      loss[s]! += isLong ? (q * leg.price) / WAD - (q * v) / WAD : ceilDiv(q * v, WAD) - ceilDiv(q * leg.price, WAD);
    });
  }
  for (const loss of groups.values()) {
    const worst = loss.reduce((a, b) => (b > a ? b : a), 0n);
    worstLoss += worst;
  }
  initialMargin += ceilDiv(worstLoss * r.imFactorBps, BPS);
  maintenanceMargin += ceilDiv(worstLoss * r.mmFactorBps, BPS);
  return { equity, initialMargin, maintenanceMargin, worstLoss };
}
