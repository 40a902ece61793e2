import { createHash } from "node:crypto";
import { cp, mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { WitnessCalculator } from "circom_runtime";
import { circuitLibDir } from "../../src/circuit/build.js";
import { emitCircuit } from "../../src/circuit/emit.js";
import type { QuantizedModel } from "../../src/quantize/types.js";
import { compileCircuit } from "../../src/zk/circom.js";
import { loadWitnessCalculator } from "../../src/zk/groth16.js";
import { readR1cs, readR1csHeader, type R1cs } from "../../src/zk/r1cs.js";
import { readSymbols } from "../../src/zk/symbols.js";
import { forgeCircuit, type ForgeCircuit } from "./forge.js";

export interface CompiledForTest extends ForgeCircuit {
  constraints: number;
  wc: WitnessCalculator;
  sym: Map<string, number>;
  r1cs: R1cs;
  dir: string;
}

/**
 * Compile a circom file for a test. When ZKINFER_CIRCUIT_CACHE names a folder (the mutation
 * runner sets it), results are cached there under the hash of everything the compiler reads
 * (the main file, every gadget library file, the optimisation level), so a mutant that does
 * not change a circuit reuses it and a mutant that does gets its own.
 */
export async function compileForTest(circuit: string, outDir: string, opts: { optimization?: 0 | 1 | 2; lib?: string } = {}): Promise<CompiledForTest> {
  const lib = opts.lib ?? circuitLibDir();
  const optimization = opts.optimization ?? 2;
  const name = path.basename(circuit, ".circom");
  const cacheRoot = process.env.ZKINFER_CIRCUIT_CACHE;
  let dir = outDir;
  if (cacheRoot) {
    const h = createHash("sha256");
    h.update(await readFile(circuit));
    for (const f of (await readdir(lib)).sort()) h.update(f).update(await readFile(path.join(lib, f)));
    h.update(`O${optimization}`);
    const key = path.join(cacheRoot, `${name}-${h.digest("hex").slice(0, 24)}`);
    const ok = await stat(path.join(key, "done")).then(() => true, () => false);
    if (!ok) {
      const tmp = `${key}.tmp-${process.pid}-${Date.now()}`;
      await mkdir(tmp, { recursive: true });
      await cp(circuit, path.join(tmp, `${name}.circom`));
      await compileCircuit({ circuit: path.join(tmp, `${name}.circom`), outDir: tmp, includePaths: [lib], optimization });
      await writeFile(path.join(tmp, "done"), "");
      await rename(tmp, key).catch(async () => rm(tmp, { recursive: true, force: true }));
    }
    dir = key;
  } else {
    await compileCircuit({ circuit, outDir, includePaths: [lib], optimization });
  }
  const r1csPath = path.join(dir, `${name}.r1cs`);
  const sym = await readSymbols(path.join(dir, `${name}.sym`));
  const r1cs = await readR1cs(r1csPath);
  const header = await readR1csHeader(r1csPath);
  return { ...forgeCircuit(r1cs, sym), constraints: header.nConstraints, wc: await loadWitnessCalculator(path.join(dir, `${name}_js`, `${name}.wasm`)), sym, r1cs, dir };
}

/** Emit a quantized model's circuit into `<dir>/<tag>/model.circom` and compile it. */
export async function compileModelForTest(q: QuantizedModel, dir: string, opts: { tag: string; optimization?: 0 | 1 | 2; lib?: string }): Promise<CompiledForTest> {
  const out = path.join(dir, opts.tag);
  await mkdir(out, { recursive: true });
  const circuit = path.join(out, "model.circom");
  await writeFile(circuit, emitCircuit(q));
  return compileForTest(circuit, out, opts);
}
