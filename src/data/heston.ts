/**
 * Heston (1993) European option prices per unit of strike, in float64, from the
 * characteristic function of ln S_T:
 *   dS = r S dt + √v S dW₁,  dv = κ(θ − v) dt + ξ √v dW₂,  d⟨W₁, W₂⟩ = ρ dt.
 *
 * The characteristic function is written in the "little Heston trap" form (Albrecher,
 * Mayer, Schoutens & Tistaert 2007): with β = κ − ρξiu, d = √(β² + ξ²(iu + u²)),
 * g = (β − d)/(β + d),
 *   ln φ(u) = iu(ln S₀ + rτ) + κθ/ξ² [(β − d)τ − 2 ln((1 − g e^(−dτ))/(1 − g))]
 *             + v₀/ξ² (β − d)(1 − e^(−dτ))/(1 − g e^(−dτ)),
 * which stays on the principal branch of the logarithm for all τ (no discontinuities).
 *
 * Two independent inversions use it:
 *  - `hestonPriceCos`: the COS method (Fang & Oosterlee 2008) — the put from the cosine
 *    expansion of the density of ln(S_T/K) on [a, b], the call by put–call parity (the
 *    recommended way: the put payoff is bounded);
 *  - `hestonPriceGilPelaez`: C = S P₁ − K e^(−rτ) P₂ with the Gil-Pelaez integrals done by
 *    Gauss–Legendre quadrature on a truncated range (slower; used to cross-check).
 *
 * Oracle inputs vs model constants: the feed binds four raw oracle values. For the Heston
 * dataset they are moneyness S/K, time to expiry τ (years), the instantaneous volatility
 * √v₀ (the vol oracle's value; v₀ = σ²) and the rate r. The mean-reversion speed κ, the
 * long-run variance θ, the vol of variance ξ and the correlation ρ are constants of the
 * model (calibrated off chain and fixed into the model id by training on them).
 */
import { InvalidValueError } from "../errors.js";
import type { FeatureSpec } from "../model/types.js";
import type { Dataset } from "./dataset.js";
import type { OptionKind } from "./blackScholes.js";
import { assertSeed, createRng } from "../util/rng.js";
import { checkInteger } from "../util/validate.js";

/** κ (1/year), θ (variance, 1/year), ξ (1/year), ρ: the model constants. */
export interface HestonConstants {
  kappa: number;
  theta: number;
  xi: number;
  rho: number;
}

/** Fang & Oosterlee (2008)'s Heston test parameters, used as the built-in constants. */
export const HESTON_CONSTANTS: Readonly<HestonConstants> = Object.freeze({ kappa: 1.5768, theta: 0.0398, xi: 0.5751, rho: -0.5711 });

export interface HestonInputs {
  kind: OptionKind;
  /** S/K > 0. */
  moneyness: number;
  /** Years > 0. */
  timeToExpiry: number;
  /** Initial variance v₀ ≥ 0 (the square of the vol oracle's value). */
  v0: number;
  rate: number;
}

