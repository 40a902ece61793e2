/** `zkinfer train`: train a model on the built-in dataset or a CSV and write build/<model>/model.json. */
import type { Command } from "commander";
import { Option } from "commander";
import type { OptionKind } from "../../data/blackScholes.js";
import { splitDataset } from "../../data/split.js";
import { createModelFile, serializeModelFile } from "../../model/file.js";
import type { ModelFile } from "../../model/schema.js";
import type { TrainConfigInput } from "../../train/config.js";
import { evaluateModel, evaluateVsBlackScholes } from "../../train/metrics.js";
import { datasetRecord, trainingRecord } from "../../train/record.js";
import { REFERENCE_CONFIG, referencePayoffSkip } from "../../train/reference.js";
import { timeValueTarget } from "../../layers/payoff.js";
import { type EpochReport, train } from "../../train/train.js";
import { claimModelDir, recordStage, shortHash } from "../../manifest/manifest.js";
import { modelPaths } from "../../manifest/paths.js";
import { readJsonFile, writeFileAtomic } from "../../util/fs.js";
import { toJson } from "../../util/json.js";
import { type CliRuntime, action, examples, parseChoice, parseInteger, parsePositiveNumber, parseWidths } from "../command.js";
import { type CliContext, seconds } from "../context.js";
import { CliError } from "../errors.js";
import { DOMAINS, type Domain, type OutlierFlags, builtinDataset, loadCsvDataset, optionFeedNote } from "../data.js";
import { describeOutlier } from "../../data/outliers.js";

export interface TrainOptions extends OutlierFlags {
  name?: string;
  rows: number;
  seed: number;
  kind: OptionKind;
  /** Built-in dataset domain (default wide, the reference's: down to expiry). */
  domain?: Domain;
  /**
   * Built-in wide Black–Scholes data: learn the time value above the exact payoff
   * (src/layers/payoff.ts). Default true; false (`--no-payoff-skip`) learns the price itself.
   */
  payoffSkip?: boolean;
  csv?: string;
  spec?: string;
  dropInvalid?: boolean;
  epochs?: number;
  hidden?: number[];
  batchSize?: number;
  lr?: number;
  batchNorm?: boolean;
  config?: string;
  force?: boolean;
  /** Print every n-th epoch (default 1; the demo uses 25). */
  progressEvery?: number;
  /** Artifact folder when it differs from the model name (the demo keeps the reference model's name in build/demo). */
  folder?: string;
}

/** Held-out rows kept next to the model for the quantization error report. */
export interface SamplesFile {
  source: string;
  rows: number[][];
}

const MAX_SAMPLES = 2_000;

