/**
 * Constant tensors of an ONNX file (initializers, Constant nodes, tensor attributes) as plain
 * data: dims and values as float64 numbers. float32 values are read exactly (every float32 is
 * a float64), so the imported weights are the file's weights bit for bit.
 */
import type { TensorProto } from "onnx-buf";

/** ONNX `TensorProto.DataType` codes the importer reads. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, DOUBLE: 11 } as const;

export const DATA_TYPE_NAMES: Record<number, string> = {
  0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64", 8: "STRING",
  9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64", 16: "BFLOAT16",
};

export function dataTypeName(code: number): string {
  return DATA_TYPE_NAMES[code] ?? `data type ${code}`;
}

export interface ConstTensor {
  dims: number[];
  /** Row-major values. */
  data: number[];
  /** ONNX data type code of the stored values. */
  dataType: number;
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Why a tensor cannot be read, or its values. */
export function readTensor(t: TensorProto): ConstTensor | string {
  if (t.dataLocation === 1 || t.externalData.length > 0) return "its data is stored in an external file (re-export with the weights inside the .onnx file)";
  if (t.segment !== undefined) return "it is a segmented tensor";
  const dims = t.dims.map(Number);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) return `its dims ${JSON.stringify(t.dims.map(String))} are not valid`;
  const n = elementCount(dims);
  let data: number[];
  const raw = t.rawData;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const fromRaw = (size: number, get: (offset: number) => number): number[] | string => {
    if (raw.byteLength !== n * size) return `its raw data holds ${raw.byteLength} bytes, dims ${JSON.stringify(dims)} need ${n * size}`;
    return Array.from({ length: n }, (_, k) => get(k * size));
  };
  let got: number[] | string;
  switch (t.dataType) {
    case DataType.FLOAT:
      got = raw.byteLength > 0 ? fromRaw(4, (o) => view.getFloat32(o, true)) : t.floatData.map((v) => Math.fround(v));
      break;
    case DataType.DOUBLE:
      got = raw.byteLength > 0 ? fromRaw(8, (o) => view.getFloat64(o, true)) : [...t.doubleData];
      break;
    case DataType.INT64:
      got = raw.byteLength > 0 ? fromRaw(8, (o) => Number(view.getBigInt64(o, true))) : t.int64Data.map(Number);
      break;
    case DataType.INT32:
      got = raw.byteLength > 0 ? fromRaw(4, (o) => view.getInt32(o, true)) : [...t.int32Data];
      break;
    default:
      return `its element type is ${dataTypeName(t.dataType)} (supported: FLOAT and DOUBLE; INT64 for shapes)`;
  }
  if (typeof got === "string") return got;
  data = got;
  if (data.length !== n) return `it holds ${data.length} values, dims ${JSON.stringify(dims)} need ${n}`;
  return { dims, data, dataType: t.dataType };
}
