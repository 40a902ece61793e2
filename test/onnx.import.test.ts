/**
 * ONNX import against onnxruntime-node on generated graphs (every supported opset, random MLPs
 * in every supported form), how the scaler and the output are mapped, and every refusal.
 */
import { describe, expect, it } from "vitest";
import { predictBatch } from "../src/model/forward.js";
import { OnnxImportError, OnnxNodeError } from "../src/onnx/errors.js";
import { type OnnxImportSpec, importOnnx } from "../src/onnx/import.js";
import { MAX_OPSET, MIN_OPSET } from "../src/onnx/parse.js";
import { createRng, type Rng } from "../src/util/rng.js";
import { GraphBuilder, modelBytes, tensor } from "./helpers/onnxBuilder.js";
import { OPTION_SPEC, foldedStyle, kerasStyle, pytorchStyle } from "./helpers/onnxFixtures.js";
import { inRangeRows, maxRelativeGap, runOnnxRuntime } from "./helpers/ort.js";

const TOLERANCE = { float32: 1e-6, float64: 1e-12 } as const;

async function expectMatchesOrt(bytes: Uint8Array, spec: OnnxImportSpec, seed = 1): Promise<number> {
  const imported = importOnnx(bytes, spec);
  const rows = inRangeRows(spec.features, 200, seed);
  const gap = maxRelativeGap(predictBatch(imported.model, rows), await runOnnxRuntime(bytes, rows, imported.precision));
  expect(gap).toBeLessThanOrEqual(TOLERANCE[imported.precision]);
  return gap;
}

function specFor(n: number, target: Partial<OnnxImportSpec["target"]> = {}): OnnxImportSpec {
  return {
    features: Array.from({ length: n }, (_, j) => ({ name: `f${j}`, unit: "1", decimals: 18, min: -1 - j, max: 2 + 0.5 * j })),
    target: { name: "y", unit: "1", decimals: 18, ...target },
  };
}

const vec = (rng: Rng, n: number, lo = -1, hi = 1) => Array.from({ length: n }, () => rng.uniform(lo, hi));

