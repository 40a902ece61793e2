/**
 * Wide-domain Black–Scholes dataset, down to expiry: S/K ∈ [0.4, 1.6], τ ∈ [0, 1.1] years
 * (τ = 0 included: the price is the intrinsic value), σ ∈ [0.01, 1.0], r ∈ [0, 0.1].
 *
 * Design (why the statement stays exact): the features are the four raw oracle values the
 * feed binds (moneyness, time to expiry, volatility, rate, all wads) and the target is the
 * price over strike itself. No transform runs outside the circuit, so the public inputs are
 * exactly the oracle state and the proven output is the mark. A ReLU network is piecewise
 * linear, so it represents the expiry payoff max(m − 1, 0) (a single kink) exactly in
 * float; what it must learn is the curvature near the money, whose width in m is about
 * σ√τ. The sampler therefore puts half of the rows there.
 *
 * Sampling (seeded, per row):
 *  - with probability 1/2 "uniform": every feature uniform in its range, except that a
 *    share `EXPIRY_SHARE` of these rows has τ = 0 exactly (the payoff itself);
 *  - with probability 1/2 "curvature": τ = 1.1 · u² (density ∝ τ^(−1/2), dense near expiry),
 *    σ and r uniform, and ln m = 2 σ√τ · z with z standard normal (rejected and redrawn
 *    outside [0.4, 1.6]), i.e. m within a few standard deviations of the forward's spread,
 *    where Γ is large.
 * Evaluation uses `wideDomainUniform` (every feature uniform, no τ = 0 atom) so that the
 * reported MAE is the MAE over the declared box, not over the training density.
 */
import type { FeatureSpec } from "../model/types.js";
import type { Dataset } from "./dataset.js";
import { type OptionKind, blackScholesPrice } from "./blackScholes.js";
import { InvalidValueError } from "../errors.js";
import { assertSeed, createRng } from "../util/rng.js";
import { checkInteger, checkOneOf } from "../util/validate.js";

/** Feature specs of the wide domain, in column order. Values on chain are wads. */
export const WIDE_FEATURES: readonly FeatureSpec[] = Object.freeze([
  { name: "moneyness", unit: "S/K", decimals: 18, min: 0.4, max: 1.6 },
  { name: "timeToExpiry", unit: "years", decimals: 18, min: 0, max: 1.1 },
  { name: "volatility", unit: "1/sqrt(year)", decimals: 18, min: 0.01, max: 1.0 },
  { name: "rate", unit: "1/year", decimals: 18, min: 0, max: 0.1 },
]);

/** Share of the uniform half drawn at τ = 0 exactly. */
export const EXPIRY_SHARE = 0.04;

/**
 * Black–Scholes price over strike on the closed domain τ ≥ 0: at τ = 0 the intrinsic
 * value max(m − 1, 0) (call) or max(1 − m, 0) (put); otherwise `blackScholesPrice`.
 */
export function blackScholesPriceToExpiry(kind: OptionKind, m: number, t: number, v: number, r: number): number {
  if (t === 0) {
    if (!(m > 0 && Number.isFinite(m))) throw new InvalidValueError({ field: "moneyness", value: m, allowed: "a finite number > 0" });
    return kind === "call" ? Math.max(m - 1, 0) : Math.max(1 - m, 0);
  }
  if (!(t > 0)) throw new InvalidValueError({ field: "timeToExpiry", value: t, allowed: "a finite number ≥ 0 (years)" });
  return blackScholesPrice({ kind, moneyness: m, timeToExpiry: t, volatility: v, rate: r });
}

/** Target spec: call/K ≤ S/K ≤ 1.6, put/K ≤ e^(−rτ) ≤ 1. */
export function wideTarget(kind: OptionKind) {
  return { name: "priceOverStrike", unit: "1/K", decimals: 18, min: 0, max: kind === "call" ? 1.6 : 1.0 };
}

export interface WideDatasetParameters {
  n: number;
  seed: number;
  kind: OptionKind;
}

function params(p: WideDatasetParameters): { n: number; kind: OptionKind } {
  const n = checkInteger("n", p.n, { min: 1, max: 10_000_000 });
  assertSeed(p.seed);
  return { n, kind: checkOneOf("kind", p.kind, ["call", "put"] as const) };
}

/** Training dataset on the wide domain with the curvature-weighted sampler described above. */
export function wideDomainDataset(p: WideDatasetParameters): Dataset {
  const { n, kind } = params(p);
  const rng = createRng(p.seed);
  const [fm, ft, fv, fr] = WIDE_FEATURES;
  const x: number[][] = new Array(n);
  const y: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const v = rng.uniform(fv.min, fv.max);
    const r = rng.uniform(fr.min, fr.max);
    let m: number;
    let t: number;
    if (rng.uniform(0, 1) < 0.5) {
      m = rng.uniform(fm.min, fm.max);
      t = rng.uniform(0, 1) < EXPIRY_SHARE ? 0 : rng.uniform(ft.min, ft.max);
    } else {
      const u = rng.uniform(0, 1);
      t = ft.max * u * u;
      const spread = 2 * v * Math.sqrt(t);
      do m = Math.exp(spread * rng.normal());
      while (!(m >= fm.min && m <= fm.max));
    }
    x[i] = [m, t, v, r];
    y[i] = blackScholesPriceToExpiry(kind, m, t, v, r);
  }
  return { features: WIDE_FEATURES.map((f) => ({ ...f })), target: wideTarget(kind), x, y, source: `black-scholes-wide:${kind}:seed=${p.seed}:n=${n}` };
}

/** Evaluation dataset: every feature uniform in the wide domain (the box the MAE is over). */
export function wideDomainUniform(p: WideDatasetParameters): Dataset {
  const { n, kind } = params(p);
  const rng = createRng(p.seed);
  const features = WIDE_FEATURES.map((f) => ({ ...f }));
  const x: number[][] = new Array(n);
  const y: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row = features.map((f) => rng.uniform(f.min, f.max));
    x[i] = row;
    y[i] = blackScholesPriceToExpiry(kind, row[0], row[1], row[2], row[3]);
  }
  return { features, target: wideTarget(kind), x, y, source: `black-scholes-wide-uniform:${kind}:seed=${p.seed}:n=${n}` };
}
