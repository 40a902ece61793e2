import { describe, expect, it } from "vitest";
import { emitCircuit } from "../src/circuit/emit.js";
import { InvalidValueError } from "../src/errors.js";
import { predictTrace } from "../src/model/forward.js";
import type { FloatModel } from "../src/model/types.js";
import { BoundsError } from "../src/quantize/bounds.js";
import { fromRawUnits, toRawUnits } from "../src/quantize/decimal.js";
import { parseQuantizedModel, serializeQuantizedModel } from "../src/quantize/file.js";
import { UnsupportedModelError, foldBatchNorm, foldedForward } from "../src/quantize/foldBatchNorm.js";
import { integerForward } from "../src/quantize/forward.js";
import { quantize } from "../src/quantize/quantize.js";
import { guaranteedErrorBound, quantizationReport, quantizeToTolerance } from "../src/quantize/report.js";
import { analyzeQuantizationError, errorBoundOnBox } from "../src/quantize/errorBound.js";
import { fixtureRng, randomModel } from "./helpers/randomModel.js";

function samples(model: FloatModel, n: number, seed: number): number[][] {
  const rnd = fixtureRng(seed);
  return Array.from({ length: n }, () => model.features.map((f) => f.min + rnd() * (f.max - f.min)));
}

describe("batch-norm folding", () => {
  for (const scaler of ["zscore", "minmax"] as const) {
    it(`matches the unfolded float forward pass within 1e-9 (${scaler})`, () => {
      const model = randomModel({ seed: 3, hidden: [8, 6], scaler, clamp: false });
      const folded = foldBatchNorm(model);
      expect(folded.layers).toHaveLength(3);
      for (const x of samples(model, 200, 1)) {
        expect(Math.abs(foldedForward(folded, x) - predictTrace(model, x).unclamped)).toBeLessThan(1e-9);
      }
    });
  }
});

describe("bad models give errors naming the layer or feature", () => {
  const base = () => randomModel({ seed: 5, hidden: [4] });
  it("unsupported layer type", async () => {
    const m = base();
    (m.layers as unknown[]).splice(1, 0, { type: "conv2d" });
    await expect(quantize(m)).rejects.toThrow(/layer 1 has unsupported type "conv2d"/);
  });
  it("non-finite weight", async () => {
    const m = base();
    (m.layers[0] as { weight: number[][] }).weight[2][1] = Number.NaN;
    await expect(quantize(m)).rejects.toThrow(/layers\[0\] \(dense\)\.weight\[2\]\[1\]/);
  });
  it("missing input range", async () => {
    const m = base();
    (m.features[1] as { max?: number }).max = undefined;
    const err = await quantize(m).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidValueError);
    expect((err as Error).message).toMatch(/features\[1\] \(timeToExpiry\)\.max/);
  });
  it("activation on the output layer", async () => {
    const m = base();
    m.layers.push({ type: "relu", dim: 1 });
    await expect(quantize(m)).rejects.toBeInstanceOf(UnsupportedModelError);
  });
  it("weights so large that the bound analysis approaches the field size", async () => {
    const m = base();
    (m.layers[0] as { weight: number[][] }).weight[0][0] = 1e13;
    const err = await quantize(m, { actBits: 40 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/layer 0 neuron 0|2\^53/);
  });
  it("out-of-range precision", async () => {
    await expect(quantize(base(), { actBits: 0 })).rejects.toThrow(/invalid actBits: 0/);
  });
});

