/**
 * One process of the warm prover pool (forked by ./pool.ts): loads the circuit's witness
 * generator and proving key once, then proves every input it receives over IPC and answers
 * with the proof, its timings and this process's memory (RSS now and peak, MB).
 */
import { createWarmProver } from "../zk/warmProver.js";
import type { PoolRequest, PoolResponse } from "./pool.js";

const [wasmPath, zkeyPath] = process.argv.slice(2);
const send = (m: PoolResponse) => process.send?.(m);

function memory(): { rssMb: number; peakRssMb: number } {
  return { rssMb: process.memoryUsage.rss() / 2 ** 20, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

try {
  const prover = await createWarmProver({ wasmPath, zkeyPath, threads: "single" });
  send({ type: "ready", ...memory() });
  process.on("message", async (msg: PoolRequest) => {
    if (msg.type === "close") {
      await prover.close();
      process.disconnect?.();
      return;
    }
    try {
      const r = await prover.prove(msg.input);
      send({ type: "proof", id: msg.id, proof: r.proof, publicSignals: r.publicSignals, witnessMs: r.witnessMs, proveMs: r.proveMs, ...memory() });
    } catch (e) {
      send({ type: "error", id: msg.id, name: e instanceof Error ? e.name : "Error", message: e instanceof Error ? e.message : String(e), ...memory() });
    }
  });
} catch (e) {
  send({ type: "error", id: -1, name: e instanceof Error ? e.name : "Error", message: e instanceof Error ? e.message : String(e), ...memory() });
  process.exitCode = 1;
}
