/**
 * `zkinfer keeper` with REAL proofs: a tiny model trained, compiled and set up through the CLI,
 * deployed on the in-process chain with its real Groth16 verifier; the keeper proves the
 * series' statement on its warm prover pool (a child process) and the feed verifies it.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHarness, cliIn, expectError, expectOk } from "./helpers/cli.js";
import { parseSeriesList } from "../src/cli/commands/keeper.js";
import { startRedis, waitFor } from "./helpers/keeper.js";

let tmp: string;
let cli: CliHarness;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "zkinfer-keeper-cli-"));
  cli = cliIn(path.join(tmp, "build"));
  expectOk(await cli("train", "--rows", "600", "--epochs", "3", "--hidden", "4", "--name", "tiny"));
  for (const step of ["quantize", "compile", "setup"]) expectOk(await cli(step, "--model", "tiny", ...(step === "quantize" ? ["--bits", "12"] : [])));
  expectOk(await cli("deploy", "--model", "tiny"));
}, 300_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("zkinfer keeper (real proofs, in-process queue)", () => {
  it("marks the deployed series with a real proof, then finds nothing to re-send", async () => {
    const first = expectOk(await cli("--json", "keeper", "--model", "tiny", "--once", "--workers", "1", "--poll-ms", "100")) as {
      submissions: number;
      proofs: number;
      queue: string;
      provers: { proofs: number; peakRssMb: number }[];
      failures: Record<string, number>;
    };
    expect(first.queue).toBe("in-process");
    expect(first.submissions).toBe(1);
    expect(first.proofs).toBe(1);
    expect(first.failures).toEqual({});
    expect(first.provers).toHaveLength(1);
    expect(first.provers[0].proofs).toBe(1);
    expect(first.provers[0].peakRssMb).toBeGreaterThan(20);
    const again = expectOk(await cli("--json", "keeper", "--model", "tiny", "--once", "--workers", "1")) as { submissions: number; proofs: number };
    expect(again.submissions).toBe(0);
    expect(again.proofs).toBe(0);
  }, 180_000);

  it("bad flags fail with one line naming the flag", async () => {
    expectError(await cli("keeper", "--model", "tiny", "--series", "1,x"), 1, /--series must be comma-separated series ids/);
    expectError(await cli("keeper", "--model", "tiny", "--queue", "http://h:1", "--once"), 1, /--queue.*redis:\/\//);
    expectError(await cli("prover-worker", "--model", "tiny"), 1, /--queue/);
    expect(parseSeriesList("3, 1")).toEqual([3n, 1n]);
  });

  it("has help with examples", async () => {
    for (const cmd of ["keeper", "prover-worker"]) {
      const r = await cli(cmd, "--help");
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/Examples:\n  \$ zkinfer/);
    }
  });
});

describe("zkinfer keeper --queue redis:// with a zkinfer prover-worker process (real proofs)", () => {
  it("the worker (no keys, no chain) proves the new round; the keeper submits it", async () => {
    const redis = await startRedis();
    // A new spot round on the deployment's mock oracle (same in-process chain as the CLI runs).
    const { default: hre } = await import("hardhat");
    const { ethers } = (await hre.network.getOrCreate()) as unknown as { ethers: { getContractAt(n: string, a: string): Promise<{ updateAnswer(x: bigint): Promise<{ wait(): Promise<unknown> }> }> } };
    const record = JSON.parse(await readFile(path.join(cli.dir, "tiny", "deployments", "default.json"), "utf8"));
    const spot = await ethers.getContractAt("MockV3Aggregator", record.mocks[Object.keys(record.mocks).find((k) => k.startsWith("spotOracle"))!]);
    await (await spot.updateAnswer(2_050n * 10n ** 8n)).wait();
    const worker = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "--dir", cli.dir, "prover-worker", "--model", "tiny", "--queue", redis.url, "--workers", "1"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    worker.stdout!.on("data", (d) => (out += d));
    worker.stderr!.on("data", (d) => (out += d));
    try {
      await waitFor("the prover worker ready", () => {
        if (worker.exitCode !== null) throw new Error(`prover-worker exited: ${out}`);
        return /"type":"ready"/.test(out);
      }, 90_000, 100);
      const r = expectOk(await cli("--json", "keeper", "--model", "tiny", "--once", "--queue", redis.url, "--poll-ms", "100")) as { submissions: number; queue: string; workers: { worker: string; rssMb: number }[] };
      expect(r.queue).toBe("redis");
      expect(r.submissions).toBe(1);
      // The proof came from the worker process, which reported its memory.
      expect(r.workers).toHaveLength(1);
      expect(r.workers[0].worker).toMatch(new RegExp(`:${worker.pid}/0$`));
      expect(r.workers[0].rssMb).toBeGreaterThan(20);
      expect(out).toMatch(/"type":"proved"/);
    } finally {
      worker.kill("SIGTERM");
      await new Promise((res) => worker.once("exit", res));
      await redis.stop();
    }
  }, 240_000);
});
