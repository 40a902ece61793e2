import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { circuitLibDir } from "../src/circuit/build.js";
import { predictConstraints } from "../src/circuit/cost.js";
import { toCircuitInput } from "../src/circuit/inputs.js";
import { circuitSignals } from "../src/circuit/names.js";
import { InputOutOfRangeError } from "../src/errors.js";
import { integerForward } from "../src/quantize/forward.js";
import { quantize } from "../src/quantize/quantize.js";
import type { QuantizedModel } from "../src/quantize/types.js";
import { FIELD_ORDER, fromFieldSigned, toField } from "../src/zk/field.js";
import { WitnessError, calculateWitness } from "../src/zk/groth16.js";
import { findViolatedConstraint } from "../src/zk/r1cs.js";
import { compileModelForTest, type CompiledForTest } from "./helpers/circuits.js";
import { expectRejectedBy, forge, projectWitness, solveSchedule, violated, wireOf, type Edit, type Schedule } from "./helpers/forge.js";
import { randomModel } from "./helpers/randomModel.js";

type Compiled = CompiledForTest;

const compileModel = (q: QuantizedModel, dir: string, opts: { optimization?: 0 | 1 | 2; lib?: string; tag: string }) => compileModelForTest(q, dir, opts);

const idx = (c: Compiled, name: string) => wireOf(c, name);

const rangeOf = (q: QuantizedModel, j: number) => ({ min: BigInt(q.inputs[j].minRaw), max: BigInt(q.inputs[j].maxRaw) });

function midInputs(q: QuantizedModel): bigint[] {
  return q.inputs.map((_, j) => {
    const { min, max } = rangeOf(q, j);
    return (min + max) / 2n;
  });
}

