/**
 * Built-in dataset: European option prices from the Black–Scholes formula, per unit of
 * strike. With moneyness m = S/K, time to expiry T (years), volatility σ (annualised) and
 * continuously compounded rate r (no dividends):
 *   d1 = (ln m + (r + σ²/2) T) / (σ √T),  d2 = d1 − σ √T
 *   call / K = m Φ(d1) − e^(−rT) Φ(d2)
 *   put / K  = e^(−rT) Φ(−d2) − m Φ(−d1)
 */
import type { FeatureSpec, TargetSpec } from "../model/types.js";
import type { Dataset } from "./dataset.js";
import { normalCdf, normalPdf } from "./normal.js";
import { InvalidValueError } from "../errors.js";
import { assertSeed, createRng } from "../util/rng.js";
import { checkInteger, checkOneOf } from "../util/validate.js";

export type OptionKind = "call" | "put";

export interface BlackScholesInputs {
  kind: OptionKind;
  /** S/K, > 0. */
  moneyness: number;
  /** Years, > 0. */
  timeToExpiry: number;
  /** Annualised volatility, > 0. */
  volatility: number;
  /** Continuously compounded annual rate. */
  rate: number;
}

export type BlackScholesPriceErrorType = InvalidValueError;

/** Exact Black–Scholes price of a European option divided by its strike (unit 1/K). */
export function blackScholesPrice(inputs: BlackScholesInputs): number {
  const { kind, moneyness: m, timeToExpiry: t, volatility: v, rate: r } = inputs;
  if (!(m > 0 && Number.isFinite(m))) throw new InvalidValueError({ field: "moneyness", value: m, allowed: "a finite number > 0" });
  if (!(t > 0 && Number.isFinite(t))) throw new InvalidValueError({ field: "timeToExpiry", value: t, allowed: "a finite number > 0 (years)" });
  if (!(v > 0 && Number.isFinite(v))) throw new InvalidValueError({ field: "volatility", value: v, allowed: "a finite number > 0" });
  if (!Number.isFinite(r)) throw new InvalidValueError({ field: "rate", value: r, allowed: "a finite number" });
  const sd = v * Math.sqrt(t);
  const d1 = (Math.log(m) + (r + 0.5 * v * v) * t) / sd;
  const d2 = d1 - sd;
  const df = Math.exp(-r * t);
  // A price is never negative; max(0, ·) only removes rounding residue far out of the money.
  if (kind === "call") return Math.max(0, m * normalCdf(d1) - df * normalCdf(d2));
  if (kind === "put") return Math.max(0, df * normalCdf(-d2) - m * normalCdf(-d1));
  throw new InvalidValueError({ field: "kind", value: kind, allowed: '"call" or "put"' });
}

/**
 * Exact Black–Scholes Greeks of the price per strike P/K as a function of moneyness m = S/K:
 * Δ = ∂(P/K)/∂m = ∂P/∂S (call Φ(d1), put Φ(d1) − 1) and Γ = ∂²(P/K)/∂m² = K·∂²P/∂S²
 * = φ(d1) / (m σ √T) for both kinds. These are the units of the risk circuit's Δ and Γ.
 */
export function blackScholesGreeks(inputs: BlackScholesInputs): { delta: number; gamma: number } {
  const { kind, moneyness: m, timeToExpiry: t, volatility: v, rate: r } = inputs;
  // The price's checks name a bad field; reuse them.
  blackScholesPrice(inputs);
  const sd = v * Math.sqrt(t);
  const d1 = (Math.log(m) + (r + 0.5 * v * v) * t) / sd;
  const gamma = normalPdf(d1) / (m * sd);
  return { delta: kind === "call" ? normalCdf(d1) : normalCdf(d1) - 1, gamma };
}

/** Feature specs of the built-in dataset, in column order. Values on chain are wads. */
export const BLACK_SCHOLES_FEATURES: readonly FeatureSpec[] = Object.freeze([
  { name: "moneyness", unit: "S/K", decimals: 18, min: 0.8, max: 1.2 },
  { name: "timeToExpiry", unit: "years", decimals: 18, min: 0.02, max: 1.0 },
  { name: "volatility", unit: "1/sqrt(year)", decimals: 18, min: 0.1, max: 0.8 },
  { name: "rate", unit: "1/year", decimals: 18, min: 0.0, max: 0.08 },
]);

/**
 * Target spec of the built-in dataset. The clamp holds every exact price in the feature
 * ranges: call/K ≤ S/K ≤ 1.2 and put/K ≤ e^(−rT) ≤ 1.
 */
export function blackScholesTarget(kind: OptionKind): TargetSpec {
  return { name: "priceOverStrike", unit: "1/K", decimals: 18, min: 0, max: kind === "call" ? 1.2 : 1.0 };
}

export interface BlackScholesDatasetParameters {
  /** Number of samples, >= 1. */
  n: number;
  seed: number;
  kind: OptionKind;
}

export type BlackScholesDatasetErrorType = InvalidValueError;

/**
 * `n` samples with features drawn uniformly and independently in their declared ranges
 * (in the order moneyness, timeToExpiry, volatility, rate for each row) and the exact
 * price over strike as target.
 */
export function blackScholesDataset(params: BlackScholesDatasetParameters): Dataset {
  const n = checkInteger("n", params.n, { min: 1, max: 10_000_000 });
  assertSeed(params.seed);
  const kind = checkOneOf("kind", params.kind, ["call", "put"] as const);
  const rng = createRng(params.seed);
  const features = BLACK_SCHOLES_FEATURES.map((f) => ({ ...f }));
  const x: number[][] = new Array(n);
  const y: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row = features.map((f) => rng.uniform(f.min, f.max));
    x[i] = row;
    y[i] = blackScholesPrice({ kind, moneyness: row[0], timeToExpiry: row[1], volatility: row[2], rate: row[3] });
  }
  return { features, target: blackScholesTarget(kind), x, y, source: `black-scholes:${kind}:seed=${params.seed}:n=${n}` };
}
