/**
 * Seeded pseudo-random numbers. Everything random in training (data generation, splits,
 * shuffles, weight initialisation) draws from an `Rng` built from an integer seed, so the
 * same seed gives bit-identical results on every run and machine.
 *
 * Generator: xoshiro128** (32-bit state words, period 2^128 - 1), state filled from the
 * seed by splitmix32. Uniforms use 53 random bits; Gaussians use Box–Muller.
 */
import { InvalidValueError } from "../errors.js";

export interface Rng {
  /** Uniform float in [0, 1) with 53 random bits. */
  next(): number;
  /** Uniform float in [min, max). */
  uniform(min: number, max: number): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal sample (mean 0, variance 1). */
  normal(): number;
  /** Raw 32-bit unsigned output. */
  nextUint32(): number;
}

export type SeedErrorType = InvalidValueError;

/** Checks that a seed is a safe non-negative integer. */
export function assertSeed(seed: unknown, field = "seed"): asserts seed is number {
  if (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidValueError({ field, value: seed, allowed: "an integer in [0, 2^53 - 1]" });
  }
}

/** splitmix32 step: returns [output, nextState]. Used only to expand the seed. */
function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [z >>> 0, next];
}

/** Creates a generator from a seed (a safe non-negative integer; all 53 bits are used). */
export function createRng(seed: number): Rng {
  assertSeed(seed);
  // Mix the high and low 32 bits of the seed into the splitmix state.
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 0x1_0000_0000) >>> 0;
  let sm = (lo ^ Math.imul(hi, 0x27d4eb2d)) | 0;
  const s = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    const [out, nextState] = splitmix32(sm);
    s[i] = out;
    sm = nextState;
  }
  // xoshiro must not start from the all-zero state.
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;

  let spare: number | undefined;

  function nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  function next(): number {
    // 26 high bits + 27 high bits = 53 bits of mantissa.
    const a = nextUint32() >>> 6;
    const b = nextUint32() >>> 5;
    return (a * 134217728 + b) / 9007199254740992;
  }

  function normal(): number {
    if (spare !== undefined) {
      const v = spare;
      spare = undefined;
      return v;
    }
    // 1 - next() is in (0, 1], so the logarithm is finite.
    const u1 = 1 - next();
    const u2 = next();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  return {
    next,
    nextUint32,
    normal,
    uniform: (min, max) => min + (max - min) * next(),
    int: (n) => {
      if (!Number.isSafeInteger(n) || n <= 0) {
        throw new InvalidValueError({ field: "n", value: n, allowed: "a positive integer" });
      }
      return Math.floor(next() * n);
    },
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Fisher–Yates shuffle of 0..n-1 driven by `rng`. */
export function shuffledIndices(n: number, rng: Rng): Uint32Array {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  shuffleInPlace(idx, rng);
  return idx;
}

/** Fisher–Yates shuffle of an index array in place. */
export function shuffleInPlace(idx: Uint32Array, rng: Rng): void {
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
}
