/**
 * Float inference of a `FloatModel` on plain arrays — the reference that quantized and
 * circuit outputs are compared against. Order: input scaler, layers (batch norm with
 * running statistics; each kind's own forward), inverse target scaler, then the target clamp if one is declared
 * (the circuit clamps too), then the payoff skip if one is declared (the target clamp then
 * bounds the time value).
 */
import type { FloatModel, Layer } from "./types.js";
import { InvalidValueError } from "../errors.js";
import { shown } from "../util/validate.js";
import { layerKind } from "../layers/registry.js";
import { floatPayoff } from "../layers/payoff.js";

export interface ForwardTrace {
  /** Scaled features x' = (x − offset) / scale. */
  scaledInput: number[];
  /** Output of each layer, in layer order. */
  activations: number[][];
  /** Network output in scaled target units. */
  scaledOutput: number;
  /** Output in real units before the clamp. */
  unclamped: number;
  /** Final prediction in real units (clamped, plus the payoff skip if declared). */
  output: number;
  /** The payoff skip's value (0 without one). */
  payoff: number;
}

function applyLayer(layer: Layer, v: number[]): number[] {
  return layerKind(layer.type).forward(layer, v);
}

export type PredictErrorType = InvalidValueError;

/** Every intermediate value of one float inference (see `predict`). */
export function predictTrace(model: FloatModel, x: readonly number[]): ForwardTrace {
  const nf = model.features.length;
  if (!Array.isArray(x) || x.length !== nf) {
    throw new InvalidValueError({ field: "input length", value: Array.isArray(x) ? x.length : typeof x, allowed: `${nf} values (${model.features.map((f) => f.name).join(", ")})` });
  }
  x.forEach((v, j) => {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new InvalidValueError({ field: `input "${model.features[j].name}"`, value: shown(v), allowed: "a finite number" });
    }
  });
  const { offset, scale } = model.scaler;
  const scaledInput = x.map((v, j) => (v - offset[j]) / scale[j]);
  const activations: number[][] = [];
  let v = scaledInput;
  for (const layer of model.layers) {
    v = applyLayer(layer, v);
    activations.push(v);
  }
  const scaledOutput = v[0];
  const unclamped = scaledOutput * model.targetScaler.scale + model.targetScaler.offset;
  let output = unclamped;
  const { min, max } = model.target;
  if (min !== undefined && output < min) output = min;
  if (max !== undefined && output > max) output = max;
  const payoff = model.skip ? floatPayoff(model.skip, x) : 0;
  return { scaledInput, activations, scaledOutput, unclamped, output: output + payoff, payoff };
}

/** Float prediction in real target units for one row of raw feature values. */
export function predict(model: FloatModel, x: readonly number[]): number {
  return predictTrace(model, x).output;
}

/** `predict` for many rows. */
export function predictBatch(model: FloatModel, rows: readonly (readonly number[])[]): number[] {
  return rows.map((r) => predict(model, r));
}
