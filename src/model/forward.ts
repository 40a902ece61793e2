/**
 * Float inference of a `FloatModel` on plain arrays — the reference that quantized and
 * circuit outputs are compared against. Order: input scaler, layers (batch norm with
 * running statistics), inverse target scaler, then the target clamp if one is declared
 * (the circuit clamps too).
 */
import type { FloatModel, Layer } from "./types.js";
import { InvalidValueError } from "../errors.js";
import { shown } from "../util/validate.js";

export interface ForwardTrace {
  /** Scaled features x' = (x − offset) / scale. */
  scaledInput: number[];
  /** Output of each layer, in layer order. */
  activations: number[][];
  /** Network output in scaled target units. */
  scaledOutput: number;
  /** Output in real units before the clamp. */
  unclamped: number;
  /** Final prediction in real units (clamped). */
  output: number;
}

function applyLayer(layer: Layer, v: number[]): number[] {
  switch (layer.type) {
    case "dense": {
      const out = new Array<number>(layer.outDim);
      for (let o = 0; o < layer.outDim; o++) {
        const w = layer.weight[o];
        let s = layer.bias[o];
        for (let i = 0; i < layer.inDim; i++) s += w[i] * v[i];
        out[o] = s;
      }
      return out;
    }
    case "batchnorm":
      return v.map((x, j) => (layer.gamma[j] * (x - layer.runningMean[j])) / Math.sqrt(layer.runningVar[j] + layer.eps) + layer.beta[j]);
    case "relu":
      return v.map((x) => (x > 0 ? x : 0));
  }
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
  return { scaledInput, activations, scaledOutput, unclamped, output };
}

/** Float prediction in real target units for one row of raw feature values. */
export function predict(model: FloatModel, x: readonly number[]): number {
  return predictTrace(model, x).output;
}

/** `predict` for many rows. */
export function predictBatch(model: FloatModel, rows: readonly (readonly number[])[]): number[] {
  return rows.map((r) => predict(model, r));
}
