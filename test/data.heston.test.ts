import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildCircuit } from "../src/circuit/build.js";
import { decodePublicSignals, realToRawInputs, toCircuitInput } from "../src/circuit/inputs.js";
import { HESTON_CONSTANTS, HESTON_FEATURES, hestonDataset, hestonPriceCos, hestonPriceGilPelaez } from "../src/data/heston.js";
import { splitDataset } from "../src/data/split.js";
import { integerForward } from "../src/quantize/forward.js";
import { quantize } from "../src/quantize/quantize.js";
import { train } from "../src/train/train.js";
import { createRng } from "../src/util/rng.js";
import { proveGroth16, setupGroth16, verifyGroth16 } from "../src/zk/groth16.js";
import { requiredPower, resolvePtau } from "../src/zk/ptau.js";

const call = (m: number, t: number, v0: number, r: number) => ({ kind: "call" as const, moneyness: m, timeToExpiry: t, v0, rate: r });

/** Seeded full-truncation Euler Monte Carlo of the Heston call over strike (K = 1), antithetic. */
function monteCarloCall(m: number, t: number, v0: number, r: number, paths: number, steps: number, seed: number): { price: number; stderr: number } {
  const { kappa, theta, xi, rho } = HESTON_CONSTANTS;
  const rng = createRng(seed);
  const dt = t / steps;
  const sq = Math.sqrt(dt);
  const rc = Math.sqrt(1 - rho * rho);
  let sum = 0;
  let sum2 = 0;
  const z = new Float64Array(2 * steps);
  for (let p = 0; p < paths / 2; p++) {
    for (let k = 0; k < z.length; k++) z[k] = rng.normal();
    let pair = 0;
    for (const sign of [1, -1]) {
      // The same normals with opposite sign: the antithetic path.
      let x = Math.log(m);
      let v = v0;
      for (let k = 0; k < steps; k++) {
        const z1 = sign * z[2 * k];
        const z2 = sign * z[2 * k + 1];
        const vp = Math.max(v, 0);
        x += (r - 0.5 * vp) * dt + Math.sqrt(vp) * sq * z1;
        v += kappa * (theta - vp) * dt + xi * Math.sqrt(vp) * sq * (rho * z1 + rc * z2);
      }
      pair += Math.max(Math.exp(x) - 1, 0) * Math.exp(-r * t);
    }
    const e = pair / 2;
    sum += e;
    sum2 += e * e;
  }
  const n = paths / 2;
  const mean = sum / n;
  return { price: mean, stderr: Math.sqrt((sum2 / n - mean * mean) / n) };
}