/** A random MLP in one of the supported forms (seeded), with what it should import as. */
function randomGraph(seed: number): { bytes: Uint8Array; spec: OnnxImportSpec; head: string } {
  const rng = createRng(seed);
  const dtype = rng.int(2) === 0 ? "float32" : "float64";
  const nf = 1 + rng.int(4);
  const g = new GraphBuilder(dtype).input("x", rng.int(2) === 0 ? ["N", nf] : undefined).output("y", ["N", 1]);
  let x = "x";
  let k = 0;
  const name = () => `n${k++}`;
  const constant = (dims: number[], data: number[]) => (rng.int(2) === 0 ? g.init(`c${k++}`, dims, data) : g.constant(`k${k++}`, dims, data));
  const heads = ["subdiv", "muladd", "none", "negative", "batchnorm"] as const;
  const head = heads[rng.int(heads.length)];
  if (head === "subdiv") {
    x = g.node("Sub", [x, constant([nf], vec(rng, nf))], [name()], {}, name());
    x = g.node("Div", [x, constant([1, nf], vec(rng, nf, 0.5, 3))], [name()], {}, name());
  } else if (head === "muladd") {
    x = g.node("Mul", [constant([nf], vec(rng, nf, 0.2, 2)), x], [name()], {}, name());
    x = g.node("Add", [x, constant([], [rng.uniform(-1, 1)])], [name()], {}, name());
  } else if (head === "batchnorm") {
    x = g.node("BatchNormalization", [x, constant([nf], vec(rng, nf, 0.5, 1.5)), constant([nf], vec(rng, nf)), constant([nf], vec(rng, nf)), constant([nf], vec(rng, nf, 0.5, 4))], [name()], {}, name());
  } else if (head === "negative") {
    x = g.node("Sub", [constant([nf], vec(rng, nf)), x], [name()], {}, name());
    x = g.node("Mul", [x, constant([1], [-rng.uniform(0.5, 2)])], [name()], {}, name());
  }
  let width = nf;
  const layers = 1 + rng.int(3);
  for (let l = 0; l < layers; l++) {
    const out = l === layers - 1 ? 1 : 1 + rng.int(6);
    const w = vec(rng, out * width);
    const b = vec(rng, out);
    const form = rng.int(3);
    if (form === 0) {
      const transB = rng.int(2);
      const bT = transB ? w : Array.from({ length: width * out }, (_, t) => w[(t % out) * width + Math.floor(t / out)]);
      const cDims = [[out], [1, out], out === 1 ? [] : [out]][rng.int(3)];
      x = g.node("Gemm", [x, constant(transB ? [out, width] : [width, out], bT), constant(cDims, cDims.length === 0 ? [b[0]] : b)], [name()], { alpha: rng.uniform(0.5, 1.5), beta: rng.uniform(0.5, 1.5), transB: { int: transB } }, name());
    } else if (form === 1) {
      x = g.node("Gemm", [x, constant([out, width], w)], [name()], { transB: { int: 1 } }, name());
    } else {
      const wT = Array.from({ length: width * out }, (_, t) => w[(t % out) * width + Math.floor(t / out)]);
      x = g.node("MatMul", [x, constant([width, out], wT)], [name()], {}, name());
      if (rng.int(3) > 0) x = g.node("Add", [constant([out], b), x], [name()], {}, name());
    }
    width = out;
    if (l < layers - 1) {
      if (rng.int(2) === 0) {
        x = g.node("BatchNormalization", [x, constant([out], vec(rng, out, 0.5, 1.5)), constant([out], vec(rng, out)), constant([out], vec(rng, out)), constant([out], vec(rng, out, 0.1, 2))], [name()], { epsilon: rng.uniform(1e-6, 1e-3) }, name());
      }
      if (rng.int(4) === 0) x = g.node("Mul", [x, constant([out], vec(rng, out, 0.5, 2))], [name()], {}, name());
      x = g.node("Relu", [x], [name()], {}, name());
      if (rng.int(4) === 0) x = g.node("Identity", [x], [name()], {}, name());
      if (rng.int(6) === 0) x = rng.int(2) === 0 ? g.node("Relu", [x], [name()], {}, name()) : g.node("Clip", [x, constant([], [0])], [name()], {}, name());
      if (rng.int(8) === 0) x = g.node("Clip", [x], [name()], {}, name());
      if (rng.int(5) === 0) x = g.node("Sub", [x, constant([out], vec(rng, out))], [name()], {}, name());
      if (rng.int(5) === 0) x = g.node("Div", [x, constant([], [rng.uniform(0.5, 2)])], [name()], {}, name());
    }
  }
  const tails = rng.int(5);
  if (tails === 1) {
    x = g.node("Mul", [x, constant([1], [-rng.uniform(0.5, 2)])], [name()], {}, name());
    x = g.node("Add", [x, constant([], [rng.uniform(-1, 1)])], [name()], {}, name());
  } else if (tails === 2) {
    x = g.node("Relu", [x], [name()], {}, name());
    x = g.node("Div", [x, constant([], [rng.uniform(0.5, 2)])], [name()], {}, name());
  } else if (tails === 3) {
    x = g.node("Sub", [x, constant([1, 1], [rng.uniform(-1, 1)])], [name()], {}, name());
    x = g.node("Clip", [x, constant([], [-0.25]), ""], [name()], {}, name());
  }
  g.node("Identity", [x], ["y"], {}, name());
  return { bytes: modelBytes(g, { opset: 13 + rng.int(MAX_OPSET - 12) }), spec: specFor(nf), head };
}

describe("ONNX import equals onnxruntime-node", () => {
  it(`at every opset from ${MIN_OPSET} to ${MAX_OPSET} (PyTorch-style float64, tf2onnx-style float32)`, async () => {
    for (let opset = MIN_OPSET; opset <= MAX_OPSET; opset++) {
      await expectMatchesOrt(pytorchStyle({ dtype: "float64", opset, seed: opset, hidden: [5, 4] }), OPTION_SPEC, opset);
      await expectMatchesOrt(kerasStyle({ opset, seed: opset }), {
        features: [
          { name: "spot", unit: "USD", decimals: 8, min: 1000, max: 3000 },
          { name: "strike", unit: "USD", decimals: 8, min: 1000, max: 3000 },
          { name: "days", unit: "days", decimals: 0, min: 1, max: 365 },
        ],
        target: { name: "premium", unit: "USD", decimals: 8 },
      });
    }
  });

  it("on 60 random MLPs in every supported form (scalers incl. batch norm on the inputs; Gemm alpha/beta/transB, MatMul ± Add, batch norm, Relu/Clip(0), affine ops after Relu; de-scaling, Relu/Clip at the output)", async () => {
    const heads = new Set<string>();
    for (let seed = 1; seed <= 60; seed++) {
      const { bytes, spec, head } = randomGraph(seed);
      heads.add(head);
      await expectMatchesOrt(bytes, spec, seed);
    }
    expect(heads.size).toBe(5);
  });
});