export async function trainCommand(ctx: CliContext, opts: TrainOptions) {
  if ((opts.csv === undefined) !== (opts.spec === undefined)) {
    throw new CliError("--csv and --spec go together", { details: "Pass both: --csv <data.csv> --spec <spec.json> (see `zkinfer dataset --help` for the spec format)." });
  }
  const loaded = opts.csv
    ? await loadCsvDataset({ csv: ctx.resolve(opts.csv), spec: ctx.resolve(opts.spec!), dropInvalid: opts.dropInvalid, outliers: opts.outliers, outlierColumns: opts.outlierColumns, dropOutliers: opts.dropOutliers })
    : builtinDataset({ rows: opts.rows, seed: opts.seed, kind: opts.kind, domain: opts.domain ?? "wide" });
  if (loaded.dropped && loaded.dropped.count > 0) ctx.warn(`dropped ${loaded.dropped.count} invalid CSV row(s); first: ${loaded.dropped.examples[0]?.message}`);
  const o = loaded.outliers;
  if (o && o.count > 0) {
    ctx.warn(`outlier rule robust z > ${o.rule.threshold} on ${o.rule.columns.join(", ")}: ${o.dropped ? "dropped" : "flagged (kept in training)"} ${o.count} row(s); first: ${describeOutlier(o.examples[0], o.rule.threshold)}`);
  } else if (o) ctx.progress(`outlier rule robust z > ${o.rule.threshold} on ${o.rule.columns.join(", ")}: no rows marked`);
  const builtin = opts.csv === undefined;
  const domain = opts.domain ?? "wide";
  const name = opts.name ?? (builtin && loaded.kind && (domain === "wide" || domain === "narrow") ? (domain === "wide" ? `black-scholes-${loaded.kind}` : `black-scholes-narrow-${loaded.kind}`) : loaded.suggestedName);
  const skip = builtin && loaded.kind && domain === "wide" && opts.payoffSkip !== false ? referencePayoffSkip(loaded.kind) : undefined;
  if (skip) {
    const m = loaded.dataset.features[skip.input];
    loaded.dataset = { ...loaded.dataset, target: timeValueTarget(loaded.dataset.target, skip, m) };
  }
  const paths = modelPaths(ctx.root, opts.folder ?? name);

  const config = await trainConfig(ctx, opts);
  const splits = splitDataset(loaded.dataset, { seed: opts.seed, validationFraction: 0.1, testFraction: 0.1 });
  ctx.progress(
    `training "${name}" on ${loaded.dataset.source} (${splits.train.x.length} train / ${splits.validation.x.length} validation / ${splits.test.x.length} test rows), ` +
      `hidden ${JSON.stringify(config.hidden ?? REFERENCE_CONFIG.hidden)}${config.batchNorm === false ? "" : " + batch norm"}`,
  );
  const every = opts.progressEvery ?? 1;
  const onEpoch = (e: EpochReport) => {
    if (e.epoch % every === 0 || e.epoch === 1) {
      ctx.progress(
        `  epoch ${String(e.epoch).padStart(String(e.epochs).length)}/${e.epochs}  train ${e.trainLoss.toExponential(3)}  val ${e.valLoss.toExponential(3)}  lr ${e.lr.toExponential(2)}  ${seconds(e.elapsedMs)}`,
      );
    }
  };
  const result = train(splits, config, { name, onEpoch, ...(skip ? { skip } : {}) });
  const test = evaluateModel(result.model, splits.test);
  const vsBlackScholes = builtin && loaded.kind ? evaluateVsBlackScholes(result.model, splits.test, loaded.kind) : undefined;
  const file: ModelFile = createModelFile({
    model: result.model,
    training: trainingRecord(result),
    metrics: { test, ...(vsBlackScholes ? { vsBlackScholes } : {}) },
    dataset: datasetRecord(loaded.dataset),
  });

  const manifest = await claimModelDir(paths, { modelName: name, modelHash: file.hash, force: opts.force ?? false });
  await writeFileAtomic(paths.model, serializeModelFile(file));
  const samples: SamplesFile = { source: `${loaded.dataset.source ?? "dataset"} (test split)`, rows: splits.test.x.slice(0, MAX_SAMPLES) };
  await writeFileAtomic(paths.samples, toJson(samples));
  await recordStage(paths, manifest, "model", {
    files: [paths.model, paths.samples],
    info: { source: loaded.dataset.source, ...(loaded.kind ? { optionKind: loaded.kind } : {}) },
  });

  const s = result.summary;
  ctx.progress(`  ${s.epochsRun} epochs in ${seconds(result.elapsedMs)}${s.stoppedEarly ? " (stopped early)" : ""}; best validation loss ${s.bestValLoss.toExponential(3)} at epoch ${s.bestEpoch}`);
  ctx.info(`test split: MAE ${test.mae.toExponential(2)}, max |error| ${test.maxAbsError.toExponential(2)}, R² ${test.r2.toFixed(6)} (${result.model.target.name}, ${result.model.target.unit})`);
  if (vsBlackScholes) ctx.info(`vs exact Black–Scholes: MAE ${vsBlackScholes.mae.toExponential(2)}, max |error| ${vsBlackScholes.maxAbsError.toExponential(2)}`);
  ctx.info(`wrote ${ctx.show(paths.model)} (hash ${shortHash(file.hash)})`);
  const feedNote = optionFeedNote({ name, inputs: result.model.features, output: result.model.target });
  if (feedNote) ctx.warn(feedNote);
  return {
    model: paths.name,
    file: paths.model,
    hash: file.hash,
    epochs: s.epochsRun,
    bestEpoch: s.bestEpoch,
    bestValLoss: s.bestValLoss,
    trainSeconds: result.elapsedMs / 1000,
    metrics: { test, ...(vsBlackScholes ? { vsBlackScholes } : {}) },
    ...(loaded.dropped ? { droppedInvalid: loaded.dropped.count } : {}),
    ...(o ? { outliers: { rule: o.rule, count: o.count, dropped: o.dropped, examples: o.examples } } : {}),
  };
}

