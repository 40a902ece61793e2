/**
 * Leaky ReLU with slope α = 2^−k for x < 0 (k ∈ [1, 16]; e.g. k = 6 is α ≈ 0.0156). A power of
 * two keeps it as cheap as ReLU: one decomposition of t = acc + 2^(S−1) gives both
 * ⌊t / 2^S⌋ (the positive branch, rounded half up) and ⌊t / 2^(S+k)⌋ (the negative branch,
 * α times the value, floored), and the sign bit picks one: B + 1 constraints
 * (`RescaleLeakyRelu(B, S, K)`, B ≥ S + k + 1).
 */
import { z } from "zod";
import { InvalidValueError } from "../errors.js";
import { decompositionBits, half } from "../quantize/bounds.js";
import { sameDim } from "./check.js";
import type { LayerKind, QuantizedActivation } from "./kind.js";

export interface LeakyReluLayer {
  type: "leakyRelu";
  dim: number;
  /** Negative slope, a power of two 2^−k with k in [1, 16]. */
  alpha: number;
}

export interface LeakyTrain {
  dim: number;
  alpha: number;
}

const MAX_K = 16;

function kOf(alpha: number): number | undefined {
  const k = -Math.log2(alpha);
  return Number.isInteger(k) && k >= 1 && k <= MAX_K && 2 ** -k === alpha ? k : undefined;
}

const k = (a: QuantizedActivation) => a.params?.[0] as number;

function leakyInt(acc: bigint, shift: number, kk: number): bigint {
  const t = acc + half(shift);
  const q = t >> BigInt(shift);
  return q >= 0n ? q : t >> BigInt(shift + kk);
}

export const leakyRelu: LayerKind<LeakyReluLayer, LeakyTrain> = {
  type: "leakyRelu",
  schema: z.strictObject({ type: z.literal("leakyRelu"), dim: z.number().int().nonnegative(), alpha: z.number() }),
  validate(layer, at, dim) {
    const d = sameDim(at, layer.dim, dim);
    if (kOf(layer.alpha) === undefined) {
      throw new InvalidValueError({ field: `${at}.alpha`, value: layer.alpha, allowed: `a power of two 2^-k with k in [1, ${MAX_K}] (e.g. 0.015625), so the circuit needs no multiplication` });
    }
    return d;
  },
  forward: (l, v) => v.map((x) => (x > 0 ? x : l.alpha * x)),
  train: {
    create: ({ outDim }) => ({ dim: outDim, alpha: 2 ** -6 }),
    fromLayer: (l) => ({ dim: l.dim, alpha: l.alpha }),
    toLayer: (s) => ({ type: "leakyRelu", dim: s.dim, alpha: s.alpha }),
    outDim: (s) => s.dim,
    params: () => [],
    state: () => [],
    forward(s, x, batch, out) {
      for (let i = 0; i < batch * s.dim; i++) out[i] = x[i] > 0 ? x[i] : s.alpha * x[i];
    },
    backward(s, x, dout, batch, dx) {
      if (dx) for (let i = 0; i < batch * s.dim; i++) dx[i] = x[i] > 0 ? dout[i] : s.alpha * dout[i];
    },
  },
  fold: { role: "activation", toQuantized: (l) => ({ kind: "leakyRelu", params: [kOf(l.alpha) as number] }) },
  activation: {
    idCodes: (a) => [2n, BigInt(k(a))],
    float: (a, x) => (x > 0 ? x : x * 2 ** -k(a)),
    integer: (a, acc, shift) => leakyInt(acc, shift, k(a)),
    bits: (a, iv, shift, where) => Math.max(decompositionBits(iv, shift, where), shift + k(a) + 1),
    outInterval: (a, iv, shift) => ({ lo: leakyInt(iv.lo, shift, k(a)), hi: leakyInt(iv.hi, shift, k(a)) }),
    constraints: (_a, bits) => bits + 1,
    gadget: (a, bits, shift) => `RescaleLeakyRelu(${bits}, ${shift}, ${k(a)})`,
    slopes: (a, lo, hi) => (hi <= 0 ? [2 ** -k(a), 2 ** -k(a)] : lo >= 0 ? [1, 1] : [2 ** -k(a), 1]),
    // Positive branch: round half up, (−u/2, u/2]. Negative branch: ⌊(a/u + 1/2)/2^k⌋ − (a/u)/2^k ∈ (−1 + 2^−(k+1), 2^−(k+1)] units.
    rounding(a, lo, hi, unit) {
      const e = 2 ** -(k(a) + 1);
      if (lo >= 0) return [-unit / 2, unit / 2];
      if (hi + unit / 2 < 0) return [(-1 + e) * unit, e * unit];
      return [(-1 + e) * unit, unit / 2];
    },
    check(a, where) {
      const kk = a.params?.[0];
      if (a.params?.length !== 1 || !Number.isInteger(kk) || (kk as number) < 1 || (kk as number) > MAX_K) {
        throw new InvalidValueError({ field: `${where}.activationParams`, value: a.params, allowed: `[k] with k an integer in [1, ${MAX_K}]` });
      }
    },
  },
};
