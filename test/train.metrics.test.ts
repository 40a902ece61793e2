import { describe, expect, it } from "vitest";
import { evaluateVsBlackScholes, regressionMetrics } from "../src/train/metrics.js";
import { blackScholesDataset } from "../src/data/blackScholes.js";
import type { FloatModel } from "../src/model/types.js";

describe("regressionMetrics", () => {
  it("computes MSE, MAE, max |error| and R² by hand", () => {
    // errors: +1, −1, 0, +2; mean of truth 2.5, SST = 2.25 + 0.25 + 0.25 + 2.25 = 5
    const m = regressionMetrics([1, 2, 3, 4], [2, 1, 3, 6]);
    expect(m).toEqual({ n: 4, mse: 6 / 4, mae: 1, maxAbsError: 2, r2: 1 - 6 / 5 });
    expect(regressionMetrics([1, 1], [1, 1]).r2).toBe(1);
    expect(regressionMetrics([1, 1], [1, 2]).r2).toBe(0);
    expect(() => regressionMetrics([1, 2], [1])).toThrow(/predictions/);
  });

  it("vsBlackScholes recomputes the exact price from the features", () => {
    const ds = blackScholesDataset({ n: 50, seed: 1, kind: "call" });
    // A constant model predicting the target mean: its error vs the exact price is y − mean.
    const mean = ds.y.reduce((s, v) => s + v, 0) / ds.y.length;
    const constant: FloatModel = {
      name: "c",
      features: ds.features,
      target: ds.target,
      scaler: { kind: "zscore", offset: [0, 0, 0, 0], scale: [1, 1, 1, 1] },
      targetScaler: { offset: mean, scale: 1 },
      layers: [{ type: "dense", inDim: 4, outDim: 1, weight: [[0, 0, 0, 0]], bias: [0] }],
    };
    const m = evaluateVsBlackScholes(constant, ds, "call");
    expect(m.mae).toBeCloseTo(ds.y.reduce((s, v) => s + Math.abs(v - mean), 0) / ds.y.length, 15);
    expect(m.r2).toBeCloseTo(0, 12);
    expect(() => evaluateVsBlackScholes(constant, { ...ds, features: ds.features.slice().reverse() }, "call")).toThrow(/Black–Scholes features/);
  });
});
