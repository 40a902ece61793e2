import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blackScholesDataset } from "../src/data/blackScholes.js";
import { datasetToCsv } from "../src/data/csv.js";
import type { Dataset } from "../src/data/dataset.js";
import { applyOutlierRule, robustZ } from "../src/data/outliers.js";
import { cliIn, expectError, expectOk } from "./helpers/cli.js";

/** 400 Black–Scholes rows with spikes in the target at rows 10 and 200 and in volatility at row 50. */
function spiked(): Dataset {
  const d = blackScholesDataset({ n: 400, seed: 5, kind: "call" });
  const y = [...d.y];
  y[10] = 1.15;
  y[200] = 1.1;
  const x = d.x.map((r) => [...r]);
  x[50][2] = 0.7999;
  // Make the vol column tight so that row 50 stands out.
  x.forEach((r, i) => {
    if (i !== 50) r[2] = 0.3 + (i % 7) * 0.001;
  });
  return { ...d, x, y };
}

describe("robust z-score outlier rule", () => {
  it("computes median/MAD z-scores, with a mean-deviation fallback when MAD is 0", () => {
    const r = robustZ([1, 2, 3, 4, 100]);
    expect(r.median).toBe(3);
    expect(r.scale).toBeCloseTo(1 / 0.6745, 12);
    expect(r.z[4]).toBeCloseTo(97 * 0.6745, 9);
    const flat = robustZ([5, 5, 5, 5, 9]);
    expect(flat.scale).toBeGreaterThan(0);
    expect(robustZ([2, 2, 2]).z.every((z) => z === 0)).toBe(true);
  });

  it("flags target spikes without dropping them, and reports them", () => {
    const d = spiked();
    const { dataset, report } = applyOutlierRule(d, { method: "robust-z", threshold: 6 });
    expect(dataset).toBe(d);
    expect(report.dropped).toBe(false);
    expect(report.indices).toEqual(expect.arrayContaining([10, 200]));
    expect(report.examples[0]).toMatchObject({ index: 10, column: "priceOverStrike", value: 1.15 });
    expect(report.rule).toEqual({ method: "robust-z", columns: ["priceOverStrike"], threshold: 6, drop: false });
  });

  it("drops rows marked in any named column and says how many", () => {
    const d = spiked();
    const { dataset, report } = applyOutlierRule(d, { method: "robust-z", columns: ["priceOverStrike", "volatility"], threshold: 6, drop: true });
    expect(report.indices).toEqual(expect.arrayContaining([10, 50, 200]));
    expect(dataset.x).toHaveLength(400 - report.count);
    expect(dataset.y).not.toContain(1.15);
    expect(dataset.x.some((r) => r[2] === 0.7999)).toBe(false);
    expect(dataset.source).toMatch(new RegExp(`outliers-dropped=${report.count}$`));
  });

  it("rejects a bad rule naming the field and what is allowed", () => {
    const d = spiked();
    expect(() => applyOutlierRule(d, { method: "robust-z", columns: ["price"] })).toThrow(/outliers\.columns\[0\].*one of moneyness/);
    expect(() => applyOutlierRule(d, { method: "robust-z", threshold: -1 })).toThrow(/outliers\.threshold/);
    expect(() => applyOutlierRule(d, { method: "iqr" as never })).toThrow(/outliers\.method/);
  });
});

