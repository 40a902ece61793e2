/**
 * The committed ONNX fixtures (test/fixtures/onnx/), defined once: scripts/make-onnx-fixtures.ts
 * writes them, the tests check that the committed files are exactly these bytes, that
 * onnxruntime-node loads every one, and that the importer matches it (valid files) or names
 * the offending node (error files). Weights come from a seeded RNG, so the bytes are stable.
 */
import type { OnnxImportSpec } from "../../src/onnx/import.js";
import { createRng } from "../../src/util/rng.js";
import { type Dtype, GraphBuilder, modelBytes } from "./onnxBuilder.js";

export interface ValidFixture {
  file: string;
  /** How it was made, for the fixtures' README. */
  description: string;
  precision: "float32" | "float64";
  spec: OnnxImportSpec;
  make(): Uint8Array;
}

export interface ErrorFixture {
  file: string;
  description: string;
  spec: OnnxImportSpec;
  /** What the importer must say. */
  error: RegExp;
  /** The node the error names (op type and node name), when it is about one node. */
  node?: { opType: string; name: string };
  make(): Uint8Array;
}

export const OPTION_SPEC: OnnxImportSpec = {
  features: [
    { name: "moneyness", unit: "S/K", decimals: 18, min: 0.8, max: 1.2 },
    { name: "timeToExpiry", unit: "years", decimals: 18, min: 0.02, max: 1.0 },
    { name: "volatility", unit: "1/sqrt(year)", decimals: 18, min: 0.1, max: 0.8 },
    { name: "rate", unit: "1/year", decimals: 18, min: 0.0, max: 0.08 },
  ],
  target: { name: "priceOverStrike", unit: "1/K", decimals: 18 },
};

const THREE_SPEC: OnnxImportSpec = {
  features: [
    { name: "spot", unit: "USD", decimals: 8, min: 1000, max: 3000 },
    { name: "strike", unit: "USD", decimals: 8, min: 1000, max: 3000 },
    { name: "days", unit: "days", decimals: 0, min: 1, max: 365 },
  ],
  target: { name: "premium", unit: "USD", decimals: 8, min: 0 },
};

const TWO_SPEC: OnnxImportSpec = {
  features: [
    { name: "x0", unit: "1", decimals: 18, min: -1, max: 1 },
    { name: "x1", unit: "1", decimals: 18, min: 0, max: 5 },
  ],
  target: { name: "y", unit: "1", decimals: 18, min: -0.5, max: 2 },
};

/** Weights of a Linear layer, PyTorch's default init range (±1/sqrt(in)). */
function linear(rng: ReturnType<typeof createRng>, out: number, inp: number): { w: number[]; b: number[] } {
  const k = 1 / Math.sqrt(inp);
  return { w: Array.from({ length: out * inp }, () => rng.uniform(-k, k)), b: Array.from({ length: out }, () => rng.uniform(-k, k)) };
}

function batchNormStats(rng: ReturnType<typeof createRng>, n: number) {
  return {
    gamma: Array.from({ length: n }, () => rng.uniform(0.5, 1.5)),
    beta: Array.from({ length: n }, () => rng.uniform(-0.2, 0.2)),
    mean: Array.from({ length: n }, () => rng.uniform(-0.3, 0.3)),
    var: Array.from({ length: n }, () => rng.uniform(0.2, 2)),
  };
}

/**
 * torch.onnx.export of nn.Sequential(Linear, BatchNorm1d, ReLU, Linear, BatchNorm1d, ReLU, Linear)
 * in eval mode behind `(x - mean) / std` and before `* y_std + y_mean`: node and tensor names as
 * the exporter writes them, Gemm with transB=1, initializers as raw data, a symbolic batch dimension.
 */
