/**
 * Gas of the contracts' hot paths with a real Groth16 verifier (5 public signals) on the
 * in-process chain, as JSON on stdout. The verifier is a generated model circuit (a small
 * MLP trained on Black–Scholes calls, development setup); with ZKINFER_GAS_CIRCUIT=layout
 * the hand-written test circuit circuits/test/option_layout.circom instead.
 *
 *   npx hardhat run scripts/gas-contracts.ts        (or: npx tsx scripts/gas-contracts.ts)
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { buildGeneratedModelVerifier, trainSmallOptionModel } from "../src/chain/generatedModelVerifier.js";
import { buildOptionLayoutVerifier } from "../src/chain/optionLayoutCircuit.js";
import type { OptionModelVerifier } from "../src/chain/optionModelVerifier.js";
import { measureContractGas } from "../src/chain/measureGas.js";

const log = (l: string) => console.error(l);
const workDir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-gas-"));
let verifier: OptionModelVerifier | undefined;
try {
  verifier =
    process.env.ZKINFER_GAS_CIRCUIT === "layout"
      ? await buildOptionLayoutVerifier({ workDir, log })
      : await buildGeneratedModelVerifier({ q: await trainSmallOptionModel(), workDir, log });
  const connection = await hre.network.create("hardhatMainnet");
  const report = await measureContractGas(connection.ethers, { verifier });
  console.log(JSON.stringify(report, null, 2));
  await connection.close();
} finally {
  await verifier?.close();
  await rm(workDir, { recursive: true, force: true });
}
