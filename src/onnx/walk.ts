/**
 * Graph walk: turns the nodes of a parsed ONNX graph into a linear list of steps on the one
 * run-time value (the activation vector of width d, batch first: shape [batch, d]).
 *
 * Each node must read the current activation and constants only; a node that reads an older
 * activation (a branch), a second run-time value, or computes on constants alone is refused.
 * Constants are initializers and Constant nodes (Identity/Cast of a constant stay constant).
 * Shape-only ops (Flatten axis 1, Reshape to [-1|0, d], Identity, Cast to FLOAT/DOUBLE) emit no
 * step. Broadcasts are accepted only when they are provably per feature: a constant of shape
 * [], [1], [d], [1, 1] or [1, d].
 */
import type { GraphProto, NodeProto } from "onnx-buf";
import { type ConstTensor, DataType, dataTypeName, elementCount, readTensor } from "./tensor.js";
import { AttrType, floatAttribute, intAttribute, unknownAttributes } from "./attributes.js";
import { OnnxImportError, OnnxNodeError, type OnnxNodeRef, SUPPORTED_OPS } from "./errors.js";

/** Elementwise op with a per-feature constant c (already broadcast to length d). */
export type AffineOp = "add" | "sub" | "mul" | "div" | "rsub";

export type Step =
  | { kind: "affine"; op: AffineOp; c: number[]; node: OnnxNodeRef }
  /** y = W x + b, weight [out][in]. `bias` false: a MatMul, whose following Add is its bias. */
  | { kind: "dense"; weight: number[][]; bias: number[]; hasBias: boolean; node: OnnxNodeRef }
  | { kind: "batchnorm"; gamma: number[]; beta: number[]; mean: number[]; variance: number[]; eps: number; momentum: number; node: OnnxNodeRef }
  | { kind: "relu"; node: OnnxNodeRef }
  | { kind: "clip"; min?: number; max?: number; node: OnnxNodeRef };

export interface WalkParameters {
  graph: GraphProto;
  /** Name of the graph's one run-time input. */
  input: string;
  /** Its feature count. */
  features: number;
  /** Name of the graph's one output. */
  output: string;
  /** Initializers by name (already read). */
  constants: Map<string, ConstTensor>;
}

export interface WalkReturnType {
  steps: Step[];
  /** Width of the final activation. */
  width: number;
}

const NO_OP_CASTS: readonly number[] = [DataType.FLOAT, DataType.DOUBLE];

function refOf(node: NodeProto, index: number, count: number): OnnxNodeRef {
  return { index, count, opType: node.opType, name: node.name, output: node.output[0] };
}

function finiteOr(ref: OnnxNodeRef, what: string, t: ConstTensor): ConstTensor {
  const k = t.data.findIndex((v) => !Number.isFinite(v));
  if (k >= 0) throw new OnnxNodeError({ node: ref, problem: `${what} holds a non-finite value (${t.data[k]} at flat index ${k})` });
  return t;
}

/**
 * Broadcast of constant `c` against an activation [batch, d], or undefined when it is not
 * provably per feature.
 */
function perFeature(c: ConstTensor, d: number): number[] | undefined {
  const dims = c.dims;
  if (dims.length > 2) return undefined;
  if (dims.length === 2 && dims[0] !== 1) return undefined;
  const last = dims.length === 0 ? 1 : dims[dims.length - 1];
  if (last === 1) return new Array<number>(d).fill(c.data[0]);
  if (last === d) return [...c.data];
  return undefined;
}

