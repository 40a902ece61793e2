import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toCircuitInput } from "../src/circuit/inputs.js";
import { blackScholesDataset } from "../src/data/blackScholes.js";
import { splitDataset } from "../src/data/split.js";
import { predict } from "../src/model/forward.js";
import type { FloatModel } from "../src/model/types.js";
import { integerForward } from "../src/quantize/forward.js";
import { quantize } from "../src/quantize/quantize.js";
import { toRawUnits } from "../src/quantize/decimal.js";
import type { QuantizedModel } from "../src/quantize/types.js";
import { fromFieldSigned } from "../src/zk/field.js";
import { calculateWitness } from "../src/zk/groth16.js";
import { train } from "../src/train/train.js";
import { compileModelForTest, type CompiledForTest } from "./helpers/circuits.js";
import { expectRejectedBy, forge, projectWitness, solveSchedule, violated, wireOf } from "./helpers/forge.js";

// A Black–Scholes call model whose declared output range [0.01, 0.25] (price / strike) is
// narrower than its prices, so both clamps bind inside the input domain: deep out of the money
// (short expiry, low volatility, S/K = 0.8) the price is ~0 < 0.01; deep in the money (long
// expiry, high volatility and rate, S/K = 1.2) it is ~0.4 > 0.25.
const CLAMP_MIN = 0.01;
const CLAMP_MAX = 0.25;
const DEEP_OTM = [0.8, 0.02, 0.1, 0];
const DEEP_ITM = [1.2, 1, 0.8, 0.08];

