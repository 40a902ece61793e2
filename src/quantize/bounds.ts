import { MAX_DECOMPOSITION_BITS, type NeuronBound } from "./types.js";
import { BaseError } from "../errors.js";

import type { Interval } from "../layers/kind.js";

export type { Interval } from "../layers/kind.js";

export class BoundsError extends BaseError {
  override name = "BoundsError";
}

/** Interval of Σ w_j·x_j + b for x_j in its interval (exact for integer intervals). */
export function affineInterval(weights: readonly bigint[], bias: bigint, inputs: readonly Interval[]): Interval {
  let lo = bias;
  let hi = bias;
  weights.forEach((w, j) => {
    const a = w * inputs[j].lo;
    const b = w * inputs[j].hi;
    lo += a < b ? a : b;
    hi += a < b ? b : a;
  });
  return { lo, hi };
}

/** 2^(s-1) for s > 0, else 0: the round-half-up constant of a right shift by s. */
export function half(s: number): bigint {
  return s > 0 ? 1n << BigInt(s - 1) : 0n;
}

/**
 * Width B of a signed decomposition: the smallest B > shift with
 * v + 2^(shift-1) in [-2^(B-1), 2^(B-1)) for every v in the interval.
 * `where` names the neuron for the error when B would come near the field size.
 */
export function decompositionBits(iv: Interval, shift: number, where: string): number {
  const lo = iv.lo + half(shift);
  const hi = iv.hi + half(shift);
  let bits = shift + 1;
  while (!(-(1n << BigInt(bits - 1)) <= lo && hi < 1n << BigInt(bits - 1))) bits++;
  if (bits > MAX_DECOMPOSITION_BITS) {
    throw new BoundsError(`${where}: its accumulator needs ${bits} bits, more than the ${MAX_DECOMPOSITION_BITS} allowed (the field has 254)`, {
      details: `Proven interval [${iv.lo}, ${iv.hi}]. Lower the precision (fracBits), narrow the declared input ranges or regularise the weights.`,
    });
  }
  return bits;
}

/** floor((v + 2^(s-1)) / 2^s): the rescale with round-half-up. */
export function roundShift(v: bigint, s: number): bigint {
  return (v + half(s)) >> BigInt(s);
}

export function relu(v: bigint): bigint {
  return v > 0n ? v : 0n;
}

export function toBound(iv: Interval, bits: number): NeuronBound {
  return { accMin: iv.lo.toString(), accMax: iv.hi.toString(), bits };
}
