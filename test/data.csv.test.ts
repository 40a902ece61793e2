import { describe, expect, it } from "vitest";
import { csvSpecFromDataset, datasetToCsv, loadCsv, type CsvSpec } from "../src/data/csv.js";
import { blackScholesDataset } from "../src/data/blackScholes.js";
import { CsvError, InvalidValueError } from "../src/errors.js";

const SPEC: CsvSpec = {
  features: [
    { name: "spot", unit: "USD", decimals: 8, min: 0, max: 1000 },
    { name: "vol", unit: "1/sqrt(year)", decimals: 18, min: 0.01, max: 2 },
  ],
  target: { name: "price", unit: "USD", decimals: 8, min: 0, max: 500 },
};

function csvError(fn: () => unknown): CsvError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CsvError) return e;
    throw e;
  }
  throw new Error("expected a CsvError");
}

describe("loadCsv: reading", () => {
  it("reads declared columns in spec order, ignores extra columns, trims header and values", () => {
    const text = " price , note,spot ,vol\n1.5,a,100, 0.2\n2,b,200,0.3 \n";
    const { dataset, dropped } = loadCsv(text, SPEC);
    expect(dataset.x).toEqual([
      [100, 0.2],
      [200, 0.3],
    ]);
    expect(dataset.y).toEqual([1.5, 2]);
    expect(dataset.features).toEqual(SPEC.features);
    expect(dataset.source).toBe("csv");
    expect(dropped).toEqual({ count: 0, examples: [] });
  });

  it("handles CRLF, a byte-order mark, blank lines, quoted fields and exponents", () => {
    const text = '\uFEFFspot,vol,price,"note, with comma"\r\n"100",2e-1,1.5,"say ""hi"""\r\n\r\n  "2.5E2" ,0.3,+2,x\r\n';
    const { dataset } = loadCsv(text, SPEC);
    expect(dataset.x).toEqual([
      [100, 0.2],
      [250, 0.3],
    ]);
    expect(dataset.y).toEqual([1.5, 2]);
  });

  it("round-trips a dataset through datasetToCsv exactly", () => {
    const ds = blackScholesDataset({ n: 300, seed: 5, kind: "call" });
    const text = datasetToCsv(ds);
    expect(text.split("\n")[0]).toBe("moneyness,timeToExpiry,volatility,rate,priceOverStrike");
    const back = loadCsv(text, csvSpecFromDataset(ds)).dataset;
    expect(back).toEqual(ds);
  });
});

describe("loadCsv: errors name row and column", () => {
  const header = "spot,vol,price";

  it("missing column", () => {
    const e = csvError(() => loadCsv("spot,price\n1,2\n", SPEC));
    expect(e).toMatchObject({ row: 1, column: "vol" });
    expect(e.message).toMatch(/row 1, column "vol": missing column \(header has: "spot", "price"\)/);
  });

  it("duplicate header column", () => {
    expect(csvError(() => loadCsv("spot,vol,price,spot\n1,0.2,1,1\n", SPEC))).toMatchObject({ row: 1, column: "spot" });
  });

  it("empty file and header without data", () => {
    expect(csvError(() => loadCsv("", SPEC)).message).toMatch(/row 1: no header/);
    expect(csvError(() => loadCsv(`${header}\n\n`, SPEC)).message).toMatch(/row 2: no data rows/);
  });

  it("wrong field count", () => {
    const e = csvError(() => loadCsv(`${header}\n1,0.2,1\n1,0.2\n`, SPEC));
    expect(e).toMatchObject({ row: 3, column: undefined });
    expect(e.message).toMatch(/expected 3 fields \(as in the header\), found 2/);
    expect(csvError(() => loadCsv(`${header}\n1,0.2,1,9\n`, SPEC)).message).toMatch(/row 2: expected 3 fields.*found 4/);
  });

  it("malformed and non-numeric values", () => {
    for (const bad of ["abc", "1.2.3", "0x10", "1,5e", "--1", "1 000"]) {
      const line = bad.includes(",") ? `"${bad}"` : bad;
      const e = csvError(() => loadCsv(`${header}\n100,0.2,1\n${line},0.2,1\n`, SPEC));
      expect(e).toMatchObject({ row: 3, column: "spot", value: bad, problem: "not a number" });
    }
    expect(csvError(() => loadCsv(`${header}\n100,,1\n`, SPEC))).toMatchObject({ row: 2, column: "vol", problem: "empty value" });
  });

  it("NaN and infinities", () => {
    for (const bad of ["NaN", "nan", "Infinity", "-inf", "+Inf"]) {
      const e = csvError(() => loadCsv(`${header}\n100,0.2,${bad}\n`, SPEC));
      expect(e).toMatchObject({ row: 2, column: "price", value: bad });
      expect(e.problem).toMatch(/not finite/);
    }
    const e = csvError(() => loadCsv(`${header}\n1e400,0.2,1\n`, SPEC));
    expect(e).toMatchObject({ row: 2, column: "spot", value: "1e400" });
    expect(e.problem).toMatch(/overflows/);
  });

  it("values outside the declared range (features and target clamp)", () => {
    const e = csvError(() => loadCsv(`${header}\n100,0.2,1\n100,2.5,1\n`, SPEC));
    expect(e).toMatchObject({ row: 3, column: "vol", value: "2.5" });
    expect(e.message).toMatch(/outside the declared range \[0.01, 2\]/);
    const t = csvError(() => loadCsv(`${header}\n100,0.2,-0.5\n`, SPEC));
    expect(t).toMatchObject({ row: 2, column: "price" });
    expect(t.message).toMatch(/declared target clamp range \[0, 500\]/);
  });

  it("broken quoting", () => {
    expect(csvError(() => loadCsv(`${header}\n"100,0.2,1\n`, SPEC)).message).toMatch(/row 2: unterminated quoted field/);
    expect(csvError(() => loadCsv(`${header}\n"100"x,0.2,1\n`, SPEC)).message).toMatch(/row 2: unexpected character "x" after a closing quote/);
    expect(csvError(() => loadCsv(`${header}\n10"0,0.2,1\n`, SPEC)).message).toMatch(/row 2: a quote inside an unquoted field/);
  });

  it("row numbers count blank lines and CRLF the same as LF", () => {
    expect(csvError(() => loadCsv(`${header}\r\n100,0.2,1\r\n\r\n100,abc,1\r\n`, SPEC))).toMatchObject({ row: 4, column: "vol" });
  });
});

