/** `zkinfer status`: the models in the artifact root and the state of each stage. */
import type { Command } from "commander";
import { BaseError } from "../../errors.js";
import { STAGES, readManifest, requireStages, stepFor } from "../../manifest/manifest.js";
import { listModels, modelPaths } from "../../manifest/paths.js";
import { type CliRuntime, action, examples } from "../command.js";
import type { CliContext } from "../context.js";

export interface StatusOptions {
  model?: string;
}

export async function statusCommand(ctx: CliContext, opts: StatusOptions) {
  const names = opts.model !== undefined ? [opts.model] : await listModels(ctx.root);
  if (names.length === 0) ctx.info(`no models in ${ctx.root} (run \`zkinfer train\`)`);
  const models = [];
  for (const name of names) {
    const paths = modelPaths(ctx.root, name);
    const manifest = await readManifest(paths);
    const stages: Record<string, { state: "ok" | "missing" | "stale" | "blocked"; problem?: string; info?: Record<string, unknown> }> = {};
    let broken = false;
    for (const stage of STAGES) {
      if (!manifest?.stages[stage]) {
        stages[stage] = { state: "missing", problem: `run \`${stepFor(stage, paths)}\`` };
        broken = true;
        continue;
      }
      if (broken) {
        stages[stage] = { state: "blocked", problem: "an earlier stage must be (re-)made first" };
        continue;
      }
      try {
        await requireStages(paths, stage);
        stages[stage] = { state: "ok", ...(manifest.stages[stage]!.info ? { info: manifest.stages[stage]!.info } : {}) };
      } catch (error) {
        if (!(error instanceof BaseError)) throw error;
        stages[stage] = { state: "stale", problem: `${error.shortMessage.replace(/^.* is stale: /, "")} → ${error.details ?? ""}`.trim() };
        broken = true;
      }
    }
    ctx.info(`${paths.name}${manifest ? ` (model hash ${manifest.modelHash.slice(0, 12)})` : " (no manifest)"}`);
    for (const [stage, s] of Object.entries(stages)) ctx.info(`  ${stage.padEnd(8)} ${s.state}${s.problem ? `: ${s.problem}` : ""}`);
    const keysHash = manifest?.stages.keys?.hash;
    const deployments: Record<string, { record: string; inProcess: boolean; matchesKeys: boolean }> = {};
    for (const [network, d] of Object.entries(manifest?.deployments ?? {})) {
      const matchesKeys = d.keysHash === keysHash;
      deployments[network] = { record: d.record, inProcess: d.inProcess, matchesKeys };
      const flag = matchesKeys ? "" : " — its verifier does NOT match the current keys (setup was re-run since): proofs of these keys fail there; redeploy";
      ctx.info(`  deployed on ${network}${d.inProcess ? " (in-process, gone)" : ""}: ${d.record}${flag}`);
    }
    models.push({ model: paths.name, dir: paths.dir, modelHash: manifest?.modelHash, stages, deployments });
  }
  return { root: ctx.root, models };
}

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("status")
    .summary("list models and whether each artifact is present and current")
    .option("--model <name>", "only this model")
    .addHelpText("after", examples("zkinfer status", "zkinfer status --json"))
    .action(action(runtime, statusCommand));
}