async function trainConfig(ctx: CliContext, opts: TrainOptions): Promise<TrainConfigInput> {
  let fromFile: TrainConfigInput = {};
  if (opts.config !== undefined) {
    const json = await readJsonFile(ctx.resolve(opts.config), "config file");
    if (json === null || typeof json !== "object" || Array.isArray(json)) throw new CliError(`config file ${opts.config} must hold a JSON object of training options`);
    fromFile = json as TrainConfigInput;
  }
  const config: TrainConfigInput = { ...REFERENCE_CONFIG, ...fromFile, seed: opts.seed };
  if (opts.hidden) config.hidden = opts.hidden;
  if (opts.batchNorm === false) config.batchNorm = false;
  if (opts.batchSize !== undefined) config.batchSize = opts.batchSize;
  if (opts.lr !== undefined) config.learningRate = opts.lr;
  if (opts.epochs !== undefined) config.epochs = opts.epochs;
  return config;
}

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("train")
    .summary("train a model and write build/<model>/model.json")
    .description(
      "Train an MLP regressor (input scaler, dense + batch norm + ReLU hidden layers, dense output) in float64 with a seeded RNG.\n" +
        "Data: the built-in Black–Scholes dataset (default: the wide domain down to expiry; the reference model is 4 → 32 → 32 → 1 on 50,000 rows,\n" +
        "learning the time value above the exact payoff max(m − 1, 0), which the circuit adds back), or --csv with --spec.\n" +
        "Prints the losses per epoch, then test metrics. Same data + seed → the same model, byte for byte.",
    )
    .option("--name <name>", "model name = artifact folder (default black-scholes-<kind> for the wide domain, black-scholes-narrow-<kind>, or the spec's name)")
    .option("--rows <n>", "rows of the built-in dataset", parseInteger(10, 10_000_000), 50_000)
    .option("--seed <n>", "seed of data, split and training", parseInteger(0, 2 ** 32 - 1), 1)
    .addOption(new Option("--domain <domain>", "built-in dataset: wide (the reference's: S/K 0.4–1.6, τ 0–1.1 incl. expiry, σ 0.01–1, r 0–0.1), narrow (S/K 0.8–1.2, τ 0.02–1) or heston (calls)").argParser(parseChoice(DOMAINS)).default("wide"))
    .addOption(new Option("--kind <kind>", "option kind of the built-in dataset").argParser(parseChoice(["call", "put"] as const)).default("call"))
    .option("--csv <file>", "train on this CSV (needs --spec)")
    .option("--spec <spec.json>", "columns, units, decimals and declared ranges of the CSV")
    .option("--drop-invalid", "drop invalid CSV rows instead of failing")
    .option("--outliers <z>", "with --csv: flag rows whose robust z-score exceeds z (default column: the target; overrides the spec's rule)", parsePositiveNumber)
    .option("--outlier-columns <names>", "with --csv: comma-separated columns the outlier rule looks at")
    .option("--drop-outliers", "with --csv: drop the rows the outlier rule marks (they are reported)")
    .option("--no-payoff-skip", "wide Black–Scholes data: learn the price itself instead of the time value above the exact payoff")
    .option("--epochs <n>", "maximum epochs (default: the training config's)", parseInteger(1, 100_000))
    .option("--hidden <widths>", "hidden layer widths, e.g. 32,32", parseWidths)
    .option("--batch-size <n>", "mini-batch size (default 128)", parseInteger(2, 1_000_000))
    .option("--lr <rate>", "Adam learning rate", parsePositiveNumber)
    .option("--no-batch-norm", "no batch normalization")
    .option("--config <file.json>", "training options as JSON (see TrainConfig); flags override it")
    .option("--force", "replace a different model already in the folder (removes its artifacts)")
    .addHelpText(
      "after",
      examples(
        "zkinfer train                                   # the reference model (about 15 s on an idle core)",
        "zkinfer train --rows 5000 --epochs 20 --name quick",
        "zkinfer train --csv data/mine.csv --spec data/mine.spec.json --hidden 16,16",
      ),
    )
    .action(action(runtime, trainCommand));
}
