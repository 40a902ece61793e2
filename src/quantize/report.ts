import { BaseError, InvalidValueError } from "../errors.js";
import { predict } from "../model/forward.js";
import type { FloatModel } from "../model/types.js";
import { toRawUnits } from "./decimal.js";
import { foldBatchNorm } from "./foldBatchNorm.js";
import { integerForward } from "./forward.js";
import { quantize, type QuantizeOptions } from "./quantize.js";
import type { QuantizedModel } from "./types.js";
import { activationOps } from "../layers/registry.js";

export interface QuantizationReport {
  /** Samples compared. */
  n: number;
  /** |float − quantized| over the samples, in the target's real units. */
  maxAbsErr: number;
  meanAbsErr: number;
  /** Worst case over the whole declared input domain (see guaranteedErrorBound). */
  guaranteedBound: number;
}

/** Round a real value to raw on-chain units (half away from zero at 10^-decimals). */
export function realToRaw(value: number, decimals: number, field = "value"): bigint {
  if (!Number.isFinite(value)) throw new InvalidValueError({ field, value, allowed: "a finite number" });
  return toRawUnits(value.toFixed(decimals), decimals, field);
}

/**
 * Float model (with its clamp) vs the integer model on the same raw inputs, e.g. the test
 * split. Rows are real-unit feature vectors; they are rounded to on-chain units first and
 * both models see exactly those values.
 */
export function quantizationReport(model: FloatModel, q: QuantizedModel, rows: readonly (readonly number[])[]): QuantizationReport {
  if (rows.length === 0) throw new InvalidValueError({ field: "rows", value: 0, allowed: "at least one sample" });
  const scale = 10 ** q.output.decimals;
  let max = 0;
  let sum = 0;
  for (const row of rows) {
    const raw = row.map((v, j) => realToRaw(v, q.inputs[j].decimals, q.inputs[j].name));
    const x = raw.map((r, j) => Number(r) / 10 ** q.inputs[j].decimals);
    const err = Math.abs(predict(model, x) - Number(integerForward(q, raw).output) / scale);
    max = Math.max(max, err);
    sum += err;
  }
  return { n: rows.length, maxAbsErr: max, meanAbsErr: sum / rows.length, guaranteedBound: guaranteedErrorBound(model, q) };
}

/**
 * A worst-case bound on |float − quantized| over the entire declared input domain, by
 * propagating per-neuron error bounds in real units:
 *  - layer 0: weight and bias rounding (|ΔW|·max u + |Δb|) plus the input truncation
 *    (|W|·unit·(2^k − 1)/2^(k+1));
 *  - ReLU layers: |Ŵ|·e_prev + |ΔW|·max|h| + |Δb|, plus 2^−(actBits+1) for the rescale's
 *    rounding (ReLU and clamp are 1-Lipschitz);
 *  - output: + the rounding of the final rescale and of the clamp thresholds.
 * A small slack covers float64 round-off of the reference itself.
 */
export function guaranteedErrorBound(model: FloatModel, q: QuantizedModel): number {
  const folded = foldBatchNorm(model);
  const F = q.actBits + q.weightBits;
  const accUnit = 2 ** -F;
  const actUnit = 2 ** -q.actBits;
  let err: number[] = [];
  let hMax: number[] = [];
  folded.layers.forEach((layer, li) => {
    const ql = q.layers[li];
    const next: number[] = [];
    layer.weight.forEach((row, i) => {
      const bq = Number(ql.bias[i]) * accUnit;
      let e = 0;
      if (li === 0) {
        let bReal = layer.bias[i];
        row.forEach((w, j) => {
          const inp = q.inputs[j];
          const unit = 2 ** inp.shift / (model.scaler.scale[j] * 10 ** inp.decimals);
          const uMax = Number((BigInt(inp.maxRaw) - BigInt(inp.minRaw)) >> BigInt(inp.shift));
          e += Math.abs(Number(ql.weight[i][j]) * accUnit - w * unit) * uMax;
          e += Math.abs(w) * unit * ((2 ** inp.shift - 1) / 2 ** (inp.shift + 1));
          const mid = (Number(inp.minRaw) + (2 ** inp.shift - 1) / 2 - model.scaler.offset[j] * 10 ** inp.decimals) / (model.scaler.scale[j] * 10 ** inp.decimals);
          bReal += w * mid;
        });
        e += Math.abs(bq - bReal);
      } else {
        row.forEach((w, j) => {
          const wq = Number(ql.weight[i][j]) * 2 ** -q.weightBits;
          e += Math.abs(wq) * err[j] + Math.abs(wq - w) * hMax[j];
        });
        e += Math.abs(bq - layer.bias[i]);
      }
      next.push(e);
    });
    if (layer.activation.kind !== "none") {
      const ops = activationOps(layer.activation);
      const [rLo, rHi] = ops.rounding(layer.activation, -Infinity, Infinity, actUnit);
      err = next.map((e) => e + Math.max(-rLo, rHi));
      hMax = ql.bounds.map((b, i) => {
        const out = ops.outInterval(layer.activation, { lo: BigInt(b.accMin), hi: BigInt(b.accMax) }, ql.shift);
        return Math.max(Math.abs(Number(out.lo)), Math.abs(Number(out.hi))) * actUnit + err[i];
      });
    } else {
      err = next;
    }
  });
  const g = F - q.output.shift;
  const clampRounding = q.output.clampMin !== undefined || q.output.clampMax !== undefined ? accUnit / 2 : 0;
  return err[0] + 2 ** -(g + 1) + clampRounding + 1e-12;
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
  options: { tolerance: number; minBits?: number; maxBits?: number; sourceModelHash?: string } & Pick<QuantizeOptions, never>,
): Promise<{ q: QuantizedModel; report: QuantizationReport }> {
  const { tolerance } = options;
  if (!(tolerance > 0) || !Number.isFinite(tolerance)) throw new InvalidValueError({ field: "tolerance", value: tolerance, allowed: "a positive number" });
  const minBits = options.minBits ?? 8;
  const maxBits = options.maxBits ?? 24;
  let best: { bits: number; err: number } | undefined;
  for (let f = minBits; f <= maxBits; f++) {
    const q = await quantize(model, { actBits: f, weightBits: f, sourceModelHash: options.sourceModelHash });
    const report = quantizationReport(model, q, rows);
    if (report.maxAbsErr <= tolerance) return { q, report };
    if (!best || report.maxAbsErr < best.err) best = { bits: f, err: report.maxAbsErr };
  }
  throw new ToleranceNotMetError(`no precision in [${minBits}, ${maxBits}] fractional bits meets tolerance ${tolerance}`, {
    details: `Best: ${best?.err} at ${best?.bits} bits. Loosen the tolerance or raise maxBits.`,
  });
}