describe("loadCsv: dropInvalidRows", () => {
  it("drops bad rows and reports the count and the first few reasons", () => {
    const lines = ["spot,vol,price", "100,0.2,1"];
    for (let i = 0; i < 8; i++) lines.push(i % 2 === 0 ? "100,abc,1" : "100,0.2,1,extra");
    lines.push("200,0.3,2");
    const { dataset, dropped } = loadCsv(lines.join("\n"), { ...SPEC, dropInvalidRows: true });
    expect(dataset.y).toEqual([1, 2]);
    expect(dropped.count).toBe(8);
    expect(dropped.examples).toHaveLength(5);
    expect(dropped.examples[0]).toMatchObject({ row: 3, column: "vol", value: "abc", problem: "not a number" });
    expect(dropped.examples[0].message).toMatch(/row 3, column "vol": not a number/);
    expect(dropped.examples[1]).toMatchObject({ row: 4, problem: "expected 3 fields (as in the header), found 4" });
  });

  it("still fails on header problems, and when every row is invalid", () => {
    expect(() => loadCsv("spot,price\n1,2\n", { ...SPEC, dropInvalidRows: true })).toThrow(/missing column/);
    const e = csvError(() => loadCsv("spot,vol,price\nx,0.2,1\n5,9,1\n", { ...SPEC, dropInvalidRows: true }));
    expect(e.message).toMatch(/all 2 data rows are invalid/);
    expect(e.details).toMatch(/row 3, column "vol"/);
  });
});

describe("loadCsv: the spec itself is checked", () => {
  it("rejects bad specs with the field named", () => {
    const f = SPEC.features;
    expect(() => loadCsv("a\n1", { ...SPEC, features: [] })).toThrow(InvalidValueError);
    expect(() => loadCsv("a\n1", { ...SPEC, features: [{ ...f[0], min: 5, max: 1 }] })).toThrow(/spec.features\[0\] \(spot\) range/);
    expect(() => loadCsv("a\n1", { ...SPEC, features: [f[0], { ...f[1], name: "spot" }] })).toThrow(/spec.features\[1\].name/);
    expect(() => loadCsv("a\n1", { ...SPEC, features: [{ ...f[0], decimals: 1.5 }] })).toThrow(/spec.features\[0\].decimals/);
    expect(() => loadCsv("a\n1", { ...SPEC, target: { ...SPEC.target, name: "spot" } })).toThrow(/spec.target.name/);
    expect(() => loadCsv("a\n1", { ...SPEC, dropInvalidRows: "yes" as unknown as boolean })).toThrow(/spec.dropInvalidRows/);
  });
});