export function pytorchStyle(options: { dtype: "float32" | "float64"; opset: number; seed: number; hidden?: number[] }): Uint8Array {
  const { dtype } = options;
  const rng = createRng(options.seed);
  const hidden = options.hidden ?? [8, 8];
  const nf = 4;
  const g = new GraphBuilder(dtype).input("input", ["batch", nf]).output("output", ["batch", 1]);
  const mean = g.init("mean", [nf], [1.0, 0.51, 0.45, 0.04]);
  const std = g.init("std", [nf], [0.1155, 0.2829, 0.2021, 0.0231]);
  let x = g.node("Sub", ["input", mean], ["/Sub_output_0"], {}, "/Sub");
  x = g.node("Div", [x, std], ["/Div_output_0"], {}, "/Div");
  let width = nf;
  let k = 0;
  for (const h of hidden) {
    const { w, b } = linear(rng, h, width);
    x = g.node("Gemm", [x, g.init(`net.${k}.weight`, [h, width], w), g.init(`net.${k}.bias`, [h], b)], [`/net/net.${k}/Gemm_output_0`], { alpha: 1, beta: 1, transB: { int: 1 } }, `/net/net.${k}/Gemm`);
    const bn = batchNormStats(rng, h);
    const p = `net.${k + 1}`;
    x = g.node(
      "BatchNormalization",
      [x, g.init(`${p}.weight`, [h], bn.gamma), g.init(`${p}.bias`, [h], bn.beta), g.init(`${p}.running_mean`, [h], bn.mean), g.init(`${p}.running_var`, [h], bn.var)],
      [`/net/net.${k + 1}/BatchNormalization_output_0`],
      { epsilon: 1e-5, momentum: 0.9 },
      `/net/net.${k + 1}/BatchNormalization`,
    );
    x = g.node("Relu", [x], [`/net/net.${k + 2}/Relu_output_0`], {}, `/net/net.${k + 2}/Relu`);
    width = h;
    k += 3;
  }
  const { w, b } = linear(rng, 1, width);
  x = g.node("Gemm", [x, g.init(`net.${k}.weight`, [1, width], w), g.init(`net.${k}.bias`, [1], b)], [`/net/net.${k}/Gemm_output_0`], { alpha: 1, beta: 1, transB: { int: 1 } }, `/net/net.${k}/Gemm`);
  x = g.node("Mul", [x, g.init("y_std", [], [0.0732])], ["/Mul_output_0"], {}, "/Mul");
  g.node("Add", [x, g.init("y_mean", [], [0.0815])], ["output"], {}, "/Add");
  return modelBytes(g, { opset: options.opset, producerName: "pytorch", producerVersion: "2.5.1" });
}

/**
 * tf2onnx's conversion of a Keras Sequential: Normalization as Mul/Add by Constant nodes, a
 * Flatten as Reshape to [-1, 3], Dense layers as MatMul + BiasAdd (Add) + Relu with weights in
 * Constant nodes, de-scaling Mul/Add, a final Clip at 0 and tf2onnx's output Identity.
 */