/** Walks the graph into steps; throws `OnnxNodeError` at the first node it cannot map. */
export function walkGraph(params: WalkParameters): WalkReturnType {
  const { graph, constants } = params;
  const nodes = graph.node;
  const count = nodes.length;
  let current = params.input;
  /** Run-time values already consumed: a second reader means the graph branches. */
  const consumed = new Set<string>();
  let width = params.features;
  const steps: Step[] = [];

  for (let index = 0; index < count; index++) {
    const node = nodes[index];
    const ref = refOf(node, index, count);
    const fail = (problem: string, details?: string): never => {
      throw new OnnxNodeError({ node: ref, problem, ...(details === undefined ? {} : { details }) });
    };
    if (node.domain !== "" && node.domain !== "ai.onnx") {
      fail(`op domain "${node.domain}" is not supported (only the default ONNX domain)`);
    }
    if (!(SUPPORTED_OPS as readonly string[]).includes(node.opType)) {
      if (node.opType === "Shape" || node.opType === "Size") fail("dynamic shape: the graph computes a shape at run time (export with fixed feature and output widths)");
      fail(`op ${node.opType} is not supported (supported: ${SUPPORTED_OPS.join(", ")})`);
    }
    const inputs = node.input;
    const present = inputs.filter((n) => n !== "");
    const dynamicInputs = present.filter((n) => !constants.has(n));
    const constOf = (name: string | undefined, what: string): ConstTensor => {
      if (name === undefined || name === "") return fail(`${what} is missing`);
      const t = constants.get(name);
      if (t === undefined) return fail(`non-constant ${what}: "${name}" is computed at run time (it must be an initializer or a Constant node)`);
      return finiteOr(ref, `${what} "${name}"`, t);
    };
    const extraOutputs = node.output.slice(1).filter((o) => o !== "");
    if (extraOutputs.length > 0) fail(`it has ${node.output.length} outputs (${extraOutputs.join(", ")}); only the single-output inference form is supported`);
    const out = node.output[0];
    if (out === undefined || out === "") fail("it has no output");

    // --- constants: Constant nodes, and Identity/Cast of a constant.
    if (node.opType === "Constant") {
      constants.set(out, constantNode(node, ref));
      continue;
    }
    if (dynamicInputs.length === 0) {
      if (node.opType === "Identity" || node.opType === "Cast") {
        const t = constOf(present[0], "input");
        if (node.opType === "Cast") checkCast(node, ref);
        constants.set(out, t);
        continue;
      }
      fail("it computes on constants only (constant subgraphs are not supported; export with constant folding on)");
    }

    // --- the run-time value.
    if (dynamicInputs.length > 1) {
      const unique = [...new Set(dynamicInputs)];
      fail(`it reads ${unique.length > 1 ? "two run-time values" : "the same run-time value twice"} (${unique.map((n) => `"${n}"`).join(", ")}); each layer must read one activation and constants`);
    }
    const x = dynamicInputs[0];
    if (x !== current) {
      if (consumed.has(x)) fail(`it reads "${x}", which an earlier node already consumed (branching graphs are not supported: the network must be one chain)`);
      fail(`it reads "${x}", which is neither a constant nor the current activation "${current}"`);
    }
    consumed.add(x);
    const slot = inputs.indexOf(x);

    switch (node.opType) {
      case "Identity":
        break;
      case "Cast":
        checkCast(node, ref);
        break;
      case "Flatten": {
        const unknown = unknownAttributes(node, ["axis"]);
        if (unknown.length > 0) fail(`unknown attribute ${unknown.join(", ")}`);
        const axis = intAttribute(node, "axis", 1);
        if (axis !== 1 && axis !== -1) fail(`Flatten with axis ${axis} changes a [batch, ${width}] activation (only axis 1 is a no-op)`);
        break;
      }
      case "Reshape": {
        if (slot !== 0) fail("the activation must be the data input (0) of Reshape");
        const shapeName = inputs[1];
        if (shapeName === undefined || shapeName === "" || !constants.has(shapeName)) {
          fail(`dynamic shape: the target shape ${shapeName ? `"${shapeName}" ` : ""}is computed at run time (export with a constant shape)`);
        }
        const shape = constOf(shapeName, "shape").data;
        const allowZero = intAttribute(node, "allowzero", 0);
        const batchKept = shape[0] === -1 || (shape[0] === 0 && allowZero === 0);
        const widthKept = shape[1] === width || (shape[1] === -1 && shape[0] === 0 && allowZero === 0);
        if (shape.length !== 2 || !batchKept || !widthKept) {
          fail(`Reshape to ${JSON.stringify(shape)} changes a [batch, ${width}] activation (only [-1, ${width}], [0, ${width}] or [0, -1] are no-ops)`);
        }
        break;
      }
      case "Relu":
        steps.push({ kind: "relu", node: ref });
        break;
      case "Add":
      case "Sub":
      case "Mul":
      case "Div": {
        const cName = inputs[1 - slot];
        const c = constOf(cName, "operand");
        const v = perFeature(c, width);
        if (v === undefined) {
          fail(`broadcast not provably per feature: constant "${cName}" has shape ${JSON.stringify(c.dims)} against an activation [batch, ${width}] (allowed: [], [1], [${width}], [1, ${width}])`);
        }
        const vec = v as number[];
        let op: AffineOp;
        if (node.opType === "Add") op = "add";
        else if (node.opType === "Mul") op = "mul";
        else if (node.opType === "Sub") op = slot === 0 ? "sub" : "rsub";
        else {
          if (slot !== 0) fail("c / x is not affine (only x / c is supported)");
          op = "div";
        }
        if ((op === "mul" || op === "div") && vec.some((e) => e === 0)) {
          fail(`${op === "mul" ? "multiplies" : "divides"} a feature by 0 (constant "${cName}")`);
        }
        steps.push({ kind: "affine", op, c: vec, node: ref });
        break;
      }
      case "Gemm": {
        const unknown = unknownAttributes(node, ["alpha", "beta", "transA", "transB"]);
        if (unknown.length > 0) fail(`unknown attribute ${unknown.join(", ")}`);
        if (slot !== 0) fail("non-constant weight: input B is the run-time value (the activation must be input A)");
        if (intAttribute(node, "transA", 0) !== 0) fail("transA=1 would transpose the batch dimension (only transA=0 is supported)");
        const transB = intAttribute(node, "transB", 0) !== 0;
        const alpha = floatAttribute(node, "alpha", 1);
        const beta = floatAttribute(node, "beta", 1);
        const b = constOf(inputs[1], "weight B");
        if (b.dims.length !== 2) fail(`weight B has shape ${JSON.stringify(b.dims)} (expected a matrix)`);
        const [r, k] = b.dims;
        const inDim = transB ? k : r;
        const outDim = transB ? r : k;
        if (inDim !== width) fail(`weight B has shape ${JSON.stringify(b.dims)}${transB ? " (transB=1)" : ""}, which reads ${inDim} values but the activation has ${width}`);
        const weight = Array.from({ length: outDim }, (_, o) => Array.from({ length: inDim }, (_, i) => alpha * (transB ? b.data[o * k + i] : b.data[i * k + o])));
        let bias = new Array<number>(outDim).fill(0);
        const cName = inputs[2];
        if (cName !== undefined && cName !== "") {
          const c = constOf(cName, "bias C");
          const v = perFeature(c, outDim);
          if (v === undefined) fail(`broadcast not provably per feature: bias C "${cName}" has shape ${JSON.stringify(c.dims)} against an output [batch, ${outDim}]`);
          bias = (v as number[]).map((e) => beta * e);
        }
        steps.push({ kind: "dense", weight, bias, hasBias: true, node: ref });
        width = outDim;
        break;
      }
      case "MatMul": {
        if (slot !== 0) fail("non-constant weight: the run-time value is the right operand (W · x); expected x · W with a constant W");
        const b = constOf(inputs[1], "weight");
        if (b.dims.length !== 2) fail(`weight has shape ${JSON.stringify(b.dims)} (expected a matrix [in, out])`);
        const [inDim, outDim] = b.dims;
        if (inDim !== width) fail(`weight has shape ${JSON.stringify(b.dims)}, which reads ${inDim} values but the activation has ${width}`);
        const weight = Array.from({ length: outDim }, (_, o) => Array.from({ length: inDim }, (_, i) => b.data[i * outDim + o]));
        steps.push({ kind: "dense", weight, bias: new Array<number>(outDim).fill(0), hasBias: false, node: ref });
        width = outDim;
        break;
      }
      case "BatchNormalization": {
        const unknown = unknownAttributes(node, ["epsilon", "momentum", "training_mode", "spatial"]);
        if (unknown.length > 0) fail(`unknown attribute ${unknown.join(", ")}`);
        if (slot !== 0) fail("the activation must be input X (0)");
        if (intAttribute(node, "training_mode", 0) !== 0) fail("training_mode=1 (batch statistics): only inference mode (running statistics) is supported");
        // The default, like every float attribute, is a float32: 1e-5 rounded to float32.
        const eps = floatAttribute(node, "epsilon", Math.fround(1e-5));
        if (!(eps > 0)) fail(`epsilon ${eps} (allowed: a number > 0)`);
        const m = floatAttribute(node, "momentum", 0.9);
        const vec = (name: string | undefined, what: string): number[] => {
          const t = constOf(name, what);
          if (t.dims.length !== 1 || t.dims[0] !== width) fail(`${what} "${name}" has shape ${JSON.stringify(t.dims)} (expected [${width}])`);
          return t.data;
        };
        const gamma = vec(inputs[1], "scale");
        const beta = vec(inputs[2], "bias");
        const mean = vec(inputs[3], "mean");
        const variance = vec(inputs[4], "variance");
        const neg = variance.findIndex((v) => v < 0);
        if (neg >= 0) fail(`variance[${neg}] = ${variance[neg]} (allowed: >= 0)`);
        // ONNX: running = momentum·running + (1 − momentum)·batch; zkinfer's momentum weighs the batch.
        // It only matters for training, which an imported model never does.
        const momentum = 1 - m > 0 && 1 - m <= 1 ? 1 - m : 0.1;
        steps.push({ kind: "batchnorm", gamma, beta, mean, variance, eps, momentum, node: ref });
        break;
      }
      case "Clip": {
        if (slot !== 0) fail("the activation must be the data input (0)");
        const bound = (name: string | undefined, what: string): number | undefined => {
          if (name === undefined || name === "") return undefined;
          const t = constOf(name, what);
          if (elementCount(t.dims) !== 1) fail(`${what} "${name}" has shape ${JSON.stringify(t.dims)} (expected a scalar)`);
          return t.data[0];
        };
        const min = bound(inputs[1], "min");
        const max = bound(inputs[2], "max");
        if (min !== undefined && max !== undefined && !(min < max)) fail(`min ${min} >= max ${max} makes the output constant`);
        // Clip without bounds changes nothing.
        if (min !== undefined || max !== undefined) steps.push({ kind: "clip", ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }), node: ref });
        break;
      }
      default:
        fail(`op ${node.opType} is not supported here`);
    }
    current = out;
  }
  if (current !== params.output) {
    if (count === 0) throw new OnnxImportError({ problem: `the graph has no nodes (its output "${params.output}" is not computed from the input)` });
    throw new OnnxNodeError({
      node: { index: count - 1, count, opType: nodes[count - 1]?.opType ?? "none", name: nodes[count - 1]?.name ?? "", output: nodes[count - 1]?.output[0] },
      problem: `the chain ends at "${current}", but the graph output is "${params.output}" (the output must be the last layer's result)`,
    });
  }
  return { steps, width };
}

