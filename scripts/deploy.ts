/**
 * Deploy the zkinfer stack (model verifier, registry, proven-price feed, margin engine; mocks
 * on a development chain) with Hardhat Ignition and write `<deployments-dir>/<network>.json`.
 *
 *   npx tsx scripts/deploy.ts --network <name> [--config deploy.json] [--force]
 *                             [--deployments-dir deployments] [--rpc-url URL] [--ignition-dir DIR]
 *
 *   --network          a network of hardhat.config.ts (default: the in-process chain)
 *   --config           JSON deploy config (verifier, model, owner, collateral, series, risk);
 *                      optional on a development chain (then: test-circuit verifier + mocks)
 *   --force            replace an existing deployment record
 *   --deployments-dir  where records go (default: deployments)
 *   --rpc-url          override the network's RPC URL (e.g. a node on another port)
 *   --ignition-dir     keep Ignition's journal there, so that an interrupted deployment
 *                      resumes when re-run with the same folder and config
 */
import { parseArgs } from "node:util";
import hre from "hardhat";
import { loadDeployConfig, resolveDeployConfig } from "../src/chain/config.js";
import { deployStack } from "../src/chain/deployStack.js";
import { BaseError, InvalidValueError } from "../src/errors.js";
import { assertRecordWritable, deploymentRecordPath, toDeploymentRecord, writeDeploymentRecord } from "../src/chain/record.js";

const USAGE = "usage: npx tsx scripts/deploy.ts --network <name> [--config deploy.json] [--force] [--deployments-dir DIR] [--rpc-url URL] [--ignition-dir DIR]";

function options() {
  try {
    return parseArgs({
      options: {
        network: { type: "string" },
        config: { type: "string" },
        force: { type: "boolean", default: false },
        "deployments-dir": { type: "string", default: "deployments" },
        "rpc-url": { type: "string" },
        "ignition-dir": { type: "string" },
        help: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (cause) {
    throw new InvalidValueError({ field: "arguments", value: process.argv.slice(2).join(" "), allowed: USAGE, cause });
  }
}

async function main(): Promise<void> {
  const opts = options();
  if (opts.help) {
    console.log(USAGE);
    return;
  }
  const known = Object.keys(hre.config.networks);
  if (opts.network !== undefined && !known.includes(opts.network)) {
    throw new InvalidValueError({ field: "--network", value: opts.network, allowed: `a network of hardhat.config.ts: ${known.join(", ")}` });
  }
  const connection = await hre.network.create({ network: opts.network, ...(opts["rpc-url"] ? { override: { url: opts["rpc-url"] } } : {}) });
  const { ethers, networkName } = connection;
  const log = (line: string) => console.error(line);

  const recordPath = deploymentRecordPath(opts["deployments-dir"], networkName);
  await assertRecordWritable(recordPath, { force: opts.force });

  const { chainId } = await ethers.provider.getNetwork();
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const { config, baseDir } = opts.config ? await loadDeployConfig(opts.config) : { config: {}, baseDir: process.cwd() };
  const { params, notes } = await resolveDeployConfig(config, { chainId, baseDir, now, log });

  log(`Deploying to ${networkName} (chain ${chainId})`);
  const result = await deployStack(ethers, { ...params, log, ...(opts["ignition-dir"] ? { ignitionDir: opts["ignition-dir"] } : {}) });
  const record = toDeploymentRecord(networkName, result, notes);
  await writeDeploymentRecord(recordPath, record, { force: opts.force });

  console.log(JSON.stringify({ record: recordPath, ...record.contracts, series: record.series }, null, 2));
  await connection.close();
}

try {
  await main();
} catch (error) {
  if (!(error instanceof BaseError)) throw error;
  console.error(`error: ${error.message}`);
  process.exitCode = 1;
}
