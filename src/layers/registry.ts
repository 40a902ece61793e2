/**
 * The registry of layer kinds: the one list the trainer, the float forward pass, the model
 * file schema, the quantizer, the bound analysis, the integer reference and the circuit
 * emitter consult. Adding a kind = its module in src/layers/, one line here, and (if it needs
 * a new gadget) its template in circuits/lib/zkinfer.circom. See docs/circuits.md.
 */
import { InvalidValueError } from "../errors.js";
import { batchnorm } from "./batchnorm.js";
import { dense } from "./dense.js";
import type { ActivationOps, LayerKind, QuantizedActivation } from "./kind.js";
import { leakyRelu } from "./leakyRelu.js";
import { relu } from "./relu.js";

export const LAYER_KINDS = [dense, batchnorm, relu, leakyRelu] as const;

/** The plain-data layer of any registered kind (the element type of `FloatModel.layers`). */
export type RegisteredLayer = (typeof LAYER_KINDS)[number] extends infer K ? (K extends LayerKind<infer L, infer _S> ? L : never) : never;

// The kinds are heterogeneous; the registry hands them out with their state type erased.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyLayerKind = LayerKind<{ type: string }, any>;

const byType = new Map<string, AnyLayerKind>(LAYER_KINDS.map((k) => [k.type, k as unknown as AnyLayerKind]));

export const LAYER_TYPES: readonly string[] = LAYER_KINDS.map((k) => k.type);

/** Activation kinds usable after a hidden dense layer (training config, quantized layers). */
export const ACTIVATION_TYPES: readonly string[] = LAYER_KINDS.filter((k) => k.fold.role === "activation").map((k) => k.type);

export function findLayerKind(type: unknown): AnyLayerKind | undefined {
  return typeof type === "string" ? byType.get(type) : undefined;
}

/** The kind of a layer type; an `InvalidValueError` naming `field` for an unknown one. */
export function layerKind(type: unknown, field = "type"): AnyLayerKind {
  const k = findLayerKind(type);
  if (!k) throw new InvalidValueError({ field, value: type, allowed: LAYER_TYPES.map((t) => JSON.stringify(t)).join(", ") });
  return k;
}

/** The output layer's "activation": none (the output rescale and clamp are separate gadgets). */
export const NO_ACTIVATION: QuantizedActivation = Object.freeze({ kind: "none" });

/** The quantized side of an activation kind named in a quantized model. */
export function activationOps(a: QuantizedActivation, field = "activation"): ActivationOps {
  const ops = findLayerKind(a.kind)?.activation;
  if (!ops) throw new InvalidValueError({ field, value: a.kind, allowed: ACTIVATION_TYPES.map((t) => JSON.stringify(t)).join(", ") });
  return ops;
}