export function kerasStyle(options: { opset: number; seed: number; dtype?: "float32" | "float64" }): Uint8Array {
  const dtype = options.dtype ?? "float32";
  const rng = createRng(options.seed);
  const nf = 3;
  const g = new GraphBuilder(dtype).input("input_1", ["unk__12", nf]).output("dense_2", ["unk__13", 1]);
  // Normalization: x·(1/std) + (−mean/std), per feature.
  const invStd = [1 / 577.35, 1 / 577.35, 1 / 105.37];
  const shift = [-2000 / 577.35, -2000 / 577.35, -183 / 105.37];
  let x = g.node("Mul", ["input_1", g.constant("sequential/normalization/mul/y", [nf], invStd)], ["sequential/normalization/mul:0"], {}, "sequential/normalization/mul");
  x = g.node("Add", [x, g.constant("sequential/normalization/add/y", [1, nf], shift)], ["sequential/normalization/add:0"], {}, "sequential/normalization/add");
  x = g.node("Reshape", [x, g.constant("sequential/flatten/Const:0", [2], [-1, nf], "int64")], ["sequential/flatten/Reshape:0"], {}, "sequential/flatten/Reshape");
  const widths = [6, 5, 1];
  let width = nf;
  widths.forEach((h, i) => {
    const layer = i === 0 ? "dense" : `dense_${i}`;
    const { w, b } = linear(rng, h, width);
    // Keras kernels are [in, out].
    const kernel = Array.from({ length: width * h }, (_, t) => w[(t % h) * width + Math.floor(t / h)]);
    x = g.node("MatMul", [x, g.constant(`sequential/${layer}/MatMul/ReadVariableOp:0`, [width, h], kernel)], [`sequential/${layer}/MatMul:0`], {}, `sequential/${layer}/MatMul`);
    x = g.node("Add", [x, g.constant(`sequential/${layer}/BiasAdd/ReadVariableOp:0`, [h], b)], [`sequential/${layer}/BiasAdd:0`], {}, `sequential/${layer}/BiasAdd`);
    if (i < widths.length - 1) x = g.node("Relu", [x], [`sequential/${layer}/Relu:0`], {}, `sequential/${layer}/Relu`);
    width = h;
  });
  x = g.node("Mul", [x, g.constant("sequential/rescale/mul/y", [1], [85.5])], ["sequential/rescale/mul:0"], {}, "sequential/rescale/mul");
  x = g.node("Add", [x, g.constant("sequential/rescale/add/y", [1], [120.25])], ["sequential/rescale/add:0"], {}, "sequential/rescale/add");
  x = g.node("Clip", [x, g.constant("sequential/clip/min", [], [0])], ["sequential/clip:0"], {}, "sequential/clip");
  g.node("Identity", [x], ["dense_2"], {}, "Identity");
  return modelBytes(g, { opset: options.opset, producerName: "tf2onnx", producerVersion: "1.16.1 15c810" });
}

/**
 * A model whose input scaler was folded into the first Gemm by the exporter (no Sub/Div):
 * Flatten, Gemm with alpha/beta and transB=0, Relu, a no-op Cast, Gemm with transB=1, Clip with
 * min and max; opset 11 (IR 6).
 */
export function foldedStyle(options: { opset: number; seed: number; dtype: "float32" | "float64" }): Uint8Array {
  const { dtype } = options;
  const rng = createRng(options.seed);
  const g = new GraphBuilder(dtype).input("x", ["N", 2]).output("y", ["N", 1]);
  let x = g.node("Flatten", ["x"], ["flat"], { axis: { int: 1 } }, "flatten");
  const h = 5;
  const { w, b } = linear(rng, h, 2);
  const bT = Array.from({ length: 2 * h }, (_, t) => w[(t % h) * 2 + Math.floor(t / h)]);
  x = g.node("Gemm", [x, g.init("W0", [2, h], bT), g.init("C0", [1, h], b)], ["h0"], { alpha: 0.5, beta: 2 }, "fc0");
  x = g.node("Relu", [x], ["a0"], {}, "relu0");
  x = g.node("Cast", [x], ["c0"], { to: { int: dtype === "float32" ? 1 : 11 } }, "cast0");
  const l1 = linear(rng, 1, h);
  x = g.node("Gemm", [x, g.init("W1", [1, h], l1.w), g.init("C1", [], [l1.b[0]])], ["h1"], { transB: { int: 1 } }, "fc1");
  g.node("Clip", [x, g.init("lo", [], [-0.5]), g.init("hi", [], [2])], ["y"], {}, "clip");
  return modelBytes(g, { opset: options.opset, producerName: "zkinfer-fixtures" });
}

