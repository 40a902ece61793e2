import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { circuitLibDir } from "../src/circuit/build.js";
import { predictConstraints } from "../src/circuit/cost.js";
import { emitCircuit } from "../src/circuit/emit.js";
import { toCircuitInput } from "../src/circuit/inputs.js";
import { blackScholesDataset } from "../src/data/blackScholes.js";
import { splitDataset } from "../src/data/split.js";
import { ACTIVATION_TYPES, LAYER_TYPES } from "../src/layers/registry.js";
import { createModelFile, parseModelFile, serializeModelFile } from "../src/model/file.js";
import { predict } from "../src/model/forward.js";
import type { FloatModel } from "../src/model/types.js";
import { parseQuantizedModel, serializeQuantizedModel } from "../src/quantize/file.js";
import { integerForward } from "../src/quantize/forward.js";
import { quantize } from "../src/quantize/quantize.js";
import { quantizationReport } from "../src/quantize/report.js";
import type { QuantizedModel } from "../src/quantize/types.js";
import { backward, createNetwork, createWorkspace, forwardTrain, trainableParams } from "../src/train/network.js";
import { mseLoss, mseLossGradient } from "../src/train/loss.js";
import { train } from "../src/train/train.js";
import { createRng } from "../src/util/rng.js";
import { compileCircuit } from "../src/zk/circom.js";
import { fromFieldSigned, toField } from "../src/zk/field.js";
import { calculateWitness, loadWitnessCalculator } from "../src/zk/groth16.js";
import { findViolatedConstraint, readR1cs, type R1cs } from "../src/zk/r1cs.js";
import { readSymbols } from "../src/zk/symbols.js";
import { fixtureRng, randomModel } from "./helpers/randomModel.js";
import type { WitnessCalculator } from "circom_runtime";

/** The random fixture model with every ReLU replaced by a leaky ReLU of slope 2^-k. */
function leakyModel(seed: number, hidden: number[], k: number): FloatModel {
  const m = randomModel({ seed, hidden });
  return { ...m, layers: m.layers.map((l) => (l.type === "relu" ? { type: "leakyRelu" as const, dim: l.dim, alpha: 2 ** -k } : l)) };
}

/** A version-1 qmodel text of a (relu) model: `activation` written as the old `relu` flag. */
function asVersion1(q: QuantizedModel): string {
  const v1 = { ...q, version: 1, layers: q.layers.map(({ activation, ...l }) => ({ ...l, relu: activation.kind === "relu" })) };
  return JSON.stringify(v1, null, 2);
}

