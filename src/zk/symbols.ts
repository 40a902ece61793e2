import { readFile } from "node:fs/promises";
import { ArtifactError } from "../errors.js";

/**
 * Signal name → witness index, from circom's .sym file ("label,witnessIdx,component,name").
 * Signals that the optimizer replaced by linear combinations have no witness index and are
 * left out.
 */
export async function readSymbols(symPath: string): Promise<Map<string, number>> {
  let text: string;
  try {
    text = await readFile(symPath, "utf8");
  } catch (cause) {
    throw new ArtifactError({ path: symPath, problem: "symbol file (.sym) not found", cause });
  }
  const map = new Map<string, number>();
  for (const line of text.split("\n")) {
    const parts = line.split(",");
    if (parts.length < 4) continue;
    const idx = Number(parts[1]);
    if (idx >= 0) map.set(parts.slice(3).join(","), idx);
  }
  return map;
}
