import { describe, expect, it } from "vitest";
import { predict, predictBatch, predictTrace } from "../src/model/forward.js";
import { validateFloatModel } from "../src/model/validate.js";
import type { FloatModel } from "../src/model/types.js";
import { InvalidValueError } from "../src/errors.js";

/** A hand-checkable model; see the comments in the first test for the arithmetic. */
const MODEL: FloatModel = {
  name: "tiny",
  features: [
    { name: "a", unit: "u", decimals: 18, min: 0, max: 10 },
    { name: "b", unit: "u", decimals: 18, min: 0, max: 10 },
  ],
  target: { name: "y", unit: "u", decimals: 18, min: 0, max: 100 },
  scaler: { kind: "zscore", offset: [1, 2], scale: [2, 4] },
  targetScaler: { offset: 10, scale: 2 },
  layers: [
    { type: "dense", inDim: 2, outDim: 2, weight: [[1, -1], [0.5, 2]], bias: [0, 1] },
    { type: "batchnorm", dim: 2, gamma: [2, 1], beta: [0, -1], runningMean: [1, 0], runningVar: [3, 0], eps: 1, momentum: 0.1 },
    { type: "relu", dim: 2 },
    { type: "dense", inDim: 2, outDim: 1, weight: [[1, 3]], bias: [0.5] },
  ],
};

describe("predict (float reference)", () => {
  it("applies scaler, dense, batch norm with running statistics, ReLU, dense, inverse target scaler", () => {
    const t = predictTrace(MODEL, [5, 6]);
    expect(t.scaledInput).toEqual([2, 1]); // (5 − 1)/2, (6 − 2)/4
    expect(t.activations[0]).toEqual([1, 4]); // 2 − 1, 0.5·2 + 2·1 + 1
    expect(t.activations[1]).toEqual([0, 3]); // 2·(1 − 1)/√(3 + 1) + 0, 1·(4 − 0)/√(0 + 1) − 1
    expect(t.activations[2]).toEqual([0, 3]);
    expect(t.scaledOutput).toBe(9.5); // 0 + 3·3 + 0.5
    expect(t.output).toBe(29); // 9.5·2 + 10
    expect(predict(MODEL, [1, 2])).toBe(11); // scaled [0, 0] → [0, 1] → [−1, 0] → ReLU [0, 0] → 0.5 → 11
    expect(predictBatch(MODEL, [[5, 6], [1, 2]])).toEqual([29, 11]);
  });

  it("clamps to the declared target range", () => {
    const high = { ...MODEL, target: { ...MODEL.target, max: 20 } };
    expect(predictTrace(high, [5, 6])).toMatchObject({ unclamped: 29, output: 20 });
    const low = { ...MODEL, targetScaler: { offset: -30, scale: 2 } };
    expect(predictTrace(low, [5, 6])).toMatchObject({ unclamped: -11, output: 0 });
    const open = { ...MODEL, targetScaler: { offset: -30, scale: 2 }, target: { name: "y", unit: "u", decimals: 18 } };
    expect(predict(open, [5, 6])).toBe(-11);
  });

  it("rejects inputs of the wrong length or non-finite values", () => {
    expect(() => predict(MODEL, [1])).toThrow(/input length: 1 \(allowed: 2 values \(a, b\)\)/);
    expect(() => predict(MODEL, [1, NaN])).toThrow(InvalidValueError);
    expect(() => predict(MODEL, [1, Infinity])).toThrow(/input "b": "Infinity"/);
  });
});

describe("validateFloatModel", () => {
  it("accepts a consistent model and names the first inconsistency", () => {
    expect(() => validateFloatModel(MODEL)).not.toThrow();
    const bad = structuredClone(MODEL);
    (bad.layers[3] as { bias: number[] }).bias = [];
    expect(() => validateFloatModel(bad)).toThrow("invalid layers[3].bias.length: 0 (allowed: 1)");
    const nan = structuredClone(MODEL);
    (nan.layers[1] as { gamma: number[] }).gamma[1] = NaN;
    expect(() => validateFloatModel(nan)).toThrow('invalid layers[1].gamma[1]: "NaN" (allowed: a finite number)');
    const momentum = structuredClone(MODEL);
    (momentum.layers[1] as { momentum: number }).momentum = 1.5;
    expect(() => validateFloatModel(momentum)).toThrow(/layers\[1\].momentum: 1.5 \(allowed: a number in \(0, 1\]\)/);
    expect(() => validateFloatModel({ ...MODEL, targetScaler: { offset: 0, scale: -1 } })).toThrow(/targetScaler.scale/);
    expect(() => validateFloatModel({ ...MODEL, layers: [{ type: "pool", dim: 2 } as never, ...MODEL.layers] })).toThrow(/layers\[0\].type/);
  });
});
