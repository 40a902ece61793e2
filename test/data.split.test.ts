import { describe, expect, it } from "vitest";
import { splitDataset } from "../src/data/split.js";
import { datasetHash, validateDataset, type Dataset } from "../src/data/dataset.js";
import { blackScholesDataset } from "../src/data/blackScholes.js";
import { createRng, shuffledIndices } from "../src/util/rng.js";
import { canonicalJson, prettyCanonicalJson } from "../src/util/canonicalJson.js";

function indexed(n: number): Dataset {
  return {
    features: [{ name: "i", unit: "", decimals: 0, min: 0, max: n }],
    target: { name: "t", unit: "", decimals: 0 },
    x: Array.from({ length: n }, (_, i) => [i]),
    y: Array.from({ length: n }, (_, i) => i),
  };
}

describe("seeded RNG", () => {
  it("is deterministic per seed and differs between seeds", () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(sa);
    // Seeds differing only above bit 32 give different streams.
    expect(createRng(2 ** 40).next()).not.toBe(createRng(0).next());
  });

  it("uniforms lie in [0, 1) with mean 1/2; normals have mean 0 and variance 1", () => {
    const rng = createRng(1);
    const n = 100_000;
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    let inRange = true;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      inRange &&= u >= 0 && u < 1;
      su += u;
      const z = rng.normal();
      sn += z;
      sn2 += z * z;
    }
    expect(inRange).toBe(true);
    expect(Math.abs(su / n - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(sn / n)).toBeLessThan(0.015);
    expect(Math.abs(sn2 / n - 1)).toBeLessThan(0.02);
  });

  it("shuffles into a permutation and rejects bad seeds", () => {
    const idx = Array.from(shuffledIndices(100, createRng(3)));
    expect([...idx].sort((p, q) => p - q)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(idx).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(() => createRng(-1)).toThrow(/seed/);
    expect(() => createRng(1.5)).toThrow(/seed/);
  });
});

describe("splitDataset", () => {
  it("splits into disjoint train/validation/test covering every row", () => {
    const s = splitDataset(indexed(1000), { seed: 9, validationFraction: 0.15, testFraction: 0.1 });
    expect([s.train.y.length, s.validation.y.length, s.test.y.length]).toEqual([750, 150, 100]);
    const all = [...s.train.y, ...s.validation.y, ...s.test.y].sort((p, q) => p - q);
    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    // Rows stay paired with their targets.
    for (const part of [s.train, s.validation, s.test]) part.x.forEach((r, k) => expect(r[0]).toBe(part.y[k]));
  });

  it("is deterministic in the seed", () => {
    const d = indexed(200);
    expect(splitDataset(d, { seed: 1 })).toEqual(splitDataset(d, { seed: 1 }));
    expect(splitDataset(d, { seed: 2 }).test.y).not.toEqual(splitDataset(d, { seed: 1 }).test.y);
  });

  it("rejects bad fractions and too few rows", () => {
    const d = indexed(100);
    expect(() => splitDataset(d, { seed: 1, validationFraction: 0 })).toThrow(/split.validationFraction/);
    expect(() => splitDataset(d, { seed: 1, testFraction: 1.2 })).toThrow(/split.testFraction/);
    expect(() => splitDataset(d, { seed: 1, validationFraction: 0.5, testFraction: 0.5 })).toThrow(/less than 1/);
    expect(() => splitDataset(indexed(10), { seed: 1 })).toThrow(/at least 2 per split/);
  });
});

describe("dataset checks and hashing", () => {
  it("validateDataset names the bad cell", () => {
    const d = indexed(3);
    expect(() => validateDataset({ ...d, x: [[0], [1, 2], [2]] })).toThrow(/dataset.x\[1\].length/);
    expect(() => validateDataset({ ...d, x: [[0], [NaN], [2]] })).toThrow(/dataset.x\[1\]\[0\] \(i\): "NaN"/);
    expect(() => validateDataset({ ...d, y: [0, 1] })).toThrow(/dataset.y.length/);
  });

  it("datasetHash depends on values, not on source", () => {
    const d = blackScholesDataset({ n: 20, seed: 1, kind: "call" });
    expect(datasetHash(d)).toMatch(/^[0-9a-f]{64}$/);
    expect(datasetHash({ ...d, source: "elsewhere" })).toBe(datasetHash(d));
    expect(datasetHash({ ...d, y: d.y.map((v, i) => (i === 3 ? v + 1e-12 : v)) })).not.toBe(datasetHash(d));
  });

  it("canonical JSON sorts keys and rejects non-finite numbers", () => {
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: null }] })).toBe('{"a":[1,{"c":null,"d":2}],"b":1}');
    expect(prettyCanonicalJson({ b: [1, 2], a: { c: "x" } })).toBe('{\n  "a": {\n    "c": "x"\n  },\n  "b": [1,2]\n}\n');
    expect(() => canonicalJson({ a: [1, Infinity] })).toThrow(/\$\.a\[1\]/);
  });
});