// ---- minimal complex arithmetic on [re, im] pairs ---------------------------------------
type C = [number, number];
const add = (a: C, b: C): C => [a[0] + b[0], a[1] + b[1]];
const sub = (a: C, b: C): C => [a[0] - b[0], a[1] - b[1]];
const mul = (a: C, b: C): C => [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
const scale = (a: C, s: number): C => [a[0] * s, a[1] * s];
function div(a: C, b: C): C {
  const q = b[0] * b[0] + b[1] * b[1];
  return [(a[0] * b[0] + a[1] * b[1]) / q, (a[1] * b[0] - a[0] * b[1]) / q];
}
function cexp(a: C): C {
  const e = Math.exp(a[0]);
  return [e * Math.cos(a[1]), e * Math.sin(a[1])];
}
const clog = (a: C): C => [Math.log(Math.hypot(a[0], a[1])), Math.atan2(a[1], a[0])];
/** Principal square root (real part ≥ 0). */
function csqrt(a: C): C {
  const r = Math.hypot(a[0], a[1]);
  const re = Math.sqrt((r + a[0]) / 2);
  const im = Math.sqrt(Math.max(0, (r - a[0]) / 2));
  return [re, a[1] < 0 ? -im : im];
}

/**
 * ln of the characteristic function of ln(S_T / S₀) − rτ... precisely: of X = ln(S_T/S₀)
 * at a complex argument u (so φ(u − i) is available for P₁), little-trap form.
 */
export function hestonLogCf(u: C, tau: number, v0: number, r: number, c: HestonConstants): C {
  const { kappa, theta, xi, rho } = c;
  const iu: C = [-u[1], u[0]];
  const beta = sub([kappa, 0], scale(iu, rho * xi));
  const d = csqrt(add(mul(beta, beta), scale(add(iu, mul(u, u)), xi * xi)));
  const bmd = sub(beta, d);
  const g = div(bmd, add(beta, d));
  const edt = cexp(scale(d, -tau));
  const one: C = [1, 0];
  const num = sub(one, mul(g, edt));
  const bigC = add(scale(iu, r * tau), scale(sub(scale(bmd, tau), scale(clog(div(num, sub(one, g))), 2)), (kappa * theta) / (xi * xi)));
  const bigD = scale(div(mul(bmd, sub(one, edt)), num), 1 / (xi * xi));
  return add(bigC, scale(bigD, v0));
}

function checkInputs(p: HestonInputs, c: HestonConstants): void {
  if (!(p.moneyness > 0 && Number.isFinite(p.moneyness))) throw new InvalidValueError({ field: "moneyness", value: p.moneyness, allowed: "a finite number > 0" });
  if (!(p.timeToExpiry > 0 && Number.isFinite(p.timeToExpiry))) throw new InvalidValueError({ field: "timeToExpiry", value: p.timeToExpiry, allowed: "a finite number > 0 (years)" });
  if (!(p.v0 >= 0 && Number.isFinite(p.v0))) throw new InvalidValueError({ field: "v0", value: p.v0, allowed: "a finite variance ≥ 0" });
  if (!Number.isFinite(p.rate)) throw new InvalidValueError({ field: "rate", value: p.rate, allowed: "a finite number" });
  if (!(c.kappa > 0) || !(c.theta > 0) || !(c.xi > 0) || !(c.rho > -1 && c.rho < 1)) {
    throw new InvalidValueError({ field: "heston constants", value: JSON.stringify(c), allowed: "κ > 0, θ > 0, ξ > 0, −1 < ρ < 1" });
  }
  if (p.kind !== "call" && p.kind !== "put") throw new InvalidValueError({ field: "kind", value: p.kind, allowed: '"call" or "put"' });
}

/** COS settings: number of cosine terms and truncation width in standard deviations. */
export interface CosOptions {
  terms?: number;
  widthSd?: number;
}

/**
 * COS price over strike. [a, b] is centred on the mean of ln(S_T/K) (first cumulant) with
 * half-width `widthSd` (default 12) times a standard-deviation scale √(max(v₀, θ) τ)·(1 + ξ)
 * that covers the variance's spread; 256 terms by default.
 */
export function hestonPriceCos(p: HestonInputs, c: HestonConstants = HESTON_CONSTANTS, options: CosOptions = {}): number {
  checkInputs(p, c);
  const N = options.terms ?? 256;
  const L = options.widthSd ?? 12;
  const { moneyness: m, timeToExpiry: tau, v0, rate: r } = p;
  const x = Math.log(m);
  const { kappa, theta, xi } = c;
  const c1 = r * tau + ((1 - Math.exp(-kappa * tau)) * (theta - v0)) / (2 * kappa) - (theta * tau) / 2;
  const sd = Math.sqrt(Math.max(v0, theta, 1e-6) * tau) * (1 + xi);
  const a = x + c1 - L * sd;
  const b = x + c1 + L * sd;
  const df = Math.exp(-r * tau);
  let put = 0;
  if (a < 0) {
    const hi = Math.min(0, b);
    const w = b - a;
    for (let k = 0; k < N; k++) {
      const uk = (k * Math.PI) / w;
      // Put payoff (1 − e^y)⁺ on [a, hi]: V_k = 2/(b−a) (ψ_k(a, hi) − χ_k(a, hi)).
      const cosH = Math.cos(uk * (hi - a));
      const sinH = Math.sin(uk * (hi - a));
      const chi = (cosH * Math.exp(hi) - Math.exp(a) + uk * sinH * Math.exp(hi)) / (1 + uk * uk);
      const psi = k === 0 ? hi - a : sinH / uk;
      const vk = (2 / w) * (psi - chi);
      const lcf = hestonLogCf([uk, 0], tau, v0, r, c);
      // Re{φ(u_k) e^{i u_k (x − a)}}; φ here is of ln(S_T/S₀) so x shifts it to ln(S_T/K).
      const term = cexp(add(lcf, [0, uk * (x - a)]));
      put += (k === 0 ? 0.5 : 1) * term[0] * vk;
    }
    put *= df;
  }
  put = Math.max(put, Math.max(df - m, 0));
  if (p.kind === "put") return put;
  return Math.max(put + m - df, Math.max(m - df, 0));
}

/** Nodes and weights of n-point Gauss–Legendre on [−1, 1] (Newton on Legendre polynomials). */
function gaussLegendre(n: number): { x: number[]; w: number[] } {
  const x: number[] = [];
  const w: number[] = [];
  for (let i = 1; i <= n; i++) {
    let z = Math.cos((Math.PI * (i - 0.25)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = z;
      for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * z * p1 - (k - 1) * p0) / k];
      dp = (n * (z * p1 - p0)) / (z * z - 1);
      const dz = p1 / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-15) break;
    }
    x.push(z);
    w.push(2 / ((1 - z * z) * dp * dp));
  }
  return { x, w };
}

