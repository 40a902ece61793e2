import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRiskCircuit } from "../src/circuit/risk/build.js";
import { riskForward } from "../src/circuit/risk/reference.js";
import type { RiskSpec } from "../src/circuit/risk/spec.js";
import { type ProveJob, type ProveResult, jobId, proverByKind } from "../src/keeper/job.js";
import { optionCoverage, poolRiskJobProver } from "../src/keeper/modelProver.js";
import { createProverPool, type ProverPool } from "../src/keeper/pool.js";
import { quantize } from "../src/quantize/quantize.js";
import type { QuantizedModel } from "../src/quantize/types.js";
import { setupGroth16 } from "../src/zk/groth16.js";
import { bundledPtauDir } from "../src/zk/ptau.js";
import { randomModel } from "./helpers/randomModel.js";

// Risk jobs on the warm pool: a job of kind "risk" is proven with the model's RISK circuit,
// its signals checked against the integer reference, and returned in the feed's calldata
// order; every proof is checked with snarkjs's verifier (rebuilt from that calldata).
// A 4 → 4 → 1 network: its risk circuit fits the bundled power-12 ptau.
let dir: string;
let q: QuantizedModel;
let spec: RiskSpec;
let pool: ProverPool;
let vkey: Record<string, unknown>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-riskjob-"));
  q = await quantize(randomModel({ seed: 21, hidden: [4] }), { actBits: 10 });
  const built = await buildRiskCircuit(q, undefined, { outDir: dir });
  spec = built.spec;
  const keys = await setupGroth16({ r1csPath: built.r1csPath, ptauPath: path.join(bundledPtauDir(), "dev-pot12.ptau"), outDir: dir, name: "risk", entropy: "risk job test" });
  vkey = JSON.parse(await readFile(keys.vkeyPath, "utf8"));
  pool = await createProverPool({ wasmPath: built.wasmPath, zkeyPath: keys.zkeyPath, size: 1 });
}, 240_000);

afterAll(async () => {
  await pool?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Raw inputs in the middle of the risk circuit's mark ranges (other inputs mid-range). */
const midInputs = () =>
  q.inputs.map((inp, j) => {
    const [lo, hi] = j === spec.spotInput ? spec.markRange.spot : j === spec.volInput ? spec.markRange.vol : [inp.minRaw, inp.maxRaw];
    return (BigInt(lo) + BigInt(hi)) / 2n;
  });

function riskJob(raw: readonly bigint[], kind: "price" | "risk" = "risk"): ProveJob {
  const key = { seriesId: 3n, spotRound: 7n, volRound: 2n, kind };
  return { id: jobId(key), seriesId: "3", spotRound: "7", volRound: "2", kind, observedAt: "1000", inputs: raw.map(String), roundAt: 1000 };
}

/** snarkjs's proof object from the feed's calldata order (b's coordinates swapped back). */
const fromCalldata = (r: ProveResult) => ({
  pi_a: [r.a[0], r.a[1], "1"],
  pi_b: [[r.b[0][1], r.b[0][0]], [r.b[1][1], r.b[1][0]], ["1", "0"]],
  pi_c: [r.c[0], r.c[1], "1"],
  protocol: "groth16",
  curve: "bn128",
});

describe("keeper risk jobs", () => {
  it("a risk job is proven with the risk circuit: packed outputs then the raw inputs, verified by snarkjs", async () => {
    const prove = proverByKind({ risk: poolRiskJobProver(pool, q, spec) });
    const raw = midInputs();
    const job = riskJob(raw);
    expect(job.id).toBe("s3-p7-v2-risk");
    const r = await prove(job);
    expect(r.publicSignals).toEqual([...riskForward(q, spec, raw).packed, ...raw].map(String));
    expect(r.publicSignals).toHaveLength(spec.signals.length + q.inputs.length);
    expect(await snarkjs.groth16.verify(vkey, r.publicSignals, fromCalldata(r))).toBe(true);
    // The proof binds the inputs: one raw input changed and it no longer verifies.
    const tampered = [...r.publicSignals];
    tampered[spec.signals.length + spec.spotInput] = (BigInt(tampered[spec.signals.length + spec.spotInput]) + 1n).toString();
    expect(await snarkjs.groth16.verify(vkey, tampered, fromCalldata(r))).toBe(false);
    expect(r.worker).toMatch(/\/0$/);
  }, 120_000);

  it("refuses a mark outside the risk circuit's mark range (naming the input), and a job of another kind", async () => {
    const prove = poolRiskJobProver(pool, q, spec);
    const raw = midInputs();
    raw[spec.spotInput] = BigInt(spec.markRange.spot[1]) + 1n; // inside the model's range, outside the risk circuit's
    expect(raw[spec.spotInput]).toBeLessThanOrEqual(BigInt(q.inputs[spec.spotInput].maxRaw));
    await expect(prove(riskJob(raw))).rejects.toThrow(new RegExp(`job s3-p7-v2-risk: .*${q.inputs[spec.spotInput].name}`));
    await expect(prove(riskJob(midInputs(), "price"))).rejects.toThrow(/kind = "price", but this prover proves the risk circuit/);
    // The keeper's coverage check says the same before a job is queued.
    const cover = optionCoverage(q, spec);
    const asOption = (x: bigint[]) => ({ moneyness: x[0], timeToExpiry: x[1], volatility: x[2], rate: x[3], observedAt: 1000n, spot: 0n });
    expect(cover(asOption(raw), "price")).toBeUndefined();
    expect(cover(asOption(raw), "risk")).toMatch(new RegExp(q.inputs[spec.spotInput].name));
    expect(cover(asOption(midInputs()), "risk")).toBeUndefined();
    expect(optionCoverage(q)(asOption(midInputs()), "risk")).toMatch(/no risk circuit/);
  }, 120_000);
});
