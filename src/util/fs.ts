/** File helpers shared by every stage that writes artifacts. */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { BaseError } from "../errors.js";

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

/** sha256 of a file's bytes, "sha256:<hex>". */
export async function fileHash(file: string): Promise<string> {
  const bytes = await readFile(file);
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** Read and parse a JSON file the user gave; errors name the file and the problem. */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new BaseError(`${what} ${file} not found`, { details: "Check the path." });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
    throw new BaseError(`${what} ${file} is not valid JSON (${reason})`, { details: "Fix the JSON syntax." });
  }
}