describe("generated circuit: exactness and soundness (small model 4 → 3 → 2 → 1)", () => {
  let dir: string;
  let q: QuantizedModel;
  let prod: Compiled; // --O2, as shipped
  let plain: Compiled; // --O0: every signal kept, for bit-level forgeries

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-soundness-"));
    q = await quantize(randomModel({ seed: 11, hidden: [3, 2] }), { actBits: 10 });
    prod = await compileModel(q, dir, { tag: "o2" });
    plain = await compileModel(q, dir, { tag: "o0", optimization: 0 });
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("has exactly the constraint count the bound analysis predicts", () => {
    expect(prod.constraints).toBe(predictConstraints(q));
  });

  it("property: for random in-range inputs (edges included) the circuit equals the integer reference exactly", async () => {
    const arbInput = (j: number) => {
      const { min, max } = rangeOf(q, j);
      return fc.oneof(fc.constantFrom(min, max, min + 1n, max - 1n), fc.bigInt({ min, max }));
    };
    let sawNegative = false;
    await fc.assert(
      fc.asyncProperty(fc.tuple(...q.inputs.map((_, j) => arbInput(j))), async (raw) => {
        const ref = integerForward(q, raw);
        if (ref.acc.flat().some((a) => a < 0n)) sawNegative = true;
        const w = await calculateWitness(prod.wc, toCircuitInput(q, raw));
        expect(fromFieldSigned(w[idx(prod, "out_priceOverStrike")])).toBe(ref.output);
        expect(findViolatedConstraint(prod.r1cs, w)).toBe(-1);
        // Every hidden activation too (the unoptimised build keeps every signal).
        const all = await calculateWitness(plain.wc, toCircuitInput(q, raw));
        ref.act.forEach((layer, li) => layer.forEach((v, i) => expect(all[idx(plain, `l${li}[${i}].out`)]).toBe(v)));
      }),
      { numRuns: 150, seed: 42 },
    );
    expect(sawNegative).toBe(true);
  });

  it("an out-of-range input gives an error naming the input, and the circuit itself refuses it", async () => {
    const raw = midInputs(q);
    const { min, max } = rangeOf(q, 2);
    for (const bad of [min - 1n, max + 1n]) {
      const attempt = [...raw];
      attempt[2] = bad;
      expect(() => toCircuitInput(q, attempt)).toThrow(InputOutOfRangeError);
      expect(() => toCircuitInput(q, attempt)).toThrow(/input "volatility"/);
      // Bypass the library check: witness generation itself fails (no proof can be made).
      const input = { ...toCircuitInput(q, raw), in_volatility: toField(bad).toString() };
      await expect(calculateWitness(prod.wc, input)).rejects.toBeInstanceOf(WitnessError);
    }
    // A "negative" input (p − 1) is out of range too.
    const input = { ...toCircuitInput(q, raw), in_rate: (FIELD_ORDER - 1n).toString() };
    await expect(calculateWitness(prod.wc, input)).rejects.toBeInstanceOf(WitnessError);
  });

  describe("consistent forged witnesses are rejected by the gadget they target", () => {
    let honest: bigint[];
    let schedule: Schedule;
    beforeAll(async () => {
      honest = await calculateWitness(plain.wc, toCircuitInput(q, midInputs(q)));
      schedule = solveSchedule(plain, honest);
    });

    const value = (name: string) => fromFieldSigned(honest[wireOf(plain, name)]);
    /**
     * Forge, recompute every dependent signal, and check the rejection: by constraints of
     * `gadget` only (and one involving `involving`), in the --O0 build and in the shipped --O2
     * build (the forgery carried over by signal name).
     */
    const rejected = (edits: Record<string, Edit>, opts: { gadget?: string; involving?: string[] }) => {
      const f = forge(plain, honest, schedule, edits);
      const broken = expectRejectedBy(f, opts);
      expect(violated(prod, projectWitness(plain, f.witness, prod)).length).toBeGreaterThan(0);
      return { f, broken };
    };

    it("the helper is a witness calculator: the schedule determines every signal, and a legitimate input change replays to the circuit's own witness", async () => {
      expect(schedule.undetermined.map((x) => plain.names[x])).toEqual([]);
      expect(forge(plain, honest, schedule, {}).broken).toEqual([]);
      for (const j of [0, 3]) {
        const raw = midInputs(q);
        raw[j] = rangeOf(q, j).max;
        const f = forge(plain, honest, schedule, { [circuitSignals(q).inputs[j]]: raw[j] });
        expect(f.broken).toEqual([]);
        expect(f.witness).toEqual(await calculateWitness(plain.wc, toCircuitInput(q, raw)));
      }
    });

    it("a different public output (+1 unit, +1 step): rejected by the output assignment", () => {
      for (const d of [1n, BigInt(q.output.factor)]) {
        rejected({ out_priceOverStrike: (v) => v + d }, { involving: ["out_priceOverStrike", "outRescale.out"] });
      }
    });

    it("every hidden neuron's output (±1, with the next layers recomputed): rejected by that neuron's RescaleRelu", () => {
      q.layers.forEach((layer, li) => {
        if (layer.activation.kind !== "relu") return;
        layer.weight.forEach((_, i) => {
          for (const d of [1n, -1n]) rejected({ [`l${li}[${i}].out`]: (v) => v + d }, { gadget: `l${li}[${i}]`, involving: [`l${li}[${i}].out`] });
        });
      });
    });

    it("a remainder that pays for a larger quotient (remainder − 2^S, quotient + 1): rejected by booleanity of the remainder bit", () => {
      const s = q.output.shift;
      const { f } = rejected(
        { "outRescale.bits.out[0]": (v) => v - (1n << BigInt(s)), [`outRescale.bits.out[${s}]`]: (v) => v + 1n },
        { gadget: "outRescale.bits", involving: ["outRescale.bits.out[0]"] },
      );
      // The forgery reached the public output: it is an attack on the output, not on a bit.
      expect(fromFieldSigned(f.witness[wireOf(plain, "out_priceOverStrike")])).toBe(value("out_priceOverStrike") + BigInt(q.output.factor));
    });

    it("a flipped quotient bit (still 0 or 1): rejected by the recomposition of the output rescale", () => {
      const s = q.output.shift;
      for (const b of [s, s + 1]) {
        rejected({ [`outRescale.bits.out[${b}]`]: (v) => 1n - v }, { gadget: "outRescale.bits", involving: [`outRescale.bits.out[${b}]`, "outRescale.bits.in"] });
      }
    });

    it("a hidden neuron's sign bit: flipped alone (recomposition) and paid for by a non-boolean bit (booleanity)", () => {
      const ref = integerForward(q, midInputs(q));
      const neg = ref.acc[0].findIndex((a) => a < 0n);
      const pos = ref.acc[0].findIndex((a) => a > 0n);
      expect(neg).toBeGreaterThanOrEqual(0);
      expect(pos).toBeGreaterThanOrEqual(0);
      for (const i of [neg, pos]) {
        const B = q.layers[0].bounds[i].bits;
        const sign = `l0[${i}].bits.out[${B - 1}]`;
        const top = `l0[${i}].bits.out[${B - 2}]`;
        rejected({ [sign]: (v) => 1n - v }, { gadget: `l0[${i}].bits`, involving: [sign, `l0[${i}].bits.in`] });
        // sign ± 1 changes the sum by ±2^(B−1); bit B−2 ∓ 2 pays it back, so only booleanity can object.
        const d = value(sign) === 0n ? 1n : -1n;
        const { f } = rejected({ [sign]: (v) => v + d, [top]: (v) => v - 2n * d }, { gadget: `l0[${i}].bits`, involving: [top] });
        expect(f.changed.has(wireOf(plain, `l0[${i}].out`))).toBe(true);
      }
    });

    it("each input above its range (max + 1) and below it (min − 1): rejected by that input's upper / lower range check", () => {
      q.inputs.forEach((inp, j) => {
        const name = circuitSignals(q).inputs[j];
        const { min, max } = rangeOf(q, j);
        if (BigInt(inp.maxRaw) - BigInt(inp.minRaw) !== (1n << BigInt(inp.rangeBits)) - 1n) {
          rejected({ [name]: max + 1n }, { gadget: `x${j}.upper`, involving: [`x${j}.upper.in`] });
        }
        rejected({ [name]: min - 1n }, { gadget: `x${j}.lower`, involving: [`x${j}.lower.in`] });
      });
    });

    it("every wiring signal (±1, dependents recomputed): rejected by the constraint that defines it", () => {
      const wiring = [
        ...q.inputs.flatMap((_, j) => [`x${j}.x`, `x${j}.u`, `x${j}.lower.in`, `x${j}.upper.in`]),
        ...q.layers.flatMap((l, li) => (l.activation.kind === "relu" ? l.weight.flatMap((_, i) => [`l${li}[${i}].in`, `l${li}[${i}].bits.in`]) : [])),
        "acc",
        "outRescale.in",
        "outRescale.bits.in",
        "outRescale.out",
      ];
      for (const name of wiring) for (const d of [1n, -1n]) rejected({ [name]: (v) => v + d }, { involving: [name] });
    });

    it("sweep: EVERY non-input signal moved by ±1, with all dependents recomputed, breaks a constraint that contains it", () => {
      const nIn = 1 + plain.r1cs.header.nPubOut + plain.r1cs.header.nPubIn;
      let n = 0;
      for (let x = 1; x < plain.r1cs.header.nWires; x++) {
        if (x > plain.r1cs.header.nPubOut && x < nIn) continue;
        for (const d of [1n, -1n]) {
          const f = forge(plain, honest, schedule, { [plain.names[x]]: (v) => v + d });
          expectRejectedBy(f, { involving: [plain.names[x]] });
          n++;
        }
      }
      expect(n).toBe(2 * (plain.r1cs.header.nWires - 1 - plain.r1cs.header.nPubIn));
    });

    it("control: with the booleanity constraint removed, the same remainder forgery is accepted by every constraint", async () => {
      const lib = path.join(dir, "mutant-lib");
      await mkdir(lib, { recursive: true });
      const source = await readFile(path.join(circuitLibDir(), "zkinfer.circom"), "utf8");
      const mutated = source.replace("out[i] * (out[i] - 1) === 0;", "");
      expect(mutated).not.toBe(source);
      await writeFile(path.join(lib, "zkinfer.circom"), mutated);
      const mutant = await compileModelForTest(q, dir, { tag: "mutant", optimization: 0, lib });
      const w0 = await calculateWitness(mutant.wc, toCircuitInput(q, midInputs(q)));
      const s = q.output.shift;
      const f = forge(mutant, w0, solveSchedule(mutant, w0), { "outRescale.bits.out[0]": (v) => v - (1n << BigInt(s)), [`outRescale.bits.out[${s}]`]: (v) => v + 1n });
      expect(f.broken).toEqual([]);
      expect(violated(mutant, f.witness)).toEqual([]);
      expect(fromFieldSigned(f.witness[wireOf(mutant, "out_priceOverStrike")])).toBe(fromFieldSigned(w0[wireOf(mutant, "out_priceOverStrike")]) + BigInt(q.output.factor));
    });
  });
});
