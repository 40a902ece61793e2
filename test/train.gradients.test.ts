import { describe, expect, it } from "vitest";
import { denseBackward, denseForward, type DenseParams } from "../src/train/dense.js";
import {
  batchNormBackward,
  batchNormBackwardFrozen,
  batchNormForwardFrozen,
  batchNormForwardTrain,
  createBatchNormCache,
  type BatchNormParams,
} from "../src/train/batchNorm.js";
import { reluBackward, reluForward } from "../src/train/relu.js";
import { mseLoss, mseLossGradient } from "../src/train/loss.js";
import { backward, createNetwork, createWorkspace, forwardTrain, setBatchNormFrozen, trainableParams } from "../src/train/network.js";
import { createRng } from "../src/util/rng.js";
import type { BatchNormTrain } from "../src/layers/batchnorm.js";

const H = 1e-6;
/** Central differences agree with analytic gradients to about 1e-8 relative here. */
const RTOL = 1e-6;
const ATOL = 1e-9;

function randomArray(n: number, seed: number, scale = 1): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, () => scale * rng.normal());
}

/** Central finite difference of f with respect to every entry of `a`. */
function numericGradient(a: Float64Array, f: () => number): Float64Array {
  const g = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const old = a[i];
    a[i] = old + H;
    const up = f();
    a[i] = old - H;
    const down = f();
    a[i] = old;
    g[i] = (up - down) / (2 * H);
  }
  return g;
}

function expectClose(analytic: Float64Array, numeric: Float64Array): void {
  expect(analytic.length).toBe(numeric.length);
  for (let i = 0; i < analytic.length; i++) {
    const tol = ATOL + RTOL * Math.max(Math.abs(analytic[i]), Math.abs(numeric[i]));
    if (Math.abs(analytic[i] - numeric[i]) > tol) {
      throw new Error(`gradient entry ${i}: analytic ${analytic[i]} vs numeric ${numeric[i]}`);
    }
  }
}

/** L = Σ out · r for a fixed random r, so dL/dout = r. */
function dot(a: Float64Array, r: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * r[i];
  return s;
}

