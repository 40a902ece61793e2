import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { blackScholesPrice } from "../src/data/blackScholes.js";
import { WIDE_FEATURES, blackScholesPriceToExpiry, wideDomainDataset, wideDomainUniform } from "../src/data/wideDomain.js";
import { quantize } from "../src/quantize/quantize.js";
import { integerForward } from "../src/quantize/forward.js";
import { realToRaw } from "../src/quantize/report.js";
import { splitDataset } from "../src/data/split.js";
import { train } from "../src/train/train.js";
import { cliIn, expectOk } from "./helpers/cli.js";
import { WIDE_MODEL_SIZE, trainWideModel } from "../src/train/wideReference.js";

describe("wide-domain Black–Scholes dataset", () => {
  it("prices τ = 0 at the intrinsic value and agrees with Black–Scholes for τ > 0", () => {
    expect(blackScholesPriceToExpiry("call", 1.3, 0, 0.5, 0.05)).toBeCloseTo(0.3, 15);
    expect(blackScholesPriceToExpiry("call", 0.7, 0, 0.5, 0.05)).toBe(0);
    expect(blackScholesPriceToExpiry("put", 0.7, 0, 0.5, 0.05)).toBeCloseTo(0.3, 15);
    // Continuity into expiry: one second before expiry the price is within 1e-3 of intrinsic.
    expect(Math.abs(blackScholesPriceToExpiry("call", 1.0001, 1 / 31_536_000, 1, 0.1) - 0.0001)).toBeLessThan(1e-3);
    const args = { kind: "call" as const, moneyness: 1.1, timeToExpiry: 0.3, volatility: 0.2, rate: 0.04 };
    expect(blackScholesPriceToExpiry("call", 1.1, 0.3, 0.2, 0.04)).toBe(blackScholesPrice(args));
    expect(() => blackScholesPriceToExpiry("call", 1, -0.1, 0.2, 0)).toThrow(/timeToExpiry/);
  });

  it("covers the declared box, includes expiry rows, and puts half the rows near the money", () => {
    const d = wideDomainDataset({ n: 20_000, seed: 3, kind: "call" });
    expect(d.features.map((f) => [f.min, f.max])).toEqual([[0.4, 1.6], [0, 1.1], [0.01, 1.0], [0, 0.1]]);
    const outside = d.x.filter((r) => r.some((v, j) => !(v >= WIDE_FEATURES[j].min && v <= WIDE_FEATURES[j].max)));
    expect(outside).toEqual([]);
    const atExpiry = d.x.filter((r) => r[1] === 0).length;
    // EXPIRY_SHARE (4 %) of the uniform half, plus u = 0 draws of the curvature half.
    expect(atExpiry).toBeGreaterThan(0.015 * d.x.length);
    expect(atExpiry).toBeLessThan(0.03 * d.x.length);
    const nearTheMoney = (ds: typeof d) => ds.x.filter((r) => Math.abs(Math.log(r[0])) < 0.1).length / ds.x.length;
    const nearExpiry = (ds: typeof d) => ds.x.filter((r) => r[1] < 0.1).length / ds.x.length;
    const u = wideDomainUniform({ n: 20_000, seed: 3, kind: "call" });
    expect(nearTheMoney(d)).toBeGreaterThan(1.5 * nearTheMoney(u));
    expect(nearExpiry(d)).toBeGreaterThan(2 * nearExpiry(u));
    const wrong = d.y.filter((y, i) => y !== blackScholesPriceToExpiry("call", d.x[i][0], d.x[i][1], d.x[i][2], d.x[i][3]));
    expect(wrong).toEqual([]);
    expect(wideDomainDataset({ n: 50, seed: 3, kind: "call" }).x).toEqual(d.x.slice(0, 50));
  });

  it("quantizes with τ = 0 inside the circuit's range: a model prices a series at expiry", async () => {
    const d = wideDomainDataset({ n: 3000, seed: 4, kind: "call" });
    const t = train(splitDataset(d, { seed: 4 }), { hidden: [8, 8], epochs: 4, frozenBatchNormEpochs: 1, seed: 4 });
    const q = await quantize(t.model, { actBits: 14 });
    const tau = q.inputs.find((i) => i.name === "timeToExpiry")!;
    expect(BigInt(tau.minRaw)).toBe(0n);
    const raw = [1.2, 0, 0.5, 0.05].map((v, j) => realToRaw(v, 18, q.inputs[j].name));
    const out = integerForward(q, raw).output;
    expect(out).toBeGreaterThanOrEqual(0n);
  });

  it("trainWideModel trains the named wide-domain alternative and measures it on the uniform box", async () => {
    expect(WIDE_MODEL_SIZE.config.hidden).toEqual([32, 32]);
    const r = await trainWideModel({ n: 2000, evalRows: 300, config: { hidden: [4], epochs: 2, frozenBatchNormEpochs: 1 } });
    expect(r.model.name).toBe("black-scholes-wide-call");
    expect(r.model.features.map((f) => f.min)).toEqual([0.4, 0, 0.01, 0]);
    expect(r.point.evalRows).toBe(300);
    expect(r.point.constraintsPerEval).toBeGreaterThan(0);
    expect(r.point.quantVsFloatMaxAbsErr).toBeLessThanOrEqual(r.point.quantGuaranteedBound);
  });

  it("zkinfer dataset/train --domain wide use the wide box", async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), "zkinfer-wide-"));
    try {
      const cli = cliIn(path.join(tmp, "build"));
      const ds = expectOk(await cli("--json", "dataset", "--domain", "wide", "--rows", "200", "--out", path.join(tmp, "w.csv"))) as { source: string; features: { min: number; max: number }[] };
      expect(ds.source).toMatch(/^black-scholes-wide:call/);
      expect(ds.features[1]).toMatchObject({ min: 0, max: 1.1 });
      const tr = expectOk(await cli("--json", "train", "--domain", "wide", "--rows", "600", "--epochs", "2", "--hidden", "4")) as { model: string; metrics: { vsBlackScholes: { mae: number } } };
      // The wide domain is the reference's: the default name.
      expect(tr.model).toBe("black-scholes-call");
      expect(tr.metrics.vsBlackScholes.mae).toBeGreaterThan(0);
      const h = expectOk(await cli("--json", "dataset", "--domain", "heston", "--rows", "50", "--out", path.join(tmp, "h.csv"))) as { source: string };
      expect(h.source).toMatch(/^heston:call:kappa=1\.5768/);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
