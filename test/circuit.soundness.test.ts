import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { circuitLibDir } from "../src/circuit/build.js";
import { predictConstraints } from "../src/circuit/cost.js";
import { emitCircuit } from "../src/circuit/emit.js";
import { toCircuitInput } from "../src/circuit/inputs.js";
import { InputOutOfRangeError } from "../src/errors.js";
import { integerForward } from "../src/quantize/forward.js";
import { quantize } from "../src/quantize/quantize.js";
import type { QuantizedModel } from "../src/quantize/types.js";
import { compileCircuit, type CompileCircuitReturnType } from "../src/zk/circom.js";
import { FIELD_ORDER, fromFieldSigned, toField } from "../src/zk/field.js";
import { WitnessError, calculateWitness, loadWitnessCalculator } from "../src/zk/groth16.js";
import { findViolatedConstraint, readR1cs, type R1cs } from "../src/zk/r1cs.js";
import { readSymbols } from "../src/zk/symbols.js";
import { randomModel } from "./helpers/randomModel.js";
import type { WitnessCalculator } from "circom_runtime";

interface Compiled {
  q: QuantizedModel;
  build: CompileCircuitReturnType;
  wc: WitnessCalculator;
  sym: Map<string, number>;
  r1cs: R1cs;
}

async function compileModel(q: QuantizedModel, dir: string, opts: { optimization?: 0 | 1 | 2; lib?: string; tag: string }): Promise<Compiled> {
  const out = path.join(dir, opts.tag);
  const circuit = path.join(out, "model.circom");
  const { mkdir } = await import("node:fs/promises");
  await mkdir(out, { recursive: true });
  await writeFile(circuit, emitCircuit(q));
  const build = await compileCircuit({ circuit, outDir: out, includePaths: [opts.lib ?? circuitLibDir()], optimization: opts.optimization });
  return { q, build, wc: await loadWitnessCalculator(build.wasmPath), sym: await readSymbols(build.symPath), r1cs: await readR1cs(build.r1csPath) };
}

function idx(c: Compiled, name: string): number {
  const i = c.sym.get(`main.${name}`);
  if (i === undefined) throw new Error(`signal main.${name} has no witness index`);
  return i;
}

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
    expect(prod.build.constraints).toBe(predictConstraints(q));
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

  describe("forged witnesses are rejected", () => {
    let honest: bigint[];
    beforeAll(async () => {
      honest = await calculateWitness(plain.wc, toCircuitInput(q, midInputs(q)));
      expect(findViolatedConstraint(plain.r1cs, honest)).toBe(-1);
    });

    const forge = (edits: Record<string, bigint>) => {
      const w = [...honest];
      for (const [name, v] of Object.entries(edits)) w[idx(plain, name)] = toField(v);
      return w;
    };
    const value = (name: string) => fromFieldSigned(honest[idx(plain, name)]);

    it("a different output", () => {
      const out = value("out_priceOverStrike");
      expect(findViolatedConstraint(plain.r1cs, forge({ out_priceOverStrike: out + BigInt(q.output.factor) }))).toBeGreaterThanOrEqual(0);
      expect(findViolatedConstraint(plain.r1cs, forge({ out_priceOverStrike: out + 1n }))).toBeGreaterThanOrEqual(0);
    });

    it("a quotient bit of the output rescale", () => {
      const s = q.output.shift;
      const b = `outRescale.bits.out[${s}]`;
      expect(findViolatedConstraint(plain.r1cs, forge({ [b]: 1n - value(b) }))).toBeGreaterThanOrEqual(0);
    });

    it("a remainder that pays for a larger quotient (remainder − 2^S, quotient + 1)", () => {
      const s = q.output.shift;
      const edits = {
        [`outRescale.bits.out[0]`]: value(`outRescale.bits.out[0]`) - (1n << BigInt(s)),
        [`outRescale.bits.out[${s}]`]: value(`outRescale.bits.out[${s}]`) + 1n,
        "outRescale.out": value("outRescale.out") + 1n,
        out_priceOverStrike: value("out_priceOverStrike") + BigInt(q.output.factor),
      };
      const violated = findViolatedConstraint(plain.r1cs, forge(edits));
      expect(violated).toBeGreaterThanOrEqual(0);
      // The constraint that catches it is the booleanity of remainder bit 0.
      const [a, bq] = plain.r1cs.constraints[violated];
      expect(a.has(idx(plain, "outRescale.bits.out[0]")) || bq.has(idx(plain, "outRescale.bits.out[0]"))).toBe(true);
    });

    it("a hidden neuron's sign bit (turning a ReLU on)", () => {
      const ref = integerForward(q, midInputs(q));
      const neg = ref.acc[0].findIndex((a) => a < 0n);
      const i = neg >= 0 ? neg : 0;
      const B = q.layers[0].bounds[i].bits;
      const sign = `l0[${i}].bits.out[${B - 1}]`;
      expect(findViolatedConstraint(plain.r1cs, forge({ [sign]: 1n - value(sign) }))).toBeGreaterThanOrEqual(0);
    });

    it("a hidden neuron's output", () => {
      expect(findViolatedConstraint(plain.r1cs, forge({ "l0[0].out": value("l0[0].out") + 1n }))).toBeGreaterThanOrEqual(0);
    });

    it("an input's range-check bits (claiming an input above its range)", () => {
      const { max } = rangeOf(q, 0);
      const n = q.inputs[0].rangeBits;
      const over = max + 1n;
      const d = over - BigInt(q.inputs[0].minRaw);
      const edits: Record<string, bigint> = { in_moneyness: over };
      for (let i = 0; i < n; i++) edits[`x0.lower.out[${i}]`] = (d >> BigInt(i)) & 1n;
      expect(findViolatedConstraint(plain.r1cs, forge(edits))).toBeGreaterThanOrEqual(0);
    });

    it("control: without the booleanity constraint the remainder forgery WOULD be accepted", async () => {
      const lib = path.join(dir, "mutant-lib");
      const { mkdir } = await import("node:fs/promises");
      await mkdir(lib, { recursive: true });
      const source = await readFile(path.join(circuitLibDir(), "zkinfer.circom"), "utf8");
      const mutated = source.replace("out[i] * (out[i] - 1) === 0;", "");
      expect(mutated).not.toBe(source);
      await writeFile(path.join(lib, "zkinfer.circom"), mutated);
      const mutant = await compileModel(q, dir, { tag: "mutant", optimization: 0, lib });
      const w0 = await calculateWitness(mutant.wc, toCircuitInput(q, midInputs(q)));
      const s = q.output.shift;
      const set = (name: string, v: bigint) => (w0[idx(mutant, name)] = toField(v));
      const get = (name: string) => fromFieldSigned(w0[idx(mutant, name)]);
      const trueOut = get("out_priceOverStrike");
      set(`outRescale.bits.out[0]`, get(`outRescale.bits.out[0]`) - (1n << BigInt(s)));
      set(`outRescale.bits.out[${s}]`, get(`outRescale.bits.out[${s}]`) + 1n);
      set("outRescale.out", get("outRescale.out") + 1n);
      set("out_priceOverStrike", trueOut + BigInt(q.output.factor));
      expect(findViolatedConstraint(mutant.r1cs, w0)).toBe(-1);
    });
  });
});
