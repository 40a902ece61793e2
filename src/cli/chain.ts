/**
 * The chain side of the CLI: a Hardhat network connection (built contracts included),
 * deployment records, the option statement the price feed expects, and revert decoding.
 *
 * The in-process chain (Hardhat's simulated network, the default) lives inside one process:
 * `deploy` and `submit` share it only when they run in the same process (the demo, tests
 * calling `run()`); across separate commands use a persistent node (`--network localhost`
 * after `npx hardhat node`).
 */
import { readFile } from "node:fs/promises";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { type Contract, Interface } from "ethers";
import { readOptionInputs } from "../chain/optionStatement.js";
import type { DeploymentRecord } from "../chain/record.js";
import { deploymentRecordPath } from "../chain/record.js";
import { BaseError, InputOutOfRangeError } from "../errors.js";
import { fromRawUnits } from "../quantize/decimal.js";
import { checkRawInputs } from "../quantize/forward.js";
import type { QuantizedModel } from "../quantize/types.js";
import { type ModelPaths, exists } from "./artifacts.js";
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
  // Build before any artifact lookup, then drop the artifact manager's cached file list: it is
  // read once per process, so a list read before the build (empty on a fresh clone) would hide
  // the contracts the build just wrote.
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
  let connection;
  try {
    connection = args.fresh ? await hre.network.create(args.network) : await hre.network.getOrCreate(args.network);
  } catch (cause) {
    throw new CliError(`cannot connect to network "${args.network ?? "default"}": ${firstLine(cause)}`, {
      details: args.network === "localhost" ? "Start a node first: `npx hardhat node`." : "Check the network's URL and credentials (npx hardhat keystore).",
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
  const fragments = [];
  for (const name of CONTRACTS) fragments.push(...(await hre.artifacts.readArtifact(name)).abi.filter((f: { type: string }) => f.type === "error"));
  const errors = new Interface(dedupe(fragments));
  return { ethers, networkName: connection.networkName, inProcess: connection.networkConfig.type === "edr-simulated", chainId, errors };
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

// ------------------------------------------------------------------ statements

export interface ChainStatement {
  observedAt: bigint;
  /** Raw inputs in the model's order. */
  inputs: bigint[];
  spot: bigint;
  strike: bigint;
}

/** Names the option feed expects, in order (inputs of the model). */
export const OPTION_INPUTS = ["moneyness", "timeToExpiry", "volatility", "rate"] as const;

/** Throws unless the model has the feed's option layout (4 inputs, 1 output, all 18 decimals). */
export function assertOptionLayout(q: QuantizedModel): void {
  const names = q.inputs.map((i) => i.name);
  const ok =
    names.join(",") === OPTION_INPUTS.join(",") && q.inputs.every((i) => i.decimals === 18) && q.output.decimals === 18;
  if (!ok) {
    throw new CliError(
      `model "${q.name}" does not have the price feed's layout: inputs ${names.join(", ")} (decimals ${q.inputs.map((i) => i.decimals).join(", ")}), output decimals ${q.output.decimals}`,
      { details: `The option feed needs inputs ${OPTION_INPUTS.join(", ")} and an output, all with 18 decimals (the built-in dataset's layout).` },
    );
  }
}

/**
 * The only statement the feed accepts for `seriesId` now: `observedAt` = updatedAt of the
 * spot oracle's latest round, moneyness from its answer, volatility from the volatility
 * oracle's latest answer, the series' rate, and timeToExpiry for `observedAt` (see
 * `readOptionInputs`). If an oracle updates before the proof is included, the feed rejects it
 * and the statement must be read and proven again.
 */
export async function chainStatement(_chain: ChainConnection, feed: Contract, seriesId: bigint, q: QuantizedModel): Promise<ChainStatement> {
  const series = await feed.getSeries(seriesId);
  const st = await readOptionInputs(feed as never, seriesId);
  const observedAt = st.observedAt;
  const spot = st.spot;
  const strike = BigInt(series.strike);
  const inputs = OPTION_INPUTS.map((n) => st[n]);
  try {
    checkRawInputs(q, inputs);
  } catch (error) {
    if (error instanceof InputOutOfRangeError) {
      const inp = q.inputs.find((i) => i.name === error.feature)!;
      throw new CliError(
        `series ${seriesId} now has ${inp.name} = ${fromRawUnits(BigInt(error.value), 18)}, outside the model's declared range [${fromRawUnits(BigInt(inp.minRaw), 18)}, ${fromRawUnits(BigInt(inp.maxRaw), 18)}]`,
        { details: "The model cannot price the series in this state (e.g. the spot moved too far); use a model trained for a wider range." },
      );
    }
    throw error;
  }
  return { observedAt, inputs, spot, strike };
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
