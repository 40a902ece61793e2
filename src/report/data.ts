/**
 * The numbers behind `zkinfer report`: errors of a model against its exact pricer on a
 * (moneyness × τ) grid at a few volatilities, on a uniform sample of the declared domain,
 * the quantized model's error against the float model, the training loss curves and the
 * guaranteed quantization bound. Pure computation on plain data; rendering is elsewhere.
 */
import type { ModelFile } from "../model/schema.js";
import { predictBatch } from "../model/forward.js";
import type { QuantizedModel } from "../quantize/types.js";
import { guaranteedErrorBound } from "../quantize/report.js";
import { quantizedPredictions } from "../train/pareto.js";
import { createRng } from "../util/rng.js";
import { type ReferencePricer, referencePricer } from "./pricer.js";

export interface HeatCell {
  moneyness: number;
  timeToExpiry: number;
  volatility: number;
  /** Cell edges (the point above is the cell centre). */
  m0: number;
  m1: number;
  t0: number;
  t1: number;
  /** Float model − exact (target units). */
  error: number;
}

export interface ReportData {
  modelName: string;
  modelHash: string;
  datasetSource?: string;
  reference?: string;
  features: { name: string; unit: string; min: number; max: number }[];
  /** Uniform sample size used for the histogram and summary metrics. */
  n: number;
  /** Float − exact on the uniform sample; absent without a reference pricer. */
  errors?: number[];
  summary?: { mae: number; maxAbsErr: number; rmse: number };
  heatmap?: HeatCell[];
  /** Rate used for the heatmap (the middle of its declared range). */
  heatmapRate?: number;
  quantized?: {
    actBits: number;
    weightBits: number;
    /** |quantized − float| on the uniform sample. */
    vsFloat: { float: number; quantized: number; diff: number }[];
    maxAbsErr: number;
    meanAbsErr: number;
    guaranteedBound: number;
    /** Quantized − exact MAE (with a reference pricer). */
    maeVsReference?: number;
  };
  loss?: { epoch: number; split: "train" | "validation"; loss: number }[];
  /** The proven risk vector (Δ, Γ) is not part of the circuit yet. */
  riskVector: undefined;
}

export interface ReportDataParameters {
  file: ModelFile;
  q?: QuantizedModel;
  /** Uniform samples of the declared domain (default 4000). */
  n?: number;
  /** Grid points per axis of the heatmap (default 40). */
  grid?: number;
  /** Volatilities of the heatmap panels (default: 3 spread over the declared range). */
  vols?: number[];
  seed?: number;
}

export function computeReportData(p: ReportDataParameters): ReportData {
  const { file, q } = p;
  const model = file.model;
  const n = p.n ?? 4000;
  const rng = createRng(p.seed ?? 1);
  const rows = Array.from({ length: n }, () => model.features.map((f) => rng.uniform(f.min, f.max)));
  const floatPred = predictBatch(model, rows);
  const pricer: ReferencePricer | undefined = referencePricer(file);
  const data: ReportData = {
    modelName: model.name,
    modelHash: file.hash,
    datasetSource: file.dataset?.source,
    reference: pricer?.label,
    features: model.features.map((f) => ({ name: f.name, unit: f.unit, min: f.min, max: f.max })),
    n,
    riskVector: undefined,
  };
  if (pricer) {
    const errors = rows.map((r, i) => floatPred[i] - pricer.price(r));
    let sae = 0;
    let sse = 0;
    let max = 0;
    for (const e of errors) {
      sae += Math.abs(e);
      sse += e * e;
      max = Math.max(max, Math.abs(e));
    }
    data.errors = errors;
    data.summary = { mae: sae / n, maxAbsErr: max, rmse: Math.sqrt(sse / n) };
    const [fm, ft, fv, fr] = model.features;
    const g = p.grid ?? 40;
    const vols = p.vols ?? [0.2, 0.5, 0.8].map((s) => fv.min + s * (fv.max - fv.min));
    const rate = (fr.min + fr.max) / 2;
    const cells: HeatCell[] = [];
    for (const v of vols) {
      const grid: number[][] = [];
      for (let i = 0; i < g; i++) for (let j = 0; j < g; j++) grid.push([fm.min + ((i + 0.5) / g) * (fm.max - fm.min), ft.min + ((j + 0.5) / g) * (ft.max - ft.min), v, rate]);
      const pred = predictBatch(model, grid);
      const dm = (fm.max - fm.min) / (2 * g);
      const dt = (ft.max - ft.min) / (2 * g);
      grid.forEach((r, k) => cells.push({ moneyness: r[0], timeToExpiry: r[1], volatility: v, m0: r[0] - dm, m1: r[0] + dm, t0: r[1] - dt, t1: r[1] + dt, error: pred[k] - pricer.price(r) }));
    }
    data.heatmap = cells;
    data.heatmapRate = rate;
  }
  if (q) {
    const qPred = quantizedPredictions(q, rows);
    const vsFloat = rows.map((_, i) => ({ float: floatPred[i], quantized: qPred[i], diff: qPred[i] - floatPred[i] }));
    const abs = vsFloat.map((v) => Math.abs(v.diff));
    data.quantized = {
      actBits: q.actBits,
      weightBits: q.weightBits,
      vsFloat,
      maxAbsErr: Math.max(...abs),
      meanAbsErr: abs.reduce((a, b) => a + b, 0) / n,
      guaranteedBound: guaranteedErrorBound(model, q),
      ...(pricer ? { maeVsReference: rows.reduce((s, r, i) => s + Math.abs(qPred[i] - pricer.price(r)), 0) / n } : {}),
    };
  }
  const h = file.training?.history;
  if (h) {
    data.loss = [
      ...h.trainLoss.map((loss, i) => ({ epoch: i + 1, split: "train" as const, loss })),
      ...h.valLoss.map((loss, i) => ({ epoch: i + 1, split: "validation" as const, loss })),
    ];
  }
  return data;
}