describe("Heston pricer", () => {
  it("reproduces Fang & Oosterlee (2008)'s Heston reference value, by COS and by Gil-Pelaez", () => {
    // S0 = K = 100, T = 1, r = 0, κ = 1.5768, ξ = 0.5751, θ = 0.0398, v0 = 0.0175, ρ = −0.5711:
    // published reference call value 5.785155450. Prices here are per unit of strike.
    const p = call(1, 1, 0.0175, 0);
    const cos = hestonPriceCos(p, HESTON_CONSTANTS, { terms: 1024, widthSd: 16 });
    const gp = hestonPriceGilPelaez(p);
    expect(Math.abs(100 * cos - 5.78515545)).toBeLessThan(1e-7);
    expect(Math.abs(100 * gp - 5.78515545)).toBeLessThan(1e-7);
    // The two inversions of the same characteristic function agree far below that.
    expect(Math.abs(cos - gp)).toBeLessThan(1e-11);
    // The default settings (256 terms) used for the dataset are within 1e-8 of the reference.
    expect(Math.abs(hestonPriceCos(p) - cos)).toBeLessThan(1e-8);
  });

  it("COS and Gil-Pelaez agree over the dataset's domain corners (calls and puts)", () => {
    for (const m of [0.6, 0.9, 1, 1.1, 1.4]) {
      for (const t of [0.05, 0.3, 1.1]) {
        for (const vol of [0.1, 0.4, 0.7]) {
          const p = call(m, t, vol * vol, 0.05);
          const a = hestonPriceCos(p);
          const b = hestonPriceGilPelaez(p, HESTON_CONSTANTS, { upper: 400, panels: 400 });
          // GP loses accuracy deep out of the money at short expiry; COS does not.
          expect(Math.abs(a - b), `m=${m} t=${t} vol=${vol}`).toBeLessThan(2e-6);
          const putA = hestonPriceCos({ ...p, kind: "put" });
          expect(a - putA).toBeCloseTo(m - Math.exp(-0.05 * t), 12);
        }
      }
    }
  });

  it("agrees with a seeded Monte Carlo within 4 standard errors (plus discretisation)", () => {
    for (const [m, t, vol, r] of [[1, 0.5, 0.3, 0.03], [0.9, 1, 0.2, 0.0], [1.2, 0.25, 0.5, 0.08]]) {
      const exact = hestonPriceCos(call(m, t, vol * vol, r));
      const mc = monteCarloCall(m, t, vol * vol, r, 20_000, 100, 7);
      expect(Math.abs(mc.price - exact), `m=${m} t=${t}`).toBeLessThan(4 * mc.stderr + 3e-4);
      expect(mc.stderr).toBeLessThan(2e-3);
    }
  });

  it("lies within the no-arbitrage bounds and rejects bad inputs naming the field", () => {
    for (const [m, t, vol] of [[0.6, 0.05, 0.1], [1.4, 1.1, 0.7], [1, 0.5, 0.3]]) {
      const c = hestonPriceCos(call(m, t, vol * vol, 0.05));
      expect(c).toBeGreaterThanOrEqual(Math.max(m - Math.exp(-0.05 * t), 0));
      expect(c).toBeLessThanOrEqual(m);
    }
    expect(() => hestonPriceCos(call(1, 0, 0.04, 0))).toThrow(/timeToExpiry/);
    expect(() => hestonPriceCos(call(-1, 1, 0.04, 0))).toThrow(/moneyness/);
    expect(() => hestonPriceCos(call(1, 1, -0.04, 0))).toThrow(/v0/);
  });

  it("builds a seeded dataset inside its declared ranges", () => {
    const a = hestonDataset({ n: 300, seed: 3 });
    expect(hestonDataset({ n: 300, seed: 3 })).toEqual(a);
    a.x.forEach((row) => row.forEach((v, j) => {
      expect(v).toBeGreaterThanOrEqual(HESTON_FEATURES[j].min);
      expect(v).toBeLessThanOrEqual(HESTON_FEATURES[j].max);
    }));
    a.y.forEach((y, i) => expect(y).toBe(hestonPriceCos(call(a.x[i][0], a.x[i][1], a.x[i][2] ** 2, a.x[i][3]))));
    expect(a.source).toContain("kappa=1.5768");
  });
});

describe("Heston model through the pipeline", () => {
  it("trains, quantizes, compiles, proves and verifies a Heston price off-chain", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-heston-"));
    try {
      const data = hestonDataset({ n: 3000, seed: 1 });
      const trained = train(splitDataset(data, { seed: 1 }), { hidden: [16, 16], epochs: 15, frozenBatchNormEpochs: 5, seed: 1 }, { name: "heston-call" });
      const q = await quantize(trained.model, { actBits: 16 });
      const built = await buildCircuit(q, { outDir: dir });
      const ptau = await resolvePtau({ power: requiredPower(built.constraints, q.publicSignals.length), log: () => {} });
      const keys = await setupGroth16({ r1csPath: built.r1csPath, ptauPath: ptau.path, outDir: dir, name: q.name });
      const raw = realToRawInputs(q, { moneyness: 1.05, timeToExpiry: 0.5, volatility: 0.3, rate: 0.02 });
      const { proof, publicSignals } = await proveGroth16({ wasmPath: built.wasmPath, zkeyPath: keys.zkeyPath, input: toCircuitInput(q, raw) });
      const decoded = decodePublicSignals(q, publicSignals);
      expect(decoded.inputs).toEqual(raw);
      expect(decoded.output).toBe(integerForward(q, Object.values(raw).map(BigInt)).output);
      const exact = hestonPriceCos(call(1.05, 0.5, 0.09, 0.02));
      expect(Math.abs(Number(decoded.output) / 1e18 - exact)).toBeLessThan(0.03);
      expect(await verifyGroth16({ vkey: keys.vkeyPath, proof, publicSignals })).toBe(true);
      const forged = [...publicSignals];
      forged[0] = (BigInt(forged[0]) + 1n).toString();
      expect(await verifyGroth16({ vkey: keys.vkeyPath, proof, publicSignals: forged })).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
