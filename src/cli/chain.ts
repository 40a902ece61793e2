/**
 * The chain side of the CLI: a Hardhat network connection (zkinfer's contracts built in a
 * clone, the package's shipped artifacts anywhere else),
 * deployment records, and revert decoding.
 *
 * The in-process chain (Hardhat's simulated network, the default) lives inside one process:
 * `deploy` and `submit` share it only when they run in the same process (the demo, tests
 * calling `run()`); across separate commands use a persistent node (`--network localhost`
 * after `npx hardhat node`).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { Interface, type JsonFragment } from "ethers";
import { contractArtifact, type ShippedContract } from "../chain/contractArtifacts.js";
import type { DeploymentRecord } from "../chain/record.js";
import { deploymentRecordPath } from "../chain/record.js";
import { BaseError } from "../errors.js";
import type { ModelPaths } from "../manifest/paths.js";
import { exists } from "../util/fs.js";
import type { CliContext } from "./context.js";
import { CliError, VerificationFailedError } from "./errors.js";
import { revertData } from "../chain/revertData.js";

export interface ChainConnection {
  ethers: HardhatEthers;
  networkName: string;
  /** True for Hardhat's in-process simulated chain (gone when the process exits). */
  inProcess: boolean;
  chainId: bigint;
  /** Custom errors of every project contract, for decoding reverts. */
  errors: Interface;
}

const CONTRACTS = ["ModelRegistry", "OptionPriceFeed", "MarginEngine", "MockV3Aggregator", "MockERC20"] as const;

/**
 * Connect to a Hardhat network (default: the in-process chain), reusing this process's
 * connection to the same network, after an incremental build of the contracts.
 * `fresh` creates a new chain instead (the demo).
 */
export async function connectChain(ctx: CliContext, args: { network?: string; fresh?: boolean }): Promise<ChainConnection> {
  let hre: (typeof import("hardhat"))["default"];
  try {
    ({ default: hre } = await import("hardhat"));
  } catch (cause) {
    throw new CliError(`cannot load the Hardhat project from ${process.cwd()}: ${firstLine(cause)}`, {
      details: "Run chain commands (deploy, submit, demo) from the project folder that holds hardhat.config.ts.",
      cause,
    });
  }
  const known = Object.keys(hre.config.networks);
  if (args.network !== undefined && !known.includes(args.network)) {
    throw new CliError(`unknown network "${args.network}"`, { details: `Networks in hardhat.config.ts: ${known.join(", ")}.` });
  }
  // Inside zkinfer's own clone the contracts are built from source (an incremental build),
  // before any artifact lookup; the artifact manager's cached file list is dropped after the
  // build, since a list read before it (empty on a fresh clone) would hide what it wrote. In
  // any other project (one that installed zkinfer) the package's shipped artifacts are used
  // and the project's own contracts are not compiled.
  if (await isZkinferSource(hre.config.paths.root)) {
    if (!(await exists(hre.config.paths.artifacts))) ctx.progress("compiling the contracts (hardhat build)…");
    try {
      await hre.tasks.getTask("build").run({ quiet: true, noTests: true });
    } catch (cause) {
      throw new CliError("compiling the contracts failed", { details: `Run \`npx hardhat build\` to see the compiler's errors. (${firstLine(cause)})`, cause });
    }
    await hre.artifacts.clearCache();
    for (const name of CONTRACTS) {
      if (!(await hre.artifacts.artifactExists(name))) {
        throw new CliError(`the build wrote no artifact for contract ${name}`, { details: `Run \`npx hardhat build\` in ${hre.config.paths.root} and check that contracts/ holds ${name}.sol.` });
      }
    }
  }
  let connection;
  try {
    connection = args.fresh ? await hre.network.create(args.network) : await hre.network.getOrCreate(args.network);
  } catch (cause) {
    throw new CliError(`cannot connect to network "${args.network ?? "default"}": ${firstLine(cause)}`, {
      details: args.network === "localhost" ? "Start a node first: `npx hardhat node`." : "Check the network's URL and key (environment variables named in hardhat.config.ts, e.g. SEPOLIA_RPC_URL and SEPOLIA_PRIVATE_KEY).",
      cause,
    });
  }
  const ethers = (connection as unknown as { ethers: HardhatEthers }).ethers;
  let chainId: bigint;
  try {
    chainId = (await ethers.provider.getNetwork()).chainId;
  } catch (cause) {
    throw new CliError(`network "${connection.networkName}" does not answer: ${firstLine(cause)}`, {
      details: connection.networkName === "localhost" ? "Start a node first: `npx hardhat node`." : "Check the network's URL.",
      cause,
    });
  }
  const fragments: JsonFragment[] = [];
  for (const name of CONTRACTS) fragments.push(...(contractArtifact(name).abi as JsonFragment[]).filter((f) => f.type === "error"));
  const errors = new Interface(dedupe(fragments));
  return { ethers, networkName: connection.networkName, inProcess: connection.networkConfig.type === "edr-simulated", chainId, errors };
}

