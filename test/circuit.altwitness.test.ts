import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { circuitLibDir } from "../src/circuit/build.js";
import { emitCircuit } from "../src/circuit/emit.js";
import { toCircuitInput } from "../src/circuit/inputs.js";
import { quantize } from "../src/quantize/quantize.js";
import type { QuantizedModel } from "../src/quantize/types.js";
import { calculateWitness } from "../src/zk/groth16.js";
import { searchAlternativeWitnesses } from "./helpers/altWitness.js";
import { compileForTest, compileModelForTest } from "./helpers/circuits.js";
import { randomModel } from "./helpers/randomModel.js";

const mid = (q: QuantizedModel) => q.inputs.map((i) => (BigInt(i.minRaw) + BigInt(i.maxRaw)) / 2n);
const corner = (q: QuantizedModel, k: number) => q.inputs.map((i, j) => BigInt((k >> j) & 1 ? i.maxRaw : i.minRaw));

describe("alternative-witness search (±1 on each signal, one neighbour re-solved) finds nothing on the shipped circuits", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-altwitness-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("the reference-shaped model (4 → 32 → 32 → 1, 2^16, clamp), --O2 as shipped (midpoint, top corner) and --O0 (bottom corner)", async () => {
    const q = await quantize(randomModel({ seed: 1, hidden: [32, 32] }), { actBits: 16 });
    for (const optimization of [2, 0] as const) {
      const c = await compileModelForTest(q, dir, { tag: `ref-o${optimization}`, optimization });
      for (const x of optimization === 2 ? [mid(q), corner(q, 15)] : [corner(q, 0)]) {
        const w = await calculateWitness(c.wc, toCircuitInput(q, x));
        const { findings, tried } = searchAlternativeWitnesses(c, w);
        expect(tried).toBe(2 * (c.r1cs.header.nWires - 1 - c.r1cs.header.nPubIn - c.r1cs.header.nPrvIn));
        expect(findings).toEqual([]);
      }
    }
  });

  it("the test circuits (option layout, skeleton)", async () => {
    const layout = await compileForTest(path.resolve("circuits/test/option_layout.circom"), path.join(dir, "layout"));
    const wad = 10n ** 18n;
    const w1 = await calculateWitness(layout.wc, { moneyness: wad, timeToExpiry: wad / 4n, volatility: (wad * 3n) / 5n, rate: wad / 20n });
    expect(searchAlternativeWitnesses(layout, w1).findings).toEqual([]);
    const skeleton = await compileForTest(path.resolve("circuits/test/skeleton.circom"), path.join(dir, "skeleton"));
    const w2 = await calculateWitness(skeleton.wc, { x: 3, y: 5 });
    const s = searchAlternativeWitnesses(skeleton, w2);
    expect(s.tried).toBe(2); // only out: x and the private y are inputs
    expect(s.findings).toEqual([]);
  });

  describe("controls: the search does find what it is meant to find", () => {
    const q = () => quantize(randomModel({ seed: 11, hidden: [3, 2] }), { actBits: 10 });

    it("gadgets without booleanity: a bit moved by ±1 and another re-solved is an alternative witness", async () => {
      const m = await q();
      const lib = path.join(dir, "no-booleanity");
      await mkdir(lib, { recursive: true });
      const source = await readFile(path.join(circuitLibDir(), "zkinfer.circom"), "utf8");
      const mutated = source.replace("out[i] * (out[i] - 1) === 0;", "");
      expect(mutated).not.toBe(source);
      await writeFile(path.join(lib, "zkinfer.circom"), mutated);
      const c = await compileModelForTest(m, dir, { tag: "no-booleanity", lib });
      const w = await calculateWitness(c.wc, toCircuitInput(m, mid(m)));
      const { findings } = searchAlternativeWitnesses(c, w);
      expect(findings.length).toBeGreaterThan(0);
      expect(findings.some((f) => /bits\.out\[/.test(f.moved))).toBe(true);
    });

    it("a public output assigned with <-- is moved freely", async () => {
      const m = await q();
      const out = path.join(dir, "free-output");
      await mkdir(out, { recursive: true });
      const source = emitCircuit(m);
      const mutated = source.replace("out_priceOverStrike <== outRescale.out", "out_priceOverStrike <-- outRescale.out");
      expect(mutated).not.toBe(source);
      await writeFile(path.join(out, "model.circom"), mutated);
      const c = await compileForTest(path.join(out, "model.circom"), out);
      const w = await calculateWitness(c.wc, toCircuitInput(m, mid(m)));
      const { findings } = searchAlternativeWitnesses(c, w);
      expect(findings).toContainEqual({ moved: "out_priceOverStrike", delta: 1n });
    });
  });
});
