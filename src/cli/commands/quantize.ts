/** `zkinfer quantize`: float model → exact fixed-point integer model (qmodel.json), with its error report. */
import { readFile } from "node:fs/promises";
import { type Command, InvalidArgumentError } from "commander";
import { predictConstraints } from "../../circuit/cost.js";
import { readModelFile, serializeModelFile } from "../../model/file.js";
import type { ModelFile } from "../../model/schema.js";
import { serializeQuantizedModel } from "../../quantize/file.js";
import { quantize } from "../../quantize/quantize.js";
import { quantizationReport, quantizeToTolerance, type QuantizationReport } from "../../quantize/report.js";
import type { QuantizedModel } from "../../quantize/types.js";
import { createRng } from "../../util/rng.js";
import { requiredPower } from "../../zk/ptau.js";
import { type ModelPaths, modelPaths, resolveModel } from "../../manifest/paths.js";
import { claimModelDir, recordStage, requireStages, shortHash } from "../../manifest/manifest.js";
import { exists, writeFileAtomic } from "../../util/fs.js";
import { type CliRuntime, action, examples, parseInteger, parsePositiveNumber } from "../command.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { optionFeedNote } from "../data.js";
import type { SamplesFile } from "./train.js";

export interface QuantizeOptions {
  model?: string;
  modelFile?: string;
  name?: string;
  bits?: number;
  actBits?: number;
  weightBits?: number;
  tolerance?: number;
  samples: number;
  force?: boolean;
  /** --arbitrage-free <call|put>: the no-arbitrage clamp. */
  arbitrageFree?: "call" | "put";
}

export async function quantizeCommand(ctx: CliContext, opts: QuantizeOptions) {
  if (opts.tolerance !== undefined && (opts.bits !== undefined || opts.actBits !== undefined || opts.weightBits !== undefined)) {
    throw new CliError("--tolerance picks the precision itself; do not combine it with --bits/--act-bits/--weight-bits", { details: "Pass either --tolerance or bit widths." });
  }
  if (opts.bits !== undefined && (opts.actBits !== undefined || opts.weightBits !== undefined)) {
    throw new CliError("--bits sets both widths; do not combine it with --act-bits/--weight-bits", { details: "Pass --bits, or --act-bits and --weight-bits." });
  }
  const paths = opts.modelFile !== undefined ? await importModel(ctx, opts) : await resolveModel(ctx.root, opts.model);
  const manifest = await requireStages(paths, "model");
  const file = await readModelFile(paths.model);
  const model = file.model;
  const rows = await sampleRows(paths, file, opts.samples);

  let q: QuantizedModel;
  let report: QuantizationReport;
  if (opts.tolerance !== undefined) {
    ctx.progress(`searching the smallest precision with max |error| <= ${opts.tolerance} on ${rows.rows.length} ${rows.label}`);
    ({ q, report } = await quantizeToTolerance(model, rows.rows, { tolerance: opts.tolerance, sourceModelHash: file.hash, noArbitrage: opts.arbitrageFree }));
  } else {
    const actBits = opts.bits ?? opts.actBits ?? 16;
    const weightBits = opts.bits ?? opts.weightBits ?? actBits;
    q = await quantize(model, { actBits, weightBits, sourceModelHash: file.hash, noArbitrage: opts.arbitrageFree });
    report = quantizationReport(model, q, rows.rows);
  }
  await writeFileAtomic(paths.qmodel, serializeQuantizedModel(q));
  const constraints = predictConstraints(q);
  const power = requiredPower(constraints, q.publicSignals.length);
  await recordStage(paths, manifest, "qmodel", {
    files: [paths.qmodel],
    input: manifest.stages.model!.hash,
    info: { actBits: q.actBits, weightBits: q.weightBits, modelId: q.modelId, predictedConstraints: constraints, report },
  });

  const unit = `${model.target.name}, ${model.target.unit}`;
  ctx.info(`fixed point: activations 2^-${q.actBits}, weights 2^-${q.weightBits}; widest decomposition ${widest(q)} bits`);
  ctx.info(`measured |float − quantized| on ${report.n} ${rows.label}: max ${report.maxAbsErr.toExponential(2)}, mean ${report.meanAbsErr.toExponential(2)} (${unit})`);
  ctx.info(
    `guaranteed |float − quantized| ≤ ${report.guaranteedBound.toExponential(2)} for every input of the declared domain (branch-and-bound over ${report.boundBoxes} input boxes); ` +
      `worst input found ${report.worstFoundErr.toExponential(2)}, so the true worst case lies in [${report.worstFoundErr.toExponential(2)}, ${report.guaranteedBound.toExponential(2)}]`,
  );
  if (q.output.noArbitrage) ctx.info(`no-arbitrage clamp (${q.output.noArbitrage.kind}): the proven price lies in ${q.output.noArbitrage.kind === "call" ? "[max(m − D, 0), m], D ≥ e^(−rτ)" : "[max(D − m, 0), 1], D ≤ e^(−rτ)"}`);
  ctx.info(`predicted circuit: ${constraints.toLocaleString("en-US")} constraints (ptau power ${power}); model id ${shortId(q.modelId)}`);
  ctx.info(`wrote ${ctx.show(paths.qmodel)}`);
  const feedNote = optionFeedNote(q);
  if (feedNote) ctx.warn(feedNote);
  return {
    optionFeedLayout: feedNote === undefined,
    model: paths.name,
    file: paths.qmodel,
    actBits: q.actBits,
    weightBits: q.weightBits,
    modelId: q.modelId,
    report: { ...report, samples: rows.label },
    predictedConstraints: constraints,
    ptauPower: power,
  };
}