export const VALID_FIXTURES: ValidFixture[] = [
  {
    file: "pytorch-gemm-bn-relu.onnx",
    description: "PyTorch-style export (float32, opset 17): Sub/Div scaler, Gemm(transB=1) + BatchNormalization + Relu ×2, Gemm, Mul/Add de-scaling",
    precision: "float32",
    spec: OPTION_SPEC,
    make: () => pytorchStyle({ dtype: "float32", opset: 17, seed: 11 }),
  },
  {
    file: "pytorch-gemm-bn-relu-f64.onnx",
    description: "the same PyTorch-style graph after model.double() (float64, opset 17)",
    precision: "float64",
    spec: OPTION_SPEC,
    make: () => pytorchStyle({ dtype: "float64", opset: 17, seed: 12 }),
  },
  {
    file: "keras-matmul-add.onnx",
    description: "Keras/tf2onnx-style export (float32, opset 13): Mul/Add scaler and weights in Constant nodes, Reshape(-1, 3), MatMul + Add + Relu ×2, MatMul + Add, Mul/Add de-scaling, Clip(min 0), output Identity",
    precision: "float32",
    spec: THREE_SPEC,
    make: () => kerasStyle({ opset: 13, seed: 21 }),
  },
  {
    file: "folded-scaler-gemm.onnx",
    description: "scaler folded into the first Gemm (float32, opset 11): Flatten, Gemm(alpha 0.5, beta 2, transB=0), Relu, Cast(FLOAT), Gemm(transB=1), Clip(-0.5, 2)",
    precision: "float32",
    spec: TWO_SPEC,
    make: () => foldedStyle({ opset: 11, seed: 31, dtype: "float32" }),
  },
];

/** A tiny valid chain around one offending piece, for the error fixtures. */
function around(build: (g: GraphBuilder, x: string) => string, options: { dtype?: Dtype; inputDims?: (number | string)[]; opset?: number; irVersion?: number } = {}): Uint8Array {
  const rng = createRng(99);
  const g = new GraphBuilder("float32").input("input", options.inputDims ?? ["batch", 4]).output("output", ["batch", 1]);
  const l0 = linear(rng, 4, 4);
  let x = g.node("Gemm", ["input", g.init("fc0.weight", [4, 4], l0.w), g.init("fc0.bias", [4], l0.b)], ["h0"], { transB: { int: 1 } }, "/fc0/Gemm");
  x = build(g, x);
  const l1 = linear(rng, 1, 4);
  g.node("Gemm", [x, g.init("fc1.weight", [1, 4], l1.w), g.init("fc1.bias", [1], l1.b)], ["output"], { transB: { int: 1 } }, "/fc1/Gemm");
  return modelBytes(g, { opset: options.opset ?? 17, ...(options.irVersion === undefined ? {} : { irVersion: options.irVersion }), producerName: "pytorch" });
}

