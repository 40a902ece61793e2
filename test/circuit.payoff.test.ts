import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { predictConstraints } from "../src/circuit/cost.js";
import { emitCircuit } from "../src/circuit/emit.js";
import { toCircuitInput } from "../src/circuit/inputs.js";
import { InvalidValueError } from "../src/errors.js";
import { floatPayoff, integerPayoff } from "../src/layers/payoff.js";
import { predict } from "../src/model/forward.js";
import { validateFloatModel } from "../src/model/validate.js";
import type { FloatModel } from "../src/model/types.js";
import { analyzeQuantizationError } from "../src/quantize/errorBound.js";
import { parseQuantizedModel, serializeQuantizedModel } from "../src/quantize/file.js";
import { integerForward } from "../src/quantize/forward.js";
import { quantize } from "../src/quantize/quantize.js";
import type { QuantizedModel } from "../src/quantize/types.js";
import { fromFieldSigned } from "../src/zk/field.js";
import { calculateWitness } from "../src/zk/groth16.js";
import { compileModelForTest, type CompiledForTest } from "./helpers/circuits.js";
import { expectRejectedBy, forge, projectWitness, solveSchedule, violated, wireOf } from "./helpers/forge.js";
import { randomModel } from "./helpers/randomModel.js";

const WAD = 10n ** 18n;

describe("payoff skip: the network's output plus the exact payoff relu(±(m − K))", () => {
  const base = randomModel({ seed: 21, hidden: [3, 2] });

  it("float model: output = clamped network + payoff; invalid skips name the field", () => {
    const call: FloatModel = { ...base, skip: { kind: "payoff", option: "call", input: 0, strike: 1 } };
    const put: FloatModel = { ...base, skip: { kind: "payoff", option: "put", input: 0, strike: 1 } };
    for (const x of [[0.85, 0.3, 0.2, 0.01], [1.15, 0.5, 0.4, 0.05], [1, 0.02, 0.1, 0]]) {
      expect(predict(call, x)).toBeCloseTo(predict(base, x) + Math.max(x[0] - 1, 0), 15);
      expect(predict(put, x)).toBeCloseTo(predict(base, x) + Math.max(1 - x[0], 0), 15);
    }
    expect(() => validateFloatModel({ ...base, skip: { kind: "payoff", option: "call", input: 4, strike: 1 } })).toThrow(/skip\.input/);
    expect(() => validateFloatModel({ ...base, skip: { kind: "payoff", option: "straddle" as "call", input: 0, strike: 1 } })).toThrow(InvalidValueError);
  });

  it("quantized: exact payoff in raw units, recorded in the model id and the file (an edited skip is refused)", async () => {
    const plain = await quantize(base, { actBits: 10 });
    const call = await quantize({ ...base, skip: { kind: "payoff", option: "call", input: 0, strike: 1 } }, { actBits: 10 });
    const put = await quantize({ ...base, skip: { kind: "payoff", option: "put", input: 0, strike: 1 } }, { actBits: 10 });
    expect(new Set([plain.modelId, call.modelId, put.modelId]).size).toBe(3);
    expect(call.output.skip).toEqual({ kind: "payoff", option: "call", input: 0, strikeRaw: WAD.toString(), factor: "1", bits: 59 });
    // m ∈ [0.8, 1.2]: |m − 1| ≤ 0.2·10^18 < 2^58.
    expect(predictConstraints(call)).toBe(predictConstraints(plain) + 60);
    const m = (11n * WAD) / 10n + 12345n;
    const raw = [m, WAD / 2n, WAD / 5n, WAD / 100n];
    expect(integerForward(call, raw).payoff).toBe(m - WAD);
    expect(integerForward(call, raw).output).toBe(integerForward(plain, raw).output + m - WAD);
    expect(integerForward(put, raw).payoff).toBe(0n);
    expect(integerPayoff(put.output.skip!, [(9n * WAD) / 10n])).toBe(WAD / 10n);
    expect(floatPayoff({ kind: "payoff", option: "put", input: 0, strike: 1 }, [0.9])).toBeCloseTo(0.1, 15);
    expect(await parseQuantizedModel(serializeQuantizedModel(call))).toEqual(call);
    const edited = JSON.parse(serializeQuantizedModel(call));
    edited.output.skip.strikeRaw = (WAD - 1n).toString();
    await expect(parseQuantizedModel(JSON.stringify(edited))).rejects.toThrow(/modelId/);
    const narrow = JSON.parse(serializeQuantizedModel(call));
    narrow.output.skip.bits = 40;
    await expect(parseQuantizedModel(JSON.stringify(narrow))).rejects.toThrow(/output\.skip\.bits/);
  });

  it("the guaranteed bound still holds and the skip adds nothing to |quantized − float|", async () => {
    const skipped: FloatModel = { ...base, skip: { kind: "payoff", option: "call", input: 0, strike: 1 } };
    const a = analyzeQuantizationError(base, await quantize(base, { actBits: 10 }), { maxBoxes: 60 });
    const b = analyzeQuantizationError(skipped, await quantize(skipped, { actBits: 10 }), { maxBoxes: 60 });
    expect(b.bound).toBeGreaterThanOrEqual(b.worstFound);
    expect(Math.abs(b.rootBound - a.rootBound)).toBeLessThan(1e-12);
  });
});

