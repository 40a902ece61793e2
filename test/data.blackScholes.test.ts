import { describe, expect, it } from "vitest";
import { normalCdf, normalPdf } from "../src/data/normal.js";
import { blackScholesDataset, blackScholesPrice, BLACK_SCHOLES_FEATURES } from "../src/data/blackScholes.js";
import { InvalidValueError } from "../src/errors.js";

/** Φ(z) to 25 significant digits (40-digit arithmetic). */
const PHI: [number, number][] = [
  [-38, 2.88542836006878430835097e-316],
  [-30, 4.906713927148187059533809e-198],
  [-20, 2.753624118606233695075623e-89],
  [-10, 7.619853024160526065973343e-24],
  [-8, 6.220960574271784123515995e-16],
  [-6, 9.865876450376981407008641e-10],
  [-5, 2.866515718791939116737523e-7],
  [-4, 3.167124183311992125377076e-5],
  [-3, 0.001349898031630094526651815],
  [-2.5, 0.006209665325776135166978105],
  [-2, 0.02275013194817920720028264],
  [-1.5, 0.06680720126885806600449404],
  [-1, 0.1586552539314570514147675],
  [-0.5, 0.3085375387259868963622954],
  [-0.1, 0.4601721627229710163310661],
  [0, 0.5],
  [0.1, 0.5398278372770289836689339],
  [0.5, 0.6914624612740131036377046],
  [1, 0.8413447460685429485852325],
  [1.5, 0.933192798731141933995506],
  [1.96, 0.9750021048517795637871763],
  [2, 0.9772498680518207927997174],
  [3, 0.9986501019683699054733482],
  [5, 0.9999997133484281208060883],
  [8, 0.9999999999999993779039426],
];

describe("normal distribution", () => {
  it("Φ matches 25-digit reference values to ~1e-15 relative, including the far tail", () => {
    for (const [z, expected] of PHI) {
      const got = normalCdf(z);
      const rel = Math.abs(got - expected) / expected;
      if (rel > 2e-15) throw new Error(`Φ(${z}) = ${got}, expected ${expected} (relative error ${rel})`);
    }
  });

  it("Φ(z) + Φ(−z) = 1 and φ is symmetric", () => {
    for (let z = -6; z <= 6; z += 0.37) {
      expect(normalCdf(z) + normalCdf(-z)).toBeCloseTo(1, 15);
      expect(normalPdf(z)).toBe(normalPdf(-z));
    }
    expect(normalPdf(0)).toBeCloseTo(0.3989422804014327, 16);
    expect(normalCdf(-50)).toBe(0);
    expect(normalCdf(50)).toBe(1);
    expect(normalCdf(NaN)).toBeNaN();
  });

  it("Φ is monotone on a fine grid across the method boundaries", () => {
    let prev = 0;
    for (let z = -12; z <= 6; z += 0.001) {
      const v = normalCdf(z);
      expect(v).toBeGreaterThanOrEqual(prev);
      prev = v;
    }
  });
});

