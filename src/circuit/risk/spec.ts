import { BaseError, InvalidValueError } from "../../errors.js";
import { bitLength } from "../../quantize/decimal.js";
import type { QuantizedModel } from "../../quantize/types.js";

/**
 * The stress grid of a risk-vector circuit: relative shocks of the spot input (moneyness S/K)
 * and of the volatility input, as exact binary fractions k / 2^shockBits. Scenario (i, j)
 * evaluates the network at moneyness·(1 + spot[i]/2^b) and volatility·(1 + vol[j]/2^b), all
 * other inputs unchanged. The grid is a constant of the circuit.
 */
export interface RiskGrid {
  /** b: shocks are k / 2^b. */
  shockBits: number;
  /** Spot shocks k (ascending, distinct, containing 0). */
  spot: number[];
  /** Volatility shocks k (ascending, distinct, containing 0). */
  vol: number[];
  /** Index into `spot` of the +h shock used by the finite differences; −h must be in the grid too. */
  deltaStep: number;
}

export const SHOCK_BITS = 16;

/** A shock fraction (e.g. −0.15) as k / 2^SHOCK_BITS, rounded to nearest. */
export function shockUnits(fraction: number): number {
  return Math.round(fraction * 2 ** SHOCK_BITS);
}

/**
 * Default grid, 5 × 3 = 15 scenarios (mark included): spot −15 %, −5 %, 0, +5 %, +15 %, vol
 * −25 %, 0, +25 % (relative). ±15 % spot is the smallest move the DeFi portfolio-margin grids
 * use at their edge (Deribit ±16 %, Aevo ±20 %); the ±5 % points give the finite-difference step
 * for Δ and Γ; vol ±25 % is the middle of Aevo's −25 %/+50 % and Derive's up/down moves. Five
 * spot points keep the reference model's circuit near 40k constraints; `wideGrid` adds ±10 %.
 * k / 2^16 for 5 % is 3277 (+0.0003 % from 5 %), for 15 % 9830 (−0.0003 %).
 */
export function defaultGrid(): RiskGrid {
  return { shockBits: SHOCK_BITS, spot: [-0.15, -0.05, 0, 0.05, 0.15].map(shockUnits), vol: [-0.25, 0, 0.25].map(shockUnits), deltaStep: 3 };
}

/** 7 × 3 = 21 scenarios: spot −15 … +15 % in 5 % steps, vol −25 %, 0, +25 %. */
export function wideGrid(): RiskGrid {
  return { shockBits: SHOCK_BITS, spot: [-0.15, -0.1, -0.05, 0, 0.05, 0.1, 0.15].map(shockUnits), vol: [-0.25, 0, 0.25].map(shockUnits), deltaStep: 4 };
}

export class RiskDomainError extends BaseError {
  override name = "RiskDomainError";
}

/** One packed public output: value + offset lies in [0, 2^width). */
export interface RiskComponent {
  name: string;
  width: number;
  /** Added to the signed value before packing (makes it non-negative). */
  offset: string;
}

/** Everything the risk circuit, its integer reference and its decoder share. */
export interface RiskSpec {
  format: "zkinfer-risk";
  modelId: string;
  grid: RiskGrid;
  /** Indices of the moneyness and volatility inputs. */
  spotInput: number;
  volInput: number;
  /**
   * Raw ranges the risk circuit accepts for the two shocked inputs: the declared range
   * intersected with the marks whose every shocked point stays in the declared range
   * (x·(1 + k_min/2^b) ≥ min and x·(1 + k_max/2^b) ≤ max). Other inputs: the declared range.
   */
  markRange: { spot: [string, string]; vol: [string, string] };
  /** Scenario order: spot-major, (spot[i], vol[j]) at index i·|vol| + j. */
  scenarios: { spot: number; vol: number }[];
  /** Index of the (0, 0) scenario (the mark). */
  markScenario: number;
  /** Width of one price component: the output rescale's quotient bits (B − S). */
  priceWidth: number;
  /** Components in packing order: mark, the other scenarios, dP, d2P. */
  components: RiskComponent[];
  /** signals[s] = component indices packed into public signal s, least significant first. */
  signals: number[][];
}

/** Largest packed signal: 252 bits keeps every packed value below the 254-bit field order. */
export const PACK_BITS = 252;

function checkShocks(field: string, ks: number[], bits: number): void {
  const ok = ks.length >= 2 && ks.every((k, i) => Number.isSafeInteger(k) && k > -(2 ** bits) && k < 2 ** bits && (i === 0 || k > ks[i - 1])) && ks.includes(0);
  if (!ok) throw new InvalidValueError({ field, value: ks, allowed: `ascending distinct integers k in (−2^${bits}, 2^${bits}) (shock k/2^${bits}), containing 0` });
}

/**
 * The risk spec of a model and grid. Requires the inputs "moneyness" and "volatility"; refuses
 * a grid under 15 scenarios, without ±15 % spot or a vol move both ways, and a grid whose shocked
 * points no mark in the declared domain keeps inside it (the error names the scenario and range).
 */
