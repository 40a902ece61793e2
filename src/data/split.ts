/** Seeded train / validation / test split of a dataset. */
import type { Dataset } from "./dataset.js";
import { selectRows } from "./dataset.js";
import { assertSeed, createRng, shuffledIndices } from "../util/rng.js";
import { checkNumber } from "../util/validate.js";
import { InvalidValueError } from "../errors.js";

export interface DatasetSplits {
  train: Dataset;
  validation: Dataset;
  test: Dataset;
}

export interface SplitDatasetParameters {
  seed: number;
  /** Fraction of rows for validation (early stopping). Default 0.1. */
  validationFraction?: number;
  /** Fraction of rows for the final test metrics. Default 0.1. */
  testFraction?: number;
}

export type SplitDatasetErrorType = InvalidValueError;

/**
 * Shuffles the rows with a seeded generator and cuts them into test, validation and train
 * (in that order of the shuffled rows). Sizes are rounded; train gets the remainder and
 * every split must have at least 2 rows (batch norm needs 2 samples).
 */
export function splitDataset(dataset: Dataset, params: SplitDatasetParameters): DatasetSplits {
  assertSeed(params.seed, "split.seed");
  const valFrac = checkNumber("split.validationFraction", params.validationFraction ?? 0.1, { min: 0, max: 1, minExclusive: true, maxExclusive: true });
  const testFrac = checkNumber("split.testFraction", params.testFraction ?? 0.1, { min: 0, max: 1, minExclusive: true, maxExclusive: true });
  if (valFrac + testFrac >= 1) {
    throw new InvalidValueError({ field: "split.validationFraction + split.testFraction", value: valFrac + testFrac, allowed: "less than 1 (rows must remain for training)" });
  }
  const n = dataset.x.length;
  const nTest = Math.round(n * testFrac);
  const nVal = Math.round(n * valFrac);
  const nTrain = n - nTest - nVal;
  if (nTest < 2 || nVal < 2 || nTrain < 2) {
    throw new InvalidValueError({
      field: "dataset rows",
      value: n,
      allowed: `enough rows for at least 2 per split (got train ${nTrain}, validation ${nVal}, test ${nTest})`,
    });
  }
  const idx = shuffledIndices(n, createRng(params.seed));
  return {
    test: selectRows(dataset, idx.subarray(0, nTest)),
    validation: selectRows(dataset, idx.subarray(nTest, nTest + nVal)),
    train: selectRows(dataset, idx.subarray(nTest + nVal)),
  };
}
