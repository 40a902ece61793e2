/**
 * Gas of the contracts' hot paths with a real Groth16 verifier (the option-layout test
 * circuit, 5 public signals) on the in-process chain, as JSON on stdout.
 *
 *   npx hardhat run scripts/gas-contracts.ts        (or: npx tsx scripts/gas-contracts.ts)
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { buildOptionLayoutVerifier } from "../src/contracts/optionLayoutCircuit.js";
import { measureContractGas } from "../src/deploy/measureGas.js";

const workDir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-gas-"));
const verifier = await buildOptionLayoutVerifier({ workDir, log: (l) => console.error(l) });
try {
  const connection = await hre.network.create("hardhatMainnet");
  const report = await measureContractGas(connection.ethers, { verifier });
  console.log(JSON.stringify(report, null, 2));
  await connection.close();
} finally {
  await verifier.close();
  await rm(workDir, { recursive: true, force: true });
}
