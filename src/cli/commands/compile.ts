/** `zkinfer compile`: generate the circom circuit of the quantized model and compile it (r1cs + wasm). */
import path from "node:path";
import type { Command } from "commander";
import { buildCircuit } from "../../circuit/build.js";
import { predictConstraints } from "../../circuit/cost.js";
import { loadQuantizedModel } from "../../quantize/file.js";
import { requiredPower } from "../../zk/ptau.js";
import { recordStage, requireStages } from "../../manifest/manifest.js";
import { resolveModel } from "../../manifest/paths.js";
import { type CliRuntime, action, examples } from "../command.js";
import { type CliContext, seconds } from "../context.js";

export interface CompileOptions {
  model?: string;
}

export async function compileCommand(ctx: CliContext, opts: CompileOptions) {
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
    .addHelpText("after", examples("zkinfer compile", "zkinfer compile --model black-scholes-call --json"))
    .action(action(runtime, compileCommand));
}
