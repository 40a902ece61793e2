/** `zkinfer dataset`: write the built-in Black–Scholes dataset as CSV, or validate a user CSV. */
import type { Command } from "commander";
import { Option } from "commander";
import { datasetToCsv } from "../../data/csv.js";
import { writeFileAtomic } from "../../util/fs.js";
import { type CliRuntime, action, examples, parseChoice, parseInteger, parsePositiveNumber } from "../command.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { DOMAINS, type Domain, type OutlierFlags, SPEC_EXAMPLE, builtinDataset, columnStats, loadCsvDataset, optionFeedNote } from "../data.js";
import { describeOutlier } from "../../data/outliers.js";

export interface DatasetOptions extends OutlierFlags {
  out?: string;
  rows: number;
  seed: number;
  kind: "call" | "put";
  domain?: Domain;
  validate?: string;
  spec?: string;
  dropInvalid?: boolean;
}

export async function datasetCommand(ctx: CliContext, opts: DatasetOptions) {
  if (opts.validate !== undefined) {
    if (opts.spec === undefined) throw new CliError("--validate needs --spec <spec.json> (the columns, units and declared ranges)", { details: "See `zkinfer dataset --help`." });
    const loaded = await loadCsvDataset({ csv: ctx.resolve(opts.validate), spec: ctx.resolve(opts.spec), dropInvalid: opts.dropInvalid, outliers: opts.outliers, outlierColumns: opts.outlierColumns, dropOutliers: opts.dropOutliers });
    const { dataset, dropped } = loaded;
    const stats = columnStats(dataset);
    ctx.info(`${opts.validate}: ${dataset.x.length} valid rows, ${dataset.features.length} features (${dataset.features.map((f) => f.name).join(", ")}), target ${dataset.target.name}`);
    if (dropped && dropped.count > 0) {
      ctx.warn(`dropped ${dropped.count} invalid row(s), e.g.:`);
      for (const e of dropped.examples) ctx.warn(`  ${e.message}`);
    }
    const o = loaded.outliers;
    if (o) {
      const line = `outlier rule robust z > ${o.rule.threshold} on ${o.rule.columns.join(", ")}: ${o.count} row(s) ${o.dropped ? "dropped" : "flagged (kept; --drop-outliers drops them)"}`;
      if (o.count > 0) {
        ctx.warn(line + (o.count > 0 ? ", e.g.:" : ""));
        for (const e of o.examples) ctx.warn(`  ${describeOutlier(e, o.rule.threshold)}`);
      } else ctx.info(line);
    }
    for (const s of stats) ctx.info(`  ${s.name.padEnd(16)} observed [${fmt(s.min)}, ${fmt(s.max)}]  declared [${s.declared[0] ?? "-inf"}, ${s.declared[1] ?? "+inf"}]`);
    const feedNote = optionFeedNote({ name: opts.validate, inputs: dataset.features, output: dataset.target });
    if (feedNote) ctx.warn(feedNote);
    return {
      file: opts.validate,
      rows: dataset.x.length,
      dropped: dropped?.count ?? 0,
      droppedExamples: dropped?.examples ?? [],
      ...(o ? { outliers: { rule: o.rule, count: o.count, dropped: o.dropped, examples: o.examples } } : {}),
      columns: stats,
      optionFeedLayout: feedNote === undefined,
    };
  }
  const domain = opts.domain ?? "narrow";
  const stem = domain === "narrow" ? `black-scholes-${opts.kind}` : domain === "wide" ? `black-scholes-wide-${opts.kind}` : "heston-call";
  const out = ctx.resolve(opts.out ?? `data/${stem}.csv`);
  const { dataset } = builtinDataset({ rows: opts.rows, seed: opts.seed, kind: opts.kind, domain: opts.domain });
  await writeFileAtomic(out, datasetToCsv(dataset));
  const pricer = domain === "heston" ? "Heston, COS method" : domain === "wide" ? "Black–Scholes, wide domain down to expiry" : "Black–Scholes";
  ctx.info(`wrote ${dataset.x.length} rows of European ${opts.kind} prices over strike (${pricer}, seed ${opts.seed}) to ${out}`);
  ctx.info(`columns: ${[...dataset.features.map((f) => `${f.name} [${f.min}, ${f.max}] ${f.unit}`), `${dataset.target.name} (target)`].join(", ")}`);
  return { file: out, rows: dataset.x.length, source: dataset.source, features: dataset.features, target: dataset.target };
}

function fmt(v: number): string {
  return Number(v.toPrecision(6)).toString();
}

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("dataset")
    .summary("write the built-in Black–Scholes dataset as CSV, or validate a CSV")
    .description(
      "Without --validate: generate European option prices over strike from Black–Scholes (features moneyness, timeToExpiry, volatility, rate drawn uniformly in their declared ranges) and write them as CSV.\n" +
        "With --validate: read a CSV with a JSON spec of its columns and report rows, dropped rows and the observed vs declared ranges.",
    )
    .option("-o, --out <file>", "CSV to write (default data/black-scholes-<kind>.csv)")
    .option("--rows <n>", "number of rows", parseInteger(1, 10_000_000), 50_000)
    .option("--seed <n>", "random seed", parseInteger(0, 2 ** 32 - 1), 1)
    .addOption(new Option("--domain <domain>", "built-in dataset: narrow, wide (down to expiry) or heston").argParser(parseChoice(DOMAINS)).default("narrow"))
    .addOption(new Option("--kind <kind>", "option kind").argParser(parseChoice(["call", "put"] as const)).default("call"))
    .option("--validate <file.csv>", "validate this CSV instead of generating one")
    .option("--spec <spec.json>", "column spec of the CSV (features, target, units, decimals, ranges)")
    .option("--drop-invalid", "drop rows with bad values instead of failing (they are reported)")
    .option("--outliers <z>", "flag rows whose robust z-score exceeds z (default column: the target; overrides the spec's rule)", parsePositiveNumber)
    .option("--outlier-columns <names>", "comma-separated columns the outlier rule looks at")
    .option("--drop-outliers", "drop the rows the outlier rule marks (they are reported)")
    .addHelpText(
      "after",
      examples("zkinfer dataset --rows 10000 --out data/bs.csv", "zkinfer dataset --validate data/mine.csv --spec data/mine.spec.json", "zkinfer dataset --validate data/mine.csv --spec data/mine.spec.json --outliers 6 --drop-outliers") +
        `\nA spec file looks like:\n${SPEC_EXAMPLE}\n`,
    )
    .action(action(runtime, datasetCommand));
}
