/**
 * A wider option dataset for benchmarks: the four Black–Scholes features plus twelve market
 * context features whose magnitudes differ by many orders (spot level, volumes, open
 * interest, funding, sentiment, …). The target depends on the Black–Scholes features only,
 * so a model must learn to ignore the context — and input scaling is what lets it train.
 */
import type { FeatureSpec } from "../model/types.js";
import { BLACK_SCHOLES_FEATURES, blackScholesPrice, blackScholesTarget } from "./blackScholes.js";
import type { Dataset } from "./dataset.js";
import { assertSeed, createRng } from "../util/rng.js";
import { checkInteger } from "../util/validate.js";

export const MARKET_CONTEXT_FEATURES: readonly FeatureSpec[] = Object.freeze([
  { name: "spotUsd", unit: "USD", decimals: 8, min: 100, max: 100_000 },
  { name: "volume24h", unit: "USD", decimals: 2, min: 1_000, max: 1_000_000_000 },
  { name: "openInterest", unit: "contracts", decimals: 0, min: 0, max: 5_000_000 },
  { name: "fundingRate", unit: "1/8h", decimals: 18, min: 0, max: 0.002 },
  { name: "sentiment", unit: "score", decimals: 6, min: 0, max: 1 },
  { name: "skew25d", unit: "vol points", decimals: 6, min: 0, max: 0.2 },
  { name: "termSlope", unit: "vol/year", decimals: 6, min: 0, max: 0.5 },
  { name: "realizedVol", unit: "1/sqrt(year)", decimals: 18, min: 0.05, max: 1.5 },
  { name: "bidAskBps", unit: "bps", decimals: 2, min: 0, max: 500 },
  { name: "gasGwei", unit: "gwei", decimals: 9, min: 0, max: 500 },
  { name: "blockTimeSec", unit: "s", decimals: 3, min: 1, max: 15 },
  { name: "utilization", unit: "ratio", decimals: 18, min: 0, max: 1 },
]);

/** `n` call samples with 16 features: Black–Scholes features first, then the context. */
export function marketContextDataset(params: { n: number; seed: number }): Dataset {
  const n = checkInteger("n", params.n, { min: 1, max: 10_000_000 });
  assertSeed(params.seed);
  const rng = createRng(params.seed);
  const features = [...BLACK_SCHOLES_FEATURES, ...MARKET_CONTEXT_FEATURES].map((f) => ({ ...f }));
  const x: number[][] = new Array(n);
  const y: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row = features.map((f) => rng.uniform(f.min, f.max));
    x[i] = row;
    y[i] = blackScholesPrice({ kind: "call", moneyness: row[0], timeToExpiry: row[1], volatility: row[2], rate: row[3] });
  }
  return { features, target: blackScholesTarget("call"), x, y, source: `market-context:call:seed=${params.seed}:n=${n}` };
}
