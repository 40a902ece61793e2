/**
 * Payoff skip: an output kind that adds the option's undiscounted expiry payoff, computed
 * exactly from one range-checked raw input, to the network's output. The network then learns
 * only the time value above the payoff:
 *
 *   price/K = payoff(m) + clamp(NN(x)),   payoff(m) = max(m − k, 0) (call) or max(k − m, 0) (put)
 *
 * with m the moneyness input and k the strike in the same units (1 for price/strike).
 *
 * Stages (one module, as for the layer kinds):
 * - float forward: `floatPayoff`, added after the inverse target scaler and the target clamp
 *   (the declared target min/max clamp the time value);
 * - training: the payoff has no parameters and dprice/dNN = 1, so the backward pass of the
 *   network is unchanged; the trainer fits the network to y − payoff(x) (`timeValueTargets`);
 * - quantize: `quantizePayoff` gives the integer skip: strike in raw input units and the factor
 *   10^(outDecimals − inDecimals) that turns a raw input difference into raw output units;
 * - integer forward: `integerPayoff`, relu(±(X − K_raw)) · factor, exact in raw output units,
 *   added to the rescaled output (the statement stays exact: no rounding at all);
 * - interval: `payoffInterval` over the declared input range (for the no-arbitrage clamp's
 *   widths and the reports);
 * - error bound: the float and the integer payoff are the same number at the same raw input,
 *   so the skip adds no quantization error; `PAYOFF_FLOAT_SLACK` covers float64 round-off;
 * - circom: `emitPayoff`, one `RescaleRelu(B, 0)` (B + 1 constraints) on the linear function
 *   ±(X − K_raw) of the range-checked input signal; its bits are pinned by the decomposition
 *   and the product, see test/circuit.payoff.test.ts for the forged witnesses;
 * - model id: `payoffIdCodes`, appended after the no-arbitrage codes (tag 16).
 */
import { z } from "zod";
import { InvalidValueError } from "../errors.js";
import { decompositionBits, relu } from "../quantize/bounds.js";
import { toRawUnits } from "../quantize/decimal.js";
import type { Interval } from "./kind.js";

/** The float model's skip (FloatModel.skip). */
export interface PayoffSkip {
  kind: "payoff";
  option: "call" | "put";
  /** Index of the moneyness input (features order). */
  input: number;
  /** Strike in the input's real units (1 for moneyness S/K). */
  strike: number;
}

/** The quantized model's skip (QuantizedOutput.skip); big integers as decimal strings. */
export interface QuantizedPayoff {
  kind: "payoff";
  option: "call" | "put";
  input: number;
  /** Strike in raw input units. */
  strikeRaw: string;
  /** Raw output units per raw input unit: 10^(outDecimals − inDecimals). */
  factor: string;
  /** Width of the ReLU's decomposition of ±(X − strikeRaw). */
  bits: number;
}

export const payoffSkipSchema = z.strictObject({
  kind: z.literal("payoff"),
  option: z.enum(["call", "put"]),
  input: z.number().int().nonnegative(),
  strike: z.number(),
});

/** Float64 round-off of the float payoff against the exact one (relative to 1 + |payoff|). */
export const PAYOFF_FLOAT_SLACK = 2 ** -50;

/** Checks a float skip against the model's features; errors name the field. */
export function validatePayoff(skip: PayoffSkip, features: readonly { name: string }[], field = "skip"): void {
  if (skip.kind !== "payoff") throw new InvalidValueError({ field: `${field}.kind`, value: skip.kind, allowed: '"payoff"' });
  if (skip.option !== "call" && skip.option !== "put") throw new InvalidValueError({ field: `${field}.option`, value: skip.option, allowed: '"call" or "put"' });
  if (!Number.isInteger(skip.input) || skip.input < 0 || skip.input >= features.length) {
    throw new InvalidValueError({ field: `${field}.input`, value: skip.input, allowed: `a feature index in [0, ${features.length - 1}]` });
  }
  if (typeof skip.strike !== "number" || !Number.isFinite(skip.strike)) throw new InvalidValueError({ field: `${field}.strike`, value: skip.strike, allowed: "a finite number" });
}

/** The undiscounted payoff at real-unit features x. */
export function floatPayoff(skip: PayoffSkip, x: readonly number[]): number {
  const d = x[skip.input] - skip.strike;
  return skip.option === "call" ? (d > 0 ? d : 0) : d < 0 ? -d : 0;
}

/** Training targets of the network: y − payoff(x) (the time value). */
export function timeValueTargets(skip: PayoffSkip, x: readonly (readonly number[])[], y: readonly number[]): number[] {
  return y.map((v, i) => v - floatPayoff(skip, x[i]));
}

/** ±(X − K_raw): the argument of the payoff's ReLU. */
function argument(qs: Pick<QuantizedPayoff, "option" | "strikeRaw">, x: bigint): bigint {
  const d = x - BigInt(qs.strikeRaw);
  return qs.option === "call" ? d : -d;
}

/** The integer payoff in raw output units, bit-exact with the circuit. */
export function integerPayoff(qs: QuantizedPayoff, raw: readonly bigint[]): bigint {
  return relu(argument(qs, raw[qs.input])) * BigInt(qs.factor);
}