/**
 * Gil-Pelaez price over strike: C = m P₁ − e^(−rτ) P₂ with
 *   P₂ = ½ + (1/π) ∫₀^U Re[e^{iu x'} φ(u) / (iu)] du,  P₁ the same with φ(u − i)/φ(−i),
 * x' = ln m (K = 1), U = `upper` (default 200), `panels` × 32-point Gauss–Legendre.
 */
export function hestonPriceGilPelaez(p: HestonInputs, c: HestonConstants = HESTON_CONSTANTS, options: { upper?: number; panels?: number } = {}): number {
  checkInputs(p, c);
  const { moneyness: m, timeToExpiry: tau, v0, rate: r } = p;
  const U = options.upper ?? 200;
  const panels = options.panels ?? 200;
  const gl = gaussLegendre(32);
  const x = Math.log(m);
  const lcfMinusI = hestonLogCf([0, -1], tau, v0, r, c); // = rτ (martingale), kept for symmetry
  let i1 = 0;
  let i2 = 0;
  const h = U / panels;
  for (let pnl = 0; pnl < panels; pnl++) {
    for (let q = 0; q < gl.x.length; q++) {
      const u = pnl * h + (h * (gl.x[q] + 1)) / 2;
      const wq = (h * gl.w[q]) / 2;
      const iu: C = [0, u];
      const f2 = div(cexp(add(hestonLogCf([u, 0], tau, v0, r, c), [0, u * x])), iu);
      const f1 = div(cexp(add(sub(hestonLogCf([u, -1], tau, v0, r, c), lcfMinusI), [0, u * x])), iu);
      i2 += wq * f2[0];
      i1 += wq * f1[0];
    }
  }
  const P1 = 0.5 + i1 / Math.PI;
  const P2 = 0.5 + i2 / Math.PI;
  const df = Math.exp(-r * tau);
  const call = m * P1 - df * P2;
  return p.kind === "call" ? call : call - m + df;
}

/** Heston dataset domain: the four oracle inputs (volatility = √v₀), wads on chain. */
export const HESTON_FEATURES: readonly FeatureSpec[] = Object.freeze([
  { name: "moneyness", unit: "S/K", decimals: 18, min: 0.6, max: 1.4 },
  { name: "timeToExpiry", unit: "years", decimals: 18, min: 0.05, max: 1.1 },
  { name: "volatility", unit: "1/sqrt(year)", decimals: 18, min: 0.1, max: 0.7 },
  { name: "rate", unit: "1/year", decimals: 18, min: 0, max: 0.1 },
]);

function hestonRows(n: number, seed: number, curvature: boolean): Dataset {
  checkInteger("n", n, { min: 1, max: 10_000_000 });
  assertSeed(seed);
  const rng = createRng(seed);
  const [fm, ft, fv, fr] = HESTON_FEATURES;
  const x: number[][] = new Array(n);
  const y: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const v = rng.uniform(fv.min, fv.max);
    const r = rng.uniform(fr.min, fr.max);
    let t = rng.uniform(ft.min, ft.max);
    let m = rng.uniform(fm.min, fm.max);
    // Half the training rows near the money and near expiry, as for the wide BS dataset.
    if (curvature && rng.uniform(0, 1) < 0.5) {
      const u = rng.uniform(0, 1);
      t = ft.min + (ft.max - ft.min) * u * u;
      const spread = 2 * v * Math.sqrt(t);
      do m = Math.exp(spread * rng.normal());
      while (!(m >= fm.min && m <= fm.max));
    }
    x[i] = [m, t, v, r];
    y[i] = hestonPriceCos({ kind: "call", moneyness: m, timeToExpiry: t, v0: v * v, rate: r });
  }
  const features = HESTON_FEATURES.map((f) => ({ ...f }));
  const c = HESTON_CONSTANTS;
  const tag = `kappa=${c.kappa}:theta=${c.theta}:xi=${c.xi}:rho=${c.rho}`;
  return { features, target: { name: "priceOverStrike", unit: "1/K", decimals: 18, min: 0, max: 1.4 }, x, y, source: `heston${curvature ? "" : "-uniform"}:call:${tag}:seed=${seed}:n=${n}` };
}

/** Training set: Heston calls, half uniform, half near the money and expiry (seeded). */
export function hestonDataset(params: { n: number; seed: number }): Dataset {
  return hestonRows(params.n, params.seed, true);
}

/** Evaluation set: uniform over the declared box. */
export function hestonUniform(params: { n: number; seed: number }): Dataset {
  return hestonRows(params.n, params.seed, false);
}
