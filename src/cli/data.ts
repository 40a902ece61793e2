/**
 * Dataset sources of the CLI: the built-in Black–Scholes generator, or a user CSV read with
 * a JSON spec of its columns (names, units, decimals, declared ranges).
 */
import { readFile } from "node:fs/promises";
import { type OptionKind, blackScholesDataset } from "../data/blackScholes.js";
import { type CsvDroppedRows, type CsvSpec, loadCsv } from "../data/csv.js";
import type { Dataset } from "../data/dataset.js";
import { readJsonFile } from "../util/fs.js";
import { type LayoutFacts, optionLayoutNote, optionLayoutProblem } from "../chain/optionLayout.js";
import { hestonDataset } from "../data/heston.js";
import { wideDomainDataset } from "../data/wideDomain.js";
import { type OutlierReport, type OutlierRule, applyOutlierRule } from "../data/outliers.js";
import { CliError } from "./errors.js";

/** The spec file of a CSV dataset: `CsvSpec` plus an optional model name. */
export interface CsvSpecFile extends CsvSpec {
  /** Default model name for `zkinfer train --csv`. */
  name?: string;
  /** Option kind the target prices ("call" or "put"), recorded with the model for `deploy`. */
  kind?: OptionKind;
  /** Declared outlier rule applied after loading (see `OutlierRule`); flags override it. */
  outliers?: OutlierRule;
}

/** Outlier flags of `dataset --validate` and `train --csv`. */
export interface OutlierFlags {
  /** --outliers <z>: robust z-score threshold. */
  outliers?: number;
  /** --outlier-columns <names>: columns the rule looks at (default the target). */
  outlierColumns?: string;
  /** --drop-outliers: drop marked rows instead of only flagging them. */
  dropOutliers?: boolean;
}

/** The rule in force: the spec's, with any flags on top; undefined when neither declares one. */
export function outlierRuleFrom(spec: OutlierRule | undefined, flags: OutlierFlags): OutlierRule | undefined {
  const any = flags.outliers !== undefined || flags.outlierColumns !== undefined || flags.dropOutliers !== undefined;
  if (!any) return spec;
  return {
    method: "robust-z",
    ...(spec ?? {}),
    ...(flags.outliers !== undefined ? { threshold: flags.outliers } : {}),
    ...(flags.outlierColumns !== undefined ? { columns: flags.outlierColumns.split(",").map((c) => c.trim()) } : {}),
    ...(flags.dropOutliers !== undefined ? { drop: flags.dropOutliers } : {}),
  };
}

export const SPEC_EXAMPLE = `{
  "name": "my-model",
  "features": [
    { "name": "moneyness", "unit": "S/K", "decimals": 18, "min": 0.8, "max": 1.2 },
    { "name": "timeToExpiry", "unit": "years", "decimals": 18, "min": 0.02, "max": 1.0 }
  ],
  "target": { "name": "priceOverStrike", "unit": "1/K", "decimals": 18, "min": 0, "max": 1.2 },
  "outliers": { "method": "robust-z", "columns": ["priceOverStrike"], "threshold": 6, "drop": false }
}
("outliers" is optional: rows whose robust z-score exceeds the threshold in a named column are flagged, or dropped with "drop": true; always reported.)`;

export async function readCsvSpec(file: string): Promise<CsvSpecFile> {
  const spec = await readJsonFile(file, "spec file");
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
    throw new CliError(`spec file ${file} must hold a JSON object with "features" and "target"`, { details: "See `zkinfer dataset --help` for an example." });
  }
  const s = spec as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (!["name", "kind", "features", "target", "dropInvalidRows", "outliers"].includes(key)) {
      throw new CliError(`spec file ${file}: unknown field "${key}"`, { details: 'Allowed fields: name, kind, features, target, dropInvalidRows, outliers.' });
    }
  }
  if (!Array.isArray(s.features)) throw new CliError(`spec file ${file}: "features" must be an array of column specs`, { details: "See `zkinfer dataset --help` for an example." });
  if (s.target === null || typeof s.target !== "object") throw new CliError(`spec file ${file}: "target" must be an object`, { details: "See `zkinfer dataset --help` for an example." });
  if (s.name !== undefined && (typeof s.name !== "string" || s.name.trim() === "")) throw new CliError(`spec file ${file}: "name" must be a non-empty string`);
  if (s.kind !== undefined && s.kind !== "call" && s.kind !== "put") throw new CliError(`spec file ${file}: "kind" must be "call" or "put", got ${JSON.stringify(s.kind)}`);
  return spec as CsvSpecFile;
}

