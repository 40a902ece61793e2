/**
 * `zkinfer/zk`: Groth16 setup, proving and verification (snarkjs), powers of tau, the
 * exported Solidity verifier, and proving from a model's artifacts or an exported bundle.
 */
export {
  type CircuitInput,
  createProver,
  exportSolidityVerifier,
  type Groth16Proof,
  type Prover,
  proveGroth16,
  setupGroth16,
  type SetupGroth16Parameters,
  type SetupGroth16ReturnType,
  type SolidityCalldata,
  toSolidityCalldata,
  verifierContractName,
  verifyGroth16,
} from "../zk/groth16.js";
export { releaseCurves } from "../zk/curve.js";
export { INSECURE_PTAU_WARNING, insecurePtauName, writeInsecurePtau, type WriteInsecurePtauParameters } from "../zk/devPtau.js";
export { DEV_PTAU_WARNING, isPtauWarning, PtauTooSmallError, readPtauInfo, requiredPower, resolvePtau, type ResolvePtauParameters } from "../zk/ptau.js";
export { type CompiledContract, compileSolidity } from "../zk/solidity.js";
export { type ProvedStatement, proveRaw } from "../prove/proving.js";
export { type LoadedProof, readProof, type StatementFile, writeProof } from "../prove/proofFolder.js";
export { type Bundle, type BundleManifest, exportBundle, loadBundle } from "../bundle/bundle.js";