describe("output clamp: exact and sound where it binds (deep OTM, deep ITM, range corners)", () => {
  let dir: string;
  let model: FloatModel;
  let q: QuantizedModel;
  let prod: CompiledForTest;
  let plain: CompiledForTest;
  const raw = (x: number[]) => x.map((v, j) => toRawUnits(v, q.inputs[j].decimals, q.inputs[j].name));
  const corners = () => Array.from({ length: 16 }, (_, k) => q.inputs.map((inp, j) => BigInt((k >> j) & 1 ? inp.maxRaw : inp.minRaw)));

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-clamp-"));
    const splits = splitDataset(blackScholesDataset({ n: 1500, seed: 5, kind: "call" }), { seed: 5 });
    const trained = train(splits, { hidden: [6], seed: 5, epochs: 20, frozenBatchNormEpochs: 4 }, { name: "clamp-binding" }).model;
    model = { ...trained, target: { ...trained.target, min: CLAMP_MIN, max: CLAMP_MAX } };
    q = await quantize(model, { actBits: 12 });
    prod = await compileModelForTest(q, dir, { tag: "o2" });
    plain = await compileModelForTest(q, dir, { tag: "o0", optimization: 0 });
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("compiles both clamps (the bound analysis says each can bind)", () => {
    expect(q.output.clampBits?.[0]).toBeGreaterThan(0);
    expect(q.output.clampBits?.[1]).toBeGreaterThan(0);
    expect(prod.index.has("clampLo.out") || plain.index.has("clampLo.out")).toBe(true);
    expect(plain.index.has("clampHi.out")).toBe(true);
  });

  it("deep OTM binds the lower clamp, deep ITM the upper; at every corner the circuit equals the integer reference", async () => {
    const lo = BigInt(q.output.clampMin!);
    const hi = BigInt(q.output.clampMax!);
    const last = q.layers.length - 1;
    const points = [raw(DEEP_OTM), raw(DEEP_ITM), ...corners()];
    let lower = 0;
    let upper = 0;
    for (const x of points) {
      const ref = integerForward(q, x);
      const acc = ref.acc[last][0];
      if (acc < lo) lower++;
      if (acc > hi) upper++;
      const w = await calculateWitness(prod.wc, toCircuitInput(q, x));
      expect(fromFieldSigned(w[wireOf(prod, "out_priceOverStrike")])).toBe(ref.output);
      expect(violated(prod, w)).toEqual([]);
      const all = await calculateWitness(plain.wc, toCircuitInput(q, x));
      expect(fromFieldSigned(all[wireOf(plain, "accHi")])).toBe(ref.clamped);
      expect(fromFieldSigned(all[wireOf(plain, "acc")])).toBe(acc);
    }
    const otm = integerForward(q, raw(DEEP_OTM));
    const itm = integerForward(q, raw(DEEP_ITM));
    expect(otm.acc[last][0]).toBeLessThan(lo);
    expect(otm.clamped).toBe(lo);
    expect(itm.acc[last][0]).toBeGreaterThan(hi);
    expect(itm.clamped).toBe(hi);
    // The float model agrees that these are the clamped prices.
    expect(predict(model, DEEP_OTM)).toBe(CLAMP_MIN);
    expect(predict(model, DEEP_ITM)).toBe(CLAMP_MAX);
    // Coverage that must not vanish silently: several corners bind each clamp.
    expect(lower).toBeGreaterThanOrEqual(2);
    expect(upper).toBeGreaterThanOrEqual(2);
  });

  describe("consistent forgeries that bypass a binding clamp are rejected by the clamp", () => {
    const at = async (x: number[]) => {
      const honest = await calculateWitness(plain.wc, toCircuitInput(q, raw(x)));
      return { honest, schedule: solveSchedule(plain, honest) };
    };

    it("deep OTM: an output below the lower clamp is rejected by clampLo's ReLU", async () => {
      const { honest, schedule } = await at(DEEP_OTM);
      const v = (n: string) => fromFieldSigned(honest[wireOf(plain, n)]);
      expect(v("clampLo.out")).toBe(0n);
      // One unit below the clamp: the downstream gadgets' widths still hold it, so only the
      // clamp itself can object. The whole unclamped value is rejected as well.
      const f = forge(plain, honest, schedule, { "clampLo.out": -1n });
      expectRejectedBy(f, { gadget: "clampLo", involving: ["clampLo.out"] });
      expect(fromFieldSigned(f.witness[wireOf(plain, "accLo")])).toBe(BigInt(q.output.clampMin!) - 1n);
      expect(violated(prod, projectWitness(plain, f.witness, prod)).length).toBeGreaterThan(0);
      const through = forge(plain, honest, schedule, { "clampLo.out": v("acc") - BigInt(q.output.clampMin!) });
      expectRejectedBy(through, { involving: ["clampLo.out"] });
      // The clamp's sign bit set (ReLU on) and paid for by a non-boolean bit: booleanity objects.
      const B = q.output.clampBits![0];
      const sign = `clampLo.bits.out[${B - 1}]`;
      expect(v(sign)).toBe(0n);
      const g = forge(plain, honest, schedule, { [sign]: 1n, [`clampLo.bits.out[${B - 2}]`]: (b) => b - 2n });
      // With the ReLU on, the clamp passes its whole (negative) input through, which the upper
      // clamp's width cannot hold either: both object, the lower one by booleanity.
      const broken = expectRejectedBy(g, { involving: [`clampLo.bits.out[${B - 2}]`] });
      expect(broken.every((b) => b.signals.every((s) => s.startsWith("clampLo.bits.") || s.startsWith("clampHi")))).toBe(true);
      expect(fromFieldSigned(g.witness[wireOf(plain, "accLo")])).toBe(v("acc"));
    });

    it("deep ITM: an output above the upper clamp is rejected by clampHi's ReLU", async () => {
      const { honest, schedule } = await at(DEEP_ITM);
      const v = (n: string) => fromFieldSigned(honest[wireOf(plain, n)]);
      expect(v("clampHi.out")).toBe(0n);
      const f = forge(plain, honest, schedule, { "clampHi.out": -1n });
      expectRejectedBy(f, { gadget: "clampHi", involving: ["clampHi.out"] });
      expect(fromFieldSigned(f.witness[wireOf(plain, "accHi")])).toBe(BigInt(q.output.clampMax!) + 1n);
      expect(violated(prod, projectWitness(plain, f.witness, prod)).length).toBeGreaterThan(0);
      const through = forge(plain, honest, schedule, { "clampHi.out": BigInt(q.output.clampMax!) - v("accLo") });
      expectRejectedBy(through, { involving: ["clampHi.out"] });
    });

    it("sweep at deep OTM: every non-input signal ±1, dependents recomputed, breaks a constraint that contains it", async () => {
      const h = plain.r1cs.header;
      for (const x of [DEEP_OTM]) {
        const { honest, schedule } = await at(x);
        let n = 0;
        for (let wire = 1; wire < h.nWires; wire++) {
          if (wire > h.nPubOut && wire <= h.nPubOut + h.nPubIn) continue;
          for (const d of [1n, -1n]) {
            expectRejectedBy(forge(plain, honest, schedule, { [plain.names[wire]]: (b) => b + d }), { involving: [plain.names[wire]] });
            n++;
          }
        }
        expect(n).toBe(2 * (h.nWires - 1 - h.nPubIn));
      }
    });
  });
});
