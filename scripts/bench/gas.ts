import { readFile } from "node:fs/promises";
import path from "node:path";
import hre from "hardhat";
import { generatedModelVerifier } from "../../src/chain/generatedModelVerifier.js";
import { measureContractGas } from "../../src/chain/measureGas.js";
import type { QuantizedModel } from "../../src/quantize/types.js";
import type { SolidityCalldata } from "../../src/zk/groth16.js";
import { readR1csHeader } from "../../src/zk/r1cs.js";
import { compileSolidity } from "../../src/zk/solidity.js";

export type GasFigures = Record<string, number>;

/**
 * Gas on Hardhat's in-process chain: verifyProof (as a transaction) of the benchmark proof;
 * with `withFeed` (an option model with the feed's 5-signal layout) also the stack's hot
 * paths with the benchmarked model registered under its model id and ranges, every price a
 * real proof of it: feed submit (steady state), opening a short, and its liquidation after
 * a spot move inside the model's ranges (see `measureContractGas`).
 */
export async function measureGas(args: {
  q: QuantizedModel;
  verifierPath: string;
  contractName: string;
  calldata: SolidityCalldata;
  withFeed: boolean;
  wasmPath: string;
  zkeyPath: string;
}): Promise<GasFigures> {
  const { ethers } = await hre.network.connect();
  const [deployer] = await ethers.getSigners();
  const built = compileSolidity(await readFile(args.verifierPath, "utf8"), args.contractName);
  const verifier = await new ethers.ContractFactory(built.abi as never, built.bytecode, deployer).deploy();
  await verifier.waitForDeployment();
  const cd = args.calldata;
  const fn = verifier.getFunction("verifyProof");
  if (!(await fn.staticCall(cd.a, cd.b, cd.c, cd.publicSignals))) throw new Error("benchmark proof does not verify");
  const verifyGas = Number(await fn.estimateGas(cd.a, cd.b, cd.c, cd.publicSignals));
  if (!args.withFeed) return { verifyGas };

  // circom writes <dir>/<name>.r1cs next to <dir>/<name>_js/<name>.wasm.
  const r1csPath = path.join(path.dirname(path.dirname(args.wasmPath)), `${path.basename(args.wasmPath, ".wasm")}.r1cs`);
  const model = await generatedModelVerifier({
    q: args.q,
    wasmPath: args.wasmPath,
    zkeyPath: args.zkeyPath,
    verifierPath: args.verifierPath,
    verifierContractName: args.contractName,
    constraints: (await readR1csHeader(r1csPath)).nConstraints,
  });
  try {
    const report = await measureContractGas(ethers, { verifier: model });
    return {
      verifyGas,
      submitGas: report.submit,
      openPositionGas: report.openPosition,
      openPositionColdSeriesGas: report.openPositionColdSeries,
      openPosition8Gas: report.openPosition8,
      closePositionGas: report.closePosition,
      closePosition8Gas: report.closePosition8,
      liquidateGas: report.liquidate,
      liquidate8Gas: report.liquidate8,
    };
  } finally {
    await model.close();
  }
}
