/**
 * Batch normalization over features. Training: batch statistics, running statistics updated
 * with momentum (see src/train/batchNorm.ts); inference: y = γ·(x − μ)/√(σ² + ε) + β with the
 * running statistics. Folded into the dense layer before it for quantization:
 *   W' = W·γ/√(σ²+ε) (per output row),  b' = (b − μ)·γ/√(σ²+ε) + β.
 */
import { z } from "zod";
import { InvalidValueError } from "../errors.js";
import {
  type BatchNormCache,
  type BatchNormParams,
  batchNormBackward,
  batchNormBackwardFrozen,
  batchNormForwardFrozen,
  batchNormForwardInference,
  batchNormForwardTrain,
  createBatchNormCache,
  updateRunningStats,
} from "../train/batchNorm.js";
import { finite, sameDim, vector } from "./check.js";
import type { LayerKind } from "./kind.js";

export interface BatchNormLayer {
  type: "batchnorm";
  dim: number;
  gamma: number[];
  beta: number[];
  runningMean: number[];
  runningVar: number[];
  eps: number;
  momentum: number;
}

export interface BatchNormTrain {
  p: BatchNormParams;
  ggamma: Float64Array;
  gbeta: Float64Array;
  /** Fine-tuning mode: normalise with the (fixed) running statistics, train γ and β only. */
  frozen: boolean;
}

const fromParams = (p: BatchNormParams): BatchNormTrain => ({ p, ggamma: new Float64Array(p.dim), gbeta: new Float64Array(p.dim), frozen: false });

export const batchnorm: LayerKind<BatchNormLayer, BatchNormTrain> = {
  type: "batchnorm",
  schema: z.strictObject({
    type: z.literal("batchnorm"),
    dim: z.number().int().nonnegative(),
    gamma: z.array(z.number()),
    beta: z.array(z.number()),
    runningMean: z.array(z.number()),
    runningVar: z.array(z.number()),
    eps: z.number(),
    momentum: z.number(),
  }),
  validate(layer, at, dim) {
    const d = sameDim(at, layer.dim, dim);
    vector(`${at}.gamma`, layer.gamma, d);
    vector(`${at}.beta`, layer.beta, d);
    vector(`${at}.runningMean`, layer.runningMean, d);
    vector(`${at}.runningVar`, layer.runningVar, d).forEach((v, k) => {
      if (v < 0) throw new InvalidValueError({ field: `${at}.runningVar[${k}]`, value: v, allowed: "a variance >= 0" });
    });
    if (!(finite(`${at}.eps`, layer.eps) > 0)) throw new InvalidValueError({ field: `${at}.eps`, value: layer.eps, allowed: "a number > 0" });
    const m = finite(`${at}.momentum`, layer.momentum);
    if (!(m > 0 && m <= 1)) throw new InvalidValueError({ field: `${at}.momentum`, value: m, allowed: "a number in (0, 1]" });
    return d;
  },
  forward: (l, v) => v.map((x, j) => (l.gamma[j] * (x - l.runningMean[j])) / Math.sqrt(l.runningVar[j] + l.eps) + l.beta[j]),
  train: {
    /** γ = 1, β = 0, running mean 0 and variance 1. */
    create: ({ outDim: h, bnEps, bnMomentum }) =>
      fromParams({
        dim: h,
        gamma: new Float64Array(h).fill(1),
        beta: new Float64Array(h),
        runningMean: new Float64Array(h),
        runningVar: new Float64Array(h).fill(1),
        eps: bnEps,
        momentum: bnMomentum,
      }),
    fromLayer: (l) =>
      fromParams({
        dim: l.dim,
        gamma: Float64Array.from(l.gamma),
        beta: Float64Array.from(l.beta),
        runningMean: Float64Array.from(l.runningMean),
        runningVar: Float64Array.from(l.runningVar),
        eps: l.eps,
        momentum: l.momentum,
      }),
    toLayer: ({ p }) => ({
      type: "batchnorm",
      dim: p.dim,
      gamma: Array.from(p.gamma),
      beta: Array.from(p.beta),
      runningMean: Array.from(p.runningMean),
      runningVar: Array.from(p.runningVar),
      eps: p.eps,
      momentum: p.momentum,
    }),
    outDim: (s) => s.p.dim,
    params: (s) => [
      { value: s.p.gamma, grad: s.ggamma },
      { value: s.p.beta, grad: s.gbeta },
    ],
    state: (s) => [s.p.gamma, s.p.beta, s.p.runningMean, s.p.runningVar],
    createCache: (s, maxBatch) => createBatchNormCache(s.p.dim, maxBatch),
    forward(s, x, batch, out, ctx) {
      const cache = ctx.cache as BatchNormCache;
      if (!ctx.training) batchNormForwardInference(s.p, x, batch, out);
      else if (s.frozen) batchNormForwardFrozen(s.p, x, batch, out, cache);
      else {
        batchNormForwardTrain(s.p, x, batch, out, cache);
        if (ctx.updateStats) updateRunningStats(s.p, cache, batch);
      }
    },
    backward(s, _x, dout, batch, dx, ctx) {
      const backwardBn = s.frozen ? batchNormBackwardFrozen : batchNormBackward;
      // dx is always wanted: batch norm never reads the network input directly.
      backwardBn(s.p, ctx.cache as BatchNormCache, dout, batch, dx as Float64Array, s.ggamma, s.gbeta);
    },
    absorbsPrecedingBias: true,
    setStatsFrozen(s, frozen) {
      s.frozen = frozen;
    },
    recalibration: {
      begin: (s) => ({ mean: new Float64Array(s.p.dim), variance: new Float64Array(s.p.dim) }),
      add(acc, _s, cache, batch) {
        const a = acc as { mean: Float64Array; variance: Float64Array };
        const c = cache as BatchNormCache;
        for (let j = 0; j < a.mean.length; j++) {
          a.mean[j] += c.mean[j];
          a.variance[j] += (c.variance[j] * batch) / (batch - 1);
        }
      },
      finish(acc, s, batches) {
        const a = acc as { mean: Float64Array; variance: Float64Array };
        for (let j = 0; j < a.mean.length; j++) {
          s.p.runningMean[j] = a.mean[j] / batches;
          s.p.runningVar[j] = a.variance[j] / batches;
        }
      },
    },
  },
  fold: {
    role: "affine",
    fold(l, { weight, bias }) {
      const k = l.gamma.map((g, j) => g / Math.sqrt(l.runningVar[j] + l.eps));
      return {
        weight: weight.map((row, j) => row.map((w) => w * k[j])),
        bias: bias.map((b, j) => (b - l.runningMean[j]) * k[j] + l.beta[j]),
      };
    },
  },
};
