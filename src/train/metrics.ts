/** Regression metrics of a model on a dataset split (real target units). */
import type { FloatModel } from "../model/types.js";
import type { Dataset } from "../data/dataset.js";
import { predictBatch } from "../model/forward.js";
import type { OptionKind } from "../data/blackScholes.js";
import { blackScholesPriceToExpiry } from "../data/wideDomain.js";
import { InvalidValueError } from "../errors.js";

export interface RegressionMetrics {
  n: number;
  mse: number;
  mae: number;
  maxAbsError: number;
  /** 1 − SSE / SST (SST around the mean of the true values); for constant true values 1 if exact, else 0. */
  r2: number;
}

export type RegressionMetricsErrorType = InvalidValueError;

/** MSE, MAE, max |error| and R² of predictions against true values. */
export function regressionMetrics(yTrue: readonly number[], yPred: readonly number[]): RegressionMetrics {
  const n = yTrue.length;
  if (n === 0 || yPred.length !== n) {
    throw new InvalidValueError({ field: "predictions", value: yPred.length, allowed: `${n} predictions for ${n} (≥ 1) true values` });
  }
  let mean = 0;
  for (let i = 0; i < n; i++) mean += (yTrue[i] - mean) / (i + 1);
  let sse = 0;
  let sae = 0;
  let maxAbs = 0;
  let sst = 0;
  for (let i = 0; i < n; i++) {
    const e = yPred[i] - yTrue[i];
    sse += e * e;
    sae += Math.abs(e);
    if (Math.abs(e) > maxAbs) maxAbs = Math.abs(e);
    sst += (yTrue[i] - mean) ** 2;
  }
  return { n, mse: sse / n, mae: sae / n, maxAbsError: maxAbs, r2: sst > 0 ? 1 - sse / sst : sse === 0 ? 1 : 0 };
}

/** Metrics of `model`'s float predictions against the dataset's targets. */
export function evaluateModel(model: FloatModel, dataset: Dataset): RegressionMetrics {
  return regressionMetrics(dataset.y, predictBatch(model, dataset.x));
}

/**
 * Metrics against the exact Black–Scholes price recomputed from each row's features
 * (moneyness, timeToExpiry, volatility, rate) — independent of the stored targets.
 */
export function evaluateVsBlackScholes(model: FloatModel, dataset: Dataset, kind: OptionKind): RegressionMetrics {
  const names = dataset.features.map((f) => f.name).join(",");
  if (names !== "moneyness,timeToExpiry,volatility,rate") {
    throw new InvalidValueError({ field: "dataset.features", value: names, allowed: "moneyness,timeToExpiry,volatility,rate (the Black–Scholes features)" });
  }
  // τ = 0 rows (wide domain) are priced at their intrinsic value.
  const exact = dataset.x.map((r) => blackScholesPriceToExpiry(kind, r[0], r[1], r[2], r[3]));
  return regressionMetrics(exact, predictBatch(model, dataset.x));
}
