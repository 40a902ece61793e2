import { InvalidValueError } from "../errors.js";

/**
 * The statement an option-pricing proof must carry for `OptionPriceFeed.submit`, computed
 * exactly as the contract does (integer arithmetic, same rounding), so that a prover can
 * build public signals the feed accepts.
 *
 * Public-signal layout (all wad = 18-decimal unsigned integers):
 * `[priceOverStrike, moneyness, timeToExpiry, volatility, rate]`.
 */

export const WAD = 10n ** 18n;
/** The feed's year: 365 days in seconds. */
export const YEAR_SECONDS = 31_536_000n;

/** Names of the option model's public signals, in order (output first, then inputs). */
export const OPTION_SIGNAL_NAMES = ["priceOverStrike", "moneyness", "timeToExpiry", "volatility", "rate"] as const;
export type OptionSignalName = (typeof OPTION_SIGNAL_NAMES)[number];

/** One value per signal, wad integers. */
export type OptionStatement = Record<OptionSignalName, bigint>;

/**
 * floor((expiry − observedAt) · 1e18 / 365 days): the only timeToExpiry the feed accepts for
 * `observedAt`. One second changes it by ≈ 3.17e10, so it pins `observedAt`.
 */
export function timeToExpiryWad(expiry: bigint, observedAt: bigint): bigint {
  if (observedAt >= expiry) {
    throw new InvalidValueError({ field: "observedAt", value: observedAt, allowed: `< expiry (${expiry})` });
  }
  return ((expiry - observedAt) * WAD) / YEAR_SECONDS;
}

/** An oracle answer with `decimals` decimals as wad (rounded down above 18 decimals). */
export function toWad(answer: bigint, decimals: number): bigint {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 36) {
    throw new InvalidValueError({ field: "decimals", value: decimals, allowed: "an integer in [0, 36]" });
  }
  return decimals <= 18 ? answer * 10n ** BigInt(18 - decimals) : answer / 10n ** BigInt(decimals - 18);
}

/** spot / strike in wad, rounded down. */
export function moneynessWad(spotWad: bigint, strikeWad: bigint): bigint {
  if (strikeWad <= 0n) throw new InvalidValueError({ field: "strike", value: strikeWad, allowed: "> 0" });
  return (spotWad * WAD) / strikeWad;
}

/** The spot the feed derives from a moneyness signal: moneyness · strike / 1e18, rounded down. */
export function impliedSpotWad(moneyness: bigint, strikeWad: bigint): bigint {
  return (moneyness * strikeWad) / WAD;
}

/** The price the feed stores: priceOverStrike · strike / 1e18, rounded down (wad per unit). */
export function storedPriceWad(priceOverStrike: bigint, strikeWad: bigint): bigint {
  return (priceOverStrike * strikeWad) / WAD;
}

/** The public signals in the feed's order. */
export function optionPublicSignals(statement: OptionStatement): bigint[] {
  return OPTION_SIGNAL_NAMES.map((name) => statement[name]);
}
