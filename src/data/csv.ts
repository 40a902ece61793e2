/**
 * CSV datasets: `loadCsv` reads a CSV text with declared feature and target columns into
 * a `Dataset`, checking every value; `datasetToCsv` writes one back (exact round trip).
 *
 * Format: first line is the header; fields separated by commas; a field may be quoted
 * with double quotes ("" inside quotes is a literal quote) but cannot span lines; CRLF,
 * LF and CR line ends; a leading byte-order mark is ignored; blank lines are skipped;
 * header names and values are trimmed; columns not declared in the spec are ignored.
 * Rows are numbered by line, 1-based, the header being row 1.
 */
import type { FeatureSpec, TargetSpec } from "../model/types.js";
import type { Dataset } from "./dataset.js";
import { CsvError, InvalidValueError } from "../errors.js";
import { validateFeatureSpecs, validateTargetSpec } from "../model/validate.js";

export interface CsvSpec {
  /** Feature columns, by header name, with units, decimals and the declared valid range. */
  features: FeatureSpec[];
  /** Target column by header name; a declared clamp [min, max] is also enforced on the data. */
  target: TargetSpec;
  /**
   * Drop rows with a bad value or field count instead of failing. Dropped rows are always
   * reported in `dropped`. Header problems still fail. Default false.
   */
  dropInvalidRows?: boolean;
  /** Recorded as `dataset.source`. Default "csv". */
  source?: string;
}

/** One problem found in a data row. */
export interface CsvRowProblem {
  row: number;
  column?: string;
  value?: string;
  problem: string;
  /** The full message, as the error would have said it. */
  message: string;
}

export interface CsvDroppedRows {
  count: number;
  /** The first few dropped rows with their (first) problem. */
  examples: CsvRowProblem[];
}

export interface LoadCsvReturnType {
  dataset: Dataset;
  dropped: CsvDroppedRows;
}

export type LoadCsvErrorType = CsvError | InvalidValueError;

const MAX_EXAMPLES = 5;
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE_RE = /^[+-]?(?:nan|inf|infinity)$/i;

/** Splits one line into fields. Throws CsvError on broken quoting. */
function parseLine(line: string, row: number): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    // Leading spaces before an opening quote are allowed.
    let j = i;
    while (j < line.length && (line[j] === " " || line[j] === "\t")) j++;
    if (line[j] === '"') {
      let value = "";
      let k = j + 1;
      for (;;) {
        if (k >= line.length) {
          throw new CsvError({ row, problem: "unterminated quoted field (a quoted field cannot span lines)" });
        }
        if (line[k] === '"') {
          if (line[k + 1] === '"') {
            value += '"';
            k += 2;
            continue;
          }
          k++;
          break;
        }
        value += line[k];
        k++;
      }
      while (k < line.length && (line[k] === " " || line[k] === "\t")) k++;
      if (k < line.length && line[k] !== ",") {
        throw new CsvError({ row, problem: `unexpected character ${JSON.stringify(line[k])} after a closing quote` });
      }
      fields.push(value);
      if (k >= line.length) return fields;
      i = k + 1;
    } else {
      const comma = line.indexOf(",", i);
      const raw = comma === -1 ? line.slice(i) : line.slice(i, comma);
      if (raw.includes('"')) {
        throw new CsvError({ row, problem: "a quote inside an unquoted field (quote the whole field)" });
      }
      fields.push(raw);
      if (comma === -1) return fields;
      i = comma + 1;
    }
  }
}

interface ColumnRule {
  name: string;
  index: number;
  min?: number;
  max?: number;
  rangeLabel: string;
}

/** Parses one value; returns the number or a problem description. */
function parseValue(raw: string, rule: ColumnRule): number | string {
  const text = raw.trim();
  if (text === "") return "empty value";
  if (NON_FINITE_RE.test(text)) return "value is not finite (NaN or infinity)";
  if (!NUMBER_RE.test(text)) return "not a number";
  const v = Number(text);
  if (!Number.isFinite(v)) return "value is not finite (overflows float64)";
  if ((rule.min !== undefined && v < rule.min) || (rule.max !== undefined && v > rule.max)) {
    return `outside the ${rule.rangeLabel} [${rule.min ?? "-inf"}, ${rule.max ?? "+inf"}]`;
  }
  return v;
}

function checkSpec(spec: CsvSpec): void {
  if (spec === null || typeof spec !== "object") throw new InvalidValueError({ field: "spec", value: spec, allowed: "a CSV spec object" });
  validateFeatureSpecs(spec.features, "spec.features");
  validateTargetSpec(spec.target, "spec.target");
  if (spec.features.some((f) => f.name === spec.target.name)) {
    throw new InvalidValueError({ field: "spec.target.name", value: spec.target.name, allowed: "a column that is not also a feature" });
  }
  if (spec.dropInvalidRows !== undefined && typeof spec.dropInvalidRows !== "boolean") {
    throw new InvalidValueError({ field: "spec.dropInvalidRows", value: spec.dropInvalidRows, allowed: "true or false" });
  }
}

