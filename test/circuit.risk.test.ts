import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRiskCircuit } from "../src/circuit/risk/build.js";
import { predictRiskConstraints } from "../src/circuit/risk/cost.js";
import { riskSignalNames } from "../src/circuit/risk/emit.js";
import { checkRiskInputs, decodeRiskSignals, riskForward, shockedU } from "../src/circuit/risk/reference.js";
import { defaultGrid, RiskDomainError, riskSpec, shockUnits, wideGrid, type RiskSpec } from "../src/circuit/risk/spec.js";
import { InputOutOfRangeError, InvalidValueError } from "../src/errors.js";
import { quantize } from "../src/quantize/quantize.js";
import { integerForward } from "../src/quantize/forward.js";
import type { QuantizedModel } from "../src/quantize/types.js";
import { fromFieldSigned, toField } from "../src/zk/field.js";
import { calculateWitness, createProver, loadWitnessCalculator, setupGroth16, verifyGroth16 } from "../src/zk/groth16.js";
import { bundledPtauDir } from "../src/zk/ptau.js";
import { readR1cs, type LinearCombination, type R1cs } from "../src/zk/r1cs.js";
import { readSymbols } from "../src/zk/symbols.js";
import { FIELD_ORDER } from "../src/zk/field.js";
import { fixtureRng, randomModel } from "./helpers/randomModel.js";
import type { WitnessCalculator } from "circom_runtime";

// A 4 → 4 → 1 network: its risk circuit on the 15- and 21-scenario grids fits the bundled
// power-12 ptau (4096 constraints).
const model = randomModel({ seed: 21, hidden: [4] });

