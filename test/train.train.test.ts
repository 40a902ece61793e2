import { describe, expect, it } from "vitest";
import { blackScholesDataset } from "../src/data/blackScholes.js";
import { splitDataset } from "../src/data/split.js";
import { train, type EpochReport } from "../src/train/train.js";
import { trainReferenceModel } from "../src/train/reference.js";
import { serializeModelFile, parseModelFile } from "../src/model/file.js";
import { predictTrace } from "../src/model/forward.js";
import { evaluateModel, regressionMetrics } from "../src/train/metrics.js";
import type { Dataset } from "../src/data/dataset.js";
import { quantize } from "../src/quantize/quantize.js";
import { integerForward } from "../src/quantize/forward.js";

describe("determinism", () => {
  it("two runs with the same seed give byte-identical model files; another seed does not", () => {
    const run = (seed: number) => serializeModelFile(trainReferenceModel({ seed, n: 1200, config: { epochs: 12, hidden: [8, 8] } }).file);
    const a = run(5);
    const b = run(5);
    expect(b).toBe(a);
    expect(run(6)).not.toBe(a);
    // The file has no wall-clock time in it and parses back to the same bytes.
    expect(a).not.toMatch(/elapsed|seconds|time":/i);
    expect(serializeModelFile(parseModelFile(a))).toBe(a);
  });
});

describe("accuracy on a small Black–Scholes dataset", () => {
  it("reaches MAE < 4e-3 and R² > 0.998 with the default config (4,000 samples)", () => {
    const r = trainReferenceModel({ seed: 2, n: 4000 });
    expect(r.metrics.test.mae).toBeLessThan(4e-3);
    expect(r.metrics.test.r2).toBeGreaterThan(0.998);
    expect(r.metrics.vsBlackScholes.mae).toBeCloseTo(r.metrics.test.mae, 15);
    expect(r.model.layers.map((l) => l.type)).toEqual(["dense", "batchnorm", "relu", "dense", "batchnorm", "relu", "dense"]);
    expect(r.model.layers[0]).toMatchObject({ inDim: 4, outDim: 32 });
    expect(r.training.summary.frozenBatchNormEpochs).toBeGreaterThan(0);
    expect(r.training.summary.batchNormRecalibrated).toBe(true);
  });

  it("the reference prices down to expiry: τ = 0 is in its declared range and the payoff is exact there", async () => {
    const r = trainReferenceModel({ seed: 2, n: 4000 });
    expect(r.model.features[1]).toMatchObject({ name: "timeToExpiry", min: 0, max: 1.1 });
    expect(r.model.skip).toEqual({ kind: "payoff", option: "call", input: 0, strike: 1 });
    const q = await quantize(r.model, { actBits: 16 });
    const WAD = 10n ** 18n;
    for (const m of [WAD / 2n, WAD, (3n * WAD) / 2n + 7n]) {
      const out = integerForward(q, [m, 0n, WAD / 2n, WAD / 20n]);
      // The exact payoff plus the network's (small, clamped ≥ 0) time value at expiry.
      expect(out.payoff).toBe(m > WAD ? m - WAD : 0n);
      expect(out.output).toBeGreaterThanOrEqual(out.payoff);
      expect(Number(out.output - out.payoff) / 1e18).toBeLessThan(0.02);
    }
  });
});

describe("train", () => {
  const ds = blackScholesDataset({ n: 1500, seed: 4, kind: "put" });
  const splits = splitDataset(ds, { seed: 4 });

  it("reports every epoch and returns the best weights (early stopping)", () => {
    const reports: EpochReport[] = [];
    // Validation targets unrelated to the inputs: the validation loss stops improving quickly.
    const noise: Dataset = { ...splits.validation, y: splits.validation.y.map((_, i) => ((i * 7919) % 101) / 400) };
    const r = train({ train: splits.train, validation: noise }, { epochs: 60, hidden: [8], earlyStopping: { patience: 3 } }, { onEpoch: (e) => reports.push(e) });
    expect(r.summary.stoppedEarly).toBe(true);
    expect(r.summary.epochsRun).toBeLessThan(60);
    expect(reports.map((e) => e.epoch)).toEqual(r.history.map((h) => h.epoch));
    expect(reports.every((e, i) => e.epochs === 60 && (i === 0 || e.elapsedMs >= reports[i - 1].elapsedMs))).toBe(true);
    const minVal = Math.min(...r.history.map((h) => h.valLoss));
    expect(r.summary.finalValLoss).toBeLessThanOrEqual(minVal);
    // The returned model's validation loss, recomputed with predict, is the reported one.
    const scaled = noise.x.map((row) => predictTrace(r.model, row).scaledOutput);
    const yScaled = noise.y.map((v) => (v - r.model.targetScaler.offset) / r.model.targetScaler.scale);
    expect(regressionMetrics(yScaled, scaled).mse).toBeCloseTo(r.summary.finalValLoss, 12);
  });

  it("trains without batch norm and with a min-max scaler", () => {
    const r = train(splits, { hidden: [16], batchNorm: false, scaler: "minmax", epochs: 100, batchSize: 32, learningRate: 0.02, schedule: { kind: "step", every: 25, factor: 0.5 } });
    expect(r.model.layers.map((l) => l.type)).toEqual(["dense", "relu", "dense"]);
    expect(r.model.scaler.kind).toBe("minmax");
    expect(r.summary.frozenBatchNormEpochs).toBe(0);
    expect(evaluateModel(r.model, splits.test).r2).toBeGreaterThan(0.99);
  });

  it("rejects bad input with the field named", () => {
    const other: Dataset = { ...splits.validation, features: splits.validation.features.map((f, j) => (j === 0 ? { ...f, name: "spot" } : f)) };
    expect(() => train({ train: splits.train, validation: other })).toThrow(/splits.validation.features/);
    const one: Dataset = { ...splits.train, x: splits.train.x.slice(0, 1), y: splits.train.y.slice(0, 1) };
    expect(() => train({ train: one, validation: splits.validation })).toThrow(/at least 2/);
    expect(() => train(splits, { epochs: -5 })).toThrow(/config.epochs/);
    const bad: Dataset = { ...splits.train, y: splits.train.y.map((v, i) => (i === 9 ? Infinity : v)) };
    expect(() => train({ train: bad, validation: splits.validation })).toThrow(/splits.train.y\[9\] \(priceOverStrike\): "Infinity"/);
  });
});
