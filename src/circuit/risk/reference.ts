import { InputOutOfRangeError, InvalidValueError } from "../../errors.js";
import { roundShift } from "../../quantize/bounds.js";
import { checkRawInputs, integerNetwork } from "../../quantize/forward.js";
import type { QuantizedModel } from "../../quantize/types.js";
import { FIELD_ORDER } from "../../zk/field.js";
import { componentPositions, type RiskSpec } from "./spec.js";
import { relu } from "../../quantize/bounds.js";

/**
 * The payoff skip (src/layers/payoff.ts) at every scenario, in raw output units: the circuit
 * proves the network's quotients (the time value); the payoff is an exact function of the
 * public inputs and the public shocks, so the reference and the decoder add it from the inputs.
 * At a shocked input x·(2^b + k)/2^b it is relu(±(x·(2^b + k) − 2^b·K))·factor / 2^b, floored
 * to a raw unit (exact when the division is; at most 1 raw unit low otherwise).
 */
export function scenarioPayoffs(q: QuantizedModel, spec: RiskSpec, raw: readonly bigint[]): bigint[] {
  const sk = q.output.skip;
  if (!sk) return spec.scenarios.map(() => 0n);
  const b = BigInt(spec.grid.shockBits);
  const D = 1n << b;
  return spec.scenarios.map((s) => {
    const k = sk.input === spec.spotInput ? s.spot : sk.input === spec.volInput ? s.vol : 0;
    const x = raw[sk.input] * (D + BigInt(k)) - D * BigInt(sk.strikeRaw);
    return (relu(sk.option === "call" ? x : -x) * BigInt(sk.factor)) >> b;
  });
}

/**
 * Integer reference of the risk-vector circuit, bit-exact with its witness.
 *
 * Shocked scaler input of a shocked input x (raw, declared min, scaler shift K), shock k/2^b:
 *   u_k = floor((x·(2^b + k) − 2^b·min) / 2^(b+K))
 * i.e. the raw shocked value x·(1 + k/2^b) taken exactly as a rational, floored once where the
 * scaler floors (k = 0 gives the single-price u = (x − min) >> K). Every scenario then runs the
 * model's integer forward pass from these u to the output quotient q = round(acc' / 2^S); the
 * public price in raw units is q·factor.
 */
export interface RiskVector {
  /** Output quotient per scenario (spec.scenarios order); raw price = q·factor. */
  q: bigint[];
  /** Raw prices per scenario (on-chain units, output decimals): q·factor plus the payoff skip if any. */
  prices: bigint[];
  /** dP = q(+h) − q(−h) and d2P = q(+h) − 2·q(0) + q(−h), in quotient units. */
  dP: bigint;
  d2P: bigint;
  /** The packed public outputs, as the circuit's first public signals. */
  packed: bigint[];
  /** Shocked scaler inputs per scenario. */
  u: bigint[][];
}

/** Shocked scaler input u_k (see above). */
export function shockedU(x: bigint, min: bigint, shift: number, k: number, b: number): bigint {
  return (x * ((1n << BigInt(b)) + BigInt(k)) - (min << BigInt(b))) >> BigInt(b + shift);
}

/** Check raw inputs against the declared ranges and the risk circuit's narrower mark ranges. */
export function checkRiskInputs(q: QuantizedModel, spec: RiskSpec, raw: readonly bigint[]): void {
  checkRawInputs(q, raw);
  for (const [j, r] of [[spec.spotInput, spec.markRange.spot], [spec.volInput, spec.markRange.vol]] as const) {
    if (raw[j] < BigInt(r[0]) || raw[j] > BigInt(r[1])) {
      throw new InputOutOfRangeError({
        feature: q.inputs[j].name,
        value: raw[j],
        min: r[0],
        max: r[1],
        details: `The risk circuit accepts only marks whose every shocked point stays in the model's declared range [${q.inputs[j].minRaw}, ${q.inputs[j].maxRaw}].`,
      });
    }
  }
}

/** The network's output quotient at scaler inputs u (hidden layers, clamp, output rescale). */
export function quotientAt(q: QuantizedModel, u: readonly bigint[]): bigint {
  return roundShift(integerNetwork(q, u).clamped, q.output.shift);
}

export function riskForward(q: QuantizedModel, spec: RiskSpec, raw: readonly bigint[]): RiskVector {
  checkRiskInputs(q, spec, raw);
  const b = spec.grid.shockBits;
  const base = q.inputs.map((inp, j) => (raw[j] - BigInt(inp.minRaw)) >> BigInt(inp.shift));
  const at = (j: number, k: number) => shockedU(raw[j], BigInt(q.inputs[j].minRaw), q.inputs[j].shift, k, b);
  const u = spec.scenarios.map((s) => base.map((v, j) => (j === spec.spotInput ? at(j, s.spot) : j === spec.volInput ? at(j, s.vol) : v)));
  const qs = u.map((x) => quotientAt(q, x));
  const f = BigInt(q.output.factor);
  const idx = (spot: number) => spec.scenarios.findIndex((s) => s.spot === spot && s.vol === 0);
  const h = spec.grid.spot[spec.grid.deltaStep];
  const up = qs[idx(h)];
  const down = qs[idx(-h)];
  const mid = qs[spec.markScenario];
  const dP = up - down;
  const d2P = up - 2n * mid + down;
  const values = [mid, ...qs.filter((_, i) => i !== spec.markScenario), dP, d2P];
  const pay = scenarioPayoffs(q, spec, raw);
  return { q: qs, prices: qs.map((v, i) => v * f + pay[i]), dP, d2P, packed: pack(spec, values), u };
}

