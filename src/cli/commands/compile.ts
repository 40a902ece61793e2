/** `zkinfer compile`: generate the circom circuit of the quantized model and compile it (r1cs + wasm). */
import path from "node:path";
import type { Command } from "commander";
import { buildCircuit } from "../../circuit/build.js";
import { predictConstraints } from "../../circuit/cost.js";
import { loadQuantizedModel } from "../../quantize/file.js";
import { requiredPower } from "../../zk/ptau.js";
import { defaultGrid, wideGrid } from "../../circuit/risk/spec.js";
import { compileModelRisk } from "../../prove/risk.js";
import { CliError } from "../errors.js";
import { recordStage, requireStages } from "../../manifest/manifest.js";
import { resolveModel } from "../../manifest/paths.js";
import { type CliRuntime, action, examples } from "../command.js";
import { type CliContext, seconds } from "../context.js";

export interface CompileOptions {
  model?: string;
  risk?: boolean;
  grid?: string;
}

/** `compile --risk`: the risk-vector circuit (mark, stress grid, Δ, Γ) into build/<model>/risk/circuit. */
async function compileRisk(ctx: CliContext, opts: CompileOptions) {
  const paths = await resolveModel(ctx.root, opts.model);
  const gridName = opts.grid ?? "default";
  if (gridName !== "default" && gridName !== "wide") throw new CliError(`--grid ${JSON.stringify(gridName)} is not a risk grid`, { details: 'Use "default" (5 spot × 3 vol = 15 scenarios) or "wide" (7 × 3 = 21).' });
  ctx.progress(`generating and compiling the risk-vector circuit (${gridName} grid) with circom (WebAssembly build)…`);
  const r = await compileModelRisk(paths, { grid: gridName === "wide" ? wideGrid() : defaultGrid() });
  ctx.info(`${r.constraints.toLocaleString("en-US")} constraints (predicted ${r.predictedConstraints.toLocaleString("en-US")}), ${r.scenarios} scenarios, ${r.publicSignals.length} public signals: ${r.publicSignals.join(", ")}`);
  ctx.info(`mark range: ${r.spec.markRange.spot.join(" … ")} (moneyness, raw), ${r.spec.markRange.vol.join(" … ")} (volatility, raw)`);
  ctx.info(`compiled in ${seconds(r.compileMs)}; needs a powers-of-tau file of power >= ${r.ptauPower}`);
  ctx.info(`wrote ${ctx.show(paths.riskCircuitDir)}/ (${path.basename(r.files.circom)}, .r1cs, .wasm, .sym, ${path.basename(r.files.spec)})`);
  return {
    model: paths.name,
    kind: "risk" as const,
    constraints: r.constraints,
    predictedConstraints: r.predictedConstraints,
    scenarios: r.scenarios,
    publicSignals: r.publicSignals,
    ptauPower: r.ptauPower,
    markRange: r.spec.markRange,
    circuit: r.files.circom,
    r1cs: r.files.r1cs,
    wasm: r.files.wasm,
    spec: r.files.spec,
    compileSeconds: r.compileMs / 1000,
  };
}

export async function compileCommand(ctx: CliContext, opts: CompileOptions) {
  if (opts.risk) return compileRisk(ctx, opts);
  if (opts.grid !== undefined) throw new CliError("--grid needs --risk", { details: "The stress grid belongs to the risk-vector circuit: `zkinfer compile --risk --grid wide`." });
  const paths = await resolveModel(ctx.root, opts.model);
  const manifest = await requireStages(paths, "qmodel");
  const q = await loadQuantizedModel(paths.qmodel);
  ctx.progress(`generating and compiling the circuit of "${q.name}" with circom (WebAssembly build)…`);
  const built = await buildCircuit(q, { outDir: paths.circuitDir });
  const predicted = predictConstraints(q);
  const power = requiredPower(built.constraints, q.publicSignals.length);
  await recordStage(paths, manifest, "circuit", {
    files: [built.r1csPath, built.wasmPath, built.symPath, built.circuitPath],
    input: manifest.stages.qmodel!.hash,
    info: { constraints: built.constraints, predictedConstraints: predicted, publicSignals: q.publicSignals, ptauPower: power },
  });
  ctx.info(`${built.constraints.toLocaleString("en-US")} constraints (predicted ${predicted.toLocaleString("en-US")}), ${q.publicSignals.length} public signals: ${q.publicSignals.join(", ")}`);
  ctx.info(`compiled in ${seconds(built.compileMs)}; needs a powers-of-tau file of power >= ${power}`);
  ctx.info(`wrote ${ctx.show(paths.circuitDir)}/ (${path.basename(built.circuitPath)}, .r1cs, .wasm, .sym)`);
  return {
    model: paths.name,
    constraints: built.constraints,
    predictedConstraints: predicted,
    publicSignals: q.publicSignals,
    ptauPower: power,
    circuit: built.circuitPath,
    r1cs: built.r1csPath,
    wasm: built.wasmPath,
    compileSeconds: built.compileMs / 1000,
  };
}

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("compile")
    .summary("generate the circuit and compile it; prints the constraint count")
    .description(
      "Emit the circom source of the quantized model's forward pass (input range checks, scaling, dense layers, rescale + ReLU, output clamp) and compile it to R1CS and a WebAssembly witness generator.",
    )
    .option("--model <name>", "model folder (default: the only one)")
    .option("--risk", "the risk-vector circuit instead: mark, stress-grid prices, Δ and Γ in one proof (build/<model>/risk/)")
    .option("--grid <name>", 'with --risk: "default" (15 scenarios) or "wide" (21)')
    .addHelpText("after", examples("zkinfer compile", "zkinfer compile --model black-scholes-call --json", "zkinfer compile --risk"))
    .action(action(runtime, compileCommand));
}
