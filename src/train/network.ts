/**
 * The network while it trains: the same layers as a `FloatModel`, with parameters in
 * Float64Arrays, gradient buffers and preallocated activations for batches up to a
 * maximum size. `toLayers` / `fromLayers` convert to and from the plain model layers.
 */
import type { Layer } from "../model/types.js";
import type { Rng } from "../util/rng.js";
import { type DenseParams, denseBackward, denseForward } from "./dense.js";
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
} from "./batchNorm.js";
import { reluBackward, reluForward } from "./relu.js";

export type TrainLayer =
  | {
      type: "dense";
      p: DenseParams;
      gw: Float64Array;
      gbias: Float64Array;
      /** A bias right before batch norm cancels out (its gradient is exactly 0): not trained. */
      frozenBias: boolean;
    }
  | {
      type: "batchnorm";
      p: BatchNormParams;
      ggamma: Float64Array;
      gbeta: Float64Array;
      /** Fine-tuning mode: normalise with the (fixed) running statistics, train γ and β only. */
      frozen: boolean;
    }
  | { type: "relu"; dim: number };

export interface Network {
  layers: TrainLayer[];
  inDim: number;
  outDim: number;
}

export interface CreateNetworkParameters {
  inDim: number;
  hidden: readonly number[];
  outDim: number;
  batchNorm: boolean;
  bnMomentum: number;
  bnEps: number;
  rng: Rng;
}

function dimOf(l: TrainLayer): number {
  return l.type === "dense" ? l.p.outDim : l.type === "batchnorm" ? l.p.dim : l.dim;
}

function markFrozenBiases(layers: TrainLayer[]): void {
  layers.forEach((l, i) => {
    if (l.type === "dense") l.frozenBias = layers[i + 1]?.type === "batchnorm";
  });
}

/**
 * Switches every batch-norm layer between batch statistics (false) and frozen running
 * statistics (true). A bias before batch norm stays untrained in both modes (β absorbs it).
 */
export function setBatchNormFrozen(net: Network, frozen: boolean): void {
  for (const l of net.layers) if (l.type === "batchnorm") l.frozen = frozen;
}

function denseLayer(inDim: number, outDim: number, w: Float64Array, bias: Float64Array): TrainLayer {
  return { type: "dense", p: { inDim, outDim, w, bias }, gw: new Float64Array(w.length), gbias: new Float64Array(outDim), frozenBias: false };
}

function bnLayer(p: BatchNormParams): TrainLayer {
  return { type: "batchnorm", p, ggamma: new Float64Array(p.dim), gbeta: new Float64Array(p.dim), frozen: false };
}

/**
 * Hidden blocks dense → [batch norm] → ReLU, then an output dense layer. Weights are He
 * initialised, N(0, 2 / fanIn); biases and β are 0, γ is 1, running mean 0 and variance 1.
 */
export function createNetwork(params: CreateNetworkParameters): Network {
  const { inDim, hidden, outDim, batchNorm, bnMomentum, bnEps, rng } = params;
  const layers: TrainLayer[] = [];
  let d = inDim;
  const dense = (fanIn: number, fanOut: number) => {
    const w = new Float64Array(fanIn * fanOut);
    const std = Math.sqrt(2 / fanIn);
    for (let k = 0; k < w.length; k++) w[k] = std * rng.normal();
    layers.push(denseLayer(fanIn, fanOut, w, new Float64Array(fanOut)));
  };
  for (const h of hidden) {
    dense(d, h);
    if (batchNorm) {
      layers.push(
        bnLayer({
          dim: h,
          gamma: new Float64Array(h).fill(1),
          beta: new Float64Array(h),
          runningMean: new Float64Array(h),
          runningVar: new Float64Array(h).fill(1),
          eps: bnEps,
          momentum: bnMomentum,
        }),
      );
    }
    layers.push({ type: "relu", dim: h });
    d = h;
  }
  dense(d, outDim);
  markFrozenBiases(layers);
  return { layers, inDim, outDim };
}

/** A training network holding copies of the parameters of validated model layers. */
export function networkFromLayers(layers: readonly Layer[]): Network {
  const out: TrainLayer[] = layers.map((l) => {
    switch (l.type) {
      case "dense":
        return denseLayer(l.inDim, l.outDim, Float64Array.from(l.weight.flat()), Float64Array.from(l.bias));
      case "batchnorm":
        return bnLayer({
          dim: l.dim,
          gamma: Float64Array.from(l.gamma),
          beta: Float64Array.from(l.beta),
          runningMean: Float64Array.from(l.runningMean),
          runningVar: Float64Array.from(l.runningVar),
          eps: l.eps,
          momentum: l.momentum,
        });
      case "relu":
        return { type: "relu", dim: l.dim };
    }
  });
  markFrozenBiases(out);
  const first = out[0];
  return { layers: out, inDim: first.type === "dense" ? first.p.inDim : dimOf(first), outDim: dimOf(out[out.length - 1]) };
}

/** Plain model layers (number arrays) with the network's current parameters. */
export function networkToLayers(net: Network): Layer[] {
  return net.layers.map((l): Layer => {
    switch (l.type) {
      case "dense": {
        const { inDim, outDim, w, bias } = l.p;
        const weight: number[][] = [];
        for (let o = 0; o < outDim; o++) weight.push(Array.from(w.subarray(o * inDim, (o + 1) * inDim)));
        return { type: "dense", inDim, outDim, weight, bias: Array.from(bias) };
      }
      case "batchnorm": {
        const p = l.p;
        return {
          type: "batchnorm",
          dim: p.dim,
          gamma: Array.from(p.gamma),
          beta: Array.from(p.beta),
          runningMean: Array.from(p.runningMean),
          runningVar: Array.from(p.runningVar),
          eps: p.eps,
          momentum: p.momentum,
        };
      }
      case "relu":
        return { type: "relu", dim: l.dim };
    }
  });
}