describe("ONNX import: what the model holds", () => {
  it("a Sub/Div scaler becomes the model's scaler exactly (offset = the subtrahend, scale = the divisor, as float32 values)", () => {
    const { model, scalerSource, precision, opset, producer } = importOnnx(pytorchStyle({ dtype: "float32", opset: 17, seed: 11 }), OPTION_SPEC, { name: "torch" });
    expect(model.name).toBe("torch");
    expect(scalerSource).toBe("graph");
    expect(precision).toBe("float32");
    expect(opset).toBe(17);
    expect(producer).toBe("pytorch 2.5.1");
    expect(model.scaler.offset).toEqual([1.0, 0.51, 0.45, 0.04].map(Math.fround));
    expect(model.scaler.scale).toEqual([0.1155, 0.2829, 0.2021, 0.0231].map(Math.fround));
    expect(model.targetScaler).toEqual({ scale: Math.fround(0.0732), offset: Math.fround(0.0815) });
    expect(model.layers.map((l) => l.type)).toEqual(["dense", "batchnorm", "relu", "dense", "batchnorm", "relu", "dense"]);
    expect(model.features).toEqual(OPTION_SPEC.features);
    expect(model.target).toEqual(OPTION_SPEC.target);
  });

  it("without scaler ops, the scaler is the spec's min-max range and the first layer compensates", () => {
    const spec = specFor(2, {});
    const { model, scalerSource } = importOnnx(foldedStyle({ opset: 11, seed: 31, dtype: "float64" }), { ...spec, target: { ...spec.target, min: -0.5 } });
    expect(scalerSource).toBe("spec");
    expect(model.scaler).toEqual({ kind: "minmax", offset: [-1, -2], scale: [3, 4.5] });
    expect(model.target.min).toBe(-0.5);
    expect(model.target.max).toBe(2);
  });

  it("affine ops between a Relu and the next Gemm fold into that Gemm", async () => {
    const g = new GraphBuilder("float64").input("x", ["N", 2]).output("y", ["N", 1]);
    let x = g.node("Gemm", ["x", g.init("W0", [3, 2], [1, -2, 0.5, 1, -1, 0.25]), g.init("b0", [3], [0.1, -0.2, 0.3])], ["h"], { transB: { int: 1 } }, "fc0");
    x = g.node("Relu", [x], ["r"], {}, "relu");
    x = g.node("Mul", [x, g.init("m", [3], [2, -1, 0.5])], ["rm"], {}, "mul");
    x = g.node("Sub", [g.init("c", [1, 3], [1, 2, 3]), x], ["rs"], {}, "rsub");
    g.node("Gemm", [x, g.init("W1", [1, 3], [0.3, -0.7, 1.1]), g.init("b1", [1], [0.05])], ["y"], { transB: { int: 1 } }, "fc1");
    const bytes = modelBytes(g, { opset: 17 });
    expect(importOnnx(bytes, specFor(2)).model.layers.map((l) => l.type)).toEqual(["dense", "relu", "dense"]);
    expect(await expectMatchesOrt(bytes, specFor(2))).toBeLessThanOrEqual(1e-12);
  });

  it("a Mul by a negative number at the input or the output gives positive scales (the sign moves into the dense layer)", () => {
    const g = new GraphBuilder("float64").input("x", ["N", 2]).output("y", ["N", 1]);
    let x = g.node("Mul", ["x", g.init("a", [2], [-2, 4])], ["m"], {}, "mul");
    x = g.node("Gemm", [x, g.init("W", [1, 2], [1, 1]), g.init("b", [1], [0.5])], ["h"], { transB: { int: 1 } }, "fc");
    g.node("Mul", [x, g.init("s", [], [-3])], ["y"], {}, "descale");
    const { model } = importOnnx(modelBytes(g, { opset: 17 }), specFor(2));
    expect(model.scaler.scale).toEqual([0.5, 0.25]);
    expect(model.targetScaler.scale).toBe(3);
    expect(model.layers[0]).toMatchObject({ weight: [[1, -1]], bias: [-0.5] });
  });
});

