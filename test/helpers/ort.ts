/** onnxruntime-node as the external oracle: runs an ONNX file on rows of raw feature values. */
import ort from "onnxruntime-node";
import { createRng } from "../../src/util/rng.js";

// Warnings (e.g. about an initializer listed as an input, which an error fixture does on purpose) are noise here.
ort.env.logLevel = "error";

/**
 * Runs the graph as written: graph optimizations off, because some of onnxruntime's fusions
 * are not exact in float64 (MatMulScaleFusion turns MatMul → Mul by a scalar into FusedMatMul,
 * whose alpha attribute is a float32, so a float64 scale is rounded to float32).
 */
export async function runOnnxRuntime(bytes: Uint8Array, rows: readonly (readonly number[])[], precision: "float32" | "float64"): Promise<number[]> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: "disabled" });
  try {
    const width = rows[0].length;
    const flat = rows.flat();
    const data = precision === "float32" ? Float32Array.from(flat) : Float64Array.from(flat);
    const input = new ort.Tensor(precision, data, [rows.length, width]);
    const result = await session.run({ [session.inputNames[0]]: input });
    const out = result[session.outputNames[0]];
    if (out.dims.length !== 2 || out.dims[0] !== rows.length || out.dims[1] !== 1) throw new Error(`onnxruntime output dims ${JSON.stringify(out.dims)}`);
    return Array.from(out.data as Float32Array | Float64Array, Number);
  } finally {
    await session.release();
  }
}

/** onnxruntime loads (and checks) the file. */
export async function loadsInOnnxRuntime(bytes: Uint8Array): Promise<void> {
  const session = await ort.InferenceSession.create(bytes);
  await session.release();
}

/** Random raw rows inside the spec's declared ranges, plus the corners' extremes. */
export function inRangeRows(features: readonly { min: number; max: number }[], n: number, seed: number): number[][] {
  const rng = createRng(seed);
  const rows = Array.from({ length: n }, () => features.map((f) => rng.uniform(f.min, f.max)));
  rows.push(features.map((f) => f.min), features.map((f) => f.max));
  return rows;
}

/** max |a − b| / max(1, |b|). */
export function maxRelativeGap(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`${a.length} outputs against ${b.length}`);
  return a.reduce((m, v, k) => Math.max(m, Math.abs(v - b[k]) / Math.max(1, Math.abs(b[k]))), 0);
}

