/**
 * Decoding an ONNX file (a protobuf `ModelProto`) with the generated ONNX schema of the
 * `onnx-buf` package, and the file-level checks: a graph, the default-domain opset in the
 * supported range.
 *
 * Why onnx-buf: it is the official onnx.proto of ONNX 1.20 (IR 13) compiled for
 * @bufbuild/protobuf 2 (conformance-tested, no dependencies, int64 as bigint). onnx-proto,
 * the older package, carries ONNX 1.10.2's schema on protobufjs 6. Fields a newer schema adds
 * are skipped by the decoder either way; the ones the importer reads are all in both.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { type ModelProto, ModelProtoSchema } from "onnx-buf";
import { OnnxImportError } from "./errors.js";

/** Oldest default-domain opset read (the one where Clip took min/max as inputs and Gemm's C became optional). */
export const MIN_OPSET = 11;
/** Newest default-domain opset of the ONNX release whose schema this build reads (ONNX 1.20). */
export const MAX_OPSET = 25;

export interface ParsedOnnx {
  proto: ModelProto;
  /** Default-domain opset version. */
  opset: number;
  irVersion: number;
  producer: string;
}

export type ParseOnnxErrorType = OnnxImportError;

export function parseOnnx(bytes: Uint8Array): ParsedOnnx {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength === 0) {
    throw new OnnxImportError({ problem: "the file is empty", details: "Pass the bytes of a .onnx file (torch.onnx.export, tf2onnx, skl2onnx)." });
  }
  let proto: ModelProto;
  try {
    proto = fromBinary(ModelProtoSchema, bytes);
  } catch (cause) {
    throw new OnnxImportError({ problem: `not an ONNX model (protobuf decoding failed: ${(cause as Error).message})`, details: "Pass a .onnx file.", cause });
  }
  const graph = proto.graph;
  if (graph === undefined || (graph.node.length === 0 && graph.input.length === 0)) {
    throw new OnnxImportError({ problem: "the file holds no graph (is it an ONNX model?)", details: "Pass a .onnx model file." });
  }
  const defaults = proto.opsetImport.filter((o) => o.domain === "" || o.domain === "ai.onnx");
  if (defaults.length !== 1) {
    throw new OnnxImportError({ problem: `the model imports the default ONNX opset ${defaults.length} times (expected once)` });
  }
  const opset = Number(defaults[0].version);
  if (!(opset >= MIN_OPSET && opset <= MAX_OPSET)) {
    throw new OnnxImportError({
      problem: `opset ${opset} is not supported (supported: ${MIN_OPSET} to ${MAX_OPSET})`,
      details: `Re-export with opset_version between ${MIN_OPSET} and ${MAX_OPSET}.`,
    });
  }
  return { proto, opset, irVersion: Number(proto.irVersion), producer: [proto.producerName, proto.producerVersion].filter((s) => s !== "").join(" ") };
}
