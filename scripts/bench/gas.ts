import { readFile } from "node:fs/promises";
import hre from "hardhat";
import type { QuantizedModel } from "../../src/quantize/types.js";
import type { SolidityCalldata } from "../../src/zk/groth16.js";
import { compileSolidity } from "../../src/zk/solidity.js";

export type GasFigures = Record<string, number>;

/** Gas of verifyProof (as a transaction) on Hardhat's in-process chain. */
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
  return { verifyGas };
}
