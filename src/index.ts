/**
 * zkinfer: train → quantize → circuit → Groth16 → on-chain verified option prices.
 * The root entry re-exports each stage's main functions; the subpath entries
 * (`zkinfer/train`, `zkinfer/quantize`, `zkinfer/circuit`, `zkinfer/zk`, `zkinfer/chain`)
 * hold the rest.
 */
export { ArtifactError, BaseError, CsvError, InputOutOfRangeError, InvalidValueError, MissingArtifactError, ModifiedArtifactError, StaleArtifactError, VerificationFailedError } from "./errors.js";
export { blackScholesDataset, type Dataset, type FloatModel, loadCsv, predict, train, trainReferenceModel } from "./exports/train.js";
export { fromRawUnits, integerForward, loadQuantizedModel, quantizationReport, quantize, type QuantizedModel, toRawUnits } from "./exports/quantize.js";
export { buildCircuit, decodePublicSignals, emitCircuit } from "./exports/circuit.js";
export { type Bundle, createProver, loadBundle, type Groth16Proof, type Prover, proveRaw, resolvePtau, setupGroth16, type SolidityCalldata, toSolidityCalldata, verifyGroth16 } from "./exports/zk.js";
export { chainStatement, deployStack, proveAndSubmit, readOptionInputs, submitProof } from "./exports/chain.js";