/** Pack signed component values (components order) into the public signals. */
export function pack(spec: RiskSpec, values: readonly bigint[]): bigint[] {
  const pos = componentPositions(spec);
  const out = spec.signals.map(() => 0n);
  spec.components.forEach((c, i) => {
    const v = values[i] + BigInt(c.offset);
    if (v < 0n || v >= 1n << BigInt(c.width)) throw new InvalidValueError({ field: `risk component ${c.name}`, value: values[i], allowed: `a value in [−${c.offset}, 2^${c.width} − ${c.offset})` });
    out[pos[i].signal] += v << BigInt(pos[i].shift);
  });
  return out;
}

export interface DecodedRisk {
  /** Raw prices (output decimals, payoff skip included): the mark and every scenario in spec.scenarios order. */
  mark: bigint;
  prices: bigint[];
  /** Raw-unit differences: dP = P(+h) − P(−h), d2P = P(+h) − 2P(0) + P(−h) (payoff skip included). */
  dP: bigint;
  d2P: bigint;
  /** The inputs in raw units (by name). */
  inputs: Record<string, bigint>;
  /** Δ = dP / (2·h·m) per unit S/K and Γ = d2P / (h·m)² per (S/K)², in output units (e.g. price/strike). */
  delta: number;
  gamma: number;
  /** The finite-difference step h (relative spot shock). */
  step: number;
}

/**
 * Read the risk circuit's public signals: the packed outputs, then the raw inputs. Refuses a
 * signal whose unused high bits are set (the circuit cannot produce one).
 */
export function decodeRiskSignals(q: QuantizedModel, spec: RiskSpec, signals: readonly (string | bigint)[]): DecodedRisk {
  const n = spec.signals.length + q.inputs.length;
  if (signals.length !== n) throw new InvalidValueError({ field: "publicSignals", value: `${signals.length} values`, allowed: `${n} (${spec.signals.length} packed outputs, then the ${q.inputs.length} inputs)` });
  const v = signals.map((s) => BigInt(s));
  v.forEach((s, i) => {
    if (s < 0n || s >= FIELD_ORDER) throw new InvalidValueError({ field: `publicSignals[${i}]`, value: s, allowed: "a field element" });
  });
  const pos = componentPositions(spec);
  const values = spec.components.map((c, i) => ((v[pos[i].signal] >> BigInt(pos[i].shift)) & ((1n << BigInt(c.width)) - 1n)) - BigInt(c.offset));
  spec.signals.forEach((idx, s) => {
    const used = idx.reduce((a, i) => a + spec.components[i].width, 0);
    if (v[s] >> BigInt(used) !== 0n) throw new InvalidValueError({ field: `publicSignals[${s}]`, value: v[s], allowed: `a packed value below 2^${used}` });
  });
  const f = BigInt(q.output.factor);
  const pay = scenarioPayoffs(q, spec, v.slice(spec.signals.length));
  const others = values.slice(1, spec.scenarios.length);
  const prices = spec.scenarios.map((_, i) => (i === spec.markScenario ? values[0] : others[i < spec.markScenario ? i : i - 1]) * f + pay[i]);
  const idx = (spot: number) => spec.scenarios.findIndex((s) => s.spot === spot && s.vol === 0);
  const hs = spec.grid.spot[spec.grid.deltaStep];
  const [pUp, pMid, pDown] = [pay[idx(hs)], pay[spec.markScenario], pay[idx(-hs)]];
  const dP = values[spec.scenarios.length] * f + pUp - pDown;
  const d2P = values[spec.scenarios.length + 1] * f + pUp - 2n * pMid + pDown;
  const inputs = Object.fromEntries(q.inputs.map((inp, j) => [inp.name, v[spec.signals.length + j]]));
  const one = 10 ** q.output.decimals;
  const m = Number(inputs[q.inputs[spec.spotInput].name]) / 10 ** q.inputs[spec.spotInput].decimals;
  const step = spec.grid.spot[spec.grid.deltaStep] / 2 ** spec.grid.shockBits;
  return { mark: prices[spec.markScenario], prices, dP, d2P, inputs, delta: Number(dP) / one / (2 * step * m), gamma: Number(d2P) / one / (step * m) ** 2, step };
}
