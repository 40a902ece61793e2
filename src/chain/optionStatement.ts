import { Contract, type ContractRunner } from "ethers";
import { InvalidValueError } from "../errors.js";

/**
 * The statement an option-pricing proof must carry for `OptionPriceFeed.submit`, computed
 * exactly as the contract does (integer arithmetic, same rounding), so that a prover can
 * build public signals the feed accepts.
 *
 * Public-signal layout (all wad = 18-decimal unsigned integers):
 * `[priceOverStrike, moneyness, timeToExpiry, volatility, rate]`.
 *
 * The statement is exactly the oracle state, leaving the prover no choice: `observedAt` is the
 * `updatedAt` of the spot oracle's LATEST round, moneyness = floor(spotWad · 1e18 / strike)
 * from that round's answer, timeToExpiry from `observedAt`, volatility = the volatility
 * oracle's latest answer in wad, rate = the series' rate. A proof is valid only until either
 * oracle has a new round: then the feed rejects it and the prover proves again.
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

/** The latest round of an AggregatorV3 oracle, as read from `latestRoundData` and `decimals`. */
export interface OracleRound {
  answer: bigint;
  updatedAt: bigint;
  decimals: number;
}

/** What the feed knows of a series (`OptionPriceFeed.getSeries`). */
export interface SeriesFacts {
  strike: bigint;
  expiry: bigint;
  rate: bigint;
}

/** The model inputs the feed accepts, with the `observedAt` to submit them for. */
export interface OptionInputs {
  observedAt: bigint;
  moneyness: bigint;
  timeToExpiry: bigint;
  volatility: bigint;
  rate: bigint;
  /** The spot oracle's answer in wad (what the feed stores with the price). */
  spot: bigint;
}

/**
 * The only statement `OptionPriceFeed.submit` accepts given the oracles' latest rounds (the
 * contract's `expectedInputs`): observedAt = spot round's updatedAt, moneyness from its
 * answer, timeToExpiry from observedAt, volatility = the vol oracle's answer, the series'
 * rate. Answers must be positive (the feed also checks the heartbeats against its clock).
 */
export function expectedOptionInputs(series: SeriesFacts, spot: OracleRound, vol: OracleRound): OptionInputs {
  for (const [field, r] of [["spot", spot], ["volatility", vol]] as const) {
    if (r.answer <= 0n) throw new InvalidValueError({ field: `${field} oracle answer`, value: r.answer, allowed: "> 0" });
  }
  const spotWad = toWad(spot.answer, spot.decimals);
  return {
    observedAt: spot.updatedAt,
    moneyness: moneynessWad(spotWad, series.strike),
    timeToExpiry: timeToExpiryWad(series.expiry, spot.updatedAt),
    volatility: toWad(vol.answer, vol.decimals),
    rate: series.rate,
    spot: spotWad,
  };
}

const AGGREGATOR_ABI = [
  "function decimals() view returns (uint8)",
  "function latestRoundData() view returns (uint80, int256, uint256, uint256, uint80)",
];

/** Anything with an `OptionPriceFeed`'s `getSeries` and an ethers runner. */
export interface FeedReader {
  getSeries(seriesId: bigint): Promise<{ strike: bigint; expiry: bigint; rate: bigint; spotOracle: string; volOracle: string }>;
  runner: ContractRunner | null;
}

/** The latest round of the AggregatorV3 oracle at `address`. */
export async function readLatestRound(runner: ContractRunner | null, address: string): Promise<OracleRound> {
  const oracle = new Contract(address, AGGREGATOR_ABI, runner);
  const [[, answer, , updatedAt], decimals] = await Promise.all([oracle.latestRoundData(), oracle.decimals()]);
  return { answer: BigInt(answer), updatedAt: BigInt(updatedAt), decimals: Number(decimals) };
}

/**
 * Read the series' facts and both oracles' latest rounds from the chain and return the
 * statement the feed accepts now (oracles read through the feed contract's runner).
 */
export async function readOptionInputs(feed: FeedReader, seriesId: bigint): Promise<OptionInputs> {
  const s = await feed.getSeries(seriesId);
  const [spot, vol] = await Promise.all([readLatestRound(feed.runner, s.spotOracle), readLatestRound(feed.runner, s.volOracle)]);
  return expectedOptionInputs({ strike: BigInt(s.strike), expiry: BigInt(s.expiry), rate: BigInt(s.rate) }, spot, vol);
}

/**
 * The feed's no-arbitrage interval of priceOverStrike (`OptionPriceFeed.clampToBounds`), wad
 * fractions of the strike: call [max(m − D⁺, 0), m], put [max(D⁻ − m, 0), 1], with x = rate·τ
 * bracketed by xDown ≤ x ≤ xUp, D⁺ = min(1 − xDown + ⌈xUp²/2⌉, 1) ≥ e^{−x} and D⁻ = max(1 − xUp, 0) ≤ e^{−x}.
 */
export function noArbitrageBounds(moneyness: bigint, timeToExpiry: bigint, rate: bigint, isCall: boolean): { lower: bigint; upper: bigint } {
  const xDown = (rate * timeToExpiry) / WAD;
  const xUp = (rate * timeToExpiry + WAD - 1n) / WAD;
  if (isCall) {
    const poly = WAD + (xUp * xUp + 2n * WAD - 1n) / (2n * WAD) - xDown;
    const dPlus = poly > WAD ? WAD : poly;
    return { lower: moneyness > dPlus ? moneyness - dPlus : 0n, upper: moneyness };
  }
  const dMinus = xUp < WAD ? WAD - xUp : 0n;
  return { lower: dMinus > moneyness ? dMinus - moneyness : 0n, upper: WAD };
}

/** priceOverStrike as the feed stores it: clamped into `noArbitrageBounds`. */
export function clampPriceOverStrike(priceOverStrike: bigint, moneyness: bigint, timeToExpiry: bigint, rate: bigint, isCall: boolean): bigint {
  const { lower, upper } = noArbitrageBounds(moneyness, timeToExpiry, rate, isCall);
  return priceOverStrike < lower ? lower : priceOverStrike > upper ? upper : priceOverStrike;
}
