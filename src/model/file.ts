/**
 * Creating, serialising and loading model files (see `ModelFile` in schema.ts).
 * Serialisation is deterministic: keys sorted, fixed layout, no timestamps — the same
 * model gives the same bytes. Loading checks, in order: JSON syntax, schema (types, every
 * number finite, no unknown fields), format and version, the content hash, the training
 * config, and the model's shapes; each failure is an `ArtifactError` naming the field.
 */
import { readFile, writeFile } from "node:fs/promises";
import { type ModelFile, MODEL_FILE_FORMAT, MODEL_FILE_VERSION, modelFileSchema } from "./schema.js";
import { validateFloatModel } from "./validate.js";
import { ArtifactError, InvalidValueError, formatValue } from "../errors.js";
import { contentHash, prettyCanonicalJson } from "../util/canonicalJson.js";
import { resolveTrainConfig } from "../train/config.js";

export type ModelFileContent = Omit<ModelFile, "hash">;

/** sha256 hex of the canonical JSON of a model file's content (everything but `hash`). */
export function modelFileHash(content: ModelFileContent | ModelFile): string {
  const { hash: _ignored, ...rest } = content as ModelFile;
  return contentHash(rest);
}

export type CreateModelFileParameters = Omit<ModelFileContent, "format" | "version">;

export type CreateModelFileErrorType = InvalidValueError;

/** A model file for `model` with its hash; checks the model's shapes first. */
export function createModelFile(params: CreateModelFileParameters): ModelFile {
  validateFloatModel(params.model);
  const content: ModelFileContent = { format: MODEL_FILE_FORMAT, version: MODEL_FILE_VERSION, ...params };
  return { ...content, hash: modelFileHash(content) };
}

/** Deterministic JSON text of a model file (sorted keys, two-space indent, final newline). */
export function serializeModelFile(file: ModelFile): string {
  return prettyCanonicalJson(file);
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out === "" ? "(top level)" : out;
}

export interface ParseModelFileOptions {
  /** Names the file in errors. Default "model file". */
  path?: string;
}

export type ParseModelFileErrorType = ArtifactError;

/** Parses and fully checks model file text. */
export function parseModelFile(text: string, options: ParseModelFileOptions = {}): ModelFile {
  const path = options.path ?? "model file";
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new ArtifactError({ path, problem: "not valid JSON", details: (cause as Error).message, cause });
  }
  if (raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
    const r = raw as Record<string, unknown>;
    if (r.format !== MODEL_FILE_FORMAT) {
      throw new ArtifactError({ path, problem: `field format is ${JSON.stringify(r.format)} (expected "${MODEL_FILE_FORMAT}"): not a zkinfer model file` });
    }
    if (r.version !== MODEL_FILE_VERSION) {
      throw new ArtifactError({ path, problem: `field version is ${JSON.stringify(r.version)} (this build reads version ${MODEL_FILE_VERSION})` });
    }
  }
  const parsed = modelFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const first = issues[0];
    throw new ArtifactError({
      path,
      problem: `field ${formatPath(first.path)}: ${first.message}`,
      details: issues.length > 1 ? issues.slice(1, 6).map((i) => `field ${formatPath(i.path)}: ${i.message}`).join("\n") : undefined,
      cause: parsed.error,
    });
  }
  const file = parsed.data as ModelFile;
  const expected = modelFileHash(raw as ModelFile);
  if (file.hash !== expected) {
    throw new ArtifactError({
      path,
      problem: `hash mismatch: the file says ${file.hash} but its content hashes to ${expected}`,
      details: "The file was edited or corrupted after it was written; retrain or restore it.",
    });
  }
  try {
    if (file.training) resolveTrainConfig(file.training.config);
    validateFloatModel(file.model);
  } catch (cause) {
    if (cause instanceof InvalidValueError) {
      const where = cause.field.startsWith("config") ? `training.${cause.field}` : `model.${cause.field}`;
      throw new ArtifactError({ path, problem: `field ${where}: ${formatValue(cause.value)} (allowed: ${cause.allowed})`, cause });
    }
    throw cause;
  }
  return file;
}

/** Reads and checks a model file from disk. */
export async function readModelFile(path: string): Promise<ModelFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new ArtifactError({ path, problem: "cannot read the model file", details: (cause as Error).message, cause });
  }
  return parseModelFile(text, { path });
}

/** Writes a model file (deterministic bytes). */
export async function writeModelFile(path: string, file: ModelFile): Promise<void> {
  try {
    await writeFile(path, serializeModelFile(file), "utf8");
  } catch (cause) {
    throw new ArtifactError({ path, problem: "cannot write the model file", details: (cause as Error).message, cause });
  }
}
