/** onnxruntime-node as the external oracle: runs an ONNX file on rows of raw feature values. */
import ort from "onnxruntime-node";

// Warnings (e.g. about an initializer listed as an input, which an error fixture does on purpose) are noise here.
ort.env.logLevel = "error";

export async function runOnnxRuntime(bytes: Uint8Array, rows: readonly (readonly number[])[], precision: "float32" | "float64"): Promise<number[]> {
  const session = await ort.InferenceSession.create(bytes);
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
