/**
 * Vega-Lite specifications of the report's plots, one function per plot, built from
 * `ReportData`. Units: errors and prices in the model's target unit (price/strike for the
 * option models), τ in years.
 */
import type { TopLevelSpec } from "vega-lite";
import type { ReportData } from "./data.js";

export interface ChartSpec {
  /** File stem, e.g. "heatmap". */
  id: string;
  title: string;
  /** What the plot shows and how to read it. */
  caption: string;
  spec: TopLevelSpec;
}

const WIDTH = 260;

export function heatmapChart(d: ReportData): ChartSpec | undefined {
  if (!d.heatmap) return undefined;
  const maxAbs = Math.max(...d.heatmap.map((c) => Math.abs(c.error)), 1e-12);
  return {
    id: "heatmap",
    title: "Error vs reference over moneyness × time to expiry",
    caption: `Float model − ${d.reference} (price/strike) on a grid of the declared moneyness and τ ranges, one panel per volatility, rate ${d.heatmapRate?.toFixed(4)}. Red over-prices, blue under-prices.`,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      data: { values: d.heatmap.map((c) => ({ ...c, vol: `σ = ${c.volatility.toFixed(3)}` })) },
      mark: "rect",
      width: WIDTH,
      height: WIDTH,
      encoding: {
        column: { field: "vol", type: "nominal", title: null },
        x: { field: "m0", type: "quantitative", title: "moneyness S/K", scale: { zero: false, nice: false } },
        x2: { field: "m1" },
        y: { field: "t0", type: "quantitative", title: "time to expiry (years)", scale: { zero: false, nice: false } },
        y2: { field: "t1" },
        color: {
          field: "error",
          type: "quantitative",
          title: "error",
          scale: { scheme: "redblue", reverse: true, domain: [-maxAbs, maxAbs] },
        },
      },
    } as TopLevelSpec,
  };
}

export function histogramChart(d: ReportData): ChartSpec | undefined {
  if (!d.errors || !d.summary) return undefined;
  return {
    id: "error-histogram",
    title: "Error histogram",
    caption: `Float model − ${d.reference} on ${d.n} uniform samples of the declared domain. MAE ${d.summary.mae.toExponential(3)}, RMSE ${d.summary.rmse.toExponential(3)}, max |error| ${d.summary.maxAbsErr.toExponential(3)}.`,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      data: { values: d.errors.map((e) => ({ error: e })) },
      mark: "bar",
      width: 2 * WIDTH,
      height: WIDTH,
      encoding: {
        x: { field: "error", type: "quantitative", bin: { maxbins: 60 }, title: "float − exact (price/strike)" },
        y: { aggregate: "count", type: "quantitative", title: "samples", scale: { type: "symlog" } },
      },
    } as TopLevelSpec,
  };
}

export function quantizedChart(d: ReportData): ChartSpec | undefined {
  const qd = d.quantized;
  if (!qd) return undefined;
  return {
    id: "quantized-vs-float",
    title: "Quantized vs float",
    caption: `Quantized (circuit) − float output on ${d.n} uniform samples, activations 2^-${qd.actBits}, weights 2^-${qd.weightBits}. Measured max |diff| ${qd.maxAbsErr.toExponential(3)}; the dashed lines are the guaranteed bound ±${qd.guaranteedBound.toExponential(3)} over the whole declared domain.`,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      width: 2 * WIDTH,
      height: WIDTH,
      layer: [
        {
          data: { values: qd.vsFloat },
          mark: { type: "point", filled: true, size: 8, opacity: 0.5 },
          encoding: {
            x: { field: "float", type: "quantitative", title: "float output (price/strike)" },
            y: { field: "diff", type: "quantitative", title: "quantized − float" },
          },
        },
        {
          data: { values: [{ y: qd.guaranteedBound }, { y: -qd.guaranteedBound }] },
          mark: { type: "rule", strokeDash: [6, 4], color: "firebrick" },
          encoding: { y: { field: "y", type: "quantitative" } },
        },
      ],
    } as TopLevelSpec,
  };
}

export function lossChart(d: ReportData): ChartSpec | undefined {
  if (!d.loss || d.loss.length === 0) return undefined;
  return {
    id: "loss-curves",
    title: "Training loss curves",
    caption: "Mean squared error of the scaled target per epoch: training (batch mode) and validation (inference mode).",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      data: { values: d.loss },
      mark: "line",
      width: 2 * WIDTH,
      height: WIDTH,
      encoding: {
        x: { field: "epoch", type: "quantitative" },
        y: { field: "loss", type: "quantitative", scale: { type: "log" }, title: "MSE (scaled target)" },
        color: { field: "split", type: "nominal" },
      },
    } as TopLevelSpec,
  };
}

export function boundChart(d: ReportData): ChartSpec | undefined {
  const qd = d.quantized;
  if (!qd) return undefined;
  const values = [
    { what: "measured mean |q − f|", value: qd.meanAbsErr },
    { what: "measured max |q − f|", value: qd.maxAbsErr },
    { what: "guaranteed bound", value: qd.guaranteedBound },
    ...(d.summary ? [{ what: "float MAE vs exact", value: d.summary.mae }] : []),
  ];
  return {
    id: "guaranteed-bound",
    title: "Guaranteed quantization bound",
    caption: `The guaranteed bound (${qd.guaranteedBound.toExponential(3)}) holds for every input in the declared domain; the measured figures are over the samples. Ratio guaranteed / measured max: ${(qd.guaranteedBound / Math.max(qd.maxAbsErr, 1e-300)).toFixed(1)}.`,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      data: { values },
      mark: "bar",
      width: 2 * WIDTH,
      height: 120,
      encoding: {
        y: { field: "what", type: "nominal", title: null, sort: null },
        x: { field: "value", type: "quantitative", scale: { type: "log" }, title: "price/strike" },
      },
    } as TopLevelSpec,
  };
}

/** Every plot the data allows, in report order. */
export function reportCharts(d: ReportData): ChartSpec[] {
  return [heatmapChart(d), histogramChart(d), quantizedChart(d), lossChart(d), boundChart(d)].filter((c): c is ChartSpec => c !== undefined);
}
