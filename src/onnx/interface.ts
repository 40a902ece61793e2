/**
 * The graph's interface: exactly one run-time input of shape [batch, features] (FLOAT or
 * DOUBLE), exactly one output, and the initializers as constants. An initializer that is
 * also listed as a graph input (IR version 4 and later) can be replaced by the caller at
 * run time, so it is a non-constant weight and refused; before IR 4 every initializer had to
 * be listed as an input and that listing means nothing.
 */
import type { GraphProto, ValueInfoProto } from "onnx-buf";
import { type ConstTensor, DataType, dataTypeName, readTensor } from "./tensor.js";
import { OnnxImportError, OnnxNodeError, type OnnxNodeRef } from "./errors.js";
import type { ParsedOnnx } from "./parse.js";

export type OnnxPrecision = "float32" | "float64";

export interface GraphInterface {
  input: string;
  output: string;
  /** FLOAT input → "float32", DOUBLE → "float64". */
  precision: OnnxPrecision;
  constants: Map<string, ConstTensor>;
}

function firstReader(graph: GraphProto, name: string): OnnxNodeRef | undefined {
  const index = graph.node.findIndex((n) => n.input.includes(name));
  if (index < 0) return undefined;
  const n = graph.node[index];
  return { index, count: graph.node.length, opType: n.opType, name: n.name, output: n.output[0] };
}

/** The node that writes `name`. */
function writer(graph: GraphProto, name: string): OnnxNodeRef | undefined {
  if (name === "") return undefined;
  const index = graph.node.findIndex((n) => n.output.includes(name));
  if (index < 0) return undefined;
  const n = graph.node[index];
  return { index, count: graph.node.length, opType: n.opType, name: n.name, output: n.output[0] };
}

/** Refuse at the node that writes the graph output `name`, if there is one. */
function failAtOutput(graph: GraphProto, name: string, problem: string): never {
  const node = writer(graph, name);
  if (node) throw new OnnxNodeError({ node, problem });
  throw new OnnxImportError({ problem });
}

function failAt(graph: GraphProto, name: string, problem: string): never {
  const node = firstReader(graph, name);
  if (node) throw new OnnxNodeError({ node, problem });
  throw new OnnxImportError({ problem });
}

function tensorType(v: ValueInfoProto) {
  return v.type?.value.case === "tensorType" ? v.type.value.value : undefined;
}

export function graphInterface(parsed: ParsedOnnx, features: number): GraphInterface {
  const graph = parsed.proto.graph as GraphProto;
  const constants = new Map<string, ConstTensor>();
  for (const t of graph.initializer) {
    const read = readTensor(t);
    if (typeof read === "string") failAt(graph, t.name, `initializer "${t.name}" cannot be read: ${read}`);
    constants.set(t.name, read as ConstTensor);
  }
  if (graph.sparseInitializer.length > 0) {
    failAt(graph, graph.sparseInitializer[0].values?.name ?? "", "sparse initializers are not supported");
  }
  const runtime: ValueInfoProto[] = [];
  for (const v of graph.input) {
    if (!constants.has(v.name)) runtime.push(v);
    else if (parsed.irVersion >= 4) {
      failAt(graph, v.name, `non-constant weight: initializer "${v.name}" is also a graph input, so a caller can replace it at run time (re-export without initializers as inputs, e.g. torch.onnx.export(..., keep_initializers_as_inputs=False))`);
    }
  }
  if (runtime.length === 0) throw new OnnxImportError({ problem: "the graph has no run-time input" });
  if (runtime.length > 1) {
    failAt(graph, runtime[1].name, `second input: the graph has ${runtime.length} run-time inputs (${runtime.map((v) => `"${v.name}"`).join(", ")}); a model reads one input vector of ${features} features`);
  }
  const input = runtime[0];
  const type = tensorType(input);
  if (type === undefined) failAt(graph, input.name, `input "${input.name}" is not a tensor`);
  const elem = type!.elemType;
  if (elem !== DataType.FLOAT && elem !== DataType.DOUBLE) {
    failAt(graph, input.name, `input "${input.name}" has element type ${dataTypeName(elem)} (supported: FLOAT, DOUBLE)`);
  }
  const shape = type!.shape;
  if (shape !== undefined) {
    const dims = shape.dim.map((d) => (d.value.case === "dimValue" ? String(d.value.value) : d.value.case === "dimParam" ? d.value.value : "?"));
    if (dims.length !== 2) {
      failAt(graph, input.name, `input "${input.name}" has shape [${dims.join(", ")}] (expected [batch, ${features}])`);
    }
    const width = shape.dim[1].value;
    if (width.case !== "dimValue") {
      failAt(graph, input.name, `dynamic shape: input "${input.name}" has shape [${dims.join(", ")}]; its feature dimension must be fixed (${features})`);
    }
    if (Number(width.value) !== features) {
      failAt(graph, input.name, `input "${input.name}" has ${String(width.value)} features but the spec declares ${features}`);
    }
  }
  if (graph.output.length !== 1) {
    failAtOutput(graph, graph.output[1]?.name ?? "", `the graph has ${graph.output.length} outputs (${graph.output.map((o) => `"${o.name}"`).join(", ")}); a model has exactly one output`);
  }
  const output = graph.output[0];
  const outType = tensorType(output);
  const outShape = outType?.shape?.dim;
  if (outShape !== undefined && outShape.length > 0) {
    const w = outShape[outShape.length - 1].value;
    if (outShape.length !== 2 || (w.case === "dimValue" && Number(w.value) !== 1)) {
      const dims = outShape.map((d) => (d.value.case === "dimValue" ? String(d.value.value) : d.value.case === "dimParam" ? d.value.value : "?"));
      failAtOutput(graph, output.name, `output "${output.name}" has shape [${dims.join(", ")}] (expected [batch, 1]: one target)`);
    }
  }
  return { input: input.name, output: output.name, precision: elem === DataType.FLOAT ? "float32" : "float64", constants };
}
