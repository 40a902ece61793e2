import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { compileCircuit, type CompileCircuitReturnType } from "../zk/circom.js";
import type { QuantizedModel } from "../quantize/types.js";
import { emitCircuit } from "./emit.js";
import { safeModelName } from "./names.js";

/** circuits/lib/ of this package: the hand-written gadgets. */
export function circuitLibDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "circuits", "lib");
}

export interface BuildCircuitReturnType extends CompileCircuitReturnType {
  circuitPath: string;
  /** False when the generated source was already on disk byte for byte. */
  sourceChanged: boolean;
}

/**
 * Write the generated circuit to `<outDir>/<name>.circom` and compile it.
 * Default folder: circuits/generated/<model name>/.
 */
export async function buildCircuit(q: QuantizedModel, options: { outDir?: string } = {}): Promise<BuildCircuitReturnType> {
  const name = safeModelName(q.name);
  const outDir = path.resolve(options.outDir ?? path.join(circuitLibDir(), "..", "generated", name));
  await mkdir(outDir, { recursive: true });
  const circuitPath = path.join(outDir, `${name}.circom`);
  const source = emitCircuit(q);
  const before = await readFile(circuitPath, "utf8").catch(() => undefined);
  if (before !== source) await writeFile(circuitPath, source);
  const compiled = await compileCircuit({ circuit: circuitPath, outDir, includePaths: [circuitLibDir()] });
  return { ...compiled, circuitPath, sourceChanged: before !== source };
}
