import { InvalidValueError } from "../errors.js";
import { toRawUnits } from "../quantize/decimal.js";
import { checkRawInputs } from "../quantize/forward.js";
import type { QuantizedModel } from "../quantize/types.js";
import { FIELD_ORDER, fromFieldSigned } from "../zk/field.js";
import { circuitSignals } from "./names.js";

/** Raw inputs by feature name, in on-chain integer units (bigint or decimal-integer string). */
export type RawInputs = Record<string, bigint | string>;

/** Parse raw inputs by name; every declared feature must be present and nothing else. */
export function rawInputVector(q: QuantizedModel, inputs: RawInputs): bigint[] {
  const names = q.inputs.map((i) => i.name);
  for (const key of Object.keys(inputs)) {
    if (!names.includes(key)) throw new InvalidValueError({ field: `inputs.${key}`, value: inputs[key], allowed: `one of the model's inputs: ${names.join(", ")}` });
  }
  return q.inputs.map((inp) => {
    const v = inputs[inp.name];
    if (v === undefined) throw new InvalidValueError({ field: `inputs.${inp.name}`, value: undefined, allowed: `a raw integer with ${inp.decimals} decimals` });
    if (typeof v === "bigint") return v;
    if (!/^-?[0-9]+$/.test(String(v).trim())) {
      throw new InvalidValueError({ field: `inputs.${inp.name}`, value: v, allowed: `an integer in raw on-chain units (${inp.decimals} decimals)` });
    }
    return BigInt(String(v).trim());
  });
}

/** Convert real-unit values (e.g. 1.05) to raw on-chain integers, exactly. */
export function realToRawInputs(q: QuantizedModel, values: Record<string, number | string>): RawInputs {
  const out: RawInputs = {};
  for (const inp of q.inputs) {
    const v = values[inp.name];
    if (v === undefined) throw new InvalidValueError({ field: `inputs.${inp.name}`, value: undefined, allowed: "a number" });
    out[inp.name] = toRawUnits(v, inp.decimals, `inputs.${inp.name}`);
  }
  return out;
}

/**
 * The circuit input object for raw inputs, checked against the declared ranges first so a
 * bad input fails with an error naming it (the circuit rejects it too).
 */
export function toCircuitInput(q: QuantizedModel, inputs: RawInputs | readonly bigint[]): Record<string, string> {
  const raw = Array.isArray(inputs) ? [...inputs] : rawInputVector(q, inputs as RawInputs);
  checkRawInputs(q, raw);
  const names = circuitSignals(q).inputs;
  return Object.fromEntries(names.map((n, j) => [n, raw[j].toString()]));
}

export interface DecodedSignals {
  /** The output in raw on-chain units (signed). */
  output: bigint;
  /** The inputs in raw on-chain units. */
  inputs: Record<string, bigint>;
}

/** Read public signals in the model's order: output, then inputs. */
export function decodePublicSignals(q: QuantizedModel, signals: readonly (string | bigint)[]): DecodedSignals {
  if (signals.length !== q.publicSignals.length) {
    throw new InvalidValueError({ field: "publicSignals", value: `${signals.length} values`, allowed: `${q.publicSignals.length} (${q.publicSignals.join(", ")})` });
  }
  const v = signals.map((s) => BigInt(s));
  v.forEach((s, i) => {
    if (s < 0n || s >= FIELD_ORDER) throw new InvalidValueError({ field: `publicSignals[${i}]`, value: s, allowed: "a field element (< the BN254 scalar field order)" });
  });
  return {
    output: fromFieldSigned(v[0]),
    inputs: Object.fromEntries(q.inputs.map((inp, j) => [inp.name, v[j + 1]])),
  };
}
