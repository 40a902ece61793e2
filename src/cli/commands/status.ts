/** `zkinfer status`: the models in the artifact root and the state of each stage. */
import type { Command } from "commander";
import { BaseError } from "../../errors.js";
import { RISK_STAGES, STAGES, type Stage, readManifest, requireStages, stepFor } from "../../manifest/manifest.js";
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
    type StageState = { state: "ok" | "missing" | "stale" | "blocked"; problem?: string; info?: Record<string, unknown> };
    const walk = async (chain: readonly Stage[]): Promise<Record<string, StageState>> => {
      const out: Record<string, StageState> = {};
      let broken = false;
      for (const stage of chain) {
        if (!manifest?.stages[stage]) {
          out[stage] = { state: "missing", problem: `run \`${stage === "model" ? `zkinfer train --name ${paths.name}` : stepFor(stage, paths)}\`` };
          broken = true;
          continue;
        }
        if (broken) {
          out[stage] = { state: "blocked", problem: "an earlier stage must be (re-)made first" };
          continue;
        }
        try {
          await requireStages(paths, stage);
          out[stage] = { state: "ok", ...(manifest.stages[stage]!.info ? { info: manifest.stages[stage]!.info } : {}) };
        } catch (error) {
          if (!(error instanceof BaseError)) throw error;
          out[stage] = { state: "stale", problem: `${error.shortMessage.replace(/^.* is stale: /, "")} → ${error.details ?? ""}`.trim() };
          broken = true;
        }
      }
      return out;
    };
    const stages = await walk(STAGES);
    // The risk circuit shares model and qmodel with the price circuit: only its own stages.
    const riskAll = await walk(RISK_STAGES);
    const risk = { circuit: riskAll.riskCircuit, keys: riskAll.riskKeys };
    ctx.info(`${paths.name}${manifest ? ` (model hash ${manifest.modelHash.slice(0, 12)})` : " (no manifest)"}`);
    ctx.info("  price circuit:");
    for (const [stage, s] of Object.entries(stages)) ctx.info(`    ${stage.padEnd(8)} ${s.state}${s.problem ? `: ${s.problem}` : ""}`);
    ctx.info("  risk circuit (mark, stress grid, Δ, Γ):");
    for (const [stage, s] of Object.entries(risk)) {
      const facts = s.state === "ok" && stage === "circuit" && s.info ? ` (${Number(s.info.constraints).toLocaleString("en-US")} constraints, ${String(s.info.scenarios)} scenarios)` : "";
      ctx.info(`    ${stage.padEnd(8)} ${s.state}${facts}${s.problem ? `: ${s.problem}` : ""}`);
    }
    const keysHash = manifest?.stages.keys?.hash;
    const riskKeysHash = manifest?.stages.riskKeys?.hash;
    const deployments: Record<string, { record: string; inProcess: boolean; matchesKeys: boolean; matchesRiskKeys?: boolean }> = {};
    for (const [network, d] of Object.entries(manifest?.deployments ?? {})) {
      const matchesKeys = d.keysHash === keysHash;
      const matchesRiskKeys = d.riskKeysHash === undefined ? undefined : d.riskKeysHash === riskKeysHash;
      deployments[network] = { record: d.record, inProcess: d.inProcess, matchesKeys, ...(matchesRiskKeys === undefined ? {} : { matchesRiskKeys }) };
      let flag = matchesKeys ? "" : " — its verifier does NOT match the current keys (setup was re-run since): proofs of these keys fail there; redeploy";
      if (matchesRiskKeys === false) flag += " — its risk verifier does NOT match the current risk keys (setup --risk was re-run since): risk proofs fail there; redeploy";
      ctx.info(`  deployed on ${network}${d.inProcess ? " (in-process, gone)" : ""}: ${d.record}${flag}`);
    }
    models.push({ model: paths.name, dir: paths.dir, modelHash: manifest?.modelHash, stages, risk, deployments });
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