/** A trainable parameter with its gradient buffer (frozen biases are left out). */
export interface ParamRef {
  value: Float64Array;
  grad: Float64Array;
}

export function trainableParams(net: Network): ParamRef[] {
  const out: ParamRef[] = [];
  for (const l of net.layers) {
    if (l.type === "dense") {
      out.push({ value: l.p.w, grad: l.gw });
      if (!l.frozenBias) out.push({ value: l.p.bias, grad: l.gbias });
    } else if (l.type === "batchnorm") {
      out.push({ value: l.p.gamma, grad: l.ggamma });
      out.push({ value: l.p.beta, grad: l.gbeta });
    }
  }
  return out;
}

/** Every parameter and running statistic, in a fixed order (for snapshots). */
function stateArrays(net: Network): Float64Array[] {
  const out: Float64Array[] = [];
  for (const l of net.layers) {
    if (l.type === "dense") out.push(l.p.w, l.p.bias);
    else if (l.type === "batchnorm") out.push(l.p.gamma, l.p.beta, l.p.runningMean, l.p.runningVar);
  }
  return out;
}

export function snapshotNetwork(net: Network): Float64Array[] {
  return stateArrays(net).map((a) => a.slice());
}

export function restoreNetwork(net: Network, snapshot: readonly Float64Array[]): void {
  stateArrays(net).forEach((a, k) => a.set(snapshot[k]));
}

/** Activation and gradient buffers for batches of up to `maxBatch` rows. */
export interface Workspace {
  maxBatch: number;
  /** acts[k] = output of layer k, [maxBatch][dim_k]. */
  acts: Float64Array[];
  /** Batch norm caches by layer index. */
  caches: (BatchNormCache | undefined)[];
  gradA: Float64Array;
  gradB: Float64Array;
  /** The input of the last training forward pass. */
  input: Float64Array;
}

export function createWorkspace(net: Network, maxBatch: number): Workspace {
  let widest = net.inDim;
  for (const l of net.layers) widest = Math.max(widest, dimOf(l));
  return {
    maxBatch,
    acts: net.layers.map((l) => new Float64Array(maxBatch * dimOf(l))),
    caches: net.layers.map((l) => (l.type === "batchnorm" ? createBatchNormCache(l.p.dim, maxBatch) : undefined)),
    gradA: new Float64Array(maxBatch * widest),
    gradB: new Float64Array(maxBatch * widest),
    input: new Float64Array(0),
  };
}

/**
 * Training-mode forward pass of `batch` rows of `x` ([batch][inDim]); returns the output
 * activations ([batch][outDim], a view into the workspace). Batch norm uses the batch
 * statistics (and with `updateStats` updates its running statistics), or the running
 * statistics when frozen.
 */
export function forwardTrain(net: Network, ws: Workspace, x: Float64Array, batch: number, updateStats = true): Float64Array {
  ws.input = x;
  let cur = x;
  net.layers.forEach((l, k) => {
    const out = ws.acts[k];
    if (l.type === "dense") denseForward(l.p, cur, batch, out);
    else if (l.type === "batchnorm") {
      const cache = ws.caches[k] as BatchNormCache;
      if (l.frozen) batchNormForwardFrozen(l.p, cur, batch, out, cache);
      else {
        batchNormForwardTrain(l.p, cur, batch, out, cache);
        if (updateStats) updateRunningStats(l.p, cache, batch);
      }
    } else reluForward(cur, batch * l.dim, out);
    cur = out;
  });
  return cur;
}

/** Backward pass after `forwardTrain`: fills every layer's gradient buffers from dL/dout. */
export function backward(net: Network, ws: Workspace, dOut: Float64Array, batch: number): void {
  let g = dOut;
  for (let k = net.layers.length - 1; k >= 0; k--) {
    const l = net.layers[k];
    const input = k === 0 ? ws.input : ws.acts[k - 1];
    const dIn = g === ws.gradA ? ws.gradB : ws.gradA;
    if (l.type === "dense") {
      denseBackward(l.p, input, g, batch, k === 0 ? undefined : dIn, l.gw, l.gbias);
      if (l.frozenBias) l.gbias.fill(0);
    } else if (l.type === "batchnorm") {
      const backwardBn = l.frozen ? batchNormBackwardFrozen : batchNormBackward;
      backwardBn(l.p, ws.caches[k] as BatchNormCache, g, batch, dIn, l.ggamma, l.gbeta);
    } else {
      reluBackward(input, g, batch * l.dim, dIn);
    }
    g = dIn;
  }
}

/** Inference-mode forward (running statistics) of `batch` rows; uses the workspace buffers. */
export function forwardInference(net: Network, ws: Workspace, x: Float64Array, batch: number): Float64Array {
  let cur = x;
  net.layers.forEach((l, k) => {
    const out = ws.acts[k];
    if (l.type === "dense") denseForward(l.p, cur, batch, out);
    else if (l.type === "batchnorm") batchNormForwardInference(l.p, cur, batch, out);
    else reluForward(cur, batch * l.dim, out);
    cur = out;
  });
  return cur;
}
