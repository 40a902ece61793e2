/**
 * The contract every layer kind fulfils (one module per kind in src/layers/, listed once in
 * registry.ts). A kind owns every stage of its layer: the plain-data shape and its schema,
 * shape checks, the float forward pass, training (parameters, forward, backward), its role in
 * batch-norm folding and — for activations — quantization, the integer forward pass, the
 * bound and error analysis, the circom gadget, its constraint cost and its model-id code.
 * The stages (trainer, quantizer, circuit emitter) only ever ask the registry.
 */
import type { z } from "zod";
import type { Rng } from "../util/rng.js";

/** A trainable parameter with its gradient buffer. */
export interface ParamRef {
  value: Float64Array;
  grad: Float64Array;
}

/** What a training-mode forward pass of a layer may use. */
export interface TrainForwardContext {
  /** Training mode (batch statistics) or inference mode (running statistics). */
  training: boolean;
  /** In training mode: update running statistics from the batch. */
  updateStats: boolean;
  /** The layer's cache from `createCache` (undefined if it has none). */
  cache: unknown;
}

/** Settings a kind may need to create a fresh layer in `createNetwork`. */
export interface CreateLayerParameters {
  inDim: number;
  outDim: number;
  rng: Rng;
  bnMomentum: number;
  bnEps: number;
}

/**
 * Training state of a layer: Float64Array parameters, gradients and flags. `S` is private to
 * the kind; the network only passes it back.
 */
export interface TrainOps<L, S> {
  /** A fresh layer (random or neutral initial parameters). */
  create(p: CreateLayerParameters): S;
  /** Training state holding copies of a plain layer's parameters. */
  fromLayer(layer: L): S;
  toLayer(s: S): L;
  outDim(s: S): number;
  /** Trainable parameters (with gradients), in a fixed order. */
  params(s: S): ParamRef[];
  /** Every parameter and statistic, in a fixed order (for snapshots). */
  state(s: S): Float64Array[];
  createCache?(s: S, maxBatch: number): unknown;
  /** out = layer(x) for `batch` row-major rows. */
  forward(s: S, x: Float64Array, batch: number, out: Float64Array, ctx: TrainForwardContext): void;
  /** Fills the layer's gradients from dL/dout; dx (if given) = dL/dx. */
  backward(s: S, x: Float64Array, dout: Float64Array, batch: number, dx: Float64Array | undefined, ctx: TrainForwardContext): void;
  /** Set on kinds (batch norm) whose shift cancels the preceding layer's bias. */
  absorbsPrecedingBias?: boolean;
  /** Told whether the next layer absorbs this layer's bias (then the bias is not trained). */
  setBiasAbsorbed?(s: S, absorbed: boolean): void;
  /** Switches between batch statistics (false) and frozen running statistics (true). */
  setStatsFrozen?(s: S, frozen: boolean): void;
  /** Running-statistics recalibration: average of batch statistics over a pass (see train.ts). */
  recalibration?: {
    begin(s: S): unknown;
    add(acc: unknown, s: S, cache: unknown, batch: number): void;
    finish(acc: unknown, s: S, batches: number): void;
  };
}

/**
 * How a layer enters the quantizer's blocks "linear [affine] [activation]":
 * - linear: starts a block with its weight and bias (dense);
 * - affine: a per-feature map folded into the block's weight and bias (batch norm);
 * - activation: the block's elementwise activation (relu, leaky relu, …).
 */
export type FoldRole<L> =
  | { role: "linear"; start(layer: L): { weight: number[][]; bias: number[] } }
  | { role: "affine"; fold(layer: L, block: { weight: number[][]; bias: number[] }): { weight: number[][]; bias: number[] } }
  | { role: "activation"; toQuantized(layer: L): QuantizedActivation };

/** Inclusive integer interval. */
export interface Interval {
  lo: bigint;
  hi: bigint;
}

/** An activation as the quantized model stores it: the kind's name and its integer parameters. */
export interface QuantizedActivation {
  /** Registry name ("relu", "leakyRelu", …), or "none" for the output layer. */
  kind: string;
  /** Integer parameters of the kind (e.g. leaky ReLU's k for slope 2^-k). */
  params?: number[];
}

/**
 * The fixed-point side of an activation. It acts on a layer accumulator `acc` at scale
 * 2^F (F = actBits + weightBits) and returns the next activation at scale 2^actBits, i.e. it
 * includes the rescale by 2^shift (shift = weightBits). `integer` must be bit-exact with the
 * circom gadget that `emit` instantiates.
 */
export interface ActivationOps {
  /** Model-id integers of this activation: [code, ...params]; 0 = none and 1 = relu (as version 1 encoded the relu flag). */
  idCodes(a: QuantizedActivation): bigint[];
  /** The float function (real units, no rounding). */
  float(a: QuantizedActivation, x: number): number;
  /** Integer semantics, bit-exact with the circuit. */
  integer(a: QuantizedActivation, acc: bigint, shift: number): bigint;
  /** Decomposition width the gadget needs for accumulators in `iv` (refuses widths near the field size). */
  bits(a: QuantizedActivation, iv: Interval, shift: number, where: string): number;
  /** Exact output interval for accumulators in `iv` (the activations are monotone). */
  outInterval(a: QuantizedActivation, iv: Interval, shift: number): Interval;
  /** Constraints (`--O2`) of one neuron's gadget with decomposition width `bits`. */
  constraints(a: QuantizedActivation, bits: number): number;
  /** The circom template instantiation, e.g. `RescaleRelu(20, 16)`; the gadget has `in` and `out`. */
  gadget(a: QuantizedActivation, bits: number, shift: number): string;
  /** Range [min, max] of the float function's slope on the real interval [lo, hi]. */
  slopes(a: QuantizedActivation, lo: number, hi: number): [number, number];
  /**
   * Interval of integer(acc)·2^−actBits − float(acc·2^−F) (the rounding of the rescale, in
   * real units) for accumulators whose real value a = acc·2^−F lies in [lo, hi];
   * unit = 2^−actBits.
   */
  rounding(a: QuantizedActivation, lo: number, hi: number, unit: number): [number, number];
  /** Checks the integer parameters of a stored activation (file loader). */
  check(a: QuantizedActivation, where: string): void;
}

/** One layer kind: every stage of it. `L` is its plain-data layer (in FloatModel.layers). */
export interface LayerKind<L extends { type: string }, S = unknown> {
  type: L["type"];
  /** zod schema of the plain layer in a model file. */
  schema: z.ZodType<L>;
  /** Shape and value checks; returns the output width. `at` names the layer (e.g. "layers[2]"). */
  validate(layer: L, at: string, inDim: number, index: number): number;
  /** Float inference on one row. */
  forward(layer: L, v: readonly number[]): number[];
  train: TrainOps<L, S>;
  fold: FoldRole<L>;
  /** For activation kinds: the quantized side. */
  activation?: ActivationOps;
}
