import { describe, expect, it } from "vitest";
import {
  batchNormForwardFrozen,
  batchNormForwardInference,
  batchNormForwardTrain,
  createBatchNormCache,
  updateRunningStats,
  type BatchNormParams,
} from "../src/train/batchNorm.js";
import { createNetwork, createWorkspace, forwardInference, forwardTrain, networkFromLayers, networkToLayers } from "../src/train/network.js";
import { createRng } from "../src/util/rng.js";
import { predictTrace } from "../src/model/forward.js";
import type { FloatModel } from "../src/model/types.js";

function params(): BatchNormParams {
  return {
    dim: 1,
    gamma: Float64Array.of(2),
    beta: Float64Array.of(1),
    runningMean: Float64Array.of(0),
    runningVar: Float64Array.of(1),
    eps: 0.5,
    momentum: 0.1,
  };
}

describe("batch norm: hand-computed example", () => {
  // Batch x = [1, 2, 3, 6]: mean 3, biased variance (4 + 1 + 0 + 9) / 4 = 3.5,
  // unbiased variance 14 / 3. With ε = 0.5: √(3.5 + 0.5) = 2, x̂ = [−1, −0.5, 0, 1.5],
  // and with γ = 2, β = 1: y = [−1, 0, 1, 4].
  const x = Float64Array.of(1, 2, 3, 6);

  it("training mode normalises with the batch mean and the biased variance", () => {
    const p = params();
    const out = new Float64Array(4);
    const cache = createBatchNormCache(1, 4);
    batchNormForwardTrain(p, x, 4, out, cache);
    expect(Array.from(out)).toEqual([-1, 0, 1, 4]);
    expect(cache.mean[0]).toBe(3);
    expect(cache.variance[0]).toBe(3.5);
    expect(Array.from(cache.xhat)).toEqual([-1, -0.5, 0, 1.5]);
  });

  it("running statistics move by the momentum, the variance unbiased", () => {
    const p = params();
    const cache = createBatchNormCache(1, 4);
    batchNormForwardTrain(p, x, 4, new Float64Array(4), cache);
    updateRunningStats(p, cache, 4);
    // mean: 0.9 · 0 + 0.1 · 3; variance: 0.9 · 1 + 0.1 · 14/3
    expect(p.runningMean[0]).toBeCloseTo(0.3, 15);
    expect(p.runningVar[0]).toBeCloseTo(0.9 + 1.4 / 3, 15);
  });

  it("inference mode uses the running statistics, row by row", () => {
    const p = params();
    p.runningMean[0] = 0.5;
    p.runningVar[0] = 3.5; // √(3.5 + 0.5) = 2
    const out = new Float64Array(4);
    batchNormForwardInference(p, x, 4, out);
    // y = 2 · (x − 0.5) / 2 + 1 = x + 0.5
    expect(Array.from(out)).toEqual([1.5, 2.5, 3.5, 6.5]);
    // One row alone gives the same value: no dependence on the batch.
    const single = new Float64Array(1);
    batchNormForwardInference(p, Float64Array.of(6), 1, single);
    expect(single[0]).toBe(6.5);
    // The frozen training mode is the inference transform.
    const frozen = new Float64Array(4);
    batchNormForwardFrozen(p, x, 4, frozen, createBatchNormCache(1, 4));
    expect(Array.from(frozen)).toEqual(Array.from(out));
  });
});

describe("batch norm inside a network: train vs inference", () => {
  const net = createNetwork({ inDim: 2, hidden: [4], outDim: 1, batchNorm: true, bnMomentum: 0.1, bnEps: 1e-5, rng: createRng(4) });
  const ws = createWorkspace(net, 8);
  const rows = Float64Array.of(0.1, -0.4, 1.2, 0.3, -0.7, 0.9, 0.5, 0.5);

  it("training-mode output of a row depends on the rest of the batch; inference-mode does not", () => {
    const other = Float64Array.of(0.1, -0.4, 5, 5, -5, 1, 2, -3);
    const a = forwardTrain(net, ws, rows, 4, false)[0];
    const b = forwardTrain(net, ws, other, 4, false)[0];
    expect(a).not.toBeCloseTo(b, 6);
    const c = forwardInference(net, ws, rows, 4)[0];
    const d = forwardInference(net, ws, other, 4)[0];
    expect(c).toBe(d);
  });

  it("updateStats=false leaves the running statistics alone; true moves them", () => {
    const before = JSON.stringify(networkToLayers(net));
    forwardTrain(net, ws, rows, 4, false);
    expect(JSON.stringify(networkToLayers(net))).toBe(before);
    forwardTrain(net, ws, rows, 4, true);
    expect(JSON.stringify(networkToLayers(net))).not.toBe(before);
  });

  it("predict on the exported FloatModel equals the network's inference pass", () => {
    const layers = networkToLayers(net);
    const model: FloatModel = {
      name: "t",
      features: [
        { name: "a", unit: "", decimals: 0, min: -10, max: 10 },
        { name: "b", unit: "", decimals: 0, min: -10, max: 10 },
      ],
      target: { name: "y", unit: "", decimals: 0 },
      scaler: { kind: "zscore", offset: [0, 0], scale: [1, 1] },
      targetScaler: { offset: 0, scale: 1 },
      layers,
    };
    const out = forwardInference(networkFromLayers(layers), createWorkspace(net, 4), rows, 4);
    for (let b = 0; b < 4; b++) {
      expect(predictTrace(model, [rows[2 * b], rows[2 * b + 1]]).scaledOutput).toBeCloseTo(out[b], 13);
    }
  });
});
