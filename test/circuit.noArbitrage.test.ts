import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { circuitLibDir } from "../src/circuit/build.js";
import { predictConstraints } from "../src/circuit/cost.js";
import { emitCircuit } from "../src/circuit/emit.js";
import { toCircuitInput } from "../src/circuit/inputs.js";
import { InvalidValueError } from "../src/errors.js";
import { analyzeQuantizationError, floatReference } from "../src/quantize/errorBound.js";
import { parseQuantizedModel, serializeQuantizedModel } from "../src/quantize/file.js";
import { integerForward } from "../src/quantize/forward.js";
import { discountBound, type OptionKind } from "../src/quantize/noArbitrage.js";
import { quantize } from "../src/quantize/quantize.js";
import type { QuantizedModel } from "../src/quantize/types.js";
import { type CompileCircuitReturnType, compileCircuit } from "../src/zk/circom.js";
import { fromFieldSigned, toField } from "../src/zk/field.js";
import { calculateWitness, loadWitnessCalculator, proveGroth16, setupGroth16, verifyGroth16 } from "../src/zk/groth16.js";
import { requiredPower, resolvePtau } from "../src/zk/ptau.js";
import { findViolatedConstraint, readR1cs, type R1cs } from "../src/zk/r1cs.js";
import { readSymbols } from "../src/zk/symbols.js";
import { fixtureRng, randomModel } from "./helpers/randomModel.js";
import type { WitnessCalculator } from "circom_runtime";

const WAD = 10n ** 18n;

/** e^(−R·T/10^36) · 10^40, to within ±30 units (40 Taylor terms, each floored). */
function expNeg40(rate: bigint, time: bigint): bigint {
  const P = rate * time;
  const S = 10n ** 40n;
  let term = S;
  let sum = S;
  for (let k = 1n; k <= 40n; k++) {
    term = (term * P) / (10n ** 36n * k);
    sum += k % 2n === 1n ? -term : term;
  }
  return sum;
}

describe("discount-factor bound: the inequality the clamp relies on", () => {
  it("calls: D >= 10^18·e^(−rτ); puts: D <= 10^18·e^(−rτ); both within the documented slack", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: WAD / 10n }), fc.bigInt({ min: 0n, max: (11n * WAD) / 10n }), (r, t) => {
        const exact = expNeg40(r, t);
        const up = discountBound({ kind: "call", degree: 4, fracBits: 24 }, r, t) * 10n ** 22n;
        const lo = discountBound({ kind: "put", degree: 5, fracBits: 24 }, r, t) * 10n ** 22n;
        expect(up >= exact - 30n).toBe(true);
        expect(lo <= exact + 30n).toBe(true);
        const slack = (2 ** -24 + 0.11 ** 5 / 120 + 1e-18) * 1e40;
        expect(Number(up - exact)).toBeLessThanOrEqual(slack);
        expect(Number(exact - lo)).toBeLessThanOrEqual(slack);
      }),
      { numRuns: 400, seed: 5, examples: [[0n, 0n], [WAD / 10n, (11n * WAD) / 10n], [1n, 1n]] },
    );
  });
});

