import { BaseError, InvalidValueError } from "../errors.js";
import type { FloatModel, Layer } from "../model/types.js";

/** A dense layer with batch norm (and the target scaler, for the last one) folded in. */
export interface FoldedLayer {
  weight: number[][];
  bias: number[];
  relu: boolean;
}

/** The float network as the quantizer sees it: scaler + folded dense layers, real-unit output. */
export interface FoldedModel {
  model: FloatModel;
  layers: FoldedLayer[];
}

export class UnsupportedModelError extends BaseError {
  override name = "UnsupportedModelError";
}

/**
 * Fold every batch norm into the dense layer before it (inference semantics):
 *   W' = W · γ/√(σ²+ε) (per output row),  b' = (b − μ) · γ/√(σ²+ε) + β,
 * and the inverse target scaler into the last dense layer (y = y'·scale + offset).
 * Supported layer order: (dense [batchnorm] relu)* dense.
 */
export function foldBatchNorm(model: FloatModel): FoldedModel {
  checkFinite(model);
  const out: FoldedLayer[] = [];
  const layers = model.layers;
  let i = 0;
  while (i < layers.length) {
    const layer = layers[i];
    if (layer.type !== "dense") {
      throw new UnsupportedModelError(`layer ${i} (${layer.type}) must follow a dense layer`, {
        details: "Supported order: (dense [batchnorm] relu)* dense.",
      });
    }
    let weight = layer.weight.map((r) => [...r]);
    let bias = [...layer.bias];
    i++;
    const next = layers[i];
    if (next?.type === "batchnorm") {
      if (next.dim !== layer.outDim) {
        throw new UnsupportedModelError(`layer ${i} (batchnorm) has dim ${next.dim} but the dense layer before it outputs ${layer.outDim}`);
      }
      const k = next.gamma.map((g, j) => g / Math.sqrt(next.runningVar[j] + next.eps));
      weight = weight.map((row, j) => row.map((w) => w * k[j]));
      bias = bias.map((b, j) => (b - next.runningMean[j]) * k[j] + next.beta[j]);
      i++;
    }
    let relu = false;
    if (layers[i]?.type === "relu") {
      relu = true;
      i++;
    }
    out.push({ weight, bias, relu });
  }
  if (out.length === 0) throw new UnsupportedModelError("the model has no dense layer");
  const last = out[out.length - 1];
  if (last.relu) {
    throw new UnsupportedModelError("the output layer must be dense without activation", {
      details: "Remove the final relu; declare an output clamp (target min/max) instead.",
    });
  }
  const { offset, scale } = model.targetScaler;
  last.weight = last.weight.map((row) => row.map((w) => w * scale));
  last.bias = last.bias.map((b) => b * scale + offset);
  if (last.weight.length !== 1) {
    throw new UnsupportedModelError(`the output layer has ${last.weight.length} outputs; exactly 1 is supported`);
  }
  if (out[0].weight[0]?.length !== model.features.length) {
    throw new UnsupportedModelError(`the first dense layer takes ${out[0].weight[0]?.length} inputs but the model declares ${model.features.length} features`);
  }
  return { model, layers: out };
}

/** Float forward pass of a folded model on real-unit features (no clamp). */
export function foldedForward(folded: FoldedModel, x: readonly number[]): number {
  const { scaler } = folded.model;
  let v = x.map((xi, j) => (xi - scaler.offset[j]) / scaler.scale[j]);
  for (const layer of folded.layers) {
    v = layer.weight.map((row, j) => {
      let s = layer.bias[j];
      for (let k = 0; k < row.length; k++) s += row[k] * v[k];
      return layer.relu && s < 0 ? 0 : s;
    });
  }
  return v[0];
}

function checkFinite(model: FloatModel): void {
  const check = (where: string, values: readonly number[]) => {
    values.forEach((v, j) => {
      if (!Number.isFinite(v)) throw new InvalidValueError({ field: `${where}[${j}]`, value: v, allowed: "a finite number" });
    });
  };
  model.layers.forEach((layer: Layer, i) => {
    if (layer.type === "dense") {
      layer.weight.forEach((row, r) => check(`layers[${i}] (dense).weight[${r}]`, row));
      check(`layers[${i}] (dense).bias`, layer.bias);
    } else if (layer.type === "batchnorm") {
      check(`layers[${i}] (batchnorm).gamma`, layer.gamma);
      check(`layers[${i}] (batchnorm).beta`, layer.beta);
      check(`layers[${i}] (batchnorm).runningMean`, layer.runningMean);
      check(`layers[${i}] (batchnorm).runningVar`, layer.runningVar);
      layer.runningVar.forEach((v, j) => {
        if (v + layer.eps <= 0) throw new InvalidValueError({ field: `layers[${i}] (batchnorm).runningVar[${j}]`, value: v, allowed: "runningVar + eps > 0" });
      });
    } else if (layer.type !== "relu") {
      throw new UnsupportedModelError(`layer ${i} has unsupported type ${JSON.stringify((layer as { type: unknown }).type)}`, {
        details: "Supported layers: dense, batchnorm, relu.",
      });
    }
  });
  check("scaler.offset", model.scaler.offset);
  check("scaler.scale", model.scaler.scale);
  model.scaler.scale.forEach((s, j) => {
    if (s <= 0) throw new InvalidValueError({ field: `scaler.scale[${j}] (${model.features[j]?.name})`, value: s, allowed: "> 0" });
  });
  check("targetScaler", [model.targetScaler.offset, model.targetScaler.scale]);
}
