import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wideDomainDataset } from "../src/data/wideDomain.js";
import { splitDataset } from "../src/data/split.js";
import { createModelFile } from "../src/model/file.js";
import type { ModelFile } from "../src/model/schema.js";
import { quantize } from "../src/quantize/quantize.js";
import type { QuantizedModel } from "../src/quantize/types.js";
import { computeReportData } from "../src/report/data.js";
import { type RenderReportReturnType, renderReport } from "../src/report/render.js";
import { datasetRecord, trainingRecord } from "../src/train/record.js";
import { train } from "../src/train/train.js";
import { cliIn, expectOk } from "./helpers/cli.js";
import { decodePng, inkStats } from "./helpers/png.js";

const exec = promisify(execFile);
let dir: string;
let file: ModelFile;
let q: QuantizedModel;
let rendered: RenderReportReturnType;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-report-"));
  const data = wideDomainDataset({ n: 3000, seed: 2, kind: "call" });
  const t = train(splitDataset(data, { seed: 2 }), { hidden: [8, 8], epochs: 6, frozenBatchNormEpochs: 2, seed: 2 }, { name: "report-test" });
  file = createModelFile({ model: t.model, training: trainingRecord(t), dataset: datasetRecord(data) });
  q = await quantize(t.model, { actBits: 14 });
  rendered = await renderReport(computeReportData({ file, q, n: 600, grid: 12 }), path.join(dir, "report"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("report data", () => {
  it("measures the float error against Black–Scholes and the quantized error against float", () => {
    const d = computeReportData({ file, q, n: 300, grid: 5 });
    expect(d.reference).toBe("Black–Scholes call");
    expect(d.heatmap).toHaveLength(3 * 5 * 5);
    expect(d.errors).toHaveLength(300);
    expect(d.summary!.mae).toBeGreaterThan(0);
    expect(d.summary!.maxAbsErr).toBeGreaterThanOrEqual(d.summary!.mae);
    // The guaranteed bound holds for every sample.
    expect(d.quantized!.maxAbsErr).toBeLessThanOrEqual(d.quantized!.guaranteedBound);
    expect(d.loss!.filter((l) => l.split === "train")).toHaveLength(file.training!.epochsRun);
    expect(d.riskVector).toBeUndefined();
  });

  it("judges a Heston model against the Heston pricer", () => {
    const heston = { ...file, dataset: { ...file.dataset!, source: "heston:call:kappa=1.5768:theta=0.0398:xi=0.5751:rho=-0.5711:seed=1:n=10" } };
    const d = computeReportData({ file: heston, n: 50, grid: 3 });
    expect(d.reference).toMatch(/^Heston call/);
    const bs = computeReportData({ file, n: 50, grid: 3 });
    // Same model, different reference: the errors differ.
    expect(d.summary!.mae).not.toBe(bs.summary!.mae);
  });

  it("has no error sections for a model whose features are not the option features", () => {
    const other = { ...file, model: { ...file.model, features: file.model.features.map((f, i) => ({ ...f, name: `x${i}` })) } };
    const d = computeReportData({ file: other, n: 200 });
    expect(d.reference).toBeUndefined();
    expect(d.heatmap).toBeUndefined();
    expect(d.quantized).toBeUndefined();
  });
});

describe("rendered report", () => {
  it("writes every plot as SVG and a non-blank PNG", async () => {
    expect(rendered.charts.map((c) => c.id)).toEqual(["heatmap", "error-histogram", "quantized-vs-float", "loss-curves", "guaranteed-bound"]);
    for (const c of rendered.charts) {
      const svg = await readFile(c.svgPath, "utf8");
      expect(svg.startsWith("<svg"), c.id).toBe(true);
      expect(svg).toMatch(/<path|<rect/);
      const png = decodePng(await readFile(c.pngPath));
      expect(png.width, c.id).toBeGreaterThan(200);
      const ink = inkStats(png);
      // Not blank: a visible share of drawn pixels in several colours.
      expect(ink.inkShare, c.id).toBeGreaterThan(0.01);
      expect(ink.colours, c.id).toBeGreaterThan(5);
    }
    // The heatmap uses the diverging scale: many distinct colours.
    expect(inkStats(decodePng(await readFile(rendered.charts[0].pngPath))).colours).toBeGreaterThan(50);
  });

  it("shows the absent risk-vector section as absent, not as a plot", async () => {
    const html = await readFile(rendered.htmlPath, "utf8");
    expect(html).toMatch(/Δ and Γ of the proven risk vector vs exact: not available/);
    expect(rendered.charts.some((c) => /risk|delta|gamma/i.test(c.id))).toBe(false);
  });

  it("renders in headless Chromium: every plot loads and the page is not blank", async () => {
    const profile = path.join(dir, "chromium-profile");
    const shot = path.join(dir, "page.png");
    const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", `--user-data-dir=${profile}`, "--virtual-time-budget=10000"];
    const url = `file://${rendered.htmlPath}`;
    const dom = await exec("chromium", [...flags, "--dump-dom", url], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    const m = /data-plots-rendered="(\d+)" data-plots-total="(\d+)"/.exec(dom.stdout);
    expect(m, "the page's load script did not run").not.toBeNull();
    expect(Number(m![2])).toBe(rendered.charts.length);
    expect(Number(m![1])).toBe(rendered.charts.length);
    await exec("chromium", [...flags, `--screenshot=${shot}`, "--window-size=1100,1600", url], { timeout: 120_000 });
    expect((await stat(shot)).size).toBeGreaterThan(1000);
    const ink = inkStats(decodePng(await readFile(shot)));
    expect(ink.inkShare).toBeGreaterThan(0.02);
    expect(ink.colours).toBeGreaterThan(50);
  });
});

describe("zkinfer report", () => {
  it("writes the report for a trained and quantized model", async () => {
    const cli = cliIn(path.join(dir, "build"));
    expectOk(await cli("train", "--rows", "600", "--epochs", "3", "--hidden", "4", "--name", "tiny"));
    expectOk(await cli("quantize"));
    const r = expectOk(await cli("--json", "report", "--samples", "300")) as { html: string; charts: { pngPath: string }[]; absent: { title: string }[] };
    expect(r.charts).toHaveLength(5);
    for (const c of r.charts) expect(inkStats(decodePng(await readFile(c.pngPath))).inkShare).toBeGreaterThan(0.01);
    expect(r.absent.map((a) => a.title)).toEqual(["Δ and Γ of the proven risk vector vs exact"]);
    expect(r.html).toBe(path.join(dir, "build", "tiny", "report", "index.html"));
  });
});
