/**
 * Renders the report: each Vega-Lite spec is compiled to Vega and rendered to SVG in Node
 * (no canvas), rasterised to PNG with resvg, and an index.html shows them with their
 * captions, the summary table and the sections whose data is absent.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import * as vega from "vega";
import { compile } from "vega-lite";
import { Resvg } from "@resvg/resvg-js";
import type { ReportData } from "./data.js";
import { type ChartSpec, reportCharts } from "./charts.js";

export interface RenderedChart {
  id: string;
  title: string;
  svgPath: string;
  pngPath: string;
}

export interface RenderReportReturnType {
  htmlPath: string;
  charts: RenderedChart[];
  /** Sections shown as absent, with the reason. */
  absent: { title: string; reason: string }[];
}

/** SVG text of one chart. */
export async function chartToSvg(chart: ChartSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(chart.spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** PNG bytes of an SVG at twice its size, white background. */
export function svgToPng(svg: string): Uint8Array {
  return new Resvg(svg, { fitTo: { mode: "zoom", value: 2 }, background: "white", font: { loadSystemFonts: true } }).render().asPng();
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const fmt = (x: number | undefined) => (x === undefined ? "n/a" : x.toExponential(3));

export async function renderReport(data: ReportData, outDir: string): Promise<RenderReportReturnType> {
  await mkdir(outDir, { recursive: true });
  const charts: RenderedChart[] = [];
  const specs = reportCharts(data);
  for (const c of specs) {
    const svg = await chartToSvg(c);
    const svgPath = path.join(outDir, `${c.id}.svg`);
    const pngPath = path.join(outDir, `${c.id}.png`);
    await writeFile(svgPath, svg);
    await writeFile(pngPath, svgToPng(svg));
    charts.push({ id: c.id, title: c.title, svgPath, pngPath });
  }
  const absent: { title: string; reason: string }[] = [];
  if (!data.reference) absent.push({ title: "Error vs reference (heatmap, histogram)", reason: "the model's features are not the option features (moneyness, timeToExpiry, volatility, rate) of a built-in pricer" });
  if (!data.quantized) absent.push({ title: "Quantized vs float, guaranteed bound", reason: "no quantized model yet: run `zkinfer quantize`" });
  if (!data.loss) absent.push({ title: "Training loss curves", reason: "the model file has no training record (imported model)" });
  absent.push({ title: "Δ and Γ of the proven risk vector vs exact", reason: "the circuit proves a price only; no risk vector (Δ, Γ) is proven yet, so there is nothing to compare" });

  const q = data.quantized;
  const rows: [string, string][] = [
    ["model", `${data.modelName} (${data.modelHash.slice(0, 18)}…)`],
    ["dataset", data.datasetSource ?? "unknown"],
    ["reference pricer", data.reference ?? "none"],
    ["domain", data.features.map((f) => `${f.name} ∈ [${f.min}, ${f.max}] ${f.unit}`).join("; ")],
    ["float MAE / RMSE / max |error| vs reference", data.summary ? `${fmt(data.summary.mae)} / ${fmt(data.summary.rmse)} / ${fmt(data.summary.maxAbsErr)} (${data.n} uniform samples)` : "n/a"],
    ["quantized MAE vs reference", fmt(q?.maeVsReference)],
    ["quantized − float: measured max / mean", q ? `${fmt(q.maxAbsErr)} / ${fmt(q.meanAbsErr)}` : "n/a"],
    ["guaranteed bound |quantized − float| (whole domain)", fmt(q?.guaranteedBound)],
  ];
  const specsById = new Map(specs.map((s) => [s.id, s]));
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>zkinfer report: ${escapeHtml(data.modelName)}</title>
<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}td,th{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}figure{margin:2em 0}img{max-width:100%;border:1px solid #eee}.absent{color:#666}</style></head>
<body>
<h1>Accuracy report: ${escapeHtml(data.modelName)}</h1>
<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join("")}</table>
${charts.map((c) => `<figure><h2>${escapeHtml(c.title)}</h2><img class="plot" alt="${escapeHtml(c.title)}" src="${path.basename(c.svgPath)}"><figcaption>${escapeHtml(specsById.get(c.id)!.caption)} (<a href="${path.basename(c.pngPath)}">PNG</a>)</figcaption></figure>`).join("\n")}
${absent.map((a) => `<section class="absent"><h2>${escapeHtml(a.title)}: not available</h2><p>${escapeHtml(a.reason)}.</p></section>`).join("\n")}
<script>
// Marks the page once every plot has loaded and has a size, so a headless check can read it.
window.addEventListener("load", () => {
  const imgs = [...document.querySelectorAll("img.plot")];
  document.body.dataset.plotsRendered = String(imgs.filter((i) => i.complete && i.naturalWidth > 0).length);
  document.body.dataset.plotsTotal = String(imgs.length);
});
</script>
</body></html>
`;
  const htmlPath = path.join(outDir, "index.html");
  await writeFile(htmlPath, html);
  return { htmlPath, charts, absent };
}
