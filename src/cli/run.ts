/**
 * `run(argv)`: the whole CLI as a function (used by the entry point and by tests). It parses
 * the arguments, runs one subcommand, prints its result or its error, and returns the exit
 * code with everything it printed. It never calls `process.exit`.
 */
import { createRequire } from "node:module";
import { Command, CommanderError, Option } from "commander";
import { type CliRuntime } from "./command.js";
import { type CliStreams } from "./context.js";
import { ExitCode, errorJson, exitCodeOf, formatError, formatErrorVerbose } from "./errors.js";
import * as compile from "./commands/compile.js";
import * as dataset from "./commands/dataset.js";
import * as demo from "./commands/demo.js";
import * as deploy from "./commands/deploy.js";
import * as exportBundle from "./commands/export.js";
import * as importOnnx from "./commands/import.js";
import * as keeper from "./commands/keeper.js";
import * as prove from "./commands/prove.js";
import * as quantize from "./commands/quantize.js";
import * as setup from "./commands/setup.js";
import * as report from "./commands/report.js";
import * as status from "./commands/status.js";
import * as submit from "./commands/submit.js";
import * as train from "./commands/train.js";
import * as verify from "./commands/verify.js";
import { bigintReplacer } from "../util/json.js";
import { releaseCurves } from "../zk/curve.js";

export interface RunOptions {
  /** Where output goes; default: the process's stdout / stderr. Output is also captured. */
  streams?: Partial<CliStreams>;
  /** Working directory for relative paths; default process.cwd(). */
  cwd?: string;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const HELP_FOOTER = `
Artifacts go to <dir>/<model>/ (default build/<model>/): model.json, qmodel.json,
circuit/, keys/, proof/, deployments/ and manifest.json, which records what each
artifact was made from; a step refuses to use artifacts made from an older input.

Exit codes: 0 ok, 1 bad input / missing or stale artifacts / rejected transaction,
2 proof verification failed, 3 internal error.

Start with:
  $ zkinfer demo                       # the whole pipeline, end to end
  $ zkinfer train && zkinfer quantize && zkinfer compile && zkinfer setup
  $ zkinfer prove --moneyness 1.02 --timeToExpiry 0.25 --volatility 0.3 --rate 0.03
`;

const VERSION: string = createRequire(import.meta.url)("../../package.json").version;

function buildProgram(runtime: CliRuntime): Command {
  const { streams } = runtime;
  const program = new Command("zkinfer")
    .description("Train, quantize, prove and verify small neural networks for on-chain use (option prices).")
    .version(VERSION, "-V, --version")
    .addOption(new Option("--dir <path>", "artifact root folder").default("build"))
    .option("--json", "print one JSON document with the result on stdout (progress goes to stderr)")
    .option("-v, --verbose", "show stack traces and full error details")
    .option("-q, --quiet", "no progress lines")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => streams.stdout(s),
      writeErr: (s) => streams.stderr(s),
    })
    .addHelpText("after", HELP_FOOTER);
  for (const mod of [dataset, train, importOnnx, quantize, compile, setup, prove, verify, exportBundle, deploy, submit, status, report, demo, keeper]) mod.register(program, runtime);
  return program;
}

export async function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  let stdout = "";
  let stderr = "";
  const streams: CliStreams = {
    stdout: (s) => {
      stdout += s;
      (options.streams?.stdout ?? ((t: string) => process.stdout.write(t)))(s);
    },
    stderr: (s) => {
      stderr += s;
      (options.streams?.stderr ?? ((t: string) => process.stderr.write(t)))(s);
    },
  };
  const runtime: CliRuntime = { streams, cwd: options.cwd ?? process.cwd() };
  const program = buildProgram(runtime);
  let exitCode: number = ExitCode.ok;
  try {
    await program.parseAsync([...argv], { from: "user" });
    const ctx = runtime.ctx;
    if (ctx?.options.json) streams.stdout(`${JSON.stringify({ ok: true, result: runtime.result ?? null }, bigintReplacer, 2)}\n`);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander (one line).
      exitCode = error.exitCode === 0 ? ExitCode.ok : ExitCode.userError;
    } else {
      exitCode = exitCodeOf(error);
      const verbose = runtime.ctx?.options.verbose ?? (argv.includes("--verbose") || argv.includes("-v"));
      streams.stderr(`${verbose ? formatErrorVerbose(error) : formatError(error)}\n`);
      if (runtime.ctx?.options.json ?? argv.includes("--json")) {
        streams.stdout(`${JSON.stringify({ ok: false, exitCode, error: errorJson(error) }, bigintReplacer, 2)}\n`);
      }
    }
  } finally {
    // snarkjs keeps worker threads alive; end them so the process can exit by itself.
    await releaseCurves();
  }
  return { exitCode, stdout, stderr };
}
