// One cold proof in a fresh process: load witness generator, zkey and curve, prove, exit.
// Prints JSON {witnessMs, proveMs, totalMs, maxRssMb} for the benchmark driver.
import { readFile } from "node:fs/promises";
import { createProver } from "../../src/zk/groth16.js";

const [wasmPath, zkeyPath, inputPath] = process.argv.slice(2);
const t0 = performance.now();
const input = JSON.parse(await readFile(inputPath, "utf8")) as Record<string, string>;
const prover = await createProver({ wasmPath, zkeyPath });
const { witnessMs, proveMs } = await prover.prove(input);
await prover.close();
const totalMs = performance.now() - t0;
console.log(JSON.stringify({ witnessMs, proveMs, totalMs, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
