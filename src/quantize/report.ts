import { BaseError, InvalidValueError } from "../errors.js";
import type { FloatModel } from "../model/types.js";
import { toRawUnits } from "./decimal.js";
import { type ErrorBoundOptions, analyzeQuantizationError, floatReference } from "./errorBound.js";
import { integerForward } from "./forward.js";
import { quantize, type QuantizeOptions } from "./quantize.js";
import type { QuantizedModel } from "./types.js";

export interface QuantizationReport {
  /** Samples compared. */
  n: number;
  /** Measured: max |float − quantized| over the samples, in the target's real units. */
  maxAbsErr: number;
  meanAbsErr: number;
  /**
   * Guaranteed: max |float − quantized| over the entire declared input domain can be no larger
   * (see errorBound.ts; holds for every input, sampled or not).
   */
  guaranteedBound: number;
  /** The largest |float − quantized| the bound's search found at a real input: the true worst case lies in [worstFoundErr, guaranteedBound]. */
  worstFoundErr: number;
  /** Real-unit features of that input. */
  worstFoundInput: number[];
  /** Input boxes the branch-and-bound evaluated. */
  boundBoxes: number;
}

/** Round a real value to raw on-chain units (half away from zero at 10^-decimals). */
export function realToRaw(value: number, decimals: number, field = "value"): bigint {
  if (!Number.isFinite(value)) throw new InvalidValueError({ field, value, allowed: "a finite number" });
  return toRawUnits(value.toFixed(decimals), decimals, field);
}

/** Measured error only: float model (with its clamp) vs the integer model on the same raw inputs. */
function measuredError(model: FloatModel, q: QuantizedModel, rows: readonly (readonly number[])[]): { n: number; maxAbsErr: number; meanAbsErr: number } {
  if (rows.length === 0) throw new InvalidValueError({ field: "rows", value: 0, allowed: "at least one sample" });
  const scale = 10 ** q.output.decimals;
  let max = 0;
  let sum = 0;
  for (const row of rows) {
    const raw = row.map((v, j) => realToRaw(v, q.inputs[j].decimals, q.inputs[j].name));
    const x = raw.map((r, j) => Number(r) / 10 ** q.inputs[j].decimals);
    const err = Math.abs(floatReference(model, q, x) - Number(integerForward(q, raw).output) / scale);
    max = Math.max(max, err);
    sum += err;
  }
  return { n: rows.length, maxAbsErr: max, meanAbsErr: sum / rows.length };
}

/**
 * Float model (with its clamp) vs the integer model on the same raw inputs, e.g. the test
 * split (rows are real-unit feature vectors, rounded to on-chain units first so both models
 * see exactly those values), next to the guaranteed bound over the whole declared domain.
 */
export function quantizationReport(model: FloatModel, q: QuantizedModel, rows: readonly (readonly number[])[], options: ErrorBoundOptions = {}): QuantizationReport {
  const measured = measuredError(model, q, rows);
  const b = analyzeQuantizationError(model, q, options);
  return { ...measured, guaranteedBound: b.bound, worstFoundErr: b.worstFound, worstFoundInput: b.worstInput, boundBoxes: b.boxes };
}

/**
 * A worst-case bound on |float − quantized| over the entire declared input domain: affine
 * arithmetic through the actual integer weights, neuron by neuron, refined by
 * branch-and-bound over input boxes (see errorBound.ts).
 */
export function guaranteedErrorBound(model: FloatModel, q: QuantizedModel, options: ErrorBoundOptions = {}): number {
  return analyzeQuantizationError(model, q, options).bound;
}

export class ToleranceNotMetError extends BaseError {
  override name = "ToleranceNotMetError";
}

/**
 * Quantize at the smallest precision (actBits = weightBits = f, f from minBits to maxBits)
 * whose measured max error on `rows` is within `tolerance`.
 */
export async function quantizeToTolerance(
  model: FloatModel,
  rows: readonly (readonly number[])[],
  options: { tolerance: number; minBits?: number; maxBits?: number; sourceModelHash?: string } & Pick<QuantizeOptions, "noArbitrage">,
): Promise<{ q: QuantizedModel; report: QuantizationReport }> {
  const { tolerance } = options;
  if (!(tolerance > 0) || !Number.isFinite(tolerance)) throw new InvalidValueError({ field: "tolerance", value: tolerance, allowed: "a positive number" });
  const minBits = options.minBits ?? 8;
  const maxBits = options.maxBits ?? 24;
  let best: { bits: number; err: number } | undefined;
  for (let f = minBits; f <= maxBits; f++) {
    const q = await quantize(model, { actBits: f, weightBits: f, sourceModelHash: options.sourceModelHash, noArbitrage: options.noArbitrage });
    const measured = measuredError(model, q, rows);
    if (measured.maxAbsErr <= tolerance) return { q, report: quantizationReport(model, q, rows) };
    if (!best || measured.maxAbsErr < best.err) best = { bits: f, err: measured.maxAbsErr };
  }
  throw new ToleranceNotMetError(`no precision in [${minBits}, ${maxBits}] fractional bits meets tolerance ${tolerance}`, {
    details: `Best: ${best?.err} at ${best?.bits} bits. Loosen the tolerance or raise maxBits.`,
  });
}
