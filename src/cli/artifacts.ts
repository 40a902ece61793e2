/**
 * Artifact layout of the CLI: one folder per model under the artifact root (default
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
 *     proof/                   proof.json, public.json, calldata.json, input.json (prove)
 *     deployments/<net>.json   contract addresses (deploy)
 *
 * A stage is usable only if every stage before it is present, unchanged on disk, and was
 * made from the current version of its input; otherwise the user is told which step to re-run.
 * A folder never silently changes hands: writing a model whose hash differs from the one
 * the folder holds needs `--force` (which also removes the old model's later artifacts).
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { safeModelName } from "../circuit/names.js";
import { verifierContractName } from "../zk/groth16.js";
import { CliError, MissingArtifactError, StaleArtifactError } from "./errors.js";

export const STAGES = ["model", "qmodel", "circuit", "keys"] as const;
export type Stage = (typeof STAGES)[number];

/** The command that makes each stage, for messages. */
const STEP: Record<Stage, string> = {
  model: "zkinfer train",
  qmodel: "zkinfer quantize",
  circuit: "zkinfer compile",
  keys: "zkinfer setup",
};

/** What each stage's artifact is called in messages. */
const NOUN: Record<Stage, string> = {
  model: "model.json",
  qmodel: "qmodel.json",
  circuit: "circuit",
  keys: "proving key",
};
const LABEL: Record<Stage, string> = { model: "model.json", qmodel: "qmodel.json", circuit: "the circuit", keys: "the proving key" };

export interface ModelPaths {
  /** Folder-safe model name (also the file stem of circuit and keys). */
  name: string;
  dir: string;
  manifest: string;
  model: string;
  samples: string;
  qmodel: string;
  circuitDir: string;
  keysDir: string;
  proofDir: string;
  deploymentsDir: string;
}

export function modelPaths(root: string, modelName: string): ModelPaths {
  const name = safeModelName(modelName);
  const dir = path.join(root, name);
  return {
    name,
    dir,
    manifest: path.join(dir, "manifest.json"),
    model: path.join(dir, "model.json"),
    samples: path.join(dir, "samples.json"),
    qmodel: path.join(dir, "qmodel.json"),
    circuitDir: path.join(dir, "circuit"),
    keysDir: path.join(dir, "keys"),
    proofDir: path.join(dir, "proof"),
    deploymentsDir: path.join(dir, "deployments"),
  };
}

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
  modelId: string;
  /** Deployment record, relative to the model folder. */
  record: string;
  inProcess: boolean;
}

/** sha256 of a file's bytes, "sha256:<hex>". */
export async function fileHash(file: string): Promise<string> {
  const bytes = await readFile(file);
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

export async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/** Write a file atomically (temporary name, then rename), creating its folder. */
export async function writeFileAtomic(file: string, content: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  await writeFile(tmp, content);
  await rename(tmp, file);
}

/** JSON with bigints as decimal strings, two-space indented, newline-terminated. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`;
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
    throw new CliError(`${paths.manifest} is not valid JSON`, { details: "Delete the model folder and re-run `zkinfer train`, or restore the file.", cause });
  }
  if (m?.format !== "zkinfer-manifest" || m.version !== 1 || typeof m.modelHash !== "string" || typeof m.stages !== "object" || m.stages === null) {
    throw new CliError(`${paths.manifest} is not a zkinfer manifest (version 1)`, { details: "Delete the model folder and re-run `zkinfer train`." });
  }
  return m;
}

export async function writeManifest(paths: ModelPaths, manifest: Manifest): Promise<void> {
  await writeFileAtomic(paths.manifest, toJson(manifest));
}

/** Files and folders of each stage, removed when a stage is replaced by another model. */
function stageOutputs(paths: ModelPaths): string[] {
  return [paths.qmodel, paths.samples, paths.circuitDir, paths.keysDir, paths.proofDir, paths.deploymentsDir];
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
    throw new CliError(`${paths.dir} already holds a different ${held}; refusing to overwrite it with ${shortHash(args.modelHash)}`, {
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
  for (const stage of STAGES.slice(0, STAGES.indexOf(upTo) + 1)) {
    const record = manifest.stages[stage];
    const step = stage === "model" ? `zkinfer train --name ${paths.name}` : stepFor(stage, paths);
    if (!record) throw new MissingArtifactError({ artifact: LABEL[stage], path: paths.dir, step });
    for (const [rel, hash] of Object.entries(record.files)) {
      const file = path.join(paths.dir, rel);
      if (!(await exists(file))) throw new MissingArtifactError({ artifact: rel, path: file, step });
      if ((await fileHash(file)) !== hash) {
        throw new StaleArtifactError({ artifact: rel, reason: `it was modified after \`${STEP[stage]}\` wrote it`, step });
      }
    }
    if (previous && record.input !== previous.hash) {
      const prevStage = STAGES[STAGES.indexOf(stage) - 1];
      throw new StaleArtifactError({ artifact: LABEL[stage], reason: `it was made from an older ${NOUN[prevStage]}`, step });
    }
    previous = record;
  }
  return manifest;
}

/**
 * The model folder to use: `--model <name>` if given, else the only model under the root.
 */
export async function resolveModel(root: string, name: string | undefined): Promise<ModelPaths> {
  if (name !== undefined) {
    const p = modelPaths(root, name);
    if (!(await exists(p.manifest))) {
      const others = await listModels(root);
      throw new CliError(`no model "${name}" in ${root}`, {
        details: others.length > 0 ? `Models there: ${others.join(", ")}. Or run \`zkinfer train --name ${name}\`.` : `Run \`zkinfer train --name ${name}\` first.`,
      });
    }
    return p;
  }
  const models = await listModels(root);
  if (models.length === 1) return modelPaths(root, models[0]);
  if (models.length === 0) throw new CliError(`no models in ${root}`, { details: "Run `zkinfer train` first (or pass --dir <artifact root>)." });
  throw new CliError(`several models in ${root}: ${models.join(", ")}`, { details: "Pass --model <name>." });
}

/** Model folders (those with a manifest) under the root, sorted. */
export async function listModels(root: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names.sort()) if (await exists(path.join(root, n, "manifest.json"))) out.push(n);
  return out;
}

/** Read and parse a JSON file the user gave; errors name the file and the problem. */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new CliError(`${what} ${file} not found`, { details: "Check the path." });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
    throw new CliError(`${what} ${file} is not valid JSON (${reason})`, { details: "Fix the JSON syntax." });
  }
}

/** Paths of the compiled circuit of a model (file stem: the circuit name). */
export function circuitFiles(paths: ModelPaths, circuitName: string): { r1cs: string; wasm: string; sym: string; circom: string } {
  const stem = safeModelName(circuitName);
  return {
    r1cs: path.join(paths.circuitDir, `${stem}.r1cs`),
    wasm: path.join(paths.circuitDir, `${stem}_js`, `${stem}.wasm`),
    sym: path.join(paths.circuitDir, `${stem}.sym`),
    circom: path.join(paths.circuitDir, `${stem}.circom`),
  };
}

/** Paths of the Groth16 keys and verifier of a model (file stem: the circuit name). */
export function keyFiles(paths: ModelPaths, circuitName: string): { stem: string; zkey: string; vkey: string; verifier: string; contractName: string } {
  const stem = safeModelName(circuitName);
  const contractName = verifierContractName(stem);
  return {
    stem,
    zkey: path.join(paths.keysDir, `${stem}.zkey`),
    vkey: path.join(paths.keysDir, `${stem}.vkey.json`),
    verifier: path.join(paths.keysDir, `${contractName}.sol`),
    contractName,
  };
}