export const ERROR_FIXTURES: ErrorFixture[] = [
  {
    file: "errors/unsupported-op.onnx",
    description: "a Sigmoid between two Gemm layers",
    spec: OPTION_SPEC,
    error: /node 2\/3 "\/act\/Sigmoid" \(op Sigmoid\): op Sigmoid is not supported \(supported: Gemm, MatMul/,
    node: { opType: "Sigmoid", name: "/act/Sigmoid" },
    make: () => around((g, x) => g.node("Sigmoid", [x], ["s"], {}, "/act/Sigmoid")),
  },
  {
    file: "errors/dynamic-shape.onnx",
    description: "x.view(x.size(0), -1) as PyTorch exports it: Shape → Gather → Unsqueeze → Concat → Reshape",
    spec: OPTION_SPEC,
    error: /"\/Shape" \(op Shape\): dynamic shape/,
    node: { opType: "Shape", name: "/Shape" },
    make: () =>
      around((g, x) => {
        const s = g.node("Shape", [x], ["/Shape_output_0"], {}, "/Shape");
        const b = g.node("Gather", [s, g.init("/Constant_output_0", [], [0], "int64")], ["/Gather_output_0"], { axis: { int: 0 } }, "/Gather");
        const u = g.node("Unsqueeze", [b, g.init("/axes", [1], [0], "int64")], ["/Unsqueeze_output_0"], {}, "/Unsqueeze");
        const shape = g.node("Concat", [u, g.init("/minus_one", [1], [-1], "int64")], ["/Concat_output_0"], { axis: { int: 0 } }, "/Concat");
        return g.node("Reshape", [x, shape], ["/Reshape_output_0"], {}, "/Reshape");
      }),
  },
  {
    file: "errors/dynamic-feature-dim.onnx",
    description: "an input whose feature dimension is symbolic ([batch, n])",
    spec: OPTION_SPEC,
    error: /"\/fc0\/Gemm" \(op Gemm\): dynamic shape: input "input" has shape \[batch, n\]/,
    node: { opType: "Gemm", name: "/fc0/Gemm" },
    make: () => around((_g, x) => x, { inputDims: ["batch", "n"] }),
  },
  {
    file: "errors/non-constant-weight.onnx",
    description: "an initializer also listed as a graph input (keep_initializers_as_inputs=True), so a caller can override the weight",
    spec: OPTION_SPEC,
    error: /"\/fc0\/Gemm" \(op Gemm\): non-constant weight: initializer "fc0.weight" is also a graph input/,
    node: { opType: "Gemm", name: "/fc0/Gemm" },
    make: () => {
      const rng = createRng(7);
      const g = new GraphBuilder("float32").input("input", ["batch", 4]).input("fc0.weight", [1, 4]).output("output", ["batch", 1]);
      const l = linear(rng, 1, 4);
      g.node("Gemm", ["input", g.init("fc0.weight", [1, 4], l.w), g.init("fc0.bias", [1], l.b)], ["output"], { transB: { int: 1 } }, "/fc0/Gemm");
      return modelBytes(g, { opset: 17, producerName: "pytorch" });
    },
  },
  {
    file: "errors/second-input.onnx",
    description: "two run-time inputs added together before the first layer",
    spec: OPTION_SPEC,
    error: /"\/Add" \(op Add\): second input: the graph has 2 run-time inputs \("input", "offset"\)/,
    node: { opType: "Add", name: "/Add" },
    make: () => {
      const rng = createRng(8);
      const g = new GraphBuilder("float32").input("input", ["batch", 4]).input("offset", ["batch", 4]).output("output", ["batch", 1]);
      const x = g.node("Add", ["input", "offset"], ["/Add_output_0"], {}, "/Add");
      const l = linear(rng, 1, 4);
      g.node("Gemm", [x, g.init("fc0.weight", [1, 4], l.w), g.init("fc0.bias", [1], l.b)], ["output"], { transB: { int: 1 } }, "/fc0/Gemm");
      return modelBytes(g, { opset: 17, producerName: "pytorch" });
    },
  },
  {
    file: "errors/broadcast.onnx",
    description: "a Sub by a [2, 4] constant, which broadcasts over the batch, not per feature",
    spec: OPTION_SPEC,
    error: /"\/Sub" \(op Sub\): broadcast not provably per feature: constant "c" has shape \[2,4\]/,
    node: { opType: "Sub", name: "/Sub" },
    make: () => around((g, x) => g.node("Sub", [x, g.init("c", [2, 4], [0, 1, 2, 3, 4, 5, 6, 7])], ["/Sub_output_0"], {}, "/Sub")),
  },
  {
    file: "errors/branch.onnx",
    description: "a residual connection (Add of a layer's output and its input)",
    spec: OPTION_SPEC,
    error: /"\/res\/Add" \(op Add\): it reads two run-time values/,
    node: { opType: "Add", name: "/res/Add" },
    make: () =>
      around((g, x) => {
        const rng = createRng(5);
        const l = linear(rng, 4, 4);
        const y = g.node("Gemm", [x, g.init("res.weight", [4, 4], l.w), g.init("res.bias", [4], l.b)], ["r"], { transB: { int: 1 } }, "/res/Gemm");
        return g.node("Add", [y, x], ["/res/Add_output_0"], {}, "/res/Add");
      }),
  },
  {
    file: "errors/opset-10.onnx",
    description: "a valid graph at opset 10 (older than the supported range)",
    spec: OPTION_SPEC,
    error: /opset 10 is not supported \(supported: 11 to \d+\)/,
    make: () => around((_g, x) => x, { opset: 10, irVersion: 5 }),
  },
];
