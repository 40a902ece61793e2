// One cold proof in a fresh process, as a one-off `zkinfer prove` makes it: load the witness
// generator, the zkey and the curve, prove, release, exit.
//   npx tsx scripts/bench/prove-once.ts <wasm> <zkey> <input.json> [single|multi|snarkjs]
// single / multi: the warm prover (src/zk/warmProver.ts) with that thread mode;
// snarkjs: snarkjs 0.7.6's groth16.fullProve (its multi-threaded curve).
// Prints JSON {mode, witnessMs, proveMs, totalMs, cpuMs, maxRssMb}: cpuMs is this process's
// user + system time over all its threads from the same start (process start-up excluded).
import { readFile } from "node:fs/promises";
import * as snarkjs from "snarkjs";
import { createWarmProver } from "../../src/zk/warmProver.js";

const [wasmPath, zkeyPath, inputPath, modeArg] = process.argv.slice(2);
const mode = modeArg ?? "single";
if (mode !== "single" && mode !== "multi" && mode !== "snarkjs") throw new Error(`mode = ${mode}: expected single, multi or snarkjs`);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const input = JSON.parse(await readFile(inputPath, "utf8")) as Record<string, string>;
let witnessMs = 0;
let proveMs = 0;
let proof: unknown;
let publicSignals: string[];
if (mode === "snarkjs") {
  const r = await snarkjs.groth16.fullProve(input, wasmPath, zkeyPath);
  proveMs = performance.now() - t0;
  ({ proof, publicSignals } = r);
  const g = globalThis as unknown as { curve_bn128?: { terminate(): Promise<void> } | null };
  if (g.curve_bn128) await g.curve_bn128.terminate();
} else {
  const prover = await createWarmProver({ wasmPath, zkeyPath, threads: mode });
  const r = await prover.prove(input);
  ({ witnessMs, proveMs, proof, publicSignals } = r);
  await prover.close();
}
const totalMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ mode, witnessMs, proveMs, totalMs, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024, proof, publicSignals }));
process.exit(0);
