/** `zkinfer export`: one folder with everything an app needs to prove and verify the model. */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { exportBundle } from "../../bundle/bundle.js";
import { loadProvingArtifacts } from "../../prove/proving.js";
import { resolveModel } from "../../manifest/paths.js";
import { compileSolidity } from "../../zk/solidity.js";
import { type CliRuntime, action, examples } from "../command.js";
import type { CliContext } from "../context.js";

export interface ExportOptions {
  model?: string;
  out: string;
}

export async function exportCommand(ctx: CliContext, opts: ExportOptions) {
  const paths = await resolveModel(ctx.root, opts.model);
  const art = await loadProvingArtifacts(paths);
  ctx.progress(`compiling ${art.verifierContract} (solc, WebAssembly)…`);
  const compiled = compileSolidity(await readFile(art.verifier, "utf8"), art.verifierContract);
  const outDir = ctx.resolve(opts.out);
  const manifest = await exportBundle({
    outDir,
    sources: { qmodel: paths.qmodel, wasm: art.wasm, zkey: art.zkey, vkey: art.vkey, verifierSource: art.verifier },
    q: art.q,
    keysHash: art.keysHash,
    developmentPtau: Boolean((art.manifest.stages.keys?.info?.ptau as { development?: boolean } | undefined)?.development),
    verifierContract: art.verifierContract,
    compiled,
  });
  ctx.info(`wrote ${ctx.show(outDir)}/: ${Object.keys(manifest.files).join(", ")}, bundle.json`);
  ctx.info(`load it with: import { loadBundle } from "zkinfer"; const bundle = await loadBundle("${ctx.show(outDir)}");`);
  if (manifest.developmentPtau) ctx.warn("note: the keys come from a development ptau: fine for testing, NOT for anything that holds value.");
  return { model: paths.name, dir: outDir, modelId: manifest.modelId, keysHash: manifest.keysHash, files: manifest.files, developmentPtau: manifest.developmentPtau };
}

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("export")
    .summary("bundle qmodel, wasm, zkey, vkey and the compiled verifier into one folder")
    .description(
      "Write a folder an app can use without this CLI: qmodel.json, circuit.wasm, circuit.zkey, vkey.json, Verifier.sol, verifier.json (abi + bytecode) and bundle.json with the hash of every file. " +
        "Load it with `loadBundle(dir)` from the zkinfer package (prover, verifier, registry facts).",
    )
    .option("--model <name>", "model folder (default: the only one)")
    .requiredOption("--out <dir>", "bundle folder to write")
    .addHelpText("after", examples("zkinfer export --out bundle", "zkinfer export --model demo --out app/zk"))
    .action(action(runtime, exportCommand));
}