describe("risk spec: the grid and the mark domain", () => {
  let q: QuantizedModel;
  beforeAll(async () => {
    q = await quantize(model, { actBits: 10 });
  });

  it("the mark range is the declared range intersected with the marks whose shocked points stay inside", () => {
    const spec = riskSpec(q);
    const [lo, hi] = spec.markRange.spot.map(BigInt);
    const D = 1n << 16n;
    const kLo = BigInt(shockUnits(-0.15));
    const kHi = BigInt(shockUnits(0.15));
    const min = BigInt(q.inputs[0].minRaw);
    const max = BigInt(q.inputs[0].maxRaw);
    // Exactly the smallest / largest mark that keeps x·(1 + k/2^16) in [min, max].
    expect(lo * (D + kLo) >= min * D && (lo - 1n) * (D + kLo) < min * D).toBe(true);
    expect(hi * (D + kHi) <= max * D && (hi + 1n) * (D + kHi) > max * D).toBe(true);
    // [0.8, 1.2] under ±15 %: about [0.941, 1.043].
    expect(Number(lo) / 1e18).toBeCloseTo(0.8 / 0.85, 4);
    expect(Number(hi) / 1e18).toBeCloseTo(1.2 / 1.15, 4);
    expect(spec.scenarios).toHaveLength(15);
    expect(riskSpec(q, wideGrid()).scenarios).toHaveLength(21);
  });

  it("refuses a domain no mark can be stressed in, naming the scenario and the range", async () => {
    const narrow = await quantize({ ...model, features: model.features.map((f) => (f.name === "moneyness" ? { ...f, min: 0.95, max: 1.05 } : f)) }, { actBits: 10 });
    expect(() => riskSpec(narrow)).toThrow(RiskDomainError);
    expect(() => riskSpec(narrow)).toThrow(/spot shock −15 % and \+15 %: no mark of input "moneyness" keeps both shocked points in its declared range \[950000000000000000, 1050000000000000000\]/);
    const wildVol = { ...defaultGrid(), vol: [shockUnits(-0.875), 0, shockUnits(0.5)] };
    expect(() => riskSpec(q, wildVol)).toThrow(/vol shock −87.5 % and \+50 %: no mark of input "volatility"/);
  });

  it("refuses grids below the issue's minimum", () => {
    const g = defaultGrid();
    expect(() => riskSpec(q, { ...wideGrid(), vol: [0, shockUnits(0.25), shockUnits(0.5)] })).toThrow(/grid.vol: .*a down and an up move/);
    expect(() => riskSpec(q, { ...g, spot: [shockUnits(-0.15), 0, shockUnits(0.15)], deltaStep: 2 })).toThrow(/at least 15 scenarios/);
    expect(() => riskSpec(q, { ...g, spot: [shockUnits(-0.1), shockUnits(-0.05), 0, shockUnits(0.05), shockUnits(0.1)] })).toThrow(/−15 % and \+15 %/);
    expect(() => riskSpec(q, { ...g, spot: [shockUnits(-0.15), shockUnits(-0.05), 0, shockUnits(0.06), shockUnits(0.15)] })).toThrow(/grid.deltaStep/);
    expect(() => riskSpec(q, { ...g, spot: [0, shockUnits(-0.15), shockUnits(-0.05), shockUnits(0.05), shockUnits(0.15)] })).toThrow(InvalidValueError);
  });

  it("the integer reference refuses a mark outside the mark range, naming the input", () => {
    const spec = riskSpec(q);
    const raw = q.inputs.map((inp) => BigInt(inp.minRaw) + (BigInt(inp.maxRaw) - BigInt(inp.minRaw)) / 2n);
    raw[spec.spotInput] = BigInt(spec.markRange.spot[1]) + 1n;
    expect(() => checkRiskInputs(q, spec, raw)).toThrow(InputOutOfRangeError);
    expect(() => checkRiskInputs(q, spec, raw)).toThrow(/input "moneyness" = \d+ is outside its declared range \[941/);
  });

  it("packing round-trips through the decoder; a set unused bit is refused", () => {
    const spec = riskSpec(q);
    const raw = q.inputs.map((inp, j) => (j === spec.spotInput ? BigInt(spec.markRange.spot[0]) : j === spec.volInput ? BigInt(spec.markRange.vol[1]) : BigInt(inp.maxRaw)));
    const v = riskForward(q, spec, raw);
    const d = decodeRiskSignals(q, spec, [...v.packed, ...raw]);
    expect(d.prices).toEqual(v.prices);
    expect(d.mark).toBe(v.prices[spec.markScenario]);
    expect(d.dP).toBe(v.dP * BigInt(q.output.factor));
    expect(d.d2P).toBe(v.d2P * BigInt(q.output.factor));
    const used = spec.signals[1].reduce((a, i) => a + spec.components[i].width, 0);
    const bad = [...v.packed];
    bad[1] += 1n << BigInt(used);
    expect(() => decodeRiskSignals(q, spec, [...bad, ...raw])).toThrow(/publicSignals\[1\]/);
  });
});

describe("risk vector of a model with a payoff skip", () => {
  it("the circuit's quotients are the time value; reference and decoder add the exact payoff at every scenario", async () => {
    const q = await quantize({ ...model, skip: { kind: "payoff", option: "call", input: 0, strike: 1 } }, { actBits: 10 });
    const plain = await quantize(model, { actBits: 10 });
    const spec = riskSpec(q);
    const f = BigInt(q.output.factor);
    const D = 1n << BigInt(spec.grid.shockBits);
    const WAD = 10n ** 18n;
    let inTheMoney = 0;
    for (const m of [BigInt(spec.markRange.spot[0]), WAD - 1n, WAD, WAD + 12_345n, BigInt(spec.markRange.spot[1])]) {
      const raw = q.inputs.map((inp, j) => (j === spec.spotInput ? m : (BigInt(inp.minRaw) + BigInt(inp.maxRaw)) / 2n));
      const v = riskForward(q, spec, raw);
      // Same network as without the skip: the circuit (which proves v.q) is unchanged.
      expect(v.q).toEqual(riskForward(plain, riskSpec(plain), raw).q);
      expect(v.prices[spec.markScenario]).toBe(integerForward(q, raw).output);
      spec.scenarios.forEach((s, i) => {
        const x = m * (D + BigInt(s.spot)) - D * WAD;
        const pay = x > 0n ? x / D : 0n;
        if (pay > 0n) inTheMoney++;
        expect(v.prices[i]).toBe(v.q[i] * f + pay);
      });
      const d = decodeRiskSignals(q, spec, [...v.packed, ...raw]);
      expect(d.prices).toEqual(v.prices);
      const at = (spot: number) => spec.scenarios.findIndex((s) => s.spot === spot && s.vol === 0);
      const h = spec.grid.spot[spec.grid.deltaStep];
      expect(d.dP).toBe(v.prices[at(h)] - v.prices[at(-h)]);
      expect(d.d2P).toBe(v.prices[at(h)] - 2n * v.prices[spec.markScenario] + v.prices[at(-h)]);
    }
    expect(inTheMoney).toBeGreaterThan(10);
  });
});

/** Every violated constraint, with the names of the signals it touches. */
function violated(r1cs: R1cs, w: readonly bigint[], names: Map<number, string>): string[][] {
  const ev = (lc: LinearCombination) => {
    let s = 0n;
    for (const [i, c] of lc) s += c * w[i];
    return toField(s);
  };
  const out: string[][] = [];
  for (const [a, b, c] of r1cs.constraints) {
    if ((ev(a) * ev(b)) % FIELD_ORDER !== ev(c)) out.push([...new Set([...a.keys(), ...b.keys(), ...c.keys()])].filter((i) => i !== 0).map((i) => names.get(i) ?? `#${i}`));
  }
  return out;
}

describe("risk circuit (4 → 4 → 1, default grid)", () => {
  let dir: string;
  let q: QuantizedModel;
  let spec: RiskSpec;
  let wc: WitnessCalculator;
  let sym: Map<string, number>;
  let names: Map<number, string>;
  let r1cs: R1cs;
  let built: Awaited<ReturnType<typeof buildRiskCircuit>>;
  let wideConstraints: number;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-risk-"));
    q = await quantize(model, { actBits: 10 });
    // Unoptimised build for witness forging (every intermediate signal kept), --O2 for proving.
    const o0 = await buildRiskCircuit(q, defaultGrid(), { outDir: path.join(dir, "o0"), optimization: 0 });
    built = await buildRiskCircuit(q, defaultGrid(), { outDir: path.join(dir, "o2") });
    wideConstraints = (await buildRiskCircuit(q, wideGrid(), { outDir: path.join(dir, "wide") })).constraints;
    spec = o0.spec;
    wc = await loadWitnessCalculator(o0.wasmPath);
    sym = await readSymbols(o0.symPath);
    names = new Map([...sym].map(([n, i]) => [i, n]));
    r1cs = await readR1cs(o0.r1csPath);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const idx = (name: string) => {
    const i = sym.get(`main.${name}`);
    if (i === undefined) throw new Error(`no signal main.${name}`);
    return i;
  };
  const input = (raw: readonly bigint[]) => Object.fromEntries(q.inputs.map((inp, j) => [`in_${inp.name}`, raw[j].toString()]));
  const boxed = (rnd: () => number) =>
    q.inputs.map((inp, j) => {
      const [lo, hi] = j === spec.spotInput ? spec.markRange.spot : j === spec.volInput ? spec.markRange.vol : [inp.minRaw, inp.maxRaw];
      return BigInt(lo) + (BigInt(Math.floor(rnd() * 1e9)) * (BigInt(hi) - BigInt(lo))) / 1_000_000_000n;
    });
  const packedOf = (w: readonly bigint[]) => riskSignalNames(spec).map((n) => w[idx(n)]);

  it("has the predicted constraint count and fits the bundled power-12 ptau on both grids", () => {
    expect(built.constraints).toBe(predictRiskConstraints(q, spec));
    expect(wideConstraints).toBe(predictRiskConstraints(q, riskSpec(q, wideGrid())));
    expect(built.constraints).toBeLessThanOrEqual(4096);
    expect(wideConstraints).toBeLessThanOrEqual(4096);
    expect(wideConstraints).toBeGreaterThan(built.constraints);
  });

  it("property: the witness equals the integer reference, ends of the mark range included", async () => {
    const ends = (j: number, inp: QuantizedModel["inputs"][number]) => (j === spec.spotInput ? spec.markRange.spot : j === spec.volInput ? spec.markRange.vol : [inp.minRaw, inp.maxRaw]).map(BigInt);
    await fc.assert(
      fc.asyncProperty(fc.tuple(...q.inputs.map((inp, j) => fc.oneof(fc.constantFrom(...ends(j, inp)), fc.bigInt({ min: ends(j, inp)[0], max: ends(j, inp)[1] })))), async (raw) => {
        const ref = riskForward(q, spec, raw);
        const w = await calculateWitness(wc, input(raw));
        expect(violated(r1cs, w, names)).toEqual([]);
        expect(packedOf(w)).toEqual(ref.packed);
        spec.scenarios.forEach((_, si) => expect(fromFieldSigned(w[idx(`s${si}r.out`)])).toBe(ref.q[si]));
      }),
      { numRuns: 25, seed: 3 },
    );
  });

  it("rejects a mark just outside the mark range (both shocked inputs, both ends)", async () => {
    const raw = boxed(fixtureRng(5));
    for (const [j, r] of [[spec.spotInput, spec.markRange.spot], [spec.volInput, spec.markRange.vol]] as const) {
      for (const x of [BigInt(r[0]) - 1n, BigInt(r[1]) + 1n]) {
        const bad = [...raw];
        bad[j] = x;
        await expect(calculateWitness(wc, input(bad))).rejects.toThrow(/violate a circuit constraint/);
      }
      for (const x of [BigInt(r[0]), BigInt(r[1])]) {
        const ok = [...raw];
        ok[j] = x;
        expect(violated(r1cs, await calculateWitness(wc, input(ok)), names)).toEqual([]);
      }
    }
  });

  describe("forged witnesses that break only one gadget are rejected", () => {
    /**
     * A shocked input rounded one unit up: take the honest witness at raw A, and from an input B
     * whose shocked u at this shock is A's + 1 (all else equal) splice in that scenario's whole
     * network; set the shock gadget's output to A's u + 1 and repack the public outputs. Every
     * constraint downstream then holds; only the shock gadget can reject.
     */
    for (const which of ["spot", "vol"] as const) {
      it(`a ${which} shock's u one unit off (alternative rounding)`, async () => {
        const j = which === "spot" ? spec.spotInput : spec.volInput;
        const shocks = which === "spot" ? spec.grid.spot : spec.grid.vol;
        const i = shocks.findIndex((k) => k < 0);
        const k = shocks[i];
        const si = spec.scenarios.findIndex((s) => (which === "spot" ? s.spot === k && s.vol === 0 : s.vol === k && s.spot === 0));
        const inp = q.inputs[j];
        const rnd = fixtureRng(8);
        let a: bigint[] = [];
        let b: bigint[] = [];
        let found = false;
        for (let t = 0; t < 200 && !found; t++) {
          a = boxed(rnd);
          const uA = shockedU(a[j], BigInt(inp.minRaw), inp.shift, k, spec.grid.shockBits);
          b = [...a];
          // The smallest raw step that moves this u by one: about 2^K / (1 + k/2^b).
          const step = ((1n << BigInt(inp.shift)) * (1n << BigInt(spec.grid.shockBits))) / ((1n << BigInt(spec.grid.shockBits)) + BigInt(k)) + 1n;
          b[j] = a[j] + step;
          const refA = riskForward(q, spec, a);
          const refB = riskForward(q, spec, b);
          found = shockedU(b[j], BigInt(inp.minRaw), inp.shift, k, spec.grid.shockBits) === uA + 1n && refB.q[si] !== refA.q[si] && b[j] <= BigInt((which === "spot" ? spec.markRange.spot : spec.markRange.vol)[1]);
        }
        expect(found).toBe(true);
        const wA = await calculateWitness(wc, input(a));
        const wB = await calculateWitness(wc, input(b));
        const forged = [...wA];
        const scenarioSignal = new RegExp(`^main\\.s${si}(?=[a-z])`);
        for (const [n, id] of sym) if (scenarioSignal.test(n)) forged[id] = wB[id];
        const gadget = `main.x${j}s${i}.`;
        forged[idx(`x${j}s${i}.u`)] = wA[idx(`x${j}s${i}.u`)] + 1n;
        const refA = riskForward(q, spec, a);
        const qs = [...refA.q];
        qs[si] = fromFieldSigned(wB[idx(`s${si}r.out`)]);
        const h = spec.grid.spot[spec.grid.deltaStep];
        const at = (spot: number) => qs[spec.scenarios.findIndex((s) => s.spot === spot && s.vol === 0)];
        const mark = qs[spec.markScenario];
        const values = [mark, ...qs.filter((_, n) => n !== spec.markScenario), at(h) - at(-h), at(h) - 2n * mark + at(-h)];
        const { pack } = await import("../src/circuit/risk/reference.js");
        pack(spec, values).forEach((p, t) => (forged[idx(riskSignalNames(spec)[t])] = p));
        const bad = violated(r1cs, forged, names);
        expect(bad.length).toBeGreaterThan(0);
        for (const c of bad) expect(c.some((n) => n.startsWith(gadget))).toBe(true);
        // … and the scenario price the forgery would publish differs from the honest one.
        expect(qs[si]).not.toBe(refA.q[si]);
      });
    }

    it("a scenario price one unit off, repacked: only its output rescale rejects", async () => {
      const raw = boxed(fixtureRng(9));
      const w = await calculateWitness(wc, input(raw));
      const ref = riskForward(q, spec, raw);
      const si = spec.scenarios.findIndex((s) => s.spot !== 0 && s.vol !== 0);
      const forged = [...w];
      forged[idx(`s${si}r.out`)] = toField(ref.q[si] + 1n);
      const qs = [...ref.q];
      qs[si] += 1n;
      const { pack } = await import("../src/circuit/risk/reference.js");
      const mark = qs[spec.markScenario];
      const h = spec.grid.spot[spec.grid.deltaStep];
      const at = (spot: number) => qs[spec.scenarios.findIndex((s) => s.spot === spot && s.vol === 0)];
      pack(spec, [mark, ...qs.filter((_, n) => n !== spec.markScenario), at(h) - at(-h), at(h) - 2n * mark + at(-h)]).forEach((p, t) => (forged[idx(riskSignalNames(spec)[t])] = p));
      const bad = violated(r1cs, forged, names);
      expect(bad.length).toBeGreaterThan(0);
      for (const c of bad) expect(c.some((n) => n.startsWith(`main.s${si}r.`))).toBe(true);
    });

    it("a component overflowing into its neighbour (same packed number) is rejected by the rescales", async () => {
      const raw = boxed(fixtureRng(10));
      const w = await calculateWitness(wc, input(raw));
      const ref = riskForward(q, spec, raw);
      // Components 0 (mark) and 1 (first other scenario) share signal 0: mark + 2^w and the
      // neighbour − 1 give the same packed value.
      const first = spec.markScenario === 0 ? 1 : 0;
      const forged = [...w];
      forged[idx(`s${spec.markScenario}r.out`)] = toField(ref.q[spec.markScenario] + (1n << BigInt(spec.priceWidth)));
      forged[idx(`s${first}r.out`)] = toField(ref.q[first] - 1n);
      expect(packedOf(forged)).toEqual(ref.packed);
      const bad = violated(r1cs, forged, names);
      expect(bad.length).toBeGreaterThan(0);
      for (const c of bad) expect(c.some((n) => n.startsWith(`main.s${spec.markScenario}r.`) || n.startsWith(`main.s${first}r.`) || n.startsWith("main.risk"))).toBe(true);
      expect(bad.some((c) => c.some((n) => n.startsWith(`main.s${spec.markScenario}r.`)))).toBe(true);
    });

    it("a packed output one unit off, or with a component's unused bit set, is rejected", async () => {
      const raw = boxed(fixtureRng(11));
      const w = await calculateWitness(wc, input(raw));
      for (const delta of [1n, -1n, 1n << BigInt(spec.priceWidth)]) {
        const forged = [...w];
        forged[idx("risk0")] = toField(w[idx("risk0")] + delta);
        const bad = violated(r1cs, forged, names);
        expect(bad).toHaveLength(1);
        expect(bad[0]).toContain("main.risk0");
      }
    });
  });

  it("a risk vector is proven and verified with the bundled ptau, and decodes to the reference", async () => {
    const ptau = path.join(bundledPtauDir(), "dev-pot12.ptau");
    const keys = await setupGroth16({ r1csPath: built.r1csPath, ptauPath: ptau, outDir: dir, name: "risk" });
    const prover = await createProver({ wasmPath: built.wasmPath, zkeyPath: keys.zkeyPath });
    try {
      const raw = boxed(fixtureRng(12));
      const p = await prover.prove(input(raw));
      expect(await verifyGroth16({ vkey: JSON.parse(await readFile(keys.vkeyPath, "utf8")), proof: p.proof, publicSignals: p.publicSignals })).toBe(true);
      const ref = riskForward(q, spec, raw);
      const d = decodeRiskSignals(q, spec, p.publicSignals);
      expect(d.prices).toEqual(ref.prices);
      expect(Object.values(d.inputs)).toEqual(raw);
      // The public signals are the packed outputs, then the inputs: a tampered input fails.
      const tampered = [...p.publicSignals];
      tampered[spec.signals.length] = (BigInt(tampered[spec.signals.length]) + 1n).toString();
      expect(await verifyGroth16({ vkey: JSON.parse(await readFile(keys.vkeyPath, "utf8")), proof: p.proof, publicSignals: tampered })).toBe(false);
    } finally {
      await prover.close();
    }
  });
});