describe("quantized model", () => {
  it("is deterministic: same model → same JSON, same model id, same circuit bytes with a generated header", async () => {
    const a = await quantize(randomModel({ seed: 9, hidden: [5, 4] }));
    const b = await quantize(randomModel({ seed: 9, hidden: [5, 4] }));
    expect(serializeQuantizedModel(a)).toBe(serializeQuantizedModel(b));
    expect(emitCircuit(a)).toBe(emitCircuit(b));
    expect(emitCircuit(a).split("\n")[2]).toMatch(/^\/\/ GENERATED FILE/);
    expect(emitCircuit(a)).toContain(`model id (Poseidon): ${a.modelId}`);
  });

  it("the model id commits to every integer", async () => {
    const m = randomModel({ seed: 9, hidden: [5, 4] });
    const a = await quantize(m);
    (m.layers[0] as { weight: number[][] }).weight[1][1] += 0.01;
    const b = await quantize(m);
    expect(b.modelId).not.toBe(a.modelId);
  });

  it("every accumulator of sampled inputs lies within its proven bounds", async () => {
    const m = randomModel({ seed: 13, hidden: [6, 5] });
    const q = await quantize(m, { actBits: 12 });
    for (const x of samples(m, 300, 2)) {
      const raw = x.map((v, j) => toRawUnits(v.toFixed(18), 18));
      const t = integerForward(q, raw);
      t.acc.forEach((layer, li) =>
        layer.forEach((a, i) => {
          expect(a >= BigInt(q.layers[li].bounds[i].accMin) && a <= BigInt(q.layers[li].bounds[i].accMax)).toBe(true);
        }),
      );
    }
  });

  it("round-trips through its file format, which rejects edited integers", async () => {
    const q = await quantize(randomModel({ seed: 4, hidden: [3] }));
    const text = serializeQuantizedModel(q);
    expect(await parseQuantizedModel(text)).toEqual(q);
    const edited = JSON.parse(text);
    edited.layers[1].bias[0] = String(BigInt(edited.layers[1].bias[0]) + 1n);
    await expect(parseQuantizedModel(JSON.stringify(edited))).rejects.toThrow(/modelId .* does not match|bounds differ/);
    await expect(parseQuantizedModel("{")).rejects.toThrow(/not valid JSON/);
    await expect(parseQuantizedModel(JSON.stringify({ ...edited, actBits: "x" }))).rejects.toThrow(/actBits/);
  });

  it("measured error stays below the guaranteed bound, which shrinks with precision", async () => {
    const m = randomModel({ seed: 21, hidden: [8, 8] });
    const rows = samples(m, 300, 3);
    const q12 = await quantize(m, { actBits: 12 });
    const q16 = await quantize(m, { actBits: 16 });
    const r12 = quantizationReport(m, q12, rows);
    const r16 = quantizationReport(m, q16, rows);
    expect(r12.maxAbsErr).toBeLessThanOrEqual(r12.guaranteedBound);
    expect(r16.maxAbsErr).toBeLessThanOrEqual(r16.guaranteedBound);
    expect(r16.guaranteedBound).toBeLessThan(r12.guaranteedBound);
    expect(guaranteedErrorBound(m, q16)).toBe(r16.guaranteedBound);
  });

  it("the guaranteed bound holds at every sampled input, corners included, and on every sub-box", async () => {
    for (const [seed, bits, leaky] of [[21, 12, false], [7, 10, true]] as const) {
      const base = randomModel({ seed, hidden: [8, 6] });
      const m: FloatModel = leaky ? { ...base, layers: base.layers.map((l) => (l.type === "relu" ? { type: "leakyRelu" as const, dim: l.dim, alpha: 1 / 8 } : l)) } : base;
      const q = await quantize(m, { actBits: bits });
      const errAt = (x: number[], exact?: bigint[]) => {
        // toFixed(18) of a float64 can land a few raw units past the range's end: clamp.
        const clampRaw = (r: bigint, j: number) => (r < BigInt(q.inputs[j].minRaw) ? BigInt(q.inputs[j].minRaw) : r > BigInt(q.inputs[j].maxRaw) ? BigInt(q.inputs[j].maxRaw) : r);
        const raw = exact ?? x.map((v, j) => clampRaw(toRawUnits(v.toFixed(18), 18), j));
        const xr = raw.map((r) => Number(r) / 1e18);
        return Math.abs(predictTrace(m, xr).output - Number(integerForward(q, raw).output) / 1e18);
      };
      const r = analyzeQuantizationError(m, q, { maxBoxes: 400 });
      expect(r.worstFound).toBeLessThanOrEqual(r.bound);
      expect(r.bound).toBeLessThanOrEqual(r.rootBound);
      expect(errAt(r.worstInput, r.worstRaw)).toBe(r.worstFound);
      const corners = Array.from({ length: 16 }, (_, c) => m.features.map((f, j) => ((c >> j) & 1 ? f.max : f.min)));
      for (const x of [...samples(m, 1500, 5), ...corners]) expect(errAt(x)).toBeLessThanOrEqual(r.bound);
      // Random sub-boxes: every input inside one has an error within that box's own bound.
      const rnd = fixtureRng(seed + 100);
      for (let b = 0; b < 40; b++) {
        const box = m.features.map((f) => {
          const w = (f.max - f.min) * 0.2 ** (1 + rnd() * 2);
          const lo = f.min + rnd() * (f.max - f.min - w);
          return [lo, lo + w];
        });
        const bound = errorBoundOnBox(m, q, { min: box.map((v) => v[0]), max: box.map((v) => v[1]) });
        for (let s = 0; s < 25; s++) {
          const x = box.map(([lo, hi]) => lo + rnd() * (hi - lo));
          expect(errAt(x)).toBeLessThanOrEqual(bound);
        }
      }
    }
  });

  it("picks the smallest precision that meets a tolerance", async () => {
    const m = randomModel({ seed: 21, hidden: [8, 8] });
    const rows = samples(m, 200, 4);
    const { q, report } = await quantizeToTolerance(m, rows, { tolerance: 1e-4 });
    expect(report.maxAbsErr).toBeLessThanOrEqual(1e-4);
    const coarser = await quantize(m, { actBits: q.actBits - 1 });
    expect(quantizationReport(m, coarser, rows).maxAbsErr).toBeGreaterThan(1e-4);
    await expect(quantizeToTolerance(m, rows, { tolerance: 1e-12, maxBits: 12 })).rejects.toThrow(/no precision in \[8, 12\]/);
  });
});

describe("decimal on-chain units", () => {
  it("converts exactly and refuses excess precision", () => {
    expect(toRawUnits(0.8, 18)).toBe(800000000000000000n);
    expect(toRawUnits("1.05", 18)).toBe(1050000000000000000n);
    expect(toRawUnits(2e-7, 18)).toBe(200000000000n);
    expect(fromRawUnits(1050000000000000000n, 18)).toBe("1.05");
    expect(() => toRawUnits("0.1234567", 6)).toThrow(/at most 6 decimal places/);
    expect(() => toRawUnits("abc", 6)).toThrow(/a decimal number/);
  });
});
