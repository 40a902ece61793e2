import { InputOutOfRangeError, InvalidValueError } from "../errors.js";
import { half } from "./bounds.js";
import { activationOps } from "../layers/registry.js";
import { integerNoArbitrage } from "./noArbitrage.js";
import { integerPayoff } from "../layers/payoff.js";
import type { QuantizedModel } from "./types.js";

/** Every intermediate value of the integer forward pass, for tests and debugging. */
export interface IntegerTrace {
  /** u_j = (X_j − minRaw_j) >> shift_j */
  u: bigint[];
  /** Accumulators per layer. */
  acc: bigint[][];
  /** Post-activation values per hidden layer. */
  act: bigint[][];
  /** The output accumulator after clamping. */
  clamped: bigint;
  /** The public output in raw on-chain units. */
  output: bigint;
  /** The payoff skip's value in raw output units (0 without one). */
  payoff: bigint;
  /** With a no-arbitrage clamp: the output before it, and the clamp's lower end and discount bound (raw units). */
  noArbitrage?: { before: bigint; lower: bigint; discount: bigint };
}

/** Check raw inputs against the declared ranges; names the input on failure. */
export function checkRawInputs(q: QuantizedModel, raw: readonly bigint[]): void {
  if (raw.length !== q.inputs.length) {
    throw new InvalidValueError({ field: "inputs", value: `${raw.length} values`, allowed: `exactly ${q.inputs.length} (${q.inputs.map((i) => i.name).join(", ")})` });
  }
  q.inputs.forEach((inp, j) => {
    if (raw[j] < BigInt(inp.minRaw) || raw[j] > BigInt(inp.maxRaw)) {
      throw new InputOutOfRangeError({
        feature: inp.name,
        value: raw[j],
        min: inp.minRaw,
        max: inp.maxRaw,
        details: `Raw on-chain units with ${inp.decimals} decimals.`,
      });
    }
  });
}

/**
 * The network on scaler outputs u: every layer's accumulators, the hidden activations and the
 * clamped output accumulator (before the output rescale). Shared by the single-price and the
 * risk-vector references.
 */
export function integerNetwork(q: QuantizedModel, u: readonly bigint[]): Pick<IntegerTrace, "acc" | "act" | "clamped"> {
  let current = [...u];
  const acc: bigint[][] = [];
  const act: bigint[][] = [];
  for (const layer of q.layers) {
    const a = layer.weight.map((row, i) => row.reduce((s, w, j) => s + BigInt(w) * current[j], BigInt(layer.bias[i])));
    acc.push(a);
    if (layer.activation.kind !== "none") {
      const ops = activationOps(layer.activation);
      current = a.map((v) => ops.integer(layer.activation, v, layer.shift));
      act.push(current);
    } else {
      current = a;
    }
  }
  let clamped = current[0];
  if (q.output.clampMin !== undefined && clamped < BigInt(q.output.clampMin)) clamped = BigInt(q.output.clampMin);
  if (q.output.clampMax !== undefined && clamped > BigInt(q.output.clampMax)) clamped = BigInt(q.output.clampMax);
  return { acc, act, clamped };
}

/** The integer reference forward pass, bit-exact with the generated circuit. */
export function integerForward(q: QuantizedModel, raw: readonly bigint[]): IntegerTrace {
  checkRawInputs(q, raw);
  const u = q.inputs.map((inp, j) => (raw[j] - BigInt(inp.minRaw)) >> BigInt(inp.shift));
  const { acc, act, clamped } = integerNetwork(q, u);
  const payoff = q.output.skip ? integerPayoff(q.output.skip, raw) : 0n;
  const output = ((clamped + half(q.output.shift)) >> BigInt(q.output.shift)) * BigInt(q.output.factor) + payoff;
  if (q.output.noArbitrage) {
    const c = integerNoArbitrage(q.output.noArbitrage, raw, output);
    return { u, acc, act, clamped, output: c.out, payoff, noArbitrage: { before: output, lower: c.lower, discount: c.discount } };
  }
  return { u, acc, act, clamped, output, payoff };
}
