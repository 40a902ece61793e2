/**
 * `zkinfer keeper` with REAL proofs: a tiny model trained, compiled and set up through the CLI,
 * deployed on the in-process chain with its real Groth16 verifier; the keeper proves the
 * series' statement on its warm prover pool (a child process) and the feed verifies it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHarness, cliIn, expectError, expectOk } from "./helpers/cli.js";
import { parseSeriesList } from "../src/cli/commands/keeper.js";

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