/** Interval of the ReLU's argument over the declared raw range of the input. */
function argumentInterval(qs: Pick<QuantizedPayoff, "option" | "strikeRaw">, input: { minRaw: string; maxRaw: string }): Interval {
  const a = argument(qs, BigInt(input.minRaw));
  const b = argument(qs, BigInt(input.maxRaw));
  return a < b ? { lo: a, hi: b } : { lo: b, hi: a };
}

/** Raw-output interval of the payoff over the declared input range. */
export function payoffInterval(qs: QuantizedPayoff, inputs: readonly { minRaw: string; maxRaw: string }[]): Interval {
  const iv = argumentInterval(qs, inputs[qs.input]);
  const f = BigInt(qs.factor);
  return { lo: relu(iv.lo) * f, hi: relu(iv.hi) * f };
}

/** The integer skip of a float skip, for raw inputs and an output with the given decimals. */
export function quantizePayoff(skip: PayoffSkip, inputs: readonly { name: string; decimals: number; minRaw: string; maxRaw: string }[], outDecimals: number): QuantizedPayoff {
  validatePayoff(skip, inputs);
  const inp = inputs[skip.input];
  if (inp.decimals > outDecimals) {
    throw new InvalidValueError({ field: `skip.input (${inp.name}) decimals`, value: inp.decimals, allowed: `at most the output's ${outDecimals} decimals (the payoff must be exact in raw output units)` });
  }
  const strikeRaw = toRawUnits(skip.strike, inp.decimals, "skip.strike").toString();
  const base = { option: skip.option, strikeRaw };
  const bits = decompositionBits(argumentInterval(base, inp), 0, "payoff skip");
  return { kind: "payoff", option: skip.option, input: skip.input, strikeRaw, factor: (10n ** BigInt(outDecimals - inp.decimals)).toString(), bits };
}

/** Checks a stored quantized skip (file loader); errors name the field. */
export function checkQuantizedPayoff(qs: QuantizedPayoff, inputs: readonly { name: string; minRaw: string; maxRaw: string }[], field = "output.skip"): void {
  if (qs.option !== "call" && qs.option !== "put") throw new InvalidValueError({ field: `${field}.option`, value: qs.option, allowed: '"call" or "put"' });
  if (!Number.isInteger(qs.input) || qs.input < 0 || qs.input >= inputs.length) {
    throw new InvalidValueError({ field: `${field}.input`, value: qs.input, allowed: `an input index in [0, ${inputs.length - 1}]` });
  }
  const need = decompositionBits(argumentInterval(qs, inputs[qs.input]), 0, field);
  if (qs.bits !== need) throw new InvalidValueError({ field: `${field}.bits`, value: qs.bits, allowed: `${need} (the width of ±(x − strike) over the declared range)` });
  if (BigInt(qs.factor) < 1n) throw new InvalidValueError({ field: `${field}.factor`, value: qs.factor, allowed: "a positive integer" });
}

/** Constraints (--O2) of the skip: one ReLU decomposition. */
export function payoffConstraints(qs: QuantizedPayoff): number {
  return qs.bits + 1;
}

/** Model-id integers: [16, option 1 call / 2 put, input index, strikeRaw, factor]. */
export function payoffIdCodes(qs: QuantizedPayoff): bigint[] {
  return [16n, qs.option === "call" ? 1n : 2n, BigInt(qs.input), BigInt(qs.strikeRaw), BigInt(qs.factor)];
}

/**
 * Circom lines: the payoff signal `payoff` = relu(±(x − K)) · factor from the input signal
 * `input` (already range-checked by InputRange).
 */
export function emitPayoff(qs: QuantizedPayoff, input: string): string[] {
  const arg = qs.option === "call" ? `${input} - (${qs.strikeRaw})` : `(${qs.strikeRaw}) - ${input}`;
  return [
    `    // Payoff skip (exact): ${qs.option === "call" ? "max(x - K, 0)" : "max(K - x, 0)"} · ${qs.factor}, K = ${qs.strikeRaw}`,
    `    component payoffRelu = RescaleRelu(${qs.bits}, 0);`,
    `    payoffRelu.in <== ${arg};`,
    `    signal payoff;`,
    `    payoff <== payoffRelu.out * ${qs.factor};`,
  ];
}

/**
 * The target spec of the network's time value for a price target with declared range
 * [min, max] on option prices over strike: a call (rates ≥ 0) is worth at least its
 * undiscounted payoff, so its time value is ≥ 0; a put's time value is ≥ −payoff (the price is
 * ≥ 0), i.e. ≥ min − the largest payoff over the declared input range. The upper end stays
 * the price's (time value ≤ price). The clamp of a skip model acts on the time value.
 */
export function timeValueTarget<T extends { min?: number; max?: number }>(target: T, skip: PayoffSkip, input: { min: number; max: number }): T {
  const maxPayoff = skip.option === "call" ? Math.max(input.max - skip.strike, 0) : Math.max(skip.strike - input.min, 0);
  const min = skip.option === "call" ? 0 : (target.min ?? 0) - maxPayoff;
  return { ...target, min };
}