export function riskSpec(q: QuantizedModel, grid: RiskGrid = defaultGrid()): RiskSpec {
  const b = grid.shockBits;
  if (!Number.isInteger(b) || b < 1 || b > 32) throw new InvalidValueError({ field: "grid.shockBits", value: b, allowed: "an integer in [1, 32]" });
  checkShocks("grid.spot", grid.spot, b);
  checkShocks("grid.vol", grid.vol, b);
  const n = grid.spot.length * grid.vol.length;
  if (n < 15) throw new InvalidValueError({ field: "grid", value: `${grid.spot.length} × ${grid.vol.length} = ${n} scenarios`, allowed: "at least 15 scenarios" });
  const one = 2 ** b;
  // ±15 % to within the grid's resolution (0.15·2^16 is not an integer).
  if (grid.spot[0] > -0.15 * one + 1 || grid.spot[grid.spot.length - 1] < 0.15 * one - 1) {
    throw new InvalidValueError({ field: "grid.spot", value: grid.spot.map((k) => k / one), allowed: "shocks reaching at least −15 % and +15 %" });
  }
  if (grid.vol[0] >= 0 || grid.vol[grid.vol.length - 1] <= 0) throw new InvalidValueError({ field: "grid.vol", value: grid.vol.map((k) => k / one), allowed: "a down and an up move" });
  const h = grid.spot[grid.deltaStep];
  if (!(Number.isInteger(grid.deltaStep) && h > 0 && grid.spot.includes(-h))) {
    throw new InvalidValueError({ field: "grid.deltaStep", value: grid.deltaStep, allowed: "the index of a positive spot shock whose negative is in the grid too" });
  }
  if (q.output.noArbitrage) throw new InvalidValueError({ field: "output.noArbitrage", value: q.output.noArbitrage.kind, allowed: "none: the risk circuit does not apply the no-arbitrage clamp yet" });
  const spotInput = inputIndex(q, "moneyness");
  const volInput = inputIndex(q, "volatility");

  const range = (j: number, ks: number[], label: string): [string, string] => {
    const inp = q.inputs[j];
    const min = BigInt(inp.minRaw);
    const max = BigInt(inp.maxRaw);
    const kLo = BigInt(ks[0]);
    const kHi = BigInt(ks[ks.length - 1]);
    const D = 1n << BigInt(b);
    // lo = ceil(min·D / (D + kLo)), hi = floor(max·D / (D + kHi))
    const lo = (min * D + D + kLo - 1n) / (D + kLo);
    const hi = (max * D) / (D + kHi);
    if (lo > hi) {
      throw new RiskDomainError(`${label} shock ${fmt(ks[0], b)} and ${fmt(ks[ks.length - 1], b)}: no mark of input "${inp.name}" keeps both shocked points in its declared range [${min}, ${max}]`, {
        details: `A mark x needs x·(1 ${fmt(ks[0], b)}) ≥ ${min} and x·(1 + ${fmt(ks[ks.length - 1], b)}) ≤ ${max}. Widen the model's domain or shrink the grid.`,
      });
    }
    return [lo.toString(), hi.toString()];
  };
  const markRange = { spot: range(spotInput, grid.spot, "spot"), vol: range(volInput, grid.vol, "vol") };

  const scenarios = grid.spot.flatMap((s) => grid.vol.map((v) => ({ spot: s, vol: v })));
  const markScenario = scenarios.findIndex((s) => s.spot === 0 && s.vol === 0);
  const o = q.output;
  const priceWidth = o.bound.bits - o.shift;
  const priceOffset = (1n << BigInt(priceWidth - 1)).toString();
  const name = (s: { spot: number; vol: number }) => `P(spot ${fmt(s.spot, b)}, vol ${fmt(s.vol, b)})`;
  const components: RiskComponent[] = [
    { name: "mark", width: priceWidth, offset: priceOffset },
    ...scenarios.filter((_, i) => i !== markScenario).map((s) => ({ name: name(s), width: priceWidth, offset: priceOffset })),
    // dP = P(+h) − P(−h) ∈ (−2^w, 2^w); d2P = P(+h) − 2·P(0) + P(−h) ∈ (−2^(w+1), 2^(w+1)).
    { name: "dP", width: priceWidth + 1, offset: (1n << BigInt(priceWidth)).toString() },
    { name: "d2P", width: priceWidth + 2, offset: (1n << BigInt(priceWidth + 1)).toString() },
  ];
  const signals: number[][] = [[]];
  let used = 0;
  components.forEach((c, i) => {
    if (c.width > PACK_BITS) throw new InvalidValueError({ field: "output bits", value: c.width, allowed: `at most ${PACK_BITS}` });
    if (used + c.width > PACK_BITS) {
      signals.push([]);
      used = 0;
    }
    signals[signals.length - 1].push(i);
    used += c.width;
  });
  return { format: "zkinfer-risk", modelId: q.modelId, grid, spotInput, volInput, markRange, scenarios, markScenario, priceWidth, components, signals };
}

/** Bit position of each component inside its signal. */
export function componentPositions(spec: RiskSpec): { signal: number; shift: number }[] {
  const pos: { signal: number; shift: number }[] = [];
  spec.signals.forEach((idx, s) => {
    let shift = 0;
    for (const i of idx) {
      pos[i] = { signal: s, shift };
      shift += spec.components[i].width;
    }
  });
  return pos;
}

/** Bits of a non-negative bound (at least 1). */
export function widthOf(max: bigint): number {
  return Math.max(1, bitLength(max));
}

function inputIndex(q: QuantizedModel, name: string): number {
  const j = q.inputs.findIndex((i) => i.name === name);
  if (j < 0) throw new InvalidValueError({ field: "inputs", value: q.inputs.map((i) => i.name), allowed: `an input named "${name}" (the risk grid shocks it)` });
  return j;
}

function fmt(k: number, b: number): string {
  const pct = (k / 2 ** b) * 100;
  return `${pct >= 0 ? "+" : "−"}${Math.abs(pct).toFixed(2).replace(/\.?0+$/, "")} %`;
}
