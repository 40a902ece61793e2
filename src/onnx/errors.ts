/**
 * Errors of the ONNX importer. Every refusal is one of two kinds:
 * - `OnnxImportError`: the file as a whole (not ONNX, wrong opset, inputs/outputs, spec mismatch);
 * - `OnnxNodeError`: one node, named by op type, node name and position, with what is supported.
 * Either way nothing is imported: the importer builds the model only after every node passed.
 */
import { BaseError } from "../errors.js";

/** ONNX ops the importer maps onto zkinfer layers (default domain only). */
export const SUPPORTED_OPS = [
  "Gemm",
  "MatMul",
  "Add",
  "Sub",
  "Mul",
  "Div",
  "BatchNormalization",
  "Relu",
  "Clip",
  "Flatten",
  "Reshape",
  "Identity",
  "Cast",
  "Constant",
] as const;

/** One line on what an importable graph is, for the details of every error. */
export const SUPPORTED_SUMMARY =
  `Supported: one input [batch, features] → optional affine scaler (Sub/Div/Mul/Add by per-feature constants, or BatchNormalization) → ` +
  `Gemm or MatMul+Add layers with BatchNormalization (inference mode), Relu and per-feature Sub/Div/Mul/Add between them → optional affine de-scaling ` +
  `(Mul/Add/Sub/Div by constants), Relu or Clip → one output [batch, 1]; Flatten/Reshape/Identity/Cast where they change nothing; ` +
  `weights as initializers or Constant nodes; ops ${SUPPORTED_OPS.join(", ")}; opsets 11 and later.`;

export class OnnxImportError extends BaseError {
  override name = "OnnxImportError";
  readonly problem: string;

  constructor(args: { problem: string; details?: string; cause?: unknown }) {
    super(`ONNX import: ${args.problem}`, { details: args.details ?? SUPPORTED_SUMMARY, cause: args.cause });
    this.problem = args.problem;
  }
}

/** Where a node sits in the graph, for messages. */
export interface OnnxNodeRef {
  /** 0-based position in `graph.node`. */
  index: number;
  /** Nodes in the graph. */
  count: number;
  opType: string;
  /** The node's name ("" when the file gives none). */
  name: string;
  /** Its first output, which names an unnamed node. */
  output?: string;
}

export function describeNode(node: OnnxNodeRef): string {
  const name = node.name !== "" ? JSON.stringify(node.name) : `(unnamed, output ${JSON.stringify(node.output ?? "")})`;
  return `node ${node.index + 1}/${node.count} ${name} (op ${node.opType})`;
}

/** A node the importer cannot map exactly onto a zkinfer layer. */
export class OnnxNodeError extends BaseError {
  override name = "OnnxNodeError";
  readonly opType: string;
  readonly nodeName: string;
  /** 0-based position in the graph's node list. */
  readonly position: number;
  readonly problem: string;

  constructor(args: { node: OnnxNodeRef; problem: string; details?: string; cause?: unknown }) {
    super(`ONNX ${describeNode(args.node)}: ${args.problem}`, { details: args.details ?? SUPPORTED_SUMMARY, cause: args.cause });
    this.opType = args.node.opType;
    this.nodeName = args.node.name;
    this.position = args.node.index;
    this.problem = args.problem;
  }
}