/** True when `root` is zkinfer's own source tree (a clone), not a project that installed it. */
async function isZkinferSource(root: string): Promise<boolean> {
  try {
    const pkg = JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as { name?: string };
    return pkg.name === "zkinfer" && (await exists(path.join(root, "contracts", "OptionPriceFeed.sol")));
  } catch {
    return false;
  }
}

/** A contract of the stack at `address`, with the package's ABI (no project artifact needed). */
export async function contractAt(chain: ChainConnection, name: ShippedContract, address: string) {
  return chain.ethers.getContractAt(contractArtifact(name).abi as never, address);
}

function dedupe<T extends { name?: string; inputs?: unknown }>(fragments: T[]): T[] {
  const seen = new Set<string>();
  return fragments.filter((f) => {
    const key = `${f.name}:${JSON.stringify(f.inputs)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}

// ------------------------------------------------------------------ deployment records

export async function readDeployment(ctx: CliContext, paths: ModelPaths, chain: ChainConnection): Promise<DeploymentRecord> {
  const file = deploymentRecordPath(paths.deploymentsDir, chain.networkName);
  if (!(await exists(file))) {
    throw new CliError(`no deployment of model "${paths.name}" on network "${chain.networkName}"`, { details: `Run \`zkinfer deploy --model ${paths.name} --network ${chain.networkName}\` first.` });
  }
  const record = JSON.parse(await readFile(file, "utf8")) as DeploymentRecord;
  if (record.chainId !== chain.chainId.toString()) {
    throw new CliError(`${file} is for chain ${record.chainId}, but network "${chain.networkName}" is chain ${chain.chainId}`, { details: "Re-run `zkinfer deploy` on this network." });
  }
  const code = await chain.ethers.provider.getCode(record.contracts.feed);
  if (code === "0x") {
    throw new CliError(`no contract at the recorded feed address ${record.contracts.feed} on network "${chain.networkName}"`, {
      details: chain.inProcess
        ? "The in-process chain starts empty in every process: use `--network localhost` with `npx hardhat node` running, or run `zkinfer demo`."
        : "The chain was reset since `zkinfer deploy`: deploy again.",
    });
  }
  return record;
}

// ------------------------------------------------------------------ transactions


/**
 * Send a transaction and wait for it; a revert becomes one line naming the custom error and
 * its arguments (`InvalidProof` → exit code 2).
 */
export async function send(chain: ChainConnection, label: string, tx: () => Promise<{ wait(): Promise<unknown> }>): Promise<{ gasUsed: bigint; blockNumber: number }> {
  try {
    const receipt = (await (await tx()).wait()) as { gasUsed: bigint; blockNumber: number };
    return receipt;
  } catch (error) {
    throw revertError(chain, label, error);
  }
}

export function revertError(chain: ChainConnection, label: string, error: unknown): BaseError {
  if (error instanceof BaseError) return error;
  const data = revertData(error);
  if (data) {
    let parsed;
    try {
      parsed = chain.errors.parseError(data);
    } catch {
      parsed = null;
    }
    if (parsed) {
      const args = parsed.fragment.inputs.map((inp, i) => `${inp.name || i}=${String(parsed.args[i])}`).join(", ");
      const message = `${label} reverted: ${parsed.name}(${args})`;
      if (parsed.name === "InvalidProof") return new VerificationFailedError(message, "The verifier rejected the proof: it was made with other keys or for another statement; re-run `zkinfer deploy` after `zkinfer setup`.");
      return new CliError(message, { details: "See the contract's NatSpec for when this error fires." });
    }
  }
  return new CliError(`${label} failed: ${firstLine(error)}`, { cause: error });
}
