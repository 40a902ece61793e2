/**
 * The stage manifest of a model folder: one folder per model under the artifact root (default
 * `build/`), and a manifest that records, for every stage, the hash of each file it wrote
 * and the hash of the input it was made from:
 *
 *   build/<model>/
 *     manifest.json            stages: model → qmodel → circuit → keys (see `Stage`)
 *     model.json               float model (train)
 *     samples.json             held-out rows for error reports (train)
 *     qmodel.json              quantized model (quantize; input: model.json)
 *     circuit/<model>.circom   generated circuit, .r1cs, .sym, <model>_js/<model>.wasm
 *                              (compile; input: qmodel.json)
 *     keys/<model>.zkey        proving key, <model>.vkey.json, <Model>Verifier.sol
 *                              (setup; input: the .r1cs)
 *     proof/                   proof.json, public.json, calldata.json, statement.json (prove)
 *     risk/                    the risk-vector circuit, its own chain of stages:
 *       circuit/<model>_risk.*   circom, .r1cs, .sym, .wasm, <model>_risk.json (risk spec)
 *                              (compile --risk; input: qmodel.json)
 *       keys/<model>_risk.*      zkey, vkey, <Model>RiskVerifier.sol (setup --risk; input: the risk .r1cs)
 *       proof/                   proof.json, public.json, calldata.json, risk.json (prove --risk)
 *     submissions/<net>-s<id>-<t>/  the same files for each statement `submit` proved
 *     deployments/<net>.json   contract addresses (deploy)
 *
 * A stage is usable only if every stage before it is present, unchanged on disk, and was
 * made from the current version of its input; otherwise the user is told which step to re-run.
 * A folder never silently changes hands: writing a model whose hash differs from the one
 * the folder holds needs `--force` (which also removes the old model's later artifacts).
 */
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { BaseError, MissingArtifactError, ModifiedArtifactError, StaleArtifactError } from "../errors.js";
import { exists, fileHash, writeFileAtomic } from "../util/fs.js";
import { toJson } from "../util/json.js";
import type { ModelPaths } from "./paths.js";

/** The price circuit's stages, in order. */
export const STAGES = ["model", "qmodel", "circuit", "keys"] as const;
/** The risk-vector circuit's stages: it shares model and qmodel with the price circuit. */
export const RISK_STAGES = ["model", "qmodel", "riskCircuit", "riskKeys"] as const;
export type Stage = (typeof STAGES)[number] | (typeof RISK_STAGES)[number];

/** The chain of stages that ends in `stage`. */
export function chainOf(stage: Stage): readonly Stage[] {
  return (RISK_STAGES as readonly Stage[]).includes(stage) && stage !== "model" && stage !== "qmodel" ? RISK_STAGES : STAGES;
}

/** The command that makes each stage, for messages. */
const STEP: Record<Stage, string> = {
  model: "zkinfer train",
  qmodel: "zkinfer quantize",
  circuit: "zkinfer compile",
  keys: "zkinfer setup",
  riskCircuit: "zkinfer compile --risk",
  riskKeys: "zkinfer setup --risk",
};

/** What each stage's artifact is called in messages. */
const NOUN: Record<Stage, string> = {
  model: "model.json",
  qmodel: "qmodel.json",
  circuit: "circuit",
  keys: "proving key",
  riskCircuit: "risk circuit",
  riskKeys: "risk proving key",
};
const LABEL: Record<Stage, string> = {
  model: "model.json",
  qmodel: "qmodel.json",
  circuit: "the circuit",
  keys: "the proving key",
  riskCircuit: "the risk circuit",
  riskKeys: "the risk proving key",
};

export interface StageRecord {
  /** Hash of the stage's main file (the input hash of the next stage). */
  hash: string;
  /** Hash of the previous stage's main file when this one was made. */
  input?: string;
  /** Every file the stage wrote (relative to the model folder) → its hash. */
  files: Record<string, string>;
  /** Stage facts worth showing (constraints, bits, ptau, …). */
  info?: Record<string, unknown>;
  updatedAt: string;
}

export interface Manifest {
  format: "zkinfer-manifest";
  version: 1;
  /** Model name as declared in the model. */
  model: string;
  /** Content hash of the float model that owns this folder. */
  modelHash: string;
  stages: Partial<Record<Stage, StageRecord>>;
  /** Deployments by network name: which proving key the deployed verifier belongs to. */
  deployments?: Record<string, DeploymentEntry>;
}

export interface DeploymentEntry {
  /** Hash of the proving key whose verifier was deployed. */
  keysHash: string;
  /** Hash of the risk circuit's proving key whose verifier was deployed and registered, if any. */
  riskKeysHash?: string;
  modelId: string;
  /** Deployment record, relative to the model folder. */
  record: string;
  inProcess: boolean;
}

