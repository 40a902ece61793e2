/**
 * `zkinfer keeper` with REAL proofs: a tiny model trained, compiled and set up through the CLI,
 * deployed on the in-process chain with its real Groth16 verifier; the keeper proves the
 * series' statement on its warm prover pool (a child process) and the feed verifies it.
 * Then the model's risk circuit (`compile --risk`, `setup --risk`, bundled power-12 ptau) is
 * registered, and the keeper proves the series' risk vector on its second pool (auto kind),
 * in-process and through a prover-worker on Redis. Tests run in order and share the chain.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContractFactory } from "ethers";
import { type CliHarness, cliIn, expectError, expectOk } from "./helpers/cli.js";
import { parseKindList, parseSeriesList } from "../src/cli/commands/keeper.js";
import { registerRiskCircuit, riskLayoutFromSpec } from "../src/chain/risk.js";
import { modelPaths, riskKeyFiles } from "../src/manifest/paths.js";
import { loadRiskSpec } from "../src/prove/risk.js";
import { compileSolidity } from "../src/zk/solidity.js";
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
    // Risk asked for, but the folder has no risk circuit yet: the file and the commands that make it.
    expectError(await cli("keeper", "--model", "tiny", "--kind", "risk", "--once"), 1, /--kind risk, but the model folder has no risk circuit \(.*tiny_risk\.wasm\): run `zkinfer compile --risk --model tiny`, then `zkinfer setup --risk --model tiny`/);
    expectError(await cli("prover-worker", "--model", "tiny", "--queue", "redis://127.0.0.1:1", "--kinds", "risk"), 1, /--kinds risk, but the model folder has no risk circuit .*zkinfer compile --risk --model tiny/);
    expectError(await cli("prover-worker", "--model", "tiny", "--queue", "redis://127.0.0.1:1", "--kinds", "greeks"), 1, /--kinds must be comma-separated statement kinds \(price, risk\), got "greeks"/);
    const bad = await cli("keeper", "--model", "tiny", "--kind", "greeks");
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/--kind.*Expected one of: auto, price, risk/);
    expect(parseKindList("risk, price, risk")).toEqual(["risk", "price"]);
  });

  it("has help with examples", async () => {
    for (const cmd of ["keeper", "prover-worker"]) {
      const r = await cli(cmd, "--help");
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/Examples:\n  \$ zkinfer/);
    }
  });
});

type Eth = {
  getSigners(): Promise<import("ethers").Signer[]>;
  getContractAt(n: string, a: string): Promise<import("ethers").Contract>;
};

async function chainOf(): Promise<{ ethers: Eth; record: { contracts: Record<string, string>; mocks: Record<string, string> } }> {
  const { default: hre } = await import("hardhat");
  const { ethers } = (await hre.network.getOrCreate()) as unknown as { ethers: Eth };
  const record = JSON.parse(await readFile(path.join(cli.dir, "tiny", "deployments", "default.json"), "utf8"));
  return { ethers, record };
}

/** A new round of the deployment's mock spot oracle (same in-process chain as the CLI runs). */
async function newSpotRound(answer: bigint): Promise<bigint> {
  const { ethers, record } = await chainOf();
  const spot = await ethers.getContractAt("MockV3Aggregator", record.mocks[Object.keys(record.mocks).find((k) => k.startsWith("spotOracle"))!]);
  await (await spot.updateAnswer(answer)).wait();
  return BigInt(await spot.updatedAt());
}

interface KeeperResult {
  submissions: number;
  proofs: number;
  kind: string;
  kinds: Record<string, string>;
  failures: Record<string, number>;
  provers: { circuit: string; proofs: number; peakRssMb: number }[];
}

