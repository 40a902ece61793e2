/**
 * Deployment: the library on the in-process chain, and the deploy script against a real
 * `hardhat node` started on 127.0.0.1 at a free port (bounded waits, killed at the end).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { JsonRpcProvider, Contract } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPTION_LAYOUT_TEST_MODEL_ID } from "../src/chain/optionLayoutCircuit.js";
import { deployStack, MockNotAllowedError } from "../src/chain/deployStack.js";
import { assertRecordWritable, DeploymentRecordExistsError, writeDeploymentRecord, toDeploymentRecord, type DeploymentRecord } from "../src/chain/record.js";
import { OPTION_INPUT_SPECS } from "../src/chain/types.js";
import { MODEL_ID } from "./helpers/contracts.js";

const require = createRequire(import.meta.url);
/** Hardhat's CLI (its `bin`), found from the package's main entry (subpaths are not exported). */
function hardhatCli(): string {
  let dir = path.dirname(require.resolve("hardhat"));
  while (!existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
  const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { bin: Record<string, string> };
  return path.join(dir, pkg.bin.hardhat);
}
const HARDHAT_CLI = hardhatCli();
const ROOT = path.resolve(import.meta.dirname, "..");

describe("deployStack on the in-process chain", () => {
  it("deploys and wires registry, feed, engine with mocks; ownership can be handed over", async () => {
    const { ethers } = await hre.network.create();
    const [, newOwner] = await ethers.getSigners();
    const verifier = await ethers.deployContract("MockVerifier");
    const result = await deployStack(ethers, {
      verifier: { address: await verifier.getAddress() },
      model: { modelId: MODEL_ID, numOutputs: 1, outputDecimals: 18, inputs: OPTION_INPUT_SPECS },
      owner: newOwner.address,
    });
    expect(result.chainId).toBe(31337n);
    expect(Object.keys(result.mocks).sort()).toEqual(["collateral", "spotOracle1", "volOracle1"]);
    const feed = await ethers.getContractAt("OptionPriceFeed", result.contracts.feed);
    const engine = await ethers.getContractAt("MarginEngine", result.contracts.engine);
    const registry = await ethers.getContractAt("ModelRegistry", result.contracts.registry);
    expect(await feed.registry()).toBe(result.contracts.registry);
    expect(await engine.feed()).toBe(result.contracts.feed);
    expect(await engine.collateralToken()).toBe(result.contracts.collateral);
    expect(await registry.isActive(MODEL_ID)).toBe(true);
    // A price-only stack proves no grid: the engine keeps the flat rule.
    expect((await engine.portfolioParams()).enabled).toBe(false);
    expect(await feed.aggregatorOf(1n)).toBe(result.series[0].aggregator);
    expect(result.ownershipPending).toBe(true);
    expect(await registry.pendingOwner()).toBe(newOwner.address);
    const record = toDeploymentRecord("hardhatMainnet", result, [], new Date(0));
    expect(record.model.modelId).toBe(MODEL_ID.toString());
    expect(record.series[0].seriesId).toBe("1");
    // One gas figure per transaction, labelled as before Ignition (gas reports rely on it).
    expect(Object.keys(result.gasUsed).sort()).toEqual(
      ["collateral", "createSeries1", "engine", "feed", "registerModel", "registry", "setOptionTerms", "spotOracle1", "transferOwnership.engine", "transferOwnership.feed", "transferOwnership.registry", "volOracle1"].sort(),
    );
    for (const gas of Object.values(result.gasUsed)) expect(gas).toBeGreaterThan(21_000n);
  });

  it("creates several series in the order given, on existing oracles, with the given verifier", async () => {
    const { ethers } = await hre.network.create();
    const verifier = await ethers.deployContract("MockVerifier");
    const spot = await ethers.deployContract("MockV3Aggregator", [8, 2_000n * 10n ** 8n, "spot"]);
    const vol = await ethers.deployContract("MockV3Aggregator", [8, 50_000_000n, "vol"]);
    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const risk = { spotHeartbeat: 3_600, volHeartbeat: 3_600, rate: 5n * 10n ** 16n };
    const oracles = { spotOracle: { address: await spot.getAddress() }, volOracle: { address: await vol.getAddress() } };
    const strikes = [1_800n, 2_000n, 2_200n].map((k) => k * 10n ** 18n);
    const result = await deployStack(ethers, {
      verifier: { address: await verifier.getAddress() },
      model: { modelId: MODEL_ID, numOutputs: 1, outputDecimals: 18, inputs: OPTION_INPUT_SPECS, option: { kind: "put", quantizationBound: 0n, referenceError: 10n ** 16n } },
      series: strikes.map((strike, i) => ({ ...oracles, strike, expiry: now + BigInt(i + 10) * 86_400n, isCall: false, risk })),
    });
    expect(result.mocks).toEqual({ collateral: result.contracts.collateral });
    expect(result.contracts.verifier).toBe(await verifier.getAddress());
    expect(result.gasUsed.verifier).toBeUndefined();
    const feed = await ethers.getContractAt("OptionPriceFeed", result.contracts.feed);
    expect(await feed.seriesCount()).toBe(3n);
    for (const [i, s] of result.series.entries()) {
      expect(s.seriesId).toBe(BigInt(i + 1));
      const onChain = (await feed.getSeries(s.seriesId)) as { strike: bigint; isCall: boolean };
      expect(onChain.strike).toBe(strikes[i]);
      expect(onChain.isCall).toBe(false);
      expect(await feed.aggregatorOf(s.seriesId)).toBe(s.aggregator);
    }
  });

  it("refuses mocks where they are not allowed", async () => {
    const { ethers } = await hre.network.create();
    const verifier = await ethers.deployContract("MockVerifier");
    await expect(
      deployStack(ethers, {
        verifier: { address: await verifier.getAddress() },
        model: { modelId: MODEL_ID, numOutputs: 1, outputDecimals: 18, inputs: OPTION_INPUT_SPECS, option: { kind: "call", quantizationBound: 0n, referenceError: 10n ** 16n } },
        allowMocks: false,
        collateral: { mock: { decimals: 6 } },
        series: [],
      }),
    ).rejects.toBeInstanceOf(MockNotAllowedError);
    // Outside development chains the model's option terms (kind, error band) are required.
    const { ethers: e2 } = await hre.network.create();
    await expect(
      deployStack(e2, {
        verifier: { address: await verifier.getAddress() },
        model: { modelId: MODEL_ID, numOutputs: 1, outputDecimals: 18, inputs: OPTION_INPUT_SPECS },
        allowMocks: false,
        series: [],
      }),
    ).rejects.toThrow(/model\.option/);
  });
});

describe("deployment record", () => {
  it("is never overwritten silently", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-record-"));
    try {
      const file = path.join(dir, "net.json");
      const record = { format: "zkinfer-deployment", version: 1 } as DeploymentRecord;
      await assertRecordWritable(file);
      await writeDeploymentRecord(file, record);
      await expect(assertRecordWritable(file)).rejects.toBeInstanceOf(DeploymentRecordExistsError);
      await expect(writeDeploymentRecord(file, { ...record, network: "other" })).rejects.toBeInstanceOf(DeploymentRecordExistsError);
      expect(JSON.parse(await readFile(file, "utf8")).network).toBeUndefined();
      await writeDeploymentRecord(file, { ...record, network: "other" }, { force: true });
      expect(JSON.parse(await readFile(file, "utf8")).network).toBe("other");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// ------------------------------------------------------------------ local node

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** `scripts/deploy.ts` with these flags, through tsx. */
function deployScript(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/deploy.ts", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += String(d)));
    child.stderr.on("data", (d) => (stderr += String(d)));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function waitForRpc(url: string, node: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (node.exitCode !== null) throw new Error(`hardhat node exited with ${node.exitCode}`);
    try {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`hardhat node did not answer at ${url} within ${timeoutMs} ms`);
}

describe("scripts/deploy.ts against a local hardhat node", () => {
  let node: ChildProcess | undefined;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-deploy-"));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    node = spawn(process.execPath, [HARDHAT_CLI, "node", "--hostname", "127.0.0.1", "--port", String(port)], { cwd: ROOT, stdio: "ignore" });
    await waitForRpc(url, node, 60_000);
  }, 90_000);

  afterAll(async () => {
    if (node && node.exitCode === null) {
      const exited = new Promise((r) => node!.once("exit", r));
      node.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (node.exitCode === null) node.kill("SIGKILL");
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("deploys, writes the record, refuses to overwrite it, and overwrites with force", async () => {
    const flags = ["--network", "localhost", "--rpc-url", url, "--deployments-dir", dir];
    const first = await deployScript(flags, 180_000);
    expect(first.code, first.stderr).toBe(0);
    const recordPath = path.join(dir, "localhost.json");
    const record = JSON.parse(await readFile(recordPath, "utf8")) as DeploymentRecord;
    expect(record.format).toBe("zkinfer-deployment");
    expect(record.chainId).toBe("31337");
    expect(record.model.modelId).toBe(OPTION_LAYOUT_TEST_MODEL_ID.toString());
    expect(record.notes.join(" ")).toMatch(/TEST circuit/);

    const provider = new JsonRpcProvider(url);
    for (const address of Object.values(record.contracts)) expect(await provider.getCode(address)).not.toBe("0x");
    const feedAbi = ["function registry() view returns (address)", "function aggregatorOf(uint256) view returns (address)"];
    const feed = new Contract(record.contracts.feed, feedAbi, provider);
    expect(await feed.registry()).toBe(record.contracts.registry);
    expect(await feed.aggregatorOf(1n)).toBe(record.series[0].aggregator);
    const registry = new Contract(record.contracts.registry, ["function isActive(uint256) view returns (bool)"], provider);
    expect(await registry.isActive(BigInt(record.model.modelId))).toBe(true);

    // Without force: refused before any transaction is sent.
    const nonce = await provider.getTransactionCount(record.deployer);
    const second = await deployScript(flags, 120_000);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(/already exists/);
    expect(await provider.getTransactionCount(record.deployer)).toBe(nonce);
    expect(JSON.parse(await readFile(recordPath, "utf8"))).toEqual(record);

    // With force and a config that reuses the deployed verifier.
    const configPath = path.join(dir, "config.json");
    await writeFile(configPath, JSON.stringify({ verifier: { address: record.contracts.verifier }, model: { modelId: record.model.modelId } }));
    const third = await deployScript([...flags, "--force", "--config", configPath, "--ignition-dir", path.join(dir, "ignition")], 120_000);
    expect(third.code, third.stderr).toBe(0);
    const replaced = JSON.parse(await readFile(recordPath, "utf8")) as DeploymentRecord;
    expect(replaced.contracts.verifier).toBe(record.contracts.verifier);
    expect(replaced.contracts.registry).not.toBe(record.contracts.registry);
    // Ignition kept its journal where it was asked to (for resuming an interrupted deployment).
    expect(existsSync(path.join(dir, "ignition", "journal.jsonl"))).toBe(true);

    // A flag the script does not know is an error naming the usage, not ignored.
    const unknown = await deployScript([...flags, "--frce"], 60_000);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/invalid arguments.*usage/s);
    provider.destroy();
  }, 300_000);
});