describe("no-arbitrage clamp in the circuit", () => {
  it("needs the option layout, and is recorded in the model id", async () => {
    const m = randomModel({ seed: 11, hidden: [3, 2] });
    const plain = await quantize(m, { actBits: 10 });
    const call = await quantize(m, { actBits: 10, noArbitrage: "call" });
    const put = await quantize(m, { actBits: 10, noArbitrage: "put" });
    expect(new Set([plain.modelId, call.modelId, put.modelId]).size).toBe(3);
    const renamed = { ...m, features: m.features.map((f) => (f.name === "rate" ? { ...f, name: "r" } : f)) };
    await expect(quantize(renamed, { noArbitrage: "call" })).rejects.toThrow(InvalidValueError);
    await expect(quantize(renamed, { noArbitrage: "call" })).rejects.toThrow(/input "rate"/);
    // The file keeps it and refuses an edited one.
    expect(await parseQuantizedModel(serializeQuantizedModel(call))).toEqual(call);
    const edited = JSON.parse(serializeQuantizedModel(call));
    edited.output.noArbitrage.kind = "put";
    await expect(parseQuantizedModel(JSON.stringify(edited))).rejects.toThrow(/noArbitrage differs|modelId/);
  });

  for (const kind of ["call", "put"] as OptionKind[]) {
    describe(`${kind}`, () => {
      let dir: string;
      let q: QuantizedModel;
      let wc: WitnessCalculator;
      let sym: Map<string, number>;
      let names: Map<number, string>;
      let r1cs: R1cs;
      let constraints: number;
      let o2Build: CompileCircuitReturnType;
      // No target clamp and a wide output scale, so the network's price falls below the lower end
      // and above the cap for some inputs.
      const base = randomModel({ seed: kind === "call" ? 11 : 12, hidden: [3, 2], clamp: false });
      const model = { ...base, targetScaler: kind === "call" ? { offset: 0.6, scale: 8 } : { offset: 1.5, scale: 4 } };

      beforeAll(async () => {
        dir = await mkdtemp(path.join(os.tmpdir(), `zkinfer-noarb-${kind}-`));
        q = await quantize(model, { actBits: 10, noArbitrage: kind });
        const circuit = path.join(dir, "model.circom");
        await writeFile(circuit, emitCircuit(q));
        const build = await compileCircuit({ circuit, outDir: dir, includePaths: [circuitLibDir()], optimization: 0 });
        const o2 = path.join(dir, "o2");
        await mkdir(o2);
        o2Build = await compileCircuit({ circuit, outDir: o2, includePaths: [circuitLibDir()] });
        constraints = o2Build.constraints;
        wc = await loadWitnessCalculator(build.wasmPath);
        sym = await readSymbols(build.symPath);
        names = new Map([...sym].map(([n, i]) => [i, n]));
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
      /** Raw inputs where the clamp binds at the lower end ("low") or at the cap ("cap"). */
      const find = (which: "low" | "cap"): bigint[] => {
        const rnd = fixtureRng(which === "low" ? 1 : 2);
        for (let t = 0; t < 5000; t++) {
          const raw = q.inputs.map((inp) => BigInt(inp.minRaw) + (BigInt(Math.floor(rnd() * 1e9)) * (BigInt(inp.maxRaw) - BigInt(inp.minRaw))) / 1_000_000_000n);
          const n = integerForward(q, raw).noArbitrage!;
          if (which === "low" ? n.before < n.lower : n.before > integerForward(q, raw).output) return raw;
        }
        throw new Error(`no input where the clamp binds (${which})`);
      };

      it("has the predicted constraint count", () => {
        expect(constraints).toBe(predictConstraints(q));
      });

      it("property: the circuit's clamped output equals the integer reference; the clamp binds at both ends", async () => {
        const seen = { low: false, cap: false, free: false };
        await fc.assert(
          fc.asyncProperty(fc.tuple(...q.inputs.map((inp) => fc.oneof(fc.constantFrom(BigInt(inp.minRaw), BigInt(inp.maxRaw)), fc.bigInt({ min: BigInt(inp.minRaw), max: BigInt(inp.maxRaw) })))), async (raw) => {
            const ref = integerForward(q, raw);
            const n = ref.noArbitrage!;
            if (n.before < n.lower) seen.low = true;
            else if (ref.output !== n.before) seen.cap = true;
            else seen.free = true;
            const w = await calculateWitness(wc, toCircuitInput(q, raw));
            expect(findViolatedConstraint(r1cs, w)).toBe(-1);
            expect(fromFieldSigned(w[idx("out_priceOverStrike")])).toBe(ref.output);
            expect(fromFieldSigned(w[idx("discount.out")])).toBe(n.discount);
            expect(fromFieldSigned(w[idx("noArb.lower")])).toBe(n.lower);
            // The proven price lies in the no-arbitrage interval.
            const m = raw[q.output.noArbitrage!.moneyness];
            expect(ref.output >= n.lower && ref.output <= (kind === "call" ? m : WAD)).toBe(true);
          }),
          { numRuns: 80, seed: 9 },
        );
        // Inputs where each end binds, checked explicitly (whatever the random runs hit).
        for (const raw of [find("low"), find("cap")]) {
          const ref = integerForward(q, raw);
          expect(ref.output).not.toBe(ref.noArbitrage!.before);
          const w = await calculateWitness(wc, toCircuitInput(q, raw));
          expect(findViolatedConstraint(r1cs, w)).toBe(-1);
          expect(fromFieldSigned(w[idx("out_priceOverStrike")])).toBe(ref.output);
        }
        expect(seen.free).toBe(true);
      });

      // One real proof (calls) is enough to show the gadgets prove and verify end to end; setup is
      // slow. Registered for calls only, so the put suite reports no skipped test.
      if (kind === "call") it("a real Groth16 proof of a clamped price verifies and carries the reference output", async () => {
        const raw = find("low");
        const ptau = await resolvePtau({ power: requiredPower(constraints, q.publicSignals.length), log: () => {} });
        const keys = await setupGroth16({ r1csPath: o2Build.r1csPath, ptauPath: ptau.path, outDir: path.join(dir, "keys"), name: `noarb-${kind}`, entropy: "test" });
        const { proof, publicSignals } = await proveGroth16({ wasmPath: o2Build.wasmPath, zkeyPath: keys.zkeyPath, input: toCircuitInput(q, raw) });
        const ref = integerForward(q, raw);
        expect(ref.output).toBe(ref.noArbitrage!.lower);
        expect(BigInt(publicSignals[0])).toBe(ref.output);
        expect(await verifyGroth16({ vkey: keys.vkeyPath, proof, publicSignals })).toBe(true);
        // The network's own (unclamped) price as the public output does not verify.
        expect(await verifyGroth16({ vkey: keys.vkeyPath, proof, publicSignals: [toField(ref.noArbitrage!.before).toString(), ...publicSignals.slice(1)] })).toBe(false);
      });

      it("the guaranteed bound covers the clamped model against the exactly clamped float model", () => {
        const r = analyzeQuantizationError(model, q, { maxBoxes: 200 });
        const rnd = fixtureRng(4);
        for (let s = 0; s < 300; s++) {
          const raw = q.inputs.map((inp) => BigInt(inp.minRaw) + (BigInt(Math.floor(rnd() * 1e9)) * (BigInt(inp.maxRaw) - BigInt(inp.minRaw))) / 1_000_000_000n);
          const x = raw.map((v) => Number(v) / 1e18);
          expect(Math.abs(floatReference(model, q, x) - Number(integerForward(q, raw).output) / 1e18)).toBeLessThanOrEqual(r.bound);
        }
      });

      describe("forged witnesses that break only the clamp are rejected", () => {
        const clampSignal = (i: number) => /^main\.(noArb|discount)\./.test(names.get(i) ?? "") || names.get(i) === "main.out_priceOverStrike";
        const violatedInClamp = (w: bigint[]) => {
          const c = findViolatedConstraint(r1cs, w);
          expect(c).toBeGreaterThanOrEqual(0);
          const [a, b, cc] = r1cs.constraints[c];
          expect([...a.keys(), ...b.keys(), ...cc.keys()].some(clampSignal)).toBe(true);
        };
        const honestAt = async (raw: bigint[]) => {
          const w = await calculateWitness(wc, toCircuitInput(q, raw));
          expect(findViolatedConstraint(r1cs, w)).toBe(-1);
          return w;
        };
        const set = (w: bigint[], edits: Record<string, bigint>) => {
          const f = [...w];
          for (const [n, v] of Object.entries(edits)) f[idx(n)] = toField(v);
          return f;
        };
        const get = (w: bigint[], n: string) => fromFieldSigned(w[idx(n)]);

        it("the network's unclamped price below the lower end", async () => {
          const w = await honestAt(find("low"));
          const before = get(w, "beforeClamp");
          violatedInClamp(set(w, { out_priceOverStrike: before, "noArb.out": before }));
          // … also with the floor's output made to match (out = lower + floorAt.out).
          violatedInClamp(set(w, { out_priceOverStrike: before, "noArb.out": before, "noArb.floorAt.out": before - get(w, "noArb.lower") }));
        });

        it("the unclamped price above the cap", async () => {
          const w = await honestAt(find("cap"));
          const before = get(w, "beforeClamp");
          violatedInClamp(set(w, { out_priceOverStrike: before, "noArb.out": before, "noArb.capped": before, "noArb.up.out": 0n }));
        });

        it("a lower end below the honest one (a looser discount bound D)", async () => {
          const w = await honestAt(find("low"));
          const d = get(w, "discount.out");
          const K = (kind === "call" ? 24n : 120n) << BigInt(24 * (kind === "call" ? 4 : 5));
          // D ± 1 with the remainder paying for it keeps the linear relation but not the range checks.
          const step = kind === "call" ? 1n : -1n;
          const r = get(w, "discount.d.r");
          violatedInClamp(set(w, { "discount.out": d + step, "discount.d.out": d + step, "discount.d.r": r - step * K }));
          // A smaller y (rτ underestimated) with its remainder paying for it.
          const y = get(w, "discount.y.out");
          const C1 = 10n ** 36n / (1n << 24n);
          violatedInClamp(set(w, { "discount.y.out": y - 1n, "discount.y.r": get(w, "discount.y.r") + C1 }));
        });

        it("a lower end claimed lower than relu(m − D) (or relu(D − m))", async () => {
          const w = await honestAt(find("low"));
          violatedInClamp(set(w, { "noArb.lower": get(w, "noArb.lower") - 10n ** 12n, "noArb.low.out": get(w, "noArb.lower") - 10n ** 12n }));
        });
      });
    });
  }
});