for (const option of ["call", "put"] as const) {
  describe(`payoff skip in the circuit (${option})`, () => {
    let dir: string;
    let q: QuantizedModel;
    let prod: CompiledForTest;
    let plain: CompiledForTest;
    const model: FloatModel = { ...randomModel({ seed: option === "call" ? 22 : 23, hidden: [3, 2] }), skip: { kind: "payoff", option, input: 0, strike: 1 } };
    const itm = option === "call" ? [(115n * WAD) / 100n, WAD / 2n, WAD / 4n, WAD / 50n] : [(85n * WAD) / 100n, WAD / 2n, WAD / 4n, WAD / 50n];
    const otm = option === "call" ? [(85n * WAD) / 100n, WAD / 2n, WAD / 4n, WAD / 50n] : [(115n * WAD) / 100n, WAD / 2n, WAD / 4n, WAD / 50n];

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), `zkinfer-payoff-${option}-`));
      q = await quantize(model, { actBits: 10 });
      expect(emitCircuit(q)).toContain("payoffRelu");
      prod = await compileModelForTest(q, dir, { tag: "o2" });
      plain = await compileModelForTest(q, dir, { tag: "o0", optimization: 0 });
    });
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("has the predicted constraint count", () => {
      expect(prod.constraints).toBe(predictConstraints(q));
    });

    it("the proven price equals the integer reference, payoff included (edges, strike, random)", async () => {
      const edge = (j: number) => fc.oneof(fc.constantFrom(BigInt(q.inputs[j].minRaw), BigInt(q.inputs[j].maxRaw)), fc.bigInt({ min: BigInt(q.inputs[j].minRaw), max: BigInt(q.inputs[j].maxRaw) }));
      const m = fc.oneof(edge(0), fc.constantFrom(WAD - 1n, WAD, WAD + 1n));
      await fc.assert(
        fc.asyncProperty(fc.tuple(m, edge(1), edge(2), edge(3)), async (raw) => {
          const ref = integerForward(q, raw);
          const w = await calculateWitness(prod.wc, toCircuitInput(q, raw));
          expect(violated(prod, w)).toEqual([]);
          expect(fromFieldSigned(w[wireOf(prod, "out_priceOverStrike")])).toBe(ref.output);
          const d = option === "call" ? raw[0] - WAD : WAD - raw[0];
          expect(ref.payoff).toBe(d > 0n ? d : 0n);
        }),
        { numRuns: 60, seed: 4 },
      );
    });

    describe("forged payoffs are rejected by the payoff's ReLU", () => {
      const at = async (raw: bigint[]) => {
        const honest = await calculateWitness(plain.wc, toCircuitInput(q, raw));
        expect(violated(plain, honest)).toEqual([]);
        return { honest, schedule: solveSchedule(plain, honest) };
      };

      it("in the money: a payoff one unit off, or switched off, is rejected", async () => {
        const { honest, schedule } = await at(itm);
        const v = (n: string) => fromFieldSigned(honest[wireOf(plain, n)]);
        expect(v("payoff")).toBe(integerForward(q, itm).payoff);
        expect(v("payoff")).toBeGreaterThan(0n);
        for (const e of [(b: bigint) => b + 1n, (b: bigint) => b - 1n, () => 0n]) {
          const f = forge(plain, honest, schedule, { "payoffRelu.out": e });
          expectRejectedBy(f, { gadget: "payoffRelu", involving: ["payoffRelu.out"] });
          expect(violated(prod, projectWitness(plain, f.witness, prod)).length).toBeGreaterThan(0);
        }
        // The sign bit cleared (ReLU off) and paid for by a non-boolean bit: booleanity objects.
        const B = q.output.skip!.bits;
        const f = forge(plain, honest, schedule, { [`payoffRelu.bits.out[${B - 1}]`]: 0n, [`payoffRelu.bits.out[${B - 2}]`]: (b) => b + 2n });
        expectRejectedBy(f, { gadget: "payoffRelu" });
      });

      it("out of the money: a positive payoff is rejected", async () => {
        const { honest, schedule } = await at(otm);
        expect(fromFieldSigned(honest[wireOf(plain, "payoff")])).toBe(0n);
        const f = forge(plain, honest, schedule, { "payoffRelu.out": 10n ** 15n });
        expectRejectedBy(f, { gadget: "payoffRelu", involving: ["payoffRelu.out"] });
        expect(violated(prod, projectWitness(plain, f.witness, prod)).length).toBeGreaterThan(0);
      });

      it("sweep: every payoff signal ±1, dependents recomputed, breaks a constraint that contains it", async () => {
        const { honest, schedule } = await at(itm);
        const wires = plain.names.map((n, w) => [n, w] as const).filter(([n]) => n.startsWith("payoffRelu.") || n === "payoff");
        expect(wires.length).toBeGreaterThan(q.output.skip!.bits);
        for (const [name] of wires) {
          for (const d of [1n, -1n]) expectRejectedBy(forge(plain, honest, schedule, { [name]: (b) => b + d }), { involving: [name] });
        }
      });
    });
  });
}

