import { describe, expect, it } from "vitest";
import { applyScaler, applyTargetScaler, fitScaler, fitTargetScaler, invertTargetScaler } from "../src/train/scaler.js";
import { train } from "../src/train/train.js";
import type { Dataset } from "../src/data/dataset.js";
import type { FeatureSpec } from "../src/model/types.js";
import { InvalidValueError } from "../src/errors.js";

const FEATURES: FeatureSpec[] = [
  { name: "a", unit: "", decimals: 0, min: -1000, max: 1000 },
  { name: "b", unit: "", decimals: 0, min: -1000, max: 1000 },
];

describe("fitScaler", () => {
  const x = [
    [1, 10],
    [2, 20],
    [3, 30],
    [6, 60],
  ];

  it("z-score: mean and population standard deviation", () => {
    const s = fitScaler({ x, features: FEATURES, kind: "zscore" });
    expect(s.kind).toBe("zscore");
    expect(s.offset).toEqual([3, 30]);
    expect(s.scale[0]).toBeCloseTo(Math.sqrt(3.5), 15);
    expect(s.scale[1]).toBeCloseTo(Math.sqrt(350), 13);
    const scaled = x.map((r) => applyScaler(s, r));
    for (let j = 0; j < 2; j++) {
      const col = scaled.map((r) => r[j]);
      expect(col.reduce((p, q) => p + q, 0) / 4).toBeCloseTo(0, 14);
      expect(col.reduce((p, q) => p + q * q, 0) / 4).toBeCloseTo(1, 14);
    }
  });

  it("min-max: offset min, scale max − min", () => {
    const s = fitScaler({ x, features: FEATURES, kind: "minmax" });
    expect(s).toEqual({ kind: "minmax", offset: [1, 10], scale: [5, 50] });
    expect(applyScaler(s, [6, 10])).toEqual([1, 0]);
  });

  it("a constant feature is a clear error naming the feature", () => {
    const flat = [
      [1, 7],
      [2, 7],
      [3, 7],
    ];
    for (const kind of ["zscore", "minmax"] as const) {
      let err: unknown;
      try {
        fitScaler({ x: flat, features: FEATURES, kind });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidValueError);
      expect((err as InvalidValueError).field).toBe('feature "b"');
      expect((err as Error).message).toMatch(/constant feature cannot be scaled/);
    }
    expect(() => fitTargetScaler([2, 2, 2], "price")).toThrow(/target "price"/);
  });

  it("target scaler round-trips", () => {
    const t = fitTargetScaler([1, 2, 3, 6]);
    expect(t.offset).toBe(3);
    expect(invertTargetScaler(t, applyTargetScaler(t, 4.25))).toBeCloseTo(4.25, 15);
  });
});

describe("the scaler sees only the training split", () => {
  const rows = (n: number, shift: number) => Array.from({ length: n }, (_, i) => [Math.sin(i) + shift, Math.cos(3 * i) + shift]);
  const make = (x: number[][]): Dataset => ({ features: FEATURES, target: { name: "y", unit: "", decimals: 0 }, x, y: x.map((r) => r[0] - 2 * r[1]) });

  it("test/validation outliers do not move the fitted scaler or target scaler", () => {
    const trainSet = make(rows(64, 0));
    const validation = make(rows(16, 0));
    const run = (val: Dataset) => train({ train: trainSet, validation: val }, { hidden: [4], epochs: 2, frozenBatchNormEpochs: 0, batchSize: 16 }).model;
    const base = run(validation);
    const outliers = make(rows(16, 0).map((r, i) => (i % 2 === 0 ? [r[0] * 500, -900] : r)));
    const withOutliers = run(outliers);
    expect(withOutliers.scaler).toEqual(base.scaler);
    expect(withOutliers.targetScaler).toEqual(base.targetScaler);
    expect(base.scaler).toEqual(fitScaler({ x: trainSet.x, features: FEATURES, kind: "zscore" }));
    expect(base.targetScaler).toEqual(fitTargetScaler(trainSet.y));
    // The validation split only decides early stopping, so the weights differ at most by the chosen epoch.
  });
});
