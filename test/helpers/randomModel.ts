import type { FloatModel, Layer } from "../../src/model/types.js";

/** A tiny deterministic PRNG for test fixtures (mulberry32). */
export function fixtureRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random float model with option-like features (wad inputs), batch norm after every
 * hidden dense layer and an output clamp, for quantizer and circuit tests that must not
 * depend on training.
 */
export function randomModel(opts: { seed: number; hidden: number[]; name?: string; clamp?: boolean; scaler?: "zscore" | "minmax" }): FloatModel {
  const rnd = fixtureRng(opts.seed);
  const g = () => (rnd() * 2 - 1) * 1.2;
  const features = [
    { name: "moneyness", unit: "S/K", decimals: 18, min: 0.8, max: 1.2 },
    { name: "timeToExpiry", unit: "years", decimals: 18, min: 0.02, max: 1 },
    { name: "volatility", unit: "1/sqrt(year)", decimals: 18, min: 0.1, max: 0.8 },
    { name: "rate", unit: "1/year", decimals: 18, min: 0, max: 0.08 },
  ];
  const dims = [features.length, ...opts.hidden, 1];
  const layers: Layer[] = [];
  for (let l = 0; l + 1 < dims.length; l++) {
    const inDim = dims[l];
    const outDim = dims[l + 1];
    layers.push({
      type: "dense",
      inDim,
      outDim,
      weight: Array.from({ length: outDim }, () => Array.from({ length: inDim }, () => g() / Math.sqrt(inDim))),
      bias: Array.from({ length: outDim }, () => g() * 0.1),
    });
    if (l + 2 < dims.length) {
      layers.push({
        type: "batchnorm",
        dim: outDim,
        gamma: Array.from({ length: outDim }, () => 0.5 + rnd()),
        beta: Array.from({ length: outDim }, () => g() * 0.2),
        runningMean: Array.from({ length: outDim }, () => g() * 0.3),
        runningVar: Array.from({ length: outDim }, () => 0.2 + rnd()),
        eps: 1e-5,
        momentum: 0.1,
      });
      layers.push({ type: "relu", dim: outDim });
    }
  }
  const minmax = opts.scaler === "minmax";
  return {
    name: opts.name ?? `random-${opts.seed}`,
    features,
    target: { name: "priceOverStrike", unit: "1/K", decimals: 18, ...(opts.clamp === false ? {} : { min: 0, max: 0.5 }) },
    scaler: {
      kind: minmax ? "minmax" : "zscore",
      offset: minmax ? features.map((f) => f.min) : [1.0, 0.5, 0.45, 0.04],
      scale: minmax ? features.map((f) => f.max - f.min) : [0.115, 0.28, 0.2, 0.023],
    },
    targetScaler: { offset: 0.1, scale: 0.1 },
    layers,
  };
}