describe("payoff skip with the no-arbitrage clamp", () => {
  it("the clamp acts on network + payoff; the circuit equals the integer reference", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-payoff-noarb-"));
    try {
      const base = randomModel({ seed: 24, hidden: [3, 2], clamp: false });
      const model: FloatModel = { ...base, targetScaler: { offset: 0, scale: 0.05 }, skip: { kind: "payoff", option: "call", input: 0, strike: 1 } };
      const q = await quantize(model, { actBits: 10, noArbitrage: "call" });
      expect(emitCircuit(q)).toMatch(/beforeClamp <== outRescale\.out \* \d+ \+ payoff;/);
      const prod = await compileModelForTest(q, dir, { tag: "o2" });
      expect(prod.constraints).toBe(predictConstraints(q));
      let clamped = 0;
      for (const m of [(8n * WAD) / 10n, WAD, (12n * WAD) / 10n]) {
        for (const t of [BigInt(q.inputs[1].minRaw), BigInt(q.inputs[1].maxRaw)]) {
          const raw = [m, t, WAD / 4n, WAD / 20n];
          const ref = integerForward(q, raw);
          if (ref.output !== ref.noArbitrage!.before) clamped++;
          expect(ref.noArbitrage!.before).toBe(integerForward({ ...q, output: { ...q.output, noArbitrage: undefined } }, raw).output);
          const w = await calculateWitness(prod.wc, toCircuitInput(q, raw));
          expect(violated(prod, w)).toEqual([]);
          expect(fromFieldSigned(w[wireOf(prod, "out_priceOverStrike")])).toBe(ref.output);
        }
      }
      expect(clamped).toBeGreaterThan(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
