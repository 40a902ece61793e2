/**
 * A verifier-only deployment for any model, whatever its features: the model's Groth16
 * verifier and a `ModelRegistry` with the model registered (id, outputs, input ranges).
 * Contracts then verify proofs through the registry; the option feed and engine are not
 * deployed (they serve only the option layout, see optionLayout.ts).
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { type BaseContract, ContractFactory } from "ethers";
import { contractArtifact } from "./contractArtifacts.js";
import type { ModelFacts, VerifierSource } from "./types.js";

export interface DeployVerifierParameters {
  verifier: VerifierSource;
  model: ModelFacts;
}

export interface DeployVerifierReturnType {
  chainId: bigint;
  deployer: string;
  verifier: string;
  registry: string;
  gasUsed: Record<string, bigint>;
}

export async function deployVerifier(ethers: HardhatEthers, params: DeployVerifierParameters): Promise<DeployVerifierReturnType> {
  const [signer] = await ethers.getSigners();
  const deployer = await signer.getAddress();
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const gasUsed: Record<string, bigint> = {};
  const deployed = async (label: string, contract: BaseContract) => {
    gasUsed[label] = (await contract.deploymentTransaction()!.wait())!.gasUsed;
    return contract.getAddress();
  };
  const verifier =
    "address" in params.verifier
      ? params.verifier.address
      : await deployed("verifier", (await new ContractFactory(params.verifier.abi as never, params.verifier.bytecode, signer).deploy()) as BaseContract);
  const artifact = contractArtifact("ModelRegistry");
  const registryContract = (await new ContractFactory(artifact.abi as never, artifact.bytecode, signer).deploy(deployer)) as BaseContract;
  const registry = await deployed("registry", registryContract);
  const m = params.model;
  const tx = await (registryContract as unknown as { registerModel(...a: unknown[]): Promise<{ wait(): Promise<{ gasUsed: bigint }> }> }).registerModel(m.modelId, verifier, m.numOutputs, m.outputDecimals, m.inputs);
  gasUsed.registerModel = (await tx.wait()).gasUsed;
  return { chainId, deployer, verifier, registry, gasUsed };
}
