/**
 * Plain-data types of a float model, shared by the trainer (which produces it) and the
 * quantizer (which consumes it). A model file is `ModelFile` serialised as JSON.
 *
 * Units: every feature has real units (e.g. "ratio", "years") and an on-chain
 * representation with `decimals`: the raw integer a contract holds is
 * `round(value * 10^decimals)`. Declared ranges are in real units and are enforced by the
 * circuit on the raw integers.
 */

/** One input feature of a model. */
export interface FeatureSpec {
  /** Identifier, e.g. "moneyness". Unique within a model. */
  name: string;
  /** Human-readable unit, e.g. "S/K", "years", "1/year". */
  unit: string;
  /** On-chain decimals: raw integer = value * 10^decimals (18 = wad). */
  decimals: number;
  /** Inclusive valid range in real units; the circuit rejects inputs outside it. */
  min: number;
  max: number;
}

/** The regression target (model output). */
export interface TargetSpec {
  name: string;
  unit: string;
  /** On-chain decimals of the proven output (18 = wad). */
  decimals: number;
  /** Optional clamp range of the output in real units (applied in the circuit too). */
  min?: number;
  max?: number;
}

/**
 * Per-feature affine scaler: x' = (x - offset[i]) / scale[i].
 * z-score: offset = mean, scale = std. min-max: offset = min, scale = max - min.
 * Fitted on the training split only.
 */
export interface ScalerSpec {
  kind: "zscore" | "minmax";
  offset: number[];
  scale: number[];
}

/** Target scaler y' = (y - offset) / scale; the network predicts y'. */
export interface TargetScalerSpec {
  offset: number;
  scale: number;
}

/**
 * Layers: one module per kind in src/layers/ (dense, batch norm, ReLU, leaky ReLU, …) owns
 * its shape and every stage of it; `Layer` is the union of the registered kinds.
 * Batch norm: training uses batch mean/variance (biased), running stats updated as
 *   running = (1 - momentum) * running + momentum * batchStat  (variance: unbiased batch var);
 * inference: y = gamma * (x - runningMean) / sqrt(runningVar + eps) + beta.
 */
export type { DenseLayer } from "../layers/dense.js";
export type { BatchNormLayer } from "../layers/batchnorm.js";
export type { ReluLayer } from "../layers/relu.js";
import type { RegisteredLayer } from "../layers/registry.js";
import type { PayoffSkip } from "../layers/payoff.js";
export type { PayoffSkip } from "../layers/payoff.js";

export type Layer = RegisteredLayer;

/**
 * The float network: scaler, then layers in order, then the inverse target scaler and the
 * target clamp, then (if declared) the exact payoff skip added to the output
 * (src/layers/payoff.ts: the network learns the time value above the payoff).
 */
export interface FloatModel {
  name: string;
  features: FeatureSpec[];
  target: TargetSpec;
  scaler: ScalerSpec;
  targetScaler: TargetScalerSpec;
  layers: Layer[];
  /** Exact payoff added to the network's output (optional). */
  skip?: PayoffSkip;
}