export async function readManifest(paths: ModelPaths): Promise<Manifest | undefined> {
  let text: string;
  try {
    text = await readFile(paths.manifest, "utf8");
  } catch {
    return undefined;
  }
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch (cause) {
    throw new BaseError(`${paths.manifest} is not valid JSON`, { details: "Delete the model folder and re-run `zkinfer train`, or restore the file.", cause });
  }
  if (m?.format !== "zkinfer-manifest" || m.version !== 1 || typeof m.modelHash !== "string" || typeof m.stages !== "object" || m.stages === null) {
    throw new BaseError(`${paths.manifest} is not a zkinfer manifest (version 1)`, { details: "Delete the model folder and re-run `zkinfer train`." });
  }
  return m;
}

export async function writeManifest(paths: ModelPaths, manifest: Manifest): Promise<void> {
  await writeFileAtomic(paths.manifest, toJson(manifest));
}

/** Files and folders of each stage, removed when a stage is replaced by another model. */
function stageOutputs(paths: ModelPaths): string[] {
  return [paths.qmodel, paths.samples, paths.circuitDir, paths.keysDir, paths.proofDir, paths.submissionsDir, paths.deploymentsDir, paths.riskDir];
}

/**
 * Make sure `paths.dir` may hold the model with `modelHash`: fine if empty, new, or already
 * holding the same model. A different model needs `force`, which clears the folder's later
 * artifacts and starts a new manifest. Returns the manifest to update.
 */
export async function claimModelDir(paths: ModelPaths, args: { modelName: string; modelHash: string; force: boolean }): Promise<Manifest> {
  const current = await readManifest(paths);
  const fresh: Manifest = { format: "zkinfer-manifest", version: 1, model: args.modelName, modelHash: args.modelHash, stages: {} };
  if (current && current.modelHash === args.modelHash) return current;
  const occupied = current !== undefined || (await exists(paths.model));
  if (occupied && !args.force) {
    const held = current ? `model "${current.model}" (${shortHash(current.modelHash)})` : "a model without a manifest";
    throw new BaseError(`${paths.dir} already holds a different ${held}; refusing to overwrite it with ${shortHash(args.modelHash)}`, {
      details: "Pass --force to replace it, or --name <other> to use another folder.",
    });
  }
  if (occupied) await Promise.all([paths.model, ...stageOutputs(paths)].map((p) => rm(p, { recursive: true, force: true })));
  return fresh;
}

export function shortHash(hash: string): string {
  return hash.replace(/^sha256:/, "").slice(0, 12);
}

/**
 * Record that `stage` wrote `files` (absolute paths; the first one is the stage's main
 * file) from an input with hash `input`. Later stages keep their records: they become stale
 * when their recorded input no longer matches, which `requireStages` reports.
 */
export async function recordStage(
  paths: ModelPaths,
  manifest: Manifest,
  stage: Stage,
  args: { files: string[]; input?: string; info?: Record<string, unknown> },
): Promise<StageRecord> {
  const files: Record<string, string> = {};
  for (const f of args.files) files[path.relative(paths.dir, f)] = await fileHash(f);
  const record: StageRecord = {
    hash: files[path.relative(paths.dir, args.files[0])],
    ...(args.input === undefined ? {} : { input: args.input }),
    files,
    ...(args.info === undefined ? {} : { info: args.info }),
    updatedAt: new Date().toISOString(),
  };
  manifest.stages[stage] = record;
  await writeManifest(paths, manifest);
  return record;
}

/** The command that makes `stage` for this model. */
export function stepFor(stage: Stage, paths: ModelPaths): string {
  return `${STEP[stage]} --model ${paths.name}`;
}

/**
 * Check that every stage up to and including `upTo` is present, unchanged on disk and made
 * from the current version of its input. Throws a MissingArtifactError or StaleArtifactError
 * naming the step to (re-)run. Returns the manifest.
 */
export async function requireStages(paths: ModelPaths, upTo: Stage): Promise<Manifest> {
  const manifest = await readManifest(paths);
  if (!manifest) {
    throw new MissingArtifactError({ artifact: `model "${paths.name}"`, path: paths.dir, step: `zkinfer train --name ${paths.name}` });
  }
  let previous: StageRecord | undefined;
  const chain = chainOf(upTo);
  for (const stage of chain.slice(0, chain.indexOf(upTo) + 1)) {
    const record = manifest.stages[stage];
    const step = stage === "model" ? `zkinfer train --name ${paths.name}` : stepFor(stage, paths);
    if (!record) throw new MissingArtifactError({ artifact: LABEL[stage], path: paths.dir, step });
    for (const [rel, hash] of Object.entries(record.files)) {
      const file = path.join(paths.dir, rel);
      if (!(await exists(file))) throw new MissingArtifactError({ artifact: rel, path: file, step });
      if ((await fileHash(file)) !== hash) {
        throw new ModifiedArtifactError({ artifact: rel, writtenBy: STEP[stage], step });
      }
    }
    if (previous && record.input !== previous.hash) {
      const prevStage = chain[chain.indexOf(stage) - 1];
      throw new StaleArtifactError({ artifact: LABEL[stage], reason: `it was made from an older ${NOUN[prevStage]}`, step });
    }
    previous = record;
  }
  return manifest;
}