describe("Black–Scholes price over strike", () => {
  // 20-digit references computed with 40-digit arithmetic: [kind, m, T, σ, r, price/K].
  const CASES: ["call" | "put", number, number, number, number, number][] = [
    ["call", 1.0, 1.0, 0.2, 0.05, 0.10450583572185567346],
    ["put", 1.0, 1.0, 0.2, 0.05, 0.055735260222569679911],
    ["call", 1.2, 1.0, 0.8, 0.08, 0.48496623500003663582],
    ["put", 0.9, 0.5, 0.3, 0.02, 0.13274657202390070444],
    ["call", 0.95, 0.25, 0.45, 0.03, 0.067370521616937516951],
  ];

  it("matches reference prices", () => {
    for (const [kind, m, t, v, r, expected] of CASES) {
      const got = blackScholesPrice({ kind, moneyness: m, timeToExpiry: t, volatility: v, rate: r });
      expect(Math.abs(got - expected)).toBeLessThan(1e-15);
    }
  });

  it("deep out of the money is ~0 and never negative", () => {
    expect(blackScholesPrice({ kind: "call", moneyness: 0.8, timeToExpiry: 0.02, volatility: 0.1, rate: 0 })).toBeLessThan(1e-16);
    expect(blackScholesPrice({ kind: "put", moneyness: 1.2, timeToExpiry: 0.02, volatility: 0.1, rate: 0.08 })).toBeGreaterThanOrEqual(0);
  });

  it("satisfies put–call parity C/K − P/K = S/K − e^(−rT)", () => {
    const ds = blackScholesDataset({ n: 500, seed: 3, kind: "call" });
    for (const [m, t, v, r] of ds.x) {
      const c = blackScholesPrice({ kind: "call", moneyness: m, timeToExpiry: t, volatility: v, rate: r });
      const p = blackScholesPrice({ kind: "put", moneyness: m, timeToExpiry: t, volatility: v, rate: r });
      expect(Math.abs(c - p - (m - Math.exp(-r * t)))).toBeLessThan(4e-16);
    }
  });

  it("rejects invalid inputs naming the field", () => {
    expect(() => blackScholesPrice({ kind: "call", moneyness: 1, timeToExpiry: 0, volatility: 0.2, rate: 0 })).toThrow(/timeToExpiry/);
    expect(() => blackScholesPrice({ kind: "call", moneyness: -1, timeToExpiry: 1, volatility: 0.2, rate: 0 })).toThrow(InvalidValueError);
    expect(() => blackScholesPrice({ kind: "call", moneyness: 1, timeToExpiry: 1, volatility: NaN, rate: 0 })).toThrow(/volatility/);
    expect(() => blackScholesPrice({ kind: "straddle" as "call", moneyness: 1, timeToExpiry: 1, volatility: 0.2, rate: 0 })).toThrow(/kind/);
  });
});

describe("blackScholesDataset", () => {
  it("has the declared features, target and ranges, and exact targets", () => {
    const ds = blackScholesDataset({ n: 2000, seed: 7, kind: "call" });
    expect(ds.features.map((f) => f.name)).toEqual(["moneyness", "timeToExpiry", "volatility", "rate"]);
    expect(ds.features.every((f) => f.decimals === 18)).toBe(true);
    expect(ds.features[0]).toMatchObject({ unit: "S/K", min: 0.8, max: 1.2 });
    expect(ds.features[1]).toMatchObject({ unit: "years", min: 0.02, max: 1.0 });
    expect(ds.features[2]).toMatchObject({ min: 0.1, max: 0.8 });
    expect(ds.features[3]).toMatchObject({ min: 0, max: 0.08 });
    expect(ds.target).toEqual({ name: "priceOverStrike", unit: "1/K", decimals: 18, min: 0, max: 1.2 });
    expect(ds.x.length).toBe(2000);
    ds.x.forEach((row, i) => {
      row.forEach((v, j) => {
        expect(v).toBeGreaterThanOrEqual(ds.features[j].min);
        expect(v).toBeLessThanOrEqual(ds.features[j].max);
      });
      expect(ds.y[i]).toBe(blackScholesPrice({ kind: "call", moneyness: row[0], timeToExpiry: row[1], volatility: row[2], rate: row[3] }));
    });
    // Uniform sampling: each feature's mean is near its range midpoint.
    for (let j = 0; j < 4; j++) {
      const mean = ds.x.reduce((s, r) => s + r[j], 0) / ds.x.length;
      const { min, max } = BLACK_SCHOLES_FEATURES[j];
      expect(Math.abs(mean - (min + max) / 2)).toBeLessThan(0.03 * (max - min));
    }
  });

  it("is deterministic in the seed", () => {
    const a = blackScholesDataset({ n: 50, seed: 11, kind: "put" });
    expect(blackScholesDataset({ n: 50, seed: 11, kind: "put" })).toEqual(a);
    expect(blackScholesDataset({ n: 50, seed: 12, kind: "put" }).x).not.toEqual(a.x);
    expect(a.target.max).toBe(1);
    expect(a.source).toBe("black-scholes:put:seed=11:n=50");
  });

  it("rejects bad parameters", () => {
    expect(() => blackScholesDataset({ n: 0, seed: 1, kind: "call" })).toThrow(/invalid n: 0 \(allowed: an integer in \[1, 10000000\]\)/);
    expect(() => blackScholesDataset({ n: 10, seed: -1, kind: "call" })).toThrow(/seed/);
    expect(() => blackScholesDataset({ n: 10, seed: 1, kind: "swap" as "call" })).toThrow(/kind/);
  });
});
