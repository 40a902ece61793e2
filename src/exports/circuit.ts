/** `zkinfer/circuit`: the circom circuit of a quantized model, its inputs and public signals. */
export { type BuildCircuitReturnType, buildCircuit, circuitLibDir } from "../circuit/build.js";
export { predictConstraints } from "../circuit/cost.js";
export { emitCircuit } from "../circuit/emit.js";
export { type DecodedSignals, decodePublicSignals, type RawInputs, rawInputVector, realToRawInputs, toCircuitInput } from "../circuit/inputs.js";
// Risk-vector circuit: mark, stress-grid prices, Δ and Γ in one proof (docs/circuits.md).
export { type BuildRiskCircuitReturnType, buildRiskCircuit } from "../circuit/risk/build.js";
export { predictRiskConstraints } from "../circuit/risk/cost.js";
export { type DecodedRisk, decodeRiskSignals, riskForward, type RiskVector } from "../circuit/risk/reference.js";
export { defaultGrid, type RiskGrid, type RiskSpec, riskSpec, wideGrid } from "../circuit/risk/spec.js";
export {
  checkRiskMarkInputs,
  compareGreeks,
  compileModelRisk,
  loadRiskArtifacts,
  proveRisk,
  proveRiskRaw,
  RiskInputOutOfRangeError,
  setupModelRisk,
  writeRiskProof,
} from "../prove/risk.js";
