import { BaseError, InvalidValueError } from "../errors.js";
import type { QuantizedActivation } from "../layers/kind.js";
import { NO_ACTIVATION, activationOps, findLayerKind } from "../layers/registry.js";
import type { FloatModel } from "../model/types.js";

/** A dense layer with batch norm (and the target scaler, for the last one) folded in. */
export interface FoldedLayer {
  weight: number[][];
  bias: number[];
  /** The block's activation (kind "none" for the output layer). */
  activation: QuantizedActivation;
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
 * Fold the model into blocks "linear [affine] [activation]" by the layer kinds' fold roles
 * (src/layers/): a dense layer starts a block, batch norm folds into it (inference
 * semantics, W' = W · γ/√(σ²+ε) per output row, b' = (b − μ) · γ/√(σ²+ε) + β), an activation
 * ends it. The inverse target scaler folds into the last dense layer (y = y'·scale + offset).
 * Hidden blocks need an activation; the output block has none.
 */
export function foldBatchNorm(model: FloatModel): FoldedModel {
  checkLayers(model);
  const out: FoldedLayer[] = [];
  const layers = model.layers;
  const order = "Supported order: (dense [batchnorm] activation)* dense.";
  let i = 0;
  while (i < layers.length) {
    const layer = layers[i];
    const fold = findLayerKind(layer.type)!.fold;
    if (fold.role !== "linear") {
      throw new UnsupportedModelError(`layer ${i} (${layer.type}) must follow a dense layer`, { details: order });
    }
    let block = fold.start(layer);
    i++;
    let next = layers[i] ? findLayerKind(layers[i].type)!.fold : undefined;
    if (next?.role === "affine") {
      block = next.fold(layers[i], block);
      i++;
      next = layers[i] ? findLayerKind(layers[i].type)!.fold : undefined;
    }
    let activation = NO_ACTIVATION;
    if (next?.role === "activation") {
      activation = next.toQuantized(layers[i]);
      i++;
    }
    out.push({ ...block, activation });
  }
  if (out.length === 0) throw new UnsupportedModelError("the model has no dense layer");
  const last = out[out.length - 1];
  if (last.activation.kind !== "none") {
    throw new UnsupportedModelError("the output layer must be dense without activation", {
      details: "Remove the final activation; declare an output clamp (target min/max) instead.",
    });
  }
  out.slice(0, -1).forEach((l, k) => {
    if (l.activation.kind === "none") {
      throw new UnsupportedModelError(`hidden block ${k} (a dense layer) has no activation after it`, { details: `${order} Merge consecutive dense layers first.` });
    }
  });
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
    const f = layer.activation.kind === "none" ? undefined : activationOps(layer.activation);
    v = layer.weight.map((row, j) => {
      let s = layer.bias[j];
      for (let k = 0; k < row.length; k++) s += row[k] * v[k];
      return f ? f.float(layer.activation, s) : s;
    });
  }
  return v[0];
}

/** Every layer of a registered kind, every number finite, the kind's own checks passed. */
function checkLayers(model: FloatModel): void {
  const check = (where: string, values: readonly unknown[]) => {
    values.forEach((v, j) => {
      if (Array.isArray(v)) check(`${where}[${j}]`, v);
      else if (!Number.isFinite(v)) throw new InvalidValueError({ field: `${where}[${j}]`, value: v, allowed: "a finite number" });
    });
  };
  let dim = model.features.length;
  model.layers.forEach((layer, i) => {
    const kind = findLayerKind((layer as { type?: unknown }).type);
    if (!kind) {
      throw new UnsupportedModelError(`layer ${i} has unsupported type ${JSON.stringify((layer as { type: unknown }).type)}`, {
        details: "Supported layers: dense, batchnorm, and the registered activations (src/layers/registry.ts).",
      });
    }
    for (const [key, v] of Object.entries(layer)) if (Array.isArray(v)) check(`layers[${i}] (${layer.type}).${key}`, v);
    dim = kind.validate(layer, `layers[${i}] (${layer.type})`, dim, i);
  });
  check("scaler.offset", model.scaler.offset);
  check("scaler.scale", model.scaler.scale);
  model.scaler.scale.forEach((s, j) => {
    if (s <= 0) throw new InvalidValueError({ field: `scaler.scale[${j}] (${model.features[j]?.name})`, value: s, allowed: "> 0" });
  });
  check("targetScaler", [model.targetScaler.offset, model.targetScaler.scale]);
}
