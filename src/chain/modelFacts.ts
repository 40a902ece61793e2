import { InvalidValueError } from "../errors.js";
import type { QuantizedModel } from "../quantize/types.js";
import { FIELD_ORDER } from "../zk/field.js";
import type { ModelFacts } from "./types.js";

const U128 = 2n ** 128n;

/**
 * The registry facts of a quantized model: its Poseidon model id, one output, and per input
 * the decimals and the inclusive raw range the circuit enforces. The registry stores
 * unsigned 128-bit ranges, so every raw bound must be in [0, 2^128).
 */
export function modelFactsFromQuantized(q: QuantizedModel): ModelFacts {
  const modelId = BigInt(q.modelId);
  if (modelId <= 0n || modelId >= FIELD_ORDER) {
    throw new InvalidValueError({ field: "modelId", value: q.modelId, allowed: "a non-zero BN254 field element" });
  }
  const inputs = q.inputs.map((input) => {
    const min = BigInt(input.minRaw);
    const max = BigInt(input.maxRaw);
    for (const [which, v] of [["minRaw", min], ["maxRaw", max]] as const) {
      if (v < 0n || v >= U128) {
        throw new InvalidValueError({ field: `inputs.${input.name}.${which}`, value: v, allowed: "[0, 2^128): the registry holds unsigned on-chain values" });
      }
    }
    return { decimals: input.decimals, min, max };
  });
  return { modelId, numOutputs: 1, outputDecimals: q.output.decimals, inputs };
}