describe("CLI: dataset --validate and train with an outlier rule", () => {
  let tmp: string;
  const at = (...p: string[]) => path.join(tmp, ...p);
  const spec = (extra: object = {}) => ({
    name: "spiky",
    features: [
      { name: "moneyness", unit: "S/K", decimals: 18, min: 0.8, max: 1.2 },
      { name: "timeToExpiry", unit: "years", decimals: 18, min: 0.02, max: 1.0 },
      { name: "volatility", unit: "1/sqrt(year)", decimals: 18, min: 0.1, max: 0.8 },
      { name: "rate", unit: "1/year", decimals: 18, min: 0, max: 0.08 },
    ],
    target: { name: "priceOverStrike", unit: "1/K", decimals: 18, min: 0, max: 1.2 },
    ...extra,
  });
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "zkinfer-outliers-"));
    await mkdir(at("data"));
    await writeFile(at("data", "spiky.csv"), datasetToCsv(spiked()));
    await writeFile(at("data", "spec.json"), JSON.stringify(spec()));
    await writeFile(at("data", "spec-rule.json"), JSON.stringify(spec({ outliers: { method: "robust-z", columns: ["priceOverStrike"], threshold: 6, drop: true } })));
    await writeFile(at("data", "spec-badrule.json"), JSON.stringify(spec({ outliers: { method: "robust-z", columns: ["nope"] } })));
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("validate: no rule, no outlier report; --outliers flags; --drop-outliers drops; both reported", async () => {
    const cli = cliIn(at("build"));
    const plain = expectOk(await cli("--json", "dataset", "--validate", at("data", "spiky.csv"), "--spec", at("data", "spec.json"))) as Record<string, unknown>;
    expect(plain.outliers).toBeUndefined();
    expect(plain.rows).toBe(400);
    const flagged = expectOk(await cli("--json", "dataset", "--validate", at("data", "spiky.csv"), "--spec", at("data", "spec.json"), "--outliers", "6")) as { rows: number; outliers: { count: number; dropped: boolean } };
    expect(flagged.rows).toBe(400);
    expect(flagged.outliers.count).toBeGreaterThanOrEqual(2);
    expect(flagged.outliers.dropped).toBe(false);
    const dropped = expectOk(await cli("--json", "dataset", "--validate", at("data", "spiky.csv"), "--spec", at("data", "spec.json"), "--outliers", "6", "--outlier-columns", "priceOverStrike,volatility", "--drop-outliers")) as { rows: number; outliers: { count: number; dropped: boolean } };
    expect(dropped.outliers.dropped).toBe(true);
    expect(dropped.rows).toBe(400 - dropped.outliers.count);
    expect(dropped.outliers.count).toBeGreaterThan(flagged.outliers.count);
    // Human output says it on stderr, never silently.
    const text = await cli("dataset", "--validate", at("data", "spiky.csv"), "--spec", at("data", "spec.json"), "--outliers", "6", "--drop-outliers");
    expect(text.exitCode).toBe(0);
    expect(text.stderr).toMatch(/outlier rule robust z > 6 on priceOverStrike: \d+ row\(s\) dropped/);
    expect(text.stderr).toMatch(/data row 11: priceOverStrike = 1\.15/);
  });

  it("validate: a rule in the spec applies; a bad rule is a one-line error naming the field", async () => {
    const cli = cliIn(at("build"));
    const r = expectOk(await cli("--json", "dataset", "--validate", at("data", "spiky.csv"), "--spec", at("data", "spec-rule.json"))) as { rows: number; outliers: { dropped: boolean; count: number } };
    expect(r.outliers.dropped).toBe(true);
    expect(r.rows).toBe(400 - r.outliers.count);
    expectError(await cli("dataset", "--validate", at("data", "spiky.csv"), "--spec", at("data", "spec-badrule.json")), 1, /outliers\.columns\[0\].*nope/);
    expectError(await cli("dataset", "--validate", at("data", "spiky.csv"), "--spec", at("data", "spec.json"), "--outliers", "-3"), 1, /--outliers/);
  });

  it("train --csv: drops the marked rows before splitting and reports them", async () => {
    const cli = cliIn(at("build"));
    const r = expectOk(await cli("--json", "train", "--csv", at("data", "spiky.csv"), "--spec", at("data", "spec.json"), "--outliers", "6", "--drop-outliers", "--epochs", "2", "--hidden", "4")) as { outliers: { count: number; dropped: boolean } };
    expect(r.outliers.dropped).toBe(true);
    expect(r.outliers.count).toBeGreaterThanOrEqual(2);
    const status = expectOk(await cli("--json", "status")) as unknown;
    expect(JSON.stringify(status)).toMatch(/spiky/);
  });
});