describe("layer registry", () => {
  it("lists every kind once; activations are the kinds with the activation role", () => {
    expect(LAYER_TYPES).toEqual(["dense", "batchnorm", "relu", "leakyRelu"]);
    expect(ACTIVATION_TYPES).toEqual(["relu", "leakyRelu"]);
  });

  it("version-1 quantized models still load, migrated, with the same model id", async () => {
    const q = await quantize(randomModel({ seed: 4, hidden: [3, 2] }));
    expect(q.version).toBe(2);
    const migrated = await parseQuantizedModel(asVersion1(q));
    expect(migrated).toEqual(q);
    // An edited v1 file is still refused (the id check runs after the migration).
    const edited = JSON.parse(asVersion1(q));
    edited.layers[0].weight[0][0] = String(BigInt(edited.layers[0].weight[0][0]) + 1n);
    await expect(parseQuantizedModel(JSON.stringify(edited))).rejects.toThrow(/modelId|bounds differ/);
    // Fields of the wrong version are refused with the layer named.
    const mixed = JSON.parse(serializeQuantizedModel(q));
    mixed.layers[0].relu = true;
    await expect(parseQuantizedModel(JSON.stringify(mixed))).rejects.toThrow(/layers\.0: a version 2 file has "activation" and no "relu"/);
    const unknown = JSON.parse(serializeQuantizedModel(q));
    unknown.layers[0].activation = { kind: "gelu" };
    await expect(parseQuantizedModel(JSON.stringify(unknown))).rejects.toThrow(/layers\.0\.activation\.kind: "gelu"/);
  });

  it("a leaky ReLU's alpha must be a power of two (named in the error)", () => {
    const m = leakyModel(5, [3], 3);
    (m.layers[2] as { alpha: number }).alpha = 0.01;
    expect(() => createModelFile({ model: m })).toThrow(/layers\[2\]\.alpha: 0\.01 \(allowed: a power of two/);
  });
});

describe("leaky ReLU (a kind added through the registry)", () => {
  it("backward: every gradient of dense → BN → leaky → dense matches finite differences", () => {
    const batch = 6;
    const net = createNetwork({ inDim: 3, hidden: [4], outDim: 1, batchNorm: true, bnMomentum: 0.1, bnEps: 1e-5, activation: "leakyRelu", rng: createRng(3) });
    expect(net.layers.map((l) => l.type)).toEqual(["dense", "batchnorm", "leakyRelu", "dense"]);
    const ws = createWorkspace(net, batch);
    const rnd = fixtureRng(8);
    const x = Float64Array.from({ length: batch * 3 }, () => rnd() * 2 - 1);
    const y = Float64Array.from({ length: batch }, () => rnd());
    const loss = () => mseLoss(forwardTrain(net, ws, x, batch, false), y, batch);
    const dOut = new Float64Array(batch);
    mseLossGradient(forwardTrain(net, ws, x, batch, false), y, batch, dOut);
    backward(net, ws, dOut, batch);
    for (const p of trainableParams(net)) {
      const grad = p.grad.slice();
      for (let i = 0; i < p.value.length; i++) {
        const v = p.value[i];
        const h = 1e-6;
        p.value[i] = v + h;
        const up = loss();
        p.value[i] = v - h;
        const down = loss();
        p.value[i] = v;
        expect(Math.abs(grad[i] - (up - down) / (2 * h))).toBeLessThan(1e-6 + 1e-4 * Math.abs(grad[i]));
      }
    }
  });

  it("trains from the config, round-trips through the model file, quantizes within its guaranteed bound", async () => {
    const splits = splitDataset(blackScholesDataset({ n: 600, seed: 2, kind: "call" }), { seed: 2 });
    const r = train(splits, { hidden: [6], epochs: 4, frozenBatchNormEpochs: 1, activation: "leakyRelu", seed: 2 });
    expect(r.model.layers.map((l) => l.type)).toEqual(["dense", "batchnorm", "leakyRelu", "dense"]);
    const file = parseModelFile(serializeModelFile(createModelFile({ model: r.model })));
    expect(file.model).toEqual(r.model);
    const q = await quantize(r.model, { actBits: 12 });
    expect(q.layers[0].activation).toEqual({ kind: "leakyRelu", params: [6] });
    const report = quantizationReport(r.model, q, splits.test.x);
    expect(report.maxAbsErr).toBeLessThanOrEqual(report.guaranteedBound);
    expect(predict(r.model, splits.test.x[0])).toBeCloseTo(splits.test.y[0], 0);
  });

  describe("circuit: bit-exact with the integer reference, forged witnesses rejected", () => {
    let dir: string;
    let q: QuantizedModel;
    let wc: WitnessCalculator;
    let sym: Map<string, number>;
    let r1cs: R1cs;
    let constraints: number;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-leaky-"));
      q = await quantize(leakyModel(11, [3, 2], 3), { actBits: 10 });
      const circuit = path.join(dir, "model.circom");
      await mkdir(dir, { recursive: true });
      await writeFile(circuit, emitCircuit(q));
      const build = await compileCircuit({ circuit, outDir: dir, includePaths: [circuitLibDir()], optimization: 0 });
      const o2 = path.join(dir, "o2");
      await mkdir(o2);
      constraints = (await compileCircuit({ circuit, outDir: o2, includePaths: [circuitLibDir()] })).constraints;
      wc = await loadWitnessCalculator(build.wasmPath);
      sym = await readSymbols(build.symPath);
      r1cs = await readR1cs(build.r1csPath);
    });
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });
    const idx = (name: string) => {
      const i = sym.get(`main.${name}`);
      if (i === undefined) throw new Error(`no signal main.${name}`);
      return i;
    };

    it("has the predicted constraint count (B + 1 per leaky neuron, as ReLU)", () => {
      expect(constraints).toBe(predictConstraints(q));
    });

    it("property: outputs and every hidden activation equal integerForward, negative branches included", async () => {
      let sawNegative = false;
      await fc.assert(
        fc.asyncProperty(
          fc.tuple(...q.inputs.map((inp) => fc.bigInt({ min: BigInt(inp.minRaw), max: BigInt(inp.maxRaw) }))),
          async (raw) => {
            const ref = integerForward(q, raw);
            if (ref.act.flat().some((v) => v < 0n)) sawNegative = true;
            const w = await calculateWitness(wc, toCircuitInput(q, raw));
            expect(findViolatedConstraint(r1cs, w)).toBe(-1);
            expect(fromFieldSigned(w[idx("out_priceOverStrike")])).toBe(ref.output);
            ref.act.forEach((layer, li) => layer.forEach((v, i) => expect(fromFieldSigned(w[idx(`l${li}[${i}].out`)])).toBe(v)));
          },
        ),
        { numRuns: 60, seed: 7 },
      );
      expect(sawNegative).toBe(true);
    });

    it("a forged leaky output or sign bit is rejected", async () => {
      // An input where neuron 0 of layer 0 is on the negative branch, if one exists among samples.
      const rnd = fixtureRng(3);
      let raw = q.inputs.map((inp) => BigInt(inp.minRaw));
      for (let t = 0; t < 200; t++) {
        const cand = q.inputs.map((inp) => BigInt(inp.minRaw) + BigInt(Math.floor(rnd() * Number(BigInt(inp.maxRaw) - BigInt(inp.minRaw)))));
        if (integerForward(q, cand).act[0][0] < 0n) {
          raw = cand;
          break;
        }
      }
      const honest = await calculateWitness(wc, toCircuitInput(q, raw));
      expect(findViolatedConstraint(r1cs, honest)).toBe(-1);
      const forged = (edits: Record<string, bigint>) => {
        const w = [...honest];
        for (const [n, v] of Object.entries(edits)) w[idx(n)] = toField(v);
        return findViolatedConstraint(r1cs, w);
      };
      const out = fromFieldSigned(honest[idx("l0[0].out")]);
      expect(forged({ "l0[0].out": out + 1n })).toBeGreaterThanOrEqual(0);
      const B = q.layers[0].bounds[0].bits;
      const sign = `l0[0].bits.out[${B - 1}]`;
      expect(forged({ [sign]: 1n - fromFieldSigned(honest[idx(sign)]) })).toBeGreaterThanOrEqual(0);
      // Flipping the sign and claiming the other branch's value breaks the recomposition.
      const acc = integerForward(q, raw).acc[0][0];
      const other = (acc + (1n << BigInt(q.layers[0].shift - 1))) >> BigInt(q.layers[0].shift);
      expect(forged({ [sign]: 1n - fromFieldSigned(honest[idx(sign)]), "l0[0].out": other })).toBeGreaterThanOrEqual(0);
    });
  });
});
