/**
 * Declared outlier rules for datasets (market data has anomalous spikes). A rule names the
 * columns it looks at (feature names and/or the target's name), a threshold on the robust
 * z-score and whether matching rows are only flagged or dropped. Nothing is ever removed
 * without being reported: `applyOutlierRule` returns the count and examples either way.
 *
 * Robust z-score of value x in a column: z = 0.6745 · (x − median) / MAD, MAD the median
 * absolute deviation (0.6745 makes z comparable to a standard normal's z). When MAD = 0
 * (over half the values equal) the mean absolute deviation · 1.2533 is used instead; a
 * column with no spread at all has no outliers.
 */
import type { Dataset } from "./dataset.js";
import { InvalidValueError } from "../errors.js";
import { checkKnownKeys, checkNumber } from "../util/validate.js";

export interface OutlierRule {
  method: "robust-z";
  /** Feature and/or target names; default: the target. */
  columns?: string[];
  /** |z| above this marks a row (default 6). */
  threshold?: number;
  /** Drop marked rows (true) or only flag them (false, default). */
  drop?: boolean;
}

export interface OutlierExample {
  /** 0-based index of the row in the dataset the rule ran on. */
  index: number;
  column: string;
  value: number;
  z: number;
}

export interface OutlierReport {
  rule: Required<OutlierRule>;
  /** Rows marked by the rule (a row counts once even if several columns mark it). */
  count: number;
  dropped: boolean;
  /** Indices of the marked rows, ascending. */
  indices: number[];
  /** The first few marked rows with the column that marked them. */
  examples: OutlierExample[];
  /** Median and scale used per column. */
  columns: { name: string; median: number; scale: number }[];
}

const MAX_EXAMPLES = 5;

function median(sorted: Float64Array): number {
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/** Robust z-scores of a column. */
export function robustZ(values: readonly number[]): { z: Float64Array; median: number; scale: number } {
  const s = Float64Array.from(values).sort();
  const med = median(s);
  const dev = Float64Array.from(values, (v) => Math.abs(v - med)).sort();
  let scale = median(dev) / 0.6745;
  if (!(scale > 0)) scale = (dev.reduce((a, b) => a + b, 0) / Math.max(dev.length, 1)) * 1.2533;
  const z = Float64Array.from(values, (v) => (scale > 0 ? (v - med) / scale : 0));
  return { z, median: med, scale };
}

export type ResolveOutlierRuleErrorType = InvalidValueError;

/** Defaults filled in and the rule checked against the dataset's columns. */
export function resolveOutlierRule(rule: unknown, dataset: Pick<Dataset, "features" | "target">, field = "outliers"): Required<OutlierRule> {
  const o = checkKnownKeys(field, rule, ["method", "columns", "threshold", "drop"]);
  if ((o.method ?? "robust-z") !== "robust-z") throw new InvalidValueError({ field: `${field}.method`, value: o.method, allowed: '"robust-z"' });
  const names = [...dataset.features.map((f) => f.name), dataset.target.name];
  const columns = o.columns ?? [dataset.target.name];
  if (!Array.isArray(columns) || columns.length === 0) throw new InvalidValueError({ field: `${field}.columns`, value: columns, allowed: `a non-empty array of column names (${names.join(", ")})` });
  columns.forEach((c, i) => {
    if (typeof c !== "string" || !names.includes(c)) throw new InvalidValueError({ field: `${field}.columns[${i}]`, value: c, allowed: `one of ${names.join(", ")}` });
  });
  const threshold = checkNumber(`${field}.threshold`, o.threshold ?? 6, { min: 0, minExclusive: true, max: 1e6 });
  if (o.drop !== undefined && typeof o.drop !== "boolean") throw new InvalidValueError({ field: `${field}.drop`, value: o.drop, allowed: "true or false" });
  return { method: "robust-z", columns: [...(columns as string[])], threshold, drop: (o.drop as boolean | undefined) ?? false };
}

/** Marks the rows the rule matches; drops them when the rule says so. Always reports. */
export function applyOutlierRule(dataset: Dataset, ruleInput: OutlierRule): { dataset: Dataset; report: OutlierReport } {
  const rule = resolveOutlierRule(ruleInput, dataset);
  const marked = new Map<number, OutlierExample>();
  const columns: OutlierReport["columns"] = [];
  for (const name of rule.columns) {
    const j = dataset.features.findIndex((f) => f.name === name);
    const values = j >= 0 ? dataset.x.map((r) => r[j]) : dataset.y;
    const { z, median: med, scale } = robustZ(values);
    columns.push({ name, median: med, scale });
    z.forEach((zi, i) => {
      if (Math.abs(zi) > rule.threshold && !marked.has(i)) marked.set(i, { index: i, column: name, value: values[i], z: zi });
    });
  }
  const indices = [...marked.keys()].sort((a, b) => a - b);
  const report: OutlierReport = {
    rule,
    count: indices.length,
    dropped: rule.drop && indices.length > 0,
    indices,
    examples: indices.slice(0, MAX_EXAMPLES).map((i) => marked.get(i)!),
    columns,
  };
  if (!report.dropped) return { dataset, report };
  const keep = new Set(indices);
  const x: number[][] = [];
  const y: number[] = [];
  dataset.x.forEach((r, i) => {
    if (!keep.has(i)) {
      x.push(r);
      y.push(dataset.y[i]);
    }
  });
  return { dataset: { ...dataset, x, y, source: `${dataset.source ?? "dataset"}:outliers-dropped=${indices.length}` }, report };
}

/** One line per example, e.g. "row 12: priceOverStrike = 3.2 (robust z 41.5 > 6)". */
export function describeOutlier(e: OutlierExample, threshold: number): string {
  return `data row ${e.index + 1}: ${e.column} = ${e.value} (robust z ${e.z.toFixed(1)}, |z| > ${threshold})`;
}
