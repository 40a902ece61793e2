import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { compileCircuit, type CompileCircuitReturnType } from "../../zk/circom.js";
import type { QuantizedModel } from "../../quantize/types.js";
import { canonicalJson } from "../../util/canonicalJson.js";
import { circuitLibDir } from "../build.js";
import { safeModelName } from "../names.js";
import { emitRiskCircuit } from "./emit.js";
import { defaultGrid, riskSpec, type RiskGrid, type RiskSpec } from "./spec.js";

export interface BuildRiskCircuitReturnType extends CompileCircuitReturnType {
  circuitPath: string;
  /** `<name>_risk.json`: the grid, mark ranges and public-signal layout (the risk artifact). */
  specPath: string;
  spec: RiskSpec;
  sourceChanged: boolean;
}

/**
 * Write the risk-vector circuit to `<outDir>/<name>_risk.circom` with its spec beside it, and
 * compile it. Default folder: circuits/generated/<model name>/.
 */
export async function buildRiskCircuit(q: QuantizedModel, grid: RiskGrid = defaultGrid(), options: { outDir?: string; optimization?: 0 | 1 | 2 } = {}): Promise<BuildRiskCircuitReturnType> {
  const spec = riskSpec(q, grid);
  const name = `${safeModelName(q.name)}_risk`;
  const outDir = path.resolve(options.outDir ?? path.join(circuitLibDir(), "..", "generated", safeModelName(q.name)));
  await mkdir(outDir, { recursive: true });
  const circuitPath = path.join(outDir, `${name}.circom`);
  const specPath = path.join(outDir, `${name}.json`);
  const source = emitRiskCircuit(q, spec);
  const before = await readFile(circuitPath, "utf8").catch(() => undefined);
  if (before !== source) await writeFile(circuitPath, source);
  await writeFile(specPath, canonicalJson(spec) + "\n");
  const compiled = await compileCircuit({ circuit: circuitPath, outDir, includePaths: [circuitLibDir()], ...(options.optimization !== undefined ? { optimization: options.optimization } : {}) });
  return { ...compiled, circuitPath, specPath, spec, sourceChanged: before !== source };
}
