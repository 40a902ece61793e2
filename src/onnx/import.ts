/**
 * `importOnnx(bytes, spec, { name })`: an ONNX MLP → the same `FloatModel` the trainer writes,
 * with features (units, decimals, declared ranges) and target (name, unit, decimals) from the
 * spec. The graph is checked whole before anything is built: any node the importer cannot map
 * exactly is an `OnnxNodeError` naming it, and nothing is imported.
 *
 * The imported model computes in float64 with the file's weights exactly (float32 weights are
 * float64 values); a float32 file then differs from float32 execution only by float32 rounding.
 */
import type { FeatureSpec, FloatModel, TargetSpec } from "../model/types.js";
import { validateFeatureSpecs, validateFloatModel, validateTargetSpec } from "../model/validate.js";
import { InvalidValueError } from "../errors.js";
import { assembleSteps } from "./assemble.js";
import { OnnxImportError } from "./errors.js";
import { type OnnxPrecision, graphInterface } from "./interface.js";
import { parseOnnx } from "./parse.js";
import { walkGraph } from "./walk.js";

/** What the ONNX file does not say: the features' and the target's units, decimals and ranges. */
export interface OnnxImportSpec {
  /** Features in the order of the input's columns. */
  features: FeatureSpec[];
  /**
   * The target. A declared min/max must be the graph's own output clamp (a final Relu or
   * Clip); without one, the graph's clamp (if any) is taken.
   */
  target: TargetSpec;
  /** Default model name. */
  name?: string;
}

export interface ImportOnnxOptions {
  /** Model name (default: spec.name, else the graph's name, else "onnx-model"). */
  name?: string;
}

export interface ImportOnnxReturnType {
  model: FloatModel;
  precision: OnnxPrecision;
  opset: number;
  producer: string;
  /** "graph": the file's scaler ops; "spec": min-max over the declared ranges (no scaler ops in the file). */
  scalerSource: "graph" | "spec";
}

export type ImportOnnxErrorType = OnnxImportError | InvalidValueError;

/** Two clamp bounds agree if equal, or equal once the spec's is rounded to float32 (a float32 file's constant). */
function sameBound(spec: number, graph: number): boolean {
  return spec === graph || Math.fround(spec) === graph;
}

export function importOnnx(bytes: Uint8Array, spec: OnnxImportSpec, options: ImportOnnxOptions = {}): ImportOnnxReturnType {
  if (spec === null || typeof spec !== "object") throw new InvalidValueError({ field: "spec", value: spec, allowed: "an object with features and target" });
  validateFeatureSpecs(spec.features, "spec.features");
  validateTargetSpec(spec.target, "spec.target");
  const parsed = parseOnnx(bytes);
  const graph = parsed.proto.graph!;
  const iface = graphInterface(parsed, spec.features.length);
  const { steps } = walkGraph({ graph, input: iface.input, output: iface.output, features: spec.features.length, constants: iface.constants });
  const parts = assembleSteps(steps, spec.features);

  const target: TargetSpec = { name: spec.target.name, unit: spec.target.unit, decimals: spec.target.decimals };
  for (const side of ["min", "max"] as const) {
    const declared = spec.target[side];
    const actual = parts.clamp[side];
    if (declared !== undefined && actual === undefined) {
      throw new OnnxImportError({
        problem: `the spec declares target.${side} = ${declared} but the graph applies no ${side === "min" ? "lower" : "upper"} output clamp`,
        details: `Remove target.${side} from the spec, or export the model with a final Clip (or Relu for min 0).`,
      });
    }
    if (declared !== undefined && actual !== undefined && !sameBound(declared, actual)) {
      throw new OnnxImportError({
        problem: `the spec declares target.${side} = ${declared} but the graph clamps the output at ${actual}`,
        details: `Make target.${side} in the spec ${actual}, or remove it.`,
      });
    }
    if (actual !== undefined) target[side] = actual;
  }
  const name = options.name ?? spec.name ?? (graph.name.trim() !== "" ? graph.name.trim() : "onnx-model");
  const model: FloatModel = {
    name,
    features: spec.features.map((f) => ({ ...f })),
    target,
    scaler: parts.scaler,
    targetScaler: parts.targetScaler,
    layers: parts.layers,
  };
  validateFloatModel(model);
  return { model, precision: iface.precision, opset: parsed.opset, producer: parsed.producer, scalerSource: parts.scalerSource };
}