describe("gradient checks against central finite differences", () => {
  it("dense: dx, dW, db", () => {
    const batch = 5;
    const p: DenseParams = { inDim: 4, outDim: 3, w: randomArray(12, 1), bias: randomArray(3, 2) };
    const x = randomArray(batch * 4, 3);
    const r = randomArray(batch * 3, 4);
    const out = new Float64Array(batch * 3);
    const loss = () => {
      denseForward(p, x, batch, out);
      return dot(out, r, out.length);
    };
    const dx = new Float64Array(x.length);
    const dw = new Float64Array(12);
    const db = new Float64Array(3);
    loss();
    denseBackward(p, x, r, batch, dx, dw, db);
    expectClose(dx, numericGradient(x, loss));
    expectClose(dw, numericGradient(p.w, loss));
    expectClose(db, numericGradient(p.bias, loss));
  });

  it("batch norm in training mode: dx (through the batch statistics), dγ, dβ", () => {
    const batch = 6;
    const dim = 3;
    const p: BatchNormParams = {
      dim,
      gamma: randomArray(dim, 5),
      beta: randomArray(dim, 6),
      runningMean: new Float64Array(dim),
      runningVar: new Float64Array(dim).fill(1),
      eps: 1e-5,
      momentum: 0.1,
    };
    const x = randomArray(batch * dim, 7, 2);
    const r = randomArray(batch * dim, 8);
    const out = new Float64Array(batch * dim);
    const cache = createBatchNormCache(dim, batch);
    const loss = () => {
      batchNormForwardTrain(p, x, batch, out, cache);
      return dot(out, r, out.length);
    };
    loss();
    const dx = new Float64Array(x.length);
    const dg = new Float64Array(dim);
    const dbeta = new Float64Array(dim);
    batchNormBackward(p, cache, r, batch, dx, dg, dbeta);
    expectClose(dx, numericGradient(x, loss));
    expectClose(dg, numericGradient(p.gamma, loss));
    expectClose(dbeta, numericGradient(p.beta, loss));
    // Running statistics are not touched by the forward pass itself.
    expect(Array.from(p.runningMean)).toEqual([0, 0, 0]);
  });

  it("batch norm with frozen statistics (fine-tuning): dx, dγ, dβ", () => {
    const batch = 4;
    const dim = 3;
    const p: BatchNormParams = {
      dim,
      gamma: randomArray(dim, 21),
      beta: randomArray(dim, 22),
      runningMean: randomArray(dim, 23),
      runningVar: randomArray(dim, 24).map((v) => 0.5 + v * v),
      eps: 1e-5,
      momentum: 0.1,
    };
    const x = randomArray(batch * dim, 25);
    const r = randomArray(batch * dim, 26);
    const out = new Float64Array(batch * dim);
    const cache = createBatchNormCache(dim, batch);
    const loss = () => {
      batchNormForwardFrozen(p, x, batch, out, cache);
      return dot(out, r, out.length);
    };
    loss();
    const dx = new Float64Array(x.length);
    const dg = new Float64Array(dim);
    const dbeta = new Float64Array(dim);
    batchNormBackwardFrozen(p, cache, r, batch, dx, dg, dbeta);
    expectClose(dx, numericGradient(x, loss));
    expectClose(dg, numericGradient(p.gamma, loss));
    expectClose(dbeta, numericGradient(p.beta, loss));
  });

  it("relu: dx away from the kink", () => {
    const x = Float64Array.from([-1.5, -0.2, 0.3, 2, -0.01, 0.7]);
    const r = randomArray(6, 9);
    const out = new Float64Array(6);
    const loss = () => {
      reluForward(x, 6, out);
      return dot(out, r, 6);
    };
    const dx = new Float64Array(6);
    reluBackward(x, r, 6, dx);
    expectClose(dx, numericGradient(x, loss));
    expect(Array.from(dx.subarray(0, 2))).toEqual([0, 0]);
  });

  it("MSE loss: dpred", () => {
    const pred = randomArray(7, 10);
    const target = randomArray(7, 11);
    const g = new Float64Array(7);
    mseLossGradient(pred, target, 7, g);
    expectClose(g, numericGradient(pred, () => mseLoss(pred, target, 7)));
    expect(mseLoss(Float64Array.from([1, 3]), Float64Array.from([0, 1]), 2)).toBe(2.5);
  });

  it("whole network (dense → BN → ReLU → dense → BN → ReLU → dense): every trainable parameter", () => {
    const batch = 8;
    const net = createNetwork({ inDim: 3, hidden: [5, 4], outDim: 1, batchNorm: true, bnMomentum: 0.1, bnEps: 1e-5, rng: createRng(12) });
    // Non-trivial γ and β so their gradients matter.
    for (const l of net.layers) {
      if (l.type === "batchnorm") {
        const p = (l.s as BatchNormTrain).p;
        p.gamma.set(randomArray(p.dim, 13).map((v) => 1 + 0.3 * v));
        p.beta.set(randomArray(p.dim, 14, 0.3));
      }
    }
    const ws = createWorkspace(net, batch);
    const x = randomArray(batch * 3, 15);
    const y = randomArray(batch, 16);
    const loss = () => mseLoss(forwardTrain(net, ws, x, batch, false), y, batch);
    const pred = forwardTrain(net, ws, x, batch, false);
    const dOut = new Float64Array(batch);
    mseLossGradient(pred, y, batch, dOut);
    backward(net, ws, dOut, batch);
    const params = trainableParams(net).map((p) => ({ value: p.value, grad: p.grad.slice() }));
    expect(params.length).toBe(3 + 2 * 2 + 1); // 3 weights, 2×(γ, β), output bias; BN-preceded biases frozen
    for (const p of params) expectClose(p.grad, numericGradient(p.value, loss));

    // The same with batch norm frozen at (non-trivial) running statistics.
    for (const l of net.layers) {
      if (l.type === "batchnorm") {
        const p = (l.s as BatchNormTrain).p;
        p.runningMean.set(randomArray(p.dim, 17, 0.5));
        p.runningVar.set(randomArray(p.dim, 18).map((v) => 0.5 + v * v));
      }
    }
    setBatchNormFrozen(net, true);
    mseLossGradient(forwardTrain(net, ws, x, batch, false), y, batch, dOut);
    backward(net, ws, dOut, batch);
    for (const p of trainableParams(net).map((q) => ({ value: q.value, grad: q.grad.slice() }))) {
      expectClose(p.grad, numericGradient(p.value, loss));
    }
  });
});
