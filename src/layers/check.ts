/** Shared value checks of the layer kinds' `validate` (errors name the exact field). */
import { InvalidValueError } from "../errors.js";
import { shown } from "../util/validate.js";

export function finite(field: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new InvalidValueError({ field, value: shown(v), allowed: "a finite number" });
  }
  return v;
}

export function vector(field: string, v: unknown, length: number): number[] {
  if (!Array.isArray(v) || v.length !== length) {
    throw new InvalidValueError({ field: `${field}.length`, value: Array.isArray(v) ? v.length : typeof v, allowed: String(length) });
  }
  v.forEach((x, i) => finite(`${field}[${i}]`, x));
  return v;
}

export function positiveDim(field: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) {
    throw new InvalidValueError({ field, value: v, allowed: "a positive integer" });
  }
  return v;
}

/** An elementwise layer's `dim` must equal the width of the layer before it. */
export function sameDim(at: string, d: unknown, inDim: number): number {
  const dim = positiveDim(`${at}.dim`, d);
  if (dim !== inDim) throw new InvalidValueError({ field: `${at}.dim`, value: dim, allowed: `${inDim} (the width of the previous layer)` });
  return dim;
}
