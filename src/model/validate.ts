/**
 * Shape and value checks of model specs and float models. Every failure is an
 * `InvalidValueError` whose field names the exact place, e.g. `layers[2].weight[3][1]`.
 */
import type { FeatureSpec, FloatModel, Layer, TargetSpec } from "./types.js";
import { InvalidValueError } from "../errors.js";
import { shown } from "../util/validate.js";
import { vector } from "../layers/check.js";
import { layerKind } from "../layers/registry.js";
import { validatePayoff } from "../layers/payoff.js";

export type ValidateFloatModelErrorType = InvalidValueError;

const MAX_DECIMALS = 77; // 10^77 < 2^256: a raw on-chain integer still fits a uint256.

function finite(field: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new InvalidValueError({ field, value: shown(v), allowed: "a finite number" });
  }
  return v;
}

function decimals(field: string, v: unknown): void {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > MAX_DECIMALS) {
    throw new InvalidValueError({ field, value: v, allowed: `an integer in [0, ${MAX_DECIMALS}]` });
  }
}

function name(field: string, v: unknown): void {
  if (typeof v !== "string" || v.trim() === "" || v !== v.trim()) {
    throw new InvalidValueError({ field, value: v, allowed: "a non-empty string without leading or trailing spaces" });
  }
}

/** Feature specs: at least one, unique names, integer decimals, finite min < max. */
export function validateFeatureSpecs(features: readonly FeatureSpec[], field = "features"): void {
  if (!Array.isArray(features) || features.length === 0) {
    throw new InvalidValueError({ field, value: features, allowed: "a non-empty array of feature specs" });
  }
  const seen = new Set<string>();
  features.forEach((f, i) => {
    const at = `${field}[${i}]`;
    name(`${at}.name`, f.name);
    if (seen.has(f.name)) throw new InvalidValueError({ field: `${at}.name`, value: f.name, allowed: "a name not used by another feature" });
    seen.add(f.name);
    if (typeof f.unit !== "string") throw new InvalidValueError({ field: `${at}.unit`, value: f.unit, allowed: "a string" });
    decimals(`${at}.decimals`, f.decimals);
    finite(`${at}.min`, f.min);
    finite(`${at}.max`, f.max);
    if (!(f.min < f.max)) {
      throw new InvalidValueError({ field: `${at} (${f.name}) range`, value: [f.min, f.max], allowed: "min < max" });
    }
  });
}

/** Target spec: name, unit, integer decimals, optional finite clamp with min < max. */
export function validateTargetSpec(target: TargetSpec, field = "target"): void {
  if (target === null || typeof target !== "object") throw new InvalidValueError({ field, value: target, allowed: "a target spec object" });
  name(`${field}.name`, target.name);
  if (typeof target.unit !== "string") throw new InvalidValueError({ field: `${field}.unit`, value: target.unit, allowed: "a string" });
  decimals(`${field}.decimals`, target.decimals);
  if (target.min !== undefined) finite(`${field}.min`, target.min);
  if (target.max !== undefined) finite(`${field}.max`, target.max);
  if (target.min !== undefined && target.max !== undefined && !(target.min < target.max)) {
    throw new InvalidValueError({ field: `${field} clamp`, value: [target.min, target.max], allowed: "min < max" });
  }
}

function validateLayer(layer: Layer, i: number, dim: number): number {
  const at = `layers[${i}]`;
  const kind = layerKind((layer as { type?: unknown }).type, `${at}.type`);
  return kind.validate(layer, at, dim, i);
}

/**
 * Checks a float model: specs valid, scaler sized to the features with positive scales,
 * layers chained with matching dimensions starting at a dense layer whose inDim is the
 * feature count and ending at a dense layer with one output, every number finite.
 */
export function validateFloatModel(model: FloatModel): void {
  name("name", model.name);
  validateFeatureSpecs(model.features, "features");
  validateTargetSpec(model.target, "target");
  const nf = model.features.length;
  const s = model.scaler;
  if (s === null || typeof s !== "object" || (s.kind !== "zscore" && s.kind !== "minmax")) {
    throw new InvalidValueError({ field: "scaler.kind", value: s?.kind, allowed: '"zscore" or "minmax"' });
  }
  vector("scaler.offset", s.offset, nf);
  vector("scaler.scale", s.scale, nf).forEach((v, k) => {
    if (!(v > 0)) throw new InvalidValueError({ field: `scaler.scale[${k}] (${model.features[k].name})`, value: v, allowed: "a number > 0" });
  });
  finite("targetScaler.offset", model.targetScaler?.offset);
  if (!(finite("targetScaler.scale", model.targetScaler.scale) > 0)) {
    throw new InvalidValueError({ field: "targetScaler.scale", value: model.targetScaler.scale, allowed: "a number > 0" });
  }
  if (!Array.isArray(model.layers) || model.layers.length === 0) {
    throw new InvalidValueError({ field: "layers", value: model.layers, allowed: "a non-empty array of layers" });
  }
  if (model.layers[0].type !== "dense") {
    throw new InvalidValueError({ field: "layers[0].type", value: model.layers[0].type, allowed: '"dense" (the first layer reads the scaled features)' });
  }
  let dim = nf;
  model.layers.forEach((layer, i) => {
    dim = validateLayer(layer, i, dim);
  });
  const last = model.layers.length - 1;
  if (model.layers[last].type !== "dense") {
    throw new InvalidValueError({ field: `layers[${last}].type`, value: model.layers[last].type, allowed: '"dense" (the output layer has no activation)' });
  }
  if (dim !== 1) {
    throw new InvalidValueError({ field: `layers[${last}].outDim`, value: dim, allowed: "1 (one target)" });
  }
  if (model.skip !== undefined) validatePayoff(model.skip, model.features, "skip");
}
