/** `zkinfer import`: an ONNX MLP (PyTorch, Keras/tf2onnx, …) → build/<model>/model.json, the trainer's float model. */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { createModelFile, serializeModelFile } from "../../model/file.js";
import type { Layer } from "../../model/types.js";
import { importOnnx } from "../../onnx/import.js";
import { claimModelDir, recordStage, shortHash } from "../../manifest/manifest.js";
import { modelPaths } from "../../manifest/paths.js";
import { writeFileAtomic } from "../../util/fs.js";
import { type CliRuntime, action, examples } from "../command.js";
import type { CliContext } from "../context.js";
import { readCsvSpec } from "../data.js";
import { CliError } from "../errors.js";

export interface ImportOptions {
  spec?: string;
  name?: string;
  force?: boolean;
}

/** "4 → 8 (batch norm, relu) → 8 (relu) → 1". */
export function describeLayers(inputs: number, layers: readonly Layer[]): string {
  const parts = [String(inputs)];
  for (const l of layers) {
    if (l.type === "dense") parts.push(String(l.outDim));
    else parts[parts.length - 1] += l.type === "relu" ? " relu" : " batch-norm";
  }
  return parts.join(" → ");
}

export async function importCommand(ctx: CliContext, file: string, opts: ImportOptions) {
  if (opts.spec === undefined) {
    throw new CliError("--spec is required", { details: "Pass --spec <spec.json> with the features' names, units, decimals and ranges (see `zkinfer import --help`)." });
  }
  const onnxPath = ctx.resolve(file);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(onnxPath));
  } catch {
    throw new CliError(`ONNX file ${file} not found`, { details: "Check the path." });
  }
  const spec = await readCsvSpec(ctx.resolve(opts.spec));
  const name = opts.name ?? spec.name ?? path.basename(file).replace(/\.onnx$/i, "");
  const imported = importOnnx(bytes, { features: spec.features, target: spec.target }, { name });
  const model = imported.model;
  const modelFile = createModelFile({ model });
  const paths = modelPaths(ctx.root, name);
  const manifest = await claimModelDir(paths, { modelName: model.name, modelHash: modelFile.hash, force: opts.force ?? false });
  await writeFileAtomic(paths.model, serializeModelFile(modelFile));
  const onnxSha256 = createHash("sha256").update(bytes).digest("hex");
  const info = {
    importedFrom: file,
    onnxSha256,
    producer: imported.producer,
    opset: imported.opset,
    precision: imported.precision,
    scaler: imported.scalerSource,
  };
  await recordStage(paths, manifest, "model", { files: [paths.model], info });

  const shape = describeLayers(model.features.length, model.layers);
  ctx.info(`imported ${file} (${imported.producer || "unknown producer"}, opset ${imported.opset}, ${imported.precision}): ${shape}`);
  ctx.info(
    imported.scalerSource === "graph"
      ? "input scaler: from the graph's Sub/Div/Mul/Add (runs in the circuit on the raw inputs)"
      : "input scaler: none in the graph, so min-max over the spec's declared ranges, compensated exactly in the first layer",
  );
  const clamp = [model.target.min === undefined ? "" : `min ${model.target.min}`, model.target.max === undefined ? "" : `max ${model.target.max}`].filter((s) => s !== "");
  ctx.info(`output: ${model.target.name} = y'·${model.targetScaler.scale} + ${model.targetScaler.offset}${clamp.length > 0 ? `, clamped (${clamp.join(", ")})` : ""}`);
  ctx.info(`wrote ${ctx.show(paths.model)} (hash ${shortHash(modelFile.hash)}); next: zkinfer quantize --model ${paths.name}`);
  return { model: paths.name, file: paths.model, hash: modelFile.hash, layers: shape, ...info };
}

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("import")
    .summary("import an ONNX MLP as build/<model>/model.json")
    .description(
      "Turn an ONNX model (PyTorch torch.onnx.export, Keras via tf2onnx, …) into the float model the trainer writes, so quantize → compile → setup → prove → deploy apply unchanged.\n" +
        "Supported: one input [batch, features], an affine input scaler (Sub/Div or Mul/Add by constants), Gemm or MatMul+Add layers with BatchNormalization (inference) and Relu, affine de-scaling and a final Relu/Clip at the output, Flatten/Reshape/Identity/Cast no-ops; opsets 11 and later.\n" +
        "Anything else is refused with one error naming the node. The spec gives the features' names (in input column order), units, on-chain decimals and declared ranges, and the target's.",
    )
    .argument("<model.onnx>", "the ONNX file")
    .option("--spec <spec.json>", "features and target: names, units, decimals, ranges (the CSV spec format)")
    .option("--name <name>", "model name = artifact folder (default: the spec's name, else the file name)")
    .option("--force", "replace a different model already in the folder (removes its artifacts)")
    .addHelpText("after", examples("zkinfer import pricer.onnx --spec pricer.spec.json", "zkinfer import pricer.onnx --spec pricer.spec.json --name torch-pricer && zkinfer quantize --model torch-pricer"))
    .action(action(runtime, async (ctx, opts: ImportOptions, cmd) => importCommand(ctx, cmd.args[0], opts)));
}
