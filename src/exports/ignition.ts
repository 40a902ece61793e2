/** `zkinfer/ignition`: Hardhat Ignition modules for the verifier, registry, feed and engine. */
export { type VerifierArtifact, ZkinferDevMocksModule, zkinferModules } from "../ignition/modules.js";
export { contractArtifact, type ContractArtifact } from "../chain/contractArtifacts.js";
