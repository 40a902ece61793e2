/**
 * Input and target scalers. They are fitted on the training split only; validation and
 * test rows are transformed with the training statistics.
 *
 * z-score: offset = mean, scale = population standard deviation (divide by n).
 * min-max: offset = min, scale = max − min (maps the training data onto [0, 1]).
 */
import type { FeatureSpec, ScalerSpec, TargetScalerSpec } from "../model/types.js";
import { InvalidValueError } from "../errors.js";

export type ScalerKind = ScalerSpec["kind"];

export interface FitScalerParameters {
  /** Training rows only. */
  x: readonly (readonly number[])[];
  /** Names the features in error messages. */
  features: readonly FeatureSpec[];
  kind: ScalerKind;
}

export type FitScalerErrorType = InvalidValueError;

/** Relative width below which a feature counts as constant (cannot be scaled). */
const DEGENERATE = 1e-12;

/** Fits a per-feature scaler on training rows. Throws if a feature is constant. */
export function fitScaler({ x, features, kind }: FitScalerParameters): ScalerSpec {
  const d = features.length;
  if (x.length < 2) throw new InvalidValueError({ field: "training rows", value: x.length, allowed: "at least 2 rows to fit a scaler" });
  if (kind !== "zscore" && kind !== "minmax") throw new InvalidValueError({ field: "scaler", value: kind, allowed: '"zscore" or "minmax"' });
  const offset: number[] = new Array(d);
  const scale: number[] = new Array(d);
  for (let j = 0; j < d; j++) {
    let lo = Infinity;
    let hi = -Infinity;
    let mean = 0;
    for (let i = 0; i < x.length; i++) {
      const v = x[i][j];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      mean += (v - mean) / (i + 1);
    }
    let s: number;
    if (kind === "zscore") {
      let ss = 0;
      for (let i = 0; i < x.length; i++) {
        const e = x[i][j] - mean;
        ss += e * e;
      }
      s = Math.sqrt(ss / x.length);
      offset[j] = mean;
    } else {
      s = hi - lo;
      offset[j] = lo;
    }
    const magnitude = Math.max(Math.abs(lo), Math.abs(hi), 1e-300);
    if (!(s > DEGENERATE * magnitude) || !Number.isFinite(s)) {
      throw new InvalidValueError({
        field: `feature "${features[j].name}"`,
        value: kind === "zscore" ? `standard deviation ${s}` : `range width ${s}`,
        allowed: "a feature that varies in the training split (a constant feature cannot be scaled; remove it)",
      });
    }
    scale[j] = s;
  }
  return { kind, offset, scale };
}

/** x' = (x − offset) / scale for one row. */
export function applyScaler(scaler: ScalerSpec, row: readonly number[]): number[] {
  return row.map((v, j) => (v - scaler.offset[j]) / scaler.scale[j]);
}

/** Fits y' = (y − mean) / std on training targets. Throws if the target is constant. */
export function fitTargetScaler(y: readonly number[], targetName = "target"): TargetScalerSpec {
  if (y.length < 2) throw new InvalidValueError({ field: "training rows", value: y.length, allowed: "at least 2 rows to fit a target scaler" });
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += (y[i] - mean) / (i + 1);
  let ss = 0;
  let mag = 0;
  for (let i = 0; i < y.length; i++) {
    ss += (y[i] - mean) ** 2;
    mag = Math.max(mag, Math.abs(y[i]));
  }
  const scale = Math.sqrt(ss / y.length);
  if (!(scale > DEGENERATE * Math.max(mag, 1e-300)) || !Number.isFinite(scale)) {
    throw new InvalidValueError({
      field: `target "${targetName}"`,
      value: `standard deviation ${scale}`,
      allowed: "a target that varies in the training split",
    });
  }
  return { offset: mean, scale };
}

/** y' = (y − offset) / scale. */
export function applyTargetScaler(s: TargetScalerSpec, y: number): number {
  return (y - s.offset) / s.scale;
}

/** y = y' · scale + offset. */
export function invertTargetScaler(s: TargetScalerSpec, yScaled: number): number {
  return yScaled * s.scale + s.offset;
}
