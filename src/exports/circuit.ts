/** `zkinfer/circuit`: the circom circuit of a quantized model, its inputs and public signals. */
export { type BuildCircuitReturnType, buildCircuit, circuitLibDir } from "../circuit/build.js";
export { predictConstraints } from "../circuit/cost.js";
export { emitCircuit } from "../circuit/emit.js";
export { type DecodedSignals, decodePublicSignals, type RawInputs, rawInputVector, realToRawInputs, toCircuitInput } from "../circuit/inputs.js";
