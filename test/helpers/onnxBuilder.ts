/**
 * A small builder of ONNX files with the `onnx-buf` schema, for fixtures and tests: graphs are
 * written the way exporters write them (initializers as raw little-endian data, Constant nodes,
 * named inputs/outputs with symbolic batch dimensions). Every file it makes is checked with
 * onnxruntime-node in the tests, so it is real ONNX.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import {
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from "onnx-buf";

export type Dtype = "float32" | "float64" | "int64";
const CODE: Record<Dtype, number> = { float32: 1, float64: 11, int64: 7 };

/** Tensor values stored as raw_data (as PyTorch writes initializers) or in the typed field (as in Constant nodes). */
export function tensor(name: string, dims: number[], data: readonly number[], dtype: Dtype, storage: "raw" | "typed" = "raw"): TensorProto {
  const t = create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType: CODE[dtype] });
  if (storage === "raw") {
    const size = dtype === "float32" ? 4 : 8;
    const buf = new ArrayBuffer(data.length * size);
    const view = new DataView(buf);
    data.forEach((v, k) => {
      if (dtype === "float32") view.setFloat32(k * size, v, true);
      else if (dtype === "float64") view.setFloat64(k * size, v, true);
      else view.setBigInt64(k * size, BigInt(v), true);
    });
    t.rawData = new Uint8Array(buf);
  } else if (dtype === "float32") t.floatData = data.map((v) => Math.fround(v));
  else if (dtype === "float64") t.doubleData = [...data];
  else t.int64Data = data.map((v) => BigInt(v));
  return t;
}

export type AttrValue = number | number[] | TensorProto | { int: number } | { ints: number[] };

/** Attributes: a plain number is a FLOAT, `{ int }` an INT, `{ ints }` INTS, a tensor a TENSOR. */
export function attr(name: string, value: AttrValue): AttributeProto {
  if (typeof value === "number") return create(AttributeProtoSchema, { name, type: 1, f: value });
  if (Array.isArray(value)) return create(AttributeProtoSchema, { name, type: 6, floats: value });
  if ("int" in value) return create(AttributeProtoSchema, { name, type: 2, i: BigInt(value.int) });
  if ("ints" in value) return create(AttributeProtoSchema, { name, type: 7, ints: value.ints.map(BigInt) });
  return create(AttributeProtoSchema, { name, type: 4, t: value as TensorProto });
}

export function valueInfo(name: string, dims: (number | string)[] | undefined, dtype: Dtype): ValueInfoProto {
  const shape =
    dims === undefined
      ? undefined
      : create(TensorShapeProtoSchema, {
          dim: dims.map((d) =>
            create(TensorShapeProto_DimensionSchema, { value: typeof d === "number" ? { case: "dimValue", value: BigInt(d) } : { case: "dimParam", value: d } }),
          ),
        });
  return create(ValueInfoProtoSchema, {
    name,
    type: create(TypeProtoSchema, { value: { case: "tensorType", value: create(TypeProto_TensorSchema, { elemType: CODE[dtype], shape }) } }),
  });
}

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly inputs: ValueInfoProto[] = [];
  readonly outputs: ValueInfoProto[] = [];
  constructor(readonly dtype: "float32" | "float64") {}

  input(name: string, dims: (number | string)[] | undefined, dtype: Dtype = this.dtype): this {
    this.inputs.push(valueInfo(name, dims, dtype));
    return this;
  }

  output(name: string, dims: (number | string)[] | undefined, dtype: Dtype = this.dtype): this {
    this.outputs.push(valueInfo(name, dims, dtype));
    return this;
  }

  /** An initializer; returns its name. */
  init(name: string, dims: number[], data: readonly number[], dtype: Dtype = this.dtype): string {
    this.initializers.push(tensor(name, dims, data, dtype));
    return name;
  }

  /** A Constant node whose value is a typed-field tensor; returns its output name. */
  constant(output: string, dims: number[], data: readonly number[], dtype: Dtype = this.dtype, nodeName = output): string {
    this.node("Constant", [], [output], { value: tensor(output, dims, data, dtype, "typed") }, nodeName);
    return output;
  }

  node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}, name = ""): string {
    this.nodes.push(
      create(NodeProtoSchema, { opType, input: inputs, output: outputs, name, attribute: Object.entries(attrs).map(([k, v]) => attr(k, v)) }),
    );
    return outputs[0];
  }
}

export interface ModelOptions {
  opset: number;
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  graphName?: string;
}

/** IR version that goes with an opset (the ONNX release that introduced the opset). */
export function irVersionFor(opset: number): number {
  if (opset <= 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  return 11;
}

export function modelBytes(g: GraphBuilder, options: ModelOptions): Uint8Array {
  const model = create(ModelProtoSchema, {
    irVersion: BigInt(options.irVersion ?? irVersionFor(options.opset)),
    producerName: options.producerName ?? "zkinfer-fixtures",
    producerVersion: options.producerVersion ?? "1",
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: "", version: BigInt(options.opset) })],
    graph: create(GraphProtoSchema, {
      name: options.graphName ?? "main_graph",
      node: g.nodes,
      initializer: g.initializers,
      input: g.inputs,
      output: g.outputs,
    }),
  });
  return toBinary(ModelProtoSchema, model);
}
