/**
 * A regression dataset in plain data: declared features and target, rows of raw feature
 * values in real units (`x[i][j]` is feature j of sample i) and targets `y[i]`.
 */
import type { FeatureSpec, TargetSpec } from "../model/types.js";
import { InvalidValueError } from "../errors.js";
import { contentHash } from "../util/canonicalJson.js";
import { shown } from "../util/validate.js";
import { validateFeatureSpecs, validateTargetSpec } from "../model/validate.js";

export interface Dataset {
  features: FeatureSpec[];
  target: TargetSpec;
  /** Rows of raw feature values in real units, in the order of `features`. */
  x: number[][];
  /** Targets in real units, one per row. */
  y: number[];
  /** Where the data came from, e.g. "black-scholes:call:seed=1:n=50000" or "csv:options.csv". */
  source?: string;
}

export type ValidateDatasetErrorType = InvalidValueError;

/**
 * Checks a dataset's shape and values: specs valid, one target per row, every row has one
 * finite value per feature. Range checks belong to the loader (CSV) or generator.
 */
export function validateDataset(dataset: Dataset, field = "dataset"): void {
  validateFeatureSpecs(dataset.features, `${field}.features`);
  validateTargetSpec(dataset.target, `${field}.target`);
  const { x, y } = dataset;
  if (!Array.isArray(x) || !Array.isArray(y)) {
    throw new InvalidValueError({ field: `${field}.x`, value: typeof x, allowed: "arrays x (rows) and y (targets)" });
  }
  if (x.length !== y.length) {
    throw new InvalidValueError({ field: `${field}.y.length`, value: y.length, allowed: `${x.length} (one target per row of x)` });
  }
  const d = dataset.features.length;
  for (let i = 0; i < x.length; i++) {
    const row = x[i];
    if (!Array.isArray(row) || row.length !== d) {
      throw new InvalidValueError({ field: `${field}.x[${i}].length`, value: Array.isArray(row) ? row.length : typeof row, allowed: `${d} (one value per feature)` });
    }
    for (let j = 0; j < d; j++) {
      if (typeof row[j] !== "number" || !Number.isFinite(row[j])) {
        throw new InvalidValueError({ field: `${field}.x[${i}][${j}] (${dataset.features[j].name})`, value: shown(row[j]), allowed: "a finite number" });
      }
    }
    if (typeof y[i] !== "number" || !Number.isFinite(y[i])) {
      throw new InvalidValueError({ field: `${field}.y[${i}] (${dataset.target.name})`, value: shown(y[i]), allowed: "a finite number" });
    }
  }
}

/** Content hash of a dataset (specs and values; `source` is not part of it). */
export function datasetHash(dataset: Dataset): string {
  return contentHash({ features: dataset.features, target: dataset.target, x: dataset.x, y: dataset.y });
}

/** The rows of `dataset` at `indices`, in that order (rows are shared, not copied). */
export function selectRows(dataset: Dataset, indices: ArrayLike<number>): Dataset {
  const x: number[][] = new Array(indices.length);
  const y: number[] = new Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    x[k] = dataset.x[indices[k]];
    y[k] = dataset.y[indices[k]];
  }
  return { features: dataset.features, target: dataset.target, x, y, ...(dataset.source === undefined ? {} : { source: dataset.source }) };
}
