/** `zkinfer/ignition`: Hardhat Ignition modules for the verifier, registry, feed and engine. */
export { type IgnitionParameter, type VerifierArtifact, zkinferModules, zkinferParameters, type ZkinferParametersInput } from "../ignition/modules.js";
export { ZkinferDevMocksModule } from "../ignition/devMocks.js";
export { contractArtifact, type ContractArtifact } from "../chain/contractArtifacts.js";