/** A one-layer graph around `build`, float32, opset 17. */
function oneLayer(build: (g: GraphBuilder, x: string) => string, options: { inputs?: number; opset?: number } = {}): Uint8Array {
  const g = new GraphBuilder("float32").input("x", ["N", 2]).output("y", ["N", 1]);
  const x = build(g, "x");
  g.node("Gemm", [x, g.init("W", [1, 2], [0.5, -1]), g.init("b", [1], [0.1])], ["y"], { transB: { int: 1 } }, "fc");
  return modelBytes(g, { opset: options.opset ?? 17 });
}

function refusal(bytes: Uint8Array, spec: OnnxImportSpec = specFor(2)): OnnxNodeError | OnnxImportError {
  try {
    importOnnx(bytes, spec);
  } catch (e) {
    if (e instanceof OnnxNodeError || e instanceof OnnxImportError) return e;
    throw e;
  }
  throw new Error("expected the import to be refused");
}

describe("ONNX import: refusals name the node and say what is supported", () => {
  const cases: [string, () => Uint8Array, RegExp, OnnxImportSpec?][] = [
    ["an op outside the list", () => oneLayer((g, x) => g.node("Tanh", [x], ["t"], {}, "tanh")), /node 1\/2 "tanh" \(op Tanh\): op Tanh is not supported \(supported: Gemm, MatMul, .*Constant\)/],
    ["an op of another domain", () => oneLayer((g, x) => { const n = g.node("Relu", [x], ["r"], {}, "ms"); g.nodes[g.nodes.length - 1].domain = "com.microsoft"; return n; }), /"ms" \(op Relu\): op domain "com.microsoft" is not supported/],
    ["a Cast to an integer type", () => oneLayer((g, x) => g.node("Cast", [x], ["c"], { to: { int: 7 } }, "cast")), /"cast" \(op Cast\): Cast to INT64 changes values/],
    ["Flatten with axis 0", () => oneLayer((g, x) => g.node("Flatten", [x], ["f"], { axis: { int: 0 } }, "flat")), /"flat" \(op Flatten\): Flatten with axis 0 changes/],
    ["a Reshape that moves the batch", () => oneLayer((g, x) => g.node("Reshape", [x, g.init("s", [2], [1, -1], "int64")], ["r"], {}, "reshape")), /"reshape" \(op Reshape\): Reshape to \[1,-1\] changes/],
    ["a Reshape to a computed shape", () => oneLayer((g, x) => g.node("Reshape", [x, "x"], ["r"], {}, "reshape")), /"reshape" \(op Reshape\): it reads the same run-time value twice/],
    ["Div of a constant by the activation", () => oneLayer((g, x) => g.node("Div", [g.init("one", [], [1]), x], ["d"], {}, "recip")), /"recip" \(op Div\): c \/ x is not affine/],
    ["a Mul by zero", () => oneLayer((g, x) => g.node("Mul", [x, g.init("z", [2], [1, 0])], ["m"], {}, "mul0")), /"mul0" \(op Mul\): multiplies a feature by 0/],
    ["a Relu on the raw inputs", () => oneLayer((g, x) => g.node("Relu", [x], ["r"], {}, "relu_in")), /"relu_in" \(op Relu\): Relu before the first Gemm\/MatMul/],
    ["a constant-only subgraph", () => oneLayer((g, x) => { g.node("Add", [g.init("p", [2], [1, 2]), g.init("q", [2], [3, 4])], ["pq"], {}, "fold_me"); return x; }), /"fold_me" \(op Add\): it computes on constants only/],
    ["W · x", () => oneLayer((g, x) => g.node("MatMul", [g.init("M", [2, 2], [1, 0, 0, 1]), x], ["mm"], {}, "left")), /"left" \(op MatMul\): non-constant weight: the run-time value is the right operand/],
    ["Gemm with transA", () => oneLayer((g, x) => g.node("Gemm", [x, g.init("M", [2, 2], [1, 0, 0, 1])], ["gm"], { transA: { int: 1 } }, "ta")), /"ta" \(op Gemm\): transA=1/],
    ["BatchNormalization in training mode", () => oneLayer((g, x) => { const h = g.node("Gemm", [x, g.init("M", [2, 2], [1, 0, 0, 1])], ["gm"], {}, "g0"); return g.node("BatchNormalization", [h, g.init("s", [2], [1, 1]), g.init("bb", [2], [0, 0]), g.init("m", [2], [0, 0]), g.init("v", [2], [1, 1])], ["bn"], { training_mode: { int: 1 } }, "bn"); }), /"bn" \(op BatchNormalization\): training_mode=1/],
    ["an affine op after a Relu that no dense layer absorbs", () => oneLayer((g, x) => { let h = g.node("Gemm", [x, g.init("M", [2, 2], [1, 0, 0, 1])], ["gm"], {}, "g0"); h = g.node("Relu", [h], ["r0"], {}, "r0"); h = g.node("Mul", [h, g.init("k", [], [2])], ["m0"], {}, "scale_after_relu"); return g.node("Relu", [h], ["r1"], {}, "r1"); }), /"scale_after_relu" \(op Mul\): Mul by a constant after a Relu is followed by Relu/],
    ["a non-finite weight", () => oneLayer((g, x) => g.node("Sub", [x, g.init("nan", [2], [0, Number.NaN])], ["s"], {}, "sub")), /"sub" \(op Sub\): operand "nan" holds a non-finite value/],
    ["a broadcast over a [2, 1] constant", () => oneLayer((g, x) => g.node("Add", [x, g.init("col", [2, 1], [1, 2])], ["a"], {}, "add")), /"add" \(op Add\): broadcast not provably per feature: constant "col" has shape \[2,1\]/],
    ["a feature count that differs from the spec", () => oneLayer((_g, x) => x), /input "x" has 2 features but the spec declares 3/, specFor(3)],
    ["a spec clamp the graph does not apply", () => oneLayer((_g, x) => x), /the spec declares target.min = 0 but the graph applies no lower output clamp/, specFor(2, { min: 0 })],
    ["an opset newer than the schema", () => oneLayer((_g, x) => x, { opset: MAX_OPSET + 1 }), new RegExp(`opset ${MAX_OPSET + 1} is not supported`)],
  ];
  for (const [what, make, pattern, spec] of cases) {
    it(`refuses ${what}`, () => {
      const e = refusal(make(), spec);
      expect(e.shortMessage).toMatch(pattern);
      expect(e.shortMessage).not.toContain("\n");
    });
  }

  it("refuses a second output, a two-wide output, external data and bytes that are not ONNX", () => {
    const two = new GraphBuilder("float32").input("x", ["N", 2]).output("y", ["N", 1]).output("z", ["N", 1]);
    two.node("Gemm", ["x", two.init("W", [1, 2], [1, 1])], ["y"], { transB: { int: 1 } }, "fc");
    expect(refusal(modelBytes(two, { opset: 17 })).shortMessage).toMatch(/the graph has 2 outputs \("y", "z"\)/);

    const wide = new GraphBuilder("float32").input("x", ["N", 2]).output("y", ["N", 2]);
    wide.node("Gemm", ["x", wide.init("W", [2, 2], [1, 0, 0, 1])], ["y"], { transB: { int: 1 } }, "fc");
    expect(refusal(modelBytes(wide, { opset: 17 })).shortMessage).toMatch(/output "y" has shape \[N, 2\]/);

    const ext = new GraphBuilder("float32").input("x", ["N", 2]).output("y", ["N", 1]);
    const w = tensor("W", [1, 2], [1, 1], "float32");
    w.dataLocation = 1;
    w.rawData = new Uint8Array(0);
    ext.initializers.push(w);
    ext.node("Gemm", ["x", "W"], ["y"], { transB: { int: 1 } }, "fc");
    const e = refusal(modelBytes(ext, { opset: 17 }));
    expect(e).toBeInstanceOf(OnnxNodeError);
    expect(e.shortMessage).toMatch(/"fc" \(op Gemm\): initializer "W" cannot be read: its data is stored in an external file/);

    const empty = new GraphBuilder("float32").input("x", ["N", 2]).output("y", ["N", 1]);
    expect(refusal(modelBytes(empty, { opset: 17 })).shortMessage).toMatch(/^ONNX import: the graph has no nodes/);
    const identity = new GraphBuilder("float32").input("x", ["N", 1]).output("y", ["N", 1]);
    identity.node("Identity", ["x"], ["y"], {}, "id");
    expect(refusal(modelBytes(identity, { opset: 17 }), specFor(1)).shortMessage).toMatch(/^ONNX import: the graph has no Gemm or MatMul layer/);

    expect(refusal(new TextEncoder().encode("not a model")).shortMessage).toMatch(/ONNX import: (not an ONNX model|the file holds no graph)/);
    expect(refusal(new Uint8Array(0)).shortMessage).toMatch(/the file is empty/);
  });

  it("checks the spec before the file (errors name the spec field)", () => {
    expect(() => importOnnx(oneLayer((_g, x) => x), { features: [], target: { name: "y", unit: "1", decimals: 18 } })).toThrow(/invalid spec.features/);
  });
});
