/**
 * `zkinfer/quantize`: fixed-point quantization with batch norm folded, the static bound
 * analysis, the bit-exact integer forward pass, the Poseidon model id, and raw units.
 */
export { type BoundAnalysis, analyzeBounds, type QuantizeOptions, quantize } from "../quantize/quantize.js";
export { fromRawUnits, toRawUnits } from "../quantize/decimal.js";
export { loadQuantizedModel, parseQuantizedModel, QuantizedModelFileError, serializeQuantizedModel } from "../quantize/file.js";
export { checkRawInputs, integerForward } from "../quantize/forward.js";
export { computeModelId } from "../quantize/modelId.js";
export { guaranteedErrorBound, type QuantizationReport, quantizationReport, quantizeToTolerance, ToleranceNotMetError } from "../quantize/report.js";
export type { QuantizedInput, QuantizedModel, QuantizedOutput } from "../quantize/types.js";