describe("zkinfer keeper, the series proven as a risk vector (real proofs, in-process queue)", () => {
  beforeAll(async () => {
    expectOk(await cli("compile", "--risk", "--model", "tiny"));
    expectOk(await cli("setup", "--risk", "--model", "tiny"));
  }, 120_000);

  it("auto: price until the registry has the risk circuit, then the risk vector on a second pool; --kind risk/price force it", async () => {
    const { ethers, record } = await chainOf();
    const feed = await ethers.getContractAt("OptionPriceFeed", record.contracts.feed);
    const registry = await ethers.getContractAt("ModelRegistry", record.contracts.registry);
    const { modelId } = await feed.getSeries(1n);
    expect(await registry.hasRiskCircuit(modelId)).toBe(false);
    // Risk forced, but the registry has no risk circuit for the series' model: named, nothing sent.
    expectError(await cli("keeper", "--model", "tiny", "--kind", "risk", "--once", "--workers", "1"), 1, new RegExp(`series 1: --kind risk, but the registry at 0x[0-9a-fA-F]{40} has no risk circuit for model ${modelId}: .*registerRiskCircuit`));
    // Auto without a registered risk circuit: a price mark, on the price pool only.
    await newSpotRound(2_010n * 10n ** 8n);
    const before = expectOk(await cli("--json", "keeper", "--model", "tiny", "--once", "--workers", "1", "--poll-ms", "100")) as unknown as KeeperResult;
    expect(before).toMatchObject({ kind: "auto", kinds: { "1": "price" }, submissions: 1, failures: {} });
    expect(before.provers.map((p) => p.circuit)).toEqual(["price"]);
    expect((await feed.risk(1n)).current).toBe(false);

    // Register the folder's risk circuit (its verifier and layout) for the model.
    const paths = modelPaths(cli.dir, "tiny");
    const { q, spec } = await loadRiskSpec(paths);
    const keys = riskKeyFiles(paths, q.name);
    const compiled = compileSolidity(await readFile(keys.verifier, "utf8"), keys.contractName);
    const [owner] = await ethers.getSigners();
    const verifier = await new ContractFactory(compiled.abi as never, compiled.bytecode, owner).deploy();
    await verifier.waitForDeployment();
    await registerRiskCircuit(registry, BigInt(modelId), await verifier.getAddress(), riskLayoutFromSpec(q, spec));

    // --kind price still proves the price; the risk vector stays not current.
    await newSpotRound(2_015n * 10n ** 8n);
    const priced = expectOk(await cli("--json", "keeper", "--model", "tiny", "--once", "--workers", "1", "--poll-ms", "100", "--kind", "price")) as unknown as KeeperResult;
    expect(priced).toMatchObject({ kind: "price", kinds: { "1": "price" }, submissions: 1, failures: {} });
    expect((await feed.risk(1n)).current).toBe(false);

    // Auto: the risk vector, proven on the risk pool (the price pool is not started) and submitted with submitRisk.
    const observedAt = await newSpotRound(2_020n * 10n ** 8n);
    const risked = expectOk(await cli("--json", "keeper", "--model", "tiny", "--once", "--workers", "1", "--poll-ms", "100")) as unknown as KeeperResult;
    expect(risked).toMatchObject({ kind: "auto", kinds: { "1": "risk" }, submissions: 1, proofs: 1, failures: {} });
    expect(risked.provers).toHaveLength(1);
    expect(risked.provers[0]).toMatchObject({ circuit: "risk", proofs: 1 });
    expect(risked.provers[0].peakRssMb).toBeGreaterThan(20);
    const r = await feed.risk(1n);
    expect(r.current).toBe(true);
    expect(r.observedAt).toBe(observedAt);
    expect(r.scenarios).toHaveLength(spec.scenarios.length);
    const events = await feed.queryFilter(feed.filters.RiskSubmitted(1n));
    expect(events).toHaveLength(1);
    // Nothing left to prove.
    const again = expectOk(await cli("--json", "keeper", "--model", "tiny", "--once", "--workers", "1")) as unknown as KeeperResult;
    expect(again).toMatchObject({ submissions: 0, proofs: 0, kinds: { "1": "risk" } });
  }, 120_000);
});

describe("zkinfer keeper --queue redis:// with a zkinfer prover-worker process (real proofs)", () => {
  it("the worker (no keys, no chain; price and risk pools) proves the new round's risk vector; the keeper submits it", async () => {
    const redis = await startRedis();
    const observedAt = await newSpotRound(2_050n * 10n ** 8n);
    const worker = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "--dir", cli.dir, "prover-worker", "--model", "tiny", "--queue", redis.url, "--workers", "1"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    worker.stdout!.on("data", (d) => (out += d));
    worker.stderr!.on("data", (d) => (out += d));
    try {
      await waitFor("the prover worker ready", () => {
        if (worker.exitCode !== null) throw new Error(`prover-worker exited: ${out}`);
        return /"type":"ready"/.test(out);
      }, 90_000, 100);
      expect(out).toMatch(/"type":"ready".*"kinds":\["price","risk"\]/);
      const r = expectOk(await cli("--json", "keeper", "--model", "tiny", "--once", "--queue", redis.url, "--poll-ms", "100")) as { submissions: number; queue: string; kinds: Record<string, string>; workers: { worker: string; rssMb: number }[] };
      expect(r.queue).toBe("redis");
      expect(r.kinds).toEqual({ "1": "risk" });
      expect(r.submissions).toBe(1);
      // The proof came from the worker process's risk pool, which reported its memory.
      expect(r.workers).toHaveLength(1);
      expect(r.workers[0].worker).toMatch(new RegExp(`:${worker.pid}/risk/0$`));
      expect(r.workers[0].rssMb).toBeGreaterThan(20);
      expect(out).toMatch(/"type":"proved"/);
      const { ethers, record } = await chainOf();
      const feed = await ethers.getContractAt("OptionPriceFeed", record.contracts.feed);
      const risk = await feed.risk(1n);
      expect(risk.current).toBe(true);
      expect(risk.observedAt).toBe(observedAt);
    } finally {
      worker.kill("SIGTERM");
      await new Promise((res) => worker.once("exit", res));
      await redis.stop();
    }
  }, 240_000);
});
