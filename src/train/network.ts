/**
 * The network while it trains: the same layers as a `FloatModel`, each held by its kind
 * (src/layers/) as Float64Array parameters with gradient buffers, plus preallocated
 * activations for batches up to a maximum size. `networkFromLayers` / `networkToLayers`
 * convert to and from the plain model layers. Nothing here knows a particular layer kind.
 */
import type { Layer } from "../model/types.js";
import type { Rng } from "../util/rng.js";
import type { ParamRef, TrainForwardContext } from "../layers/kind.js";
import { type AnyLayerKind, layerKind } from "../layers/registry.js";

export type { ParamRef } from "../layers/kind.js";

/** One layer in training: its kind and the kind's private training state. */
export interface TrainLayer {
  type: string;
  kind: AnyLayerKind;
  /** The kind's training state (parameters, gradients, flags); see the kind's module. */
  s: unknown;
}

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
  /** Activation kind after each hidden layer (a registered activation). Default "relu". */
  activation?: string;
  rng: Rng;
}

const dimOf = (l: TrainLayer): number => l.kind.train.outDim(l.s);

/** A bias right before a layer that absorbs it (batch norm) has gradient 0: not trained. */
function markAbsorbedBiases(layers: TrainLayer[]): void {
  layers.forEach((l, i) => l.kind.train.setBiasAbsorbed?.(l.s, layers[i + 1]?.kind.train.absorbsPrecedingBias === true));
}

/**
 * Switches every layer with running statistics (batch norm) between batch statistics (false)
 * and frozen running statistics (true). A bias before batch norm stays untrained in both modes.
 */
export function setBatchNormFrozen(net: Network, frozen: boolean): void {
  for (const l of net.layers) l.kind.train.setStatsFrozen?.(l.s, frozen);
}

function fresh(type: string, p: { inDim: number; outDim: number; rng: Rng; bnMomentum: number; bnEps: number }): TrainLayer {
  const kind = layerKind(type);
  return { type, kind, s: kind.train.create(p) };
}

/**
 * Hidden blocks dense → [batch norm] → activation, then an output dense layer, each
 * initialised by its kind (dense: He, N(0, 2 / fanIn), bias 0; batch norm: γ 1, β 0, running
 * mean 0, variance 1). Random draws happen in layer order.
 */
export function createNetwork(params: CreateNetworkParameters): Network {
  const { inDim, hidden, outDim, batchNorm, bnMomentum, bnEps, rng } = params;
  const activation = params.activation ?? "relu";
  const layers: TrainLayer[] = [];
  let d = inDim;
  for (const h of hidden) {
    const p = { inDim: d, outDim: h, rng, bnMomentum, bnEps };
    layers.push(fresh("dense", p));
    if (batchNorm) layers.push(fresh("batchnorm", p));
    layers.push(fresh(activation, p));
    d = h;
  }
  layers.push(fresh("dense", { inDim: d, outDim, rng, bnMomentum, bnEps }));
  markAbsorbedBiases(layers);
  return { layers, inDim, outDim };
}

/** A training network holding copies of the parameters of validated model layers. */
export function networkFromLayers(layers: readonly Layer[]): Network {
  const out: TrainLayer[] = layers.map((l) => {
    const kind = layerKind(l.type);
    return { type: l.type, kind, s: kind.train.fromLayer(l) };
  });
  markAbsorbedBiases(out);
  // The first layer reads the features (validated: a dense layer).
  const first = layers[0] as { inDim?: number };
  return { layers: out, inDim: first.inDim ?? dimOf(out[0]), outDim: dimOf(out[out.length - 1]) };
}

/** Plain model layers (number arrays) with the network's current parameters. */
export function networkToLayers(net: Network): Layer[] {
  return net.layers.map((l) => l.kind.train.toLayer(l.s) as Layer);
}

/** Every trainable parameter with its gradient buffer, in layer order (absorbed biases left out). */
export function trainableParams(net: Network): ParamRef[] {
  return net.layers.flatMap((l) => l.kind.train.params(l.s));
}

/** Every parameter and running statistic, in a fixed order (for snapshots). */
function stateArrays(net: Network): Float64Array[] {
  return net.layers.flatMap((l) => l.kind.train.state(l.s));
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
  /** Per-layer caches of the kinds that keep one (batch norm), by layer index. */
  caches: unknown[];
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
    caches: net.layers.map((l) => l.kind.train.createCache?.(l.s, maxBatch)),
    gradA: new Float64Array(maxBatch * widest),
    gradB: new Float64Array(maxBatch * widest),
    input: new Float64Array(0),
  };
}

function run(net: Network, ws: Workspace, x: Float64Array, batch: number, training: boolean, updateStats: boolean): Float64Array {
  let cur = x;
  net.layers.forEach((l, k) => {
    const out = ws.acts[k];
    const ctx: TrainForwardContext = { training, updateStats, cache: ws.caches[k] };
    l.kind.train.forward(l.s, cur, batch, out, ctx);
    cur = out;
  });
  return cur;
}

/**
 * Training-mode forward pass of `batch` rows of `x` ([batch][inDim]); returns the output
 * activations ([batch][outDim], a view into the workspace). Batch norm uses the batch
 * statistics (and with `updateStats` updates its running statistics), or the running
 * statistics when frozen.
 */
export function forwardTrain(net: Network, ws: Workspace, x: Float64Array, batch: number, updateStats = true): Float64Array {
  ws.input = x;
  return run(net, ws, x, batch, true, updateStats);
}

/** Backward pass after `forwardTrain`: fills every layer's gradient buffers from dL/dout. */
export function backward(net: Network, ws: Workspace, dOut: Float64Array, batch: number): void {
  let g = dOut;
  for (let k = net.layers.length - 1; k >= 0; k--) {
    const l = net.layers[k];
    const input = k === 0 ? ws.input : ws.acts[k - 1];
    const dIn = g === ws.gradA ? ws.gradB : ws.gradA;
    const ctx: TrainForwardContext = { training: true, updateStats: false, cache: ws.caches[k] };
    l.kind.train.backward(l.s, input, g, batch, k === 0 ? undefined : dIn, ctx);
    g = dIn;
  }
}

/** Inference-mode forward (running statistics) of `batch` rows; uses the workspace buffers. */
export function forwardInference(net: Network, ws: Workspace, x: Float64Array, batch: number): Float64Array {
  return run(net, ws, x, batch, false, false);
}

/**
 * Recalibrates every layer with running statistics: `forEachBatch` runs training-mode
 * forward passes (without updating statistics) and calls `after` once per batch; each kind
 * then replaces its running statistics by the average of its batch statistics.
 */
export function recalibrateStats(net: Network, ws: Workspace, batchSize: number, forEachBatch: (after: () => void) => void): void {
  const accs = net.layers.map((l) => l.kind.train.recalibration?.begin(l.s));
  let batches = 0;
  forEachBatch(() => {
    batches++;
    net.layers.forEach((l, k) => l.kind.train.recalibration?.add(accs[k], l.s, ws.caches[k], batchSize));
  });
  if (batches === 0) return;
  net.layers.forEach((l, k) => l.kind.train.recalibration?.finish(accs[k], l.s, batches));
}
