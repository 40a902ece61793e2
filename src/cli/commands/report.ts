/** `zkinfer report`: HTML accuracy report with plots (SVG + PNG) for a trained model. */
import path from "node:path";
import type { Command } from "commander";
import { readModelFile } from "../../model/file.js";
import { loadQuantizedModel } from "../../quantize/file.js";
import { computeReportData } from "../../report/data.js";
import { requireStages } from "../../manifest/manifest.js";
import { resolveModel } from "../../manifest/paths.js";
import { exists } from "../../util/fs.js";
import { type CliRuntime, action, examples, parseInteger } from "../command.js";
import type { CliContext } from "../context.js";

export interface ReportOptions {
  model?: string;
  out?: string;
  samples: number;
}

export async function reportCommand(ctx: CliContext, opts: ReportOptions) {
  const paths = await resolveModel(ctx.root, opts.model);
  await requireStages(paths, "model");
  const file = await readModelFile(paths.model);
  const q = (await exists(paths.qmodel)) ? await loadQuantizedModel(paths.qmodel) : undefined;
  ctx.progress(`computing errors on ${opts.samples} uniform samples${q ? " (float and quantized)" : ""}`);
  const data = computeReportData({ file, q, n: opts.samples });
  const outDir = ctx.resolve(opts.out ?? path.join(paths.dir, "report"));
  // Loaded on use: the plotting libraries are large and no other command needs them.
  const { renderReport } = await import("../../report/render.js");
  const rendered = await renderReport(data, outDir);
  if (data.summary) ctx.info(`float vs ${data.reference}: MAE ${data.summary.mae.toExponential(3)}, max |error| ${data.summary.maxAbsErr.toExponential(3)} on ${data.n} uniform samples`);
  if (data.quantized) ctx.info(`quantized vs float: measured max ${data.quantized.maxAbsErr.toExponential(3)}, guaranteed bound ${data.quantized.guaranteedBound.toExponential(3)} (whole declared domain)`);
  for (const a of rendered.absent) ctx.info(`not in the report: ${a.title} (${a.reason})`);
  ctx.info(`wrote ${ctx.show(rendered.htmlPath)} and ${rendered.charts.length} plots (SVG + PNG)`);
  return { model: paths.name, html: rendered.htmlPath, charts: rendered.charts, absent: rendered.absent, summary: data.summary, quantized: data.quantized && { maxAbsErr: data.quantized.maxAbsErr, guaranteedBound: data.quantized.guaranteedBound } };
}

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("report")
    .summary("write an HTML accuracy report with plots for a model")
    .description(
      "Errors of the float model against its exact pricer (Black–Scholes or Heston, from the model's dataset) as a heatmap over moneyness × time to expiry at three volatilities and a histogram; the quantized model's error against the float one and the guaranteed bound (after `zkinfer quantize`); the training loss curves. Plots are SVG and PNG files next to index.html.",
    )
    .option("--model <name>", "model folder (default: the only one)")
    .option("-o, --out <dir>", "output folder (default <model folder>/report)")
    .option("--samples <n>", "uniform samples of the declared domain", parseInteger(100, 1_000_000), 4000)
    .addHelpText("after", examples("zkinfer report", "zkinfer report --model black-scholes-call --out report/"))
    .action(action(runtime, reportCommand));
}
