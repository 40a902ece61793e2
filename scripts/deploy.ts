/**
 * Deploy the zkinfer stack (model verifier, registry, proven-price feed, margin engine; mocks
 * on a development chain) and write `deployments/<network>.json`.
 *
 *   npx hardhat run scripts/deploy.ts --network <name>
 *
 * `hardhat run` passes no script arguments, so options come from the environment:
 *   ZKINFER_DEPLOY_CONFIG   JSON config (verifier, model, owner, collateral, series, risk);
 *                           optional on a development chain (then: test-circuit verifier + mocks)
 *   ZKINFER_FORCE=1         replace an existing deployment record (the --force of this script)
 *   ZKINFER_DEPLOYMENTS_DIR where records go (default: deployments)
 *   ZKINFER_RPC_URL         override the network's RPC URL (e.g. a node on another port)
 */
import hre from "hardhat";
import { loadDeployConfig, resolveDeployConfig } from "../src/chain/config.js";
import { deployStack } from "../src/chain/deployStack.js";
import { BaseError } from "../src/errors.js";
import { assertRecordWritable, deploymentRecordPath, toDeploymentRecord, writeDeploymentRecord } from "../src/chain/record.js";

async function main(): Promise<void> {
  const env = process.env;
  const force = env.ZKINFER_FORCE === "1";
  const connection = await hre.network.create(env.ZKINFER_RPC_URL ? { override: { url: env.ZKINFER_RPC_URL } } : undefined);
  const { ethers, networkName } = connection;
  const log = (line: string) => console.error(line);

  const recordPath = deploymentRecordPath(env.ZKINFER_DEPLOYMENTS_DIR ?? "deployments", networkName);
  await assertRecordWritable(recordPath, { force });

  const { chainId } = await ethers.provider.getNetwork();
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const { config, baseDir } = env.ZKINFER_DEPLOY_CONFIG ? await loadDeployConfig(env.ZKINFER_DEPLOY_CONFIG) : { config: {}, baseDir: process.cwd() };
  const { params, notes } = await resolveDeployConfig(config, { chainId, baseDir, now, log });

  log(`Deploying to ${networkName} (chain ${chainId})`);
  const result = await deployStack(ethers, { ...params, log });
  const record = toDeploymentRecord(networkName, result, notes);
  await writeDeploymentRecord(recordPath, record, { force });

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
