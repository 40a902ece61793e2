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
