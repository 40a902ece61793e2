import { readFile } from "node:fs/promises";
import path from "node:path";
import * as snarkjs from "snarkjs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProverPool, type ProverPool } from "../src/keeper/pool.js";
import { compileCircuit } from "../src/zk/circom.js";
import { setupGroth16 } from "../src/zk/groth16.js";
import { requiredPower, resolvePtau } from "../src/zk/ptau.js";

// The warm prover pool on the 8-constraint circuit: workers are reused across jobs, report
// their memory, and a worker killed mid-job fails only that job and is replaced.
let dir: string;
let wasmPath: string;
let zkeyPath: string;
let vkey: Record<string, unknown>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-pool-"));
  const c = await compileCircuit({ circuit: path.resolve("circuits/test/fixed8.circom"), outDir: dir });
  const ptau = await resolvePtau({ power: requiredPower(c.constraints, 2), log: () => {} });
  const k = await setupGroth16({ r1csPath: c.r1csPath, ptauPath: ptau.path, outDir: dir, name: "fixed8", entropy: "pool test" });
  wasmPath = c.wasmPath;
  zkeyPath = k.zkeyPath;
  vkey = JSON.parse(await readFile(k.vkeyPath, "utf8"));
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("warm prover pool", () => {
  let pool: ProverPool;
  afterAll(async () => pool?.close());

  it("proves on every worker, reusing each across jobs; proofs verify", async () => {
    pool = await createProverPool({ wasmPath, zkeyPath, size: 2 });
    expect(pool.size).toBe(2);
    const pids = pool.stats().map((s) => s.pid);
    const proofs = await Promise.all(Array.from({ length: 8 }, (_, i) => pool.prove({ x: String(i + 2), y: "1" })));
    for (const [i, p] of proofs.entries()) {
      expect(p.publicSignals).toEqual([(BigInt(i + 2) ** 9n + 1n).toString(), String(i + 2)]);
      expect(await snarkjs.groth16.verify(vkey, p.publicSignals, p.proof)).toBe(true);
    }
    const stats = pool.stats();
    expect(stats.map((s) => s.pid)).toEqual(pids);
    expect(stats.reduce((a, s) => a + s.proofs, 0)).toBe(8);
    for (const s of stats) {
      expect(s.proofs).toBeGreaterThan(0);
      expect(s.rssMb).toBeGreaterThan(20);
      expect(s.peakRssMb).toBeGreaterThanOrEqual(s.rssMb);
    }
  }, 120_000);

  it("a worker killed mid-job fails that job only and is replaced", async () => {
    const victim = pool.stats()[0];
    const job = pool.prove({ x: "3", y: "3" });
    process.kill(victim.pid!, "SIGKILL");
    // The job either finished before the kill landed or failed with the worker's death.
    const outcome = await job.then(
      () => "proved",
      (e: Error) => e.message,
    );
    expect(outcome === "proved" || /prover worker \d died during a proof \(SIGKILL\)/.test(outcome)).toBe(true);
    await expect.poll(() => pool.stats()[0].restarts, { timeout: 30_000 }).toBe(1);
    const after = await Promise.all([pool.prove({ x: "5", y: "0" }), pool.prove({ x: "6", y: "0" })]);
    expect(after.map((p) => p.publicSignals[1])).toEqual(["5", "6"]);
    expect(pool.stats()[0].pid).not.toBe(victim.pid);
  }, 120_000);

  it("inputs that violate the circuit fail that job with the witness error", async () => {
    await expect(pool.prove({ x: "1" })).rejects.toThrow(/witness generation failed/);
    expect((await pool.prove({ x: "2", y: "2" })).publicSignals[1]).toBe("2");
  }, 60_000);
});