/**
 * Loads a dataset from CSV text. Every value of a declared column must be a finite decimal
 * number inside the declared range; otherwise a `CsvError` names the row, the column and
 * the value — or, with `dropInvalidRows`, the row is dropped and reported in `dropped`.
 */
export function loadCsv(text: string, spec: CsvSpec): LoadCsvReturnType {
  if (typeof text !== "string") throw new InvalidValueError({ field: "text", value: typeof text, allowed: "CSV text (a string)" });
  checkSpec(spec);
  const drop = spec.dropInvalidRows ?? false;
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split(/\r\n|\n|\r/);
  if (lines.length === 0 || lines[0].trim() === "") {
    throw new CsvError({ row: 1, problem: "no header (the first line must name the columns)" });
  }
  const header = parseLine(lines[0], 1).map((h) => h.trim());
  const position = new Map<string, number>();
  header.forEach((h, k) => {
    if (position.has(h)) throw new CsvError({ row: 1, column: h, problem: "duplicate column name in the header" });
    position.set(h, k);
  });

  const rules: ColumnRule[] = [];
  const columnOf = (name: string): number => {
    const k = position.get(name);
    if (k === undefined) {
      throw new CsvError({ row: 1, column: name, problem: `missing column (header has: ${header.map((h) => JSON.stringify(h)).join(", ")})` });
    }
    return k;
  };
  for (const f of spec.features) rules.push({ name: f.name, index: columnOf(f.name), min: f.min, max: f.max, rangeLabel: "declared range" });
  const t = spec.target;
  rules.push({ name: t.name, index: columnOf(t.name), min: t.min, max: t.max, rangeLabel: "declared target clamp range" });

  const x: number[][] = [];
  const y: number[] = [];
  const dropped: CsvDroppedRows = { count: 0, examples: [] };
  let dataRows = 0;
  const nf = spec.features.length;

  for (let li = 1; li < lines.length; li++) {
    const row = li + 1;
    if (lines[li].trim() === "") continue;
    dataRows++;
    let problem: Omit<CsvRowProblem, "message"> | undefined;
    let values: number[] | undefined;
    try {
      const fields = parseLine(lines[li], row);
      if (fields.length !== header.length) {
        problem = { row, problem: `expected ${header.length} fields (as in the header), found ${fields.length}` };
      } else {
        values = new Array(rules.length);
        for (let r = 0; r < rules.length; r++) {
          const rule = rules[r];
          const raw = fields[rule.index];
          const v = parseValue(raw, rule);
          if (typeof v === "string") {
            problem = { row, column: rule.name, value: raw.trim(), problem: v };
            break;
          }
          values[r] = v;
        }
      }
    } catch (err) {
      if (!(err instanceof CsvError)) throw err;
      problem = { row, problem: err.problem };
    }
    if (problem !== undefined) {
      const error = new CsvError(problem);
      if (!drop) throw error;
      dropped.count++;
      if (dropped.examples.length < MAX_EXAMPLES) dropped.examples.push({ ...problem, message: error.shortMessage });
      continue;
    }
    const v = values as number[];
    x.push(v.slice(0, nf));
    y.push(v[nf]);
  }

  if (dataRows === 0) throw new CsvError({ row: 2, problem: "no data rows after the header" });
  if (x.length === 0) {
    throw new CsvError({
      row: dropped.examples[0]?.row ?? 2,
      problem: `all ${dropped.count} data rows are invalid`,
      details: dropped.examples.map((e) => e.message).join("\n"),
    });
  }
  const dataset: Dataset = {
    features: spec.features.map((f) => ({ ...f })),
    target: { ...spec.target },
    x,
    y,
    source: spec.source ?? "csv",
  };
  return { dataset, dropped };
}

function quoteName(name: string): string {
  return /[",\r\n]|^\s|\s$/.test(name) ? `"${name.replace(/"/g, '""')}"` : name;
}

/**
 * Writes a dataset as CSV: header = feature names then the target name, one line per row,
 * numbers in their shortest round-trip form, LF line ends. `loadCsv(datasetToCsv(d),
 * csvSpecFromDataset(d))` gives back the same values.
 */
export function datasetToCsv(dataset: Dataset): string {
  const header = [...dataset.features.map((f) => f.name), dataset.target.name].map(quoteName).join(",");
  const lines: string[] = new Array(dataset.x.length + 1);
  lines[0] = header;
  for (let i = 0; i < dataset.x.length; i++) {
    const row = dataset.x[i];
    let line = "";
    for (let j = 0; j < row.length; j++) line += `${String(row[j])},`;
    lines[i + 1] = line + String(dataset.y[i]);
  }
  return `${lines.join("\n")}\n`;
}

/** The CSV spec that reads back a dataset written by `datasetToCsv`. */
export function csvSpecFromDataset(dataset: Dataset): CsvSpec {
  return {
    features: dataset.features.map((f) => ({ ...f })),
    target: { ...dataset.target },
    ...(dataset.source === undefined ? {} : { source: dataset.source }),
  };
}