function checkCast(node: NodeProto, ref: OnnxNodeRef): void {
  const to = intAttribute(node, "to", -1);
  if (!NO_OP_CASTS.includes(to)) {
    throw new OnnxNodeError({ node: ref, problem: `Cast to ${dataTypeName(to)} changes values (only casts to FLOAT or DOUBLE are no-ops for the float64 model)` });
  }
}

/** The tensor a Constant node defines. */
function constantNode(node: NodeProto, ref: OnnxNodeRef): ConstTensor {
  if (node.attribute.length !== 1) {
    throw new OnnxNodeError({ node: ref, problem: `a Constant node needs exactly one value attribute (it has ${node.attribute.length})` });
  }
  const a = node.attribute[0];
  const fail = (problem: string): never => {
    throw new OnnxNodeError({ node: ref, problem });
  };
  switch (a.name) {
    case "value": {
      if (a.t === undefined || (a.type !== AttrType.TENSOR && a.type !== 0)) return fail("attribute value holds no tensor");
      const t = readTensor(a.t);
      if (typeof t === "string") return fail(`its value cannot be read: ${t}`);
      return t;
    }
    case "value_float":
      return { dims: [], data: [a.f], dataType: DataType.FLOAT };
    case "value_floats":
      return { dims: [a.floats.length], data: [...a.floats], dataType: DataType.FLOAT };
    case "value_int":
      return { dims: [], data: [Number(a.i)], dataType: DataType.INT64 };
    case "value_ints":
      return { dims: [a.ints.length], data: a.ints.map(Number), dataType: DataType.INT64 };
    default:
      return fail(`Constant with attribute ${a.name} is not supported (value, value_float(s), value_int(s))`);
  }
}