/** Import a model file made elsewhere into build/<name>/ (the same ownership rules as `train`). */
async function importModel(ctx: CliContext, opts: QuantizeOptions): Promise<ModelPaths> {
  const file = await readModelFile(ctx.resolve(opts.modelFile!));
  const paths = modelPaths(ctx.root, opts.name ?? opts.model ?? file.model.name);
  const manifest = await claimModelDir(paths, { modelName: file.model.name, modelHash: file.hash, force: opts.force ?? false });
  await writeFileAtomic(paths.model, serializeModelFile(file));
  await recordStage(paths, manifest, "model", { files: [paths.model], info: { importedFrom: opts.modelFile } });
  ctx.progress(`imported ${opts.modelFile} into ${paths.dir} (hash ${shortHash(file.hash)})`);
  return paths;
}

/** The rows for the error report: the held-out rows saved by `train`, else uniform samples of the declared domain. */
async function sampleRows(paths: ModelPaths, file: ModelFile, n: number): Promise<{ rows: number[][]; label: string }> {
  if (await exists(paths.samples)) {
    const samples = JSON.parse(await readFile(paths.samples, "utf8")) as SamplesFile;
    if (Array.isArray(samples.rows) && samples.rows.length > 0) return { rows: samples.rows.slice(0, n), label: "held-out test rows" };
  }
  const rng = createRng(1);
  const rows = Array.from({ length: n }, () => file.model.features.map((f) => rng.uniform(f.min, f.max)));
  return { rows, label: "uniform samples of the input domain" };
}

function widest(q: QuantizedModel): number {
  return Math.max(q.output.bound.bits, ...q.layers.flatMap((l) => l.bounds.map((b) => b.bits)));
}

function parseOptionKind(v: string): "call" | "put" {
  if (v !== "call" && v !== "put") throw new InvalidArgumentError('Expected "call" or "put".');
  return v;
}

export function shortId(id: string): string {
  return id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-6)}` : id;
}

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("quantize")
    .summary("quantize the float model to fixed-point integers (qmodel.json)")
    .description(
      "Fold batch norm into the dense layers, quantize to fixed point (power-of-two scales), prove every accumulator's bound by interval analysis, and report the float-vs-quantized error: measured on held-out rows and a guaranteed worst case over the declared input domain.\n" +
        "Precision: --bits (default 16 fractional bits), or --tolerance to pick the smallest precision whose measured max error is within it.",
    )
    .option("--model <name>", "model folder (default: the only one)")
    .option("--model-file <file>", "import a model file made elsewhere, then quantize it")
    .option("--name <name>", "folder name for --model-file (default: the model's name)")
    .option("--bits <n>", "fractional bits of activations and weights", parseInteger(1, 40))
    .option("--act-bits <n>", "fractional bits of activations", parseInteger(1, 40))
    .option("--weight-bits <n>", "fractional bits of weights", parseInteger(1, 40))
    .option("--tolerance <x>", "smallest precision with max |error| <= x (target units)", parsePositiveNumber)
    .option("--samples <n>", "rows for the error report", parseInteger(1, 1_000_000), 2_000)
    .option("--force", "with --model-file: replace a different model in the folder")
    .option("--arbitrage-free <kind>", "clamp the proven price to the no-arbitrage interval of a call or put (needs inputs moneyness, timeToExpiry, rate)", parseOptionKind)
    .addHelpText("after", examples("zkinfer quantize", "zkinfer quantize --bits 12", "zkinfer quantize --tolerance 1e-4", "zkinfer quantize --model-file other/model.json", "zkinfer quantize --arbitrage-free call"))
    .action(action(runtime, quantizeCommand));
}