export interface LoadedDataset {
  dataset: Dataset;
  dropped?: CsvDroppedRows;
  /** Result of the declared outlier rule, when one is declared. */
  outliers?: OutlierReport;
  /** Set for the built-in dataset, or when the CSV spec declares it. */
  kind?: OptionKind;
  /** Model name suggested by the source. */
  suggestedName: string;
}

export async function loadCsvDataset(args: { csv: string; spec: string; dropInvalid?: boolean } & OutlierFlags): Promise<LoadedDataset> {
  const spec = await readCsvSpec(args.spec);
  let text: string;
  try {
    text = await readFile(args.csv, "utf8");
  } catch {
    throw new CliError(`CSV file ${args.csv} not found`, { details: "Check the path." });
  }
  const { dataset, dropped } = loadCsv(text, {
    features: spec.features,
    target: spec.target,
    dropInvalidRows: args.dropInvalid ?? spec.dropInvalidRows ?? false,
    source: `csv:${args.csv}`,
  });
  const kind = spec.kind ? { kind: spec.kind } : {};
  const rule = outlierRuleFrom(spec.outliers, args);
  if (rule === undefined) return { dataset, dropped, suggestedName: spec.name ?? "csv-model", ...kind };
  const applied = applyOutlierRule(dataset, rule);
  return { dataset: applied.dataset, dropped, outliers: applied.report, suggestedName: spec.name ?? "csv-model", ...kind };
}

/** Built-in domains: the reference's narrow Black–Scholes box, the wide one down to expiry, Heston calls. */
export const DOMAINS = ["narrow", "wide", "heston"] as const;
export type Domain = (typeof DOMAINS)[number];

export function builtinDataset(args: { rows: number; seed: number; kind: OptionKind; domain?: Domain }): LoadedDataset {
  const domain = args.domain ?? "narrow";
  if (domain === "heston") {
    if (args.kind !== "call") throw new CliError(`--domain heston has calls only, got --kind ${args.kind}`, { details: "Use --kind call (puts follow by parity)." });
    return { dataset: hestonDataset({ n: args.rows, seed: args.seed }), suggestedName: "heston-call" };
  }
  if (domain === "wide") return { dataset: wideDomainDataset({ n: args.rows, seed: args.seed, kind: args.kind }), kind: args.kind, suggestedName: `black-scholes-wide-${args.kind}` };
  return { dataset: blackScholesDataset({ n: args.rows, seed: args.seed, kind: args.kind }), kind: args.kind, suggestedName: `bs-${args.kind}` };
}

/** Observed min / max of each column. */
export function columnStats(dataset: Dataset): { name: string; min: number; max: number; declared: [number | undefined, number | undefined] }[] {
  const cols = [...dataset.features.map((f, j) => ({ name: f.name, values: dataset.x.map((r) => r[j]), declared: [f.min, f.max] as [number | undefined, number | undefined] }))];
  cols.push({ name: dataset.target.name, values: dataset.y, declared: [dataset.target.min, dataset.target.max] });
  return cols.map((c) => ({
    name: c.name,
    min: c.values.reduce((a, b) => (b < a ? b : a), Infinity),
    max: c.values.reduce((a, b) => (b > a ? b : a), -Infinity),
    declared: c.declared,
  }));
}

/** A note for models the option price feed cannot serve (dataset, train and quantize say it early). */
export function optionFeedNote(m: LayoutFacts): string | undefined {
  const problem = optionLayoutProblem(m);
  return problem === undefined ? undefined : `note: the option price feed cannot serve this model (${problem}). ${optionLayoutNote()}`;
}
