import type { QuantizedModel } from "../quantize/types.js";
import { activationOps } from "../layers/registry.js";
import { noArbitrageConstraints } from "../quantize/noArbitrage.js";
import { payoffConstraints } from "../layers/payoff.js";

/**
 * Constraint count of the generated circuit (compiled with --O2), predicted from the bound
 * analysis. An n-bit decomposition costs n constraints (the booleanity of each bit; the
 * optimizer substitutes the linear recomposition into them), a ReLU one product more:
 * input range checks N per decomposition (two unless the range is 2^N − 1), each hidden
 * neuron what its activation kind states (relu: B+1), B+1 per active clamp, B for the output
 * rescale, B+1 for a payoff skip.
 */
export function predictConstraints(q: QuantizedModel): number {
  let n = 0;
  for (const inp of q.inputs) {
    const r = BigInt(inp.maxRaw) - BigInt(inp.minRaw);
    const full = r === (1n << BigInt(inp.rangeBits)) - 1n;
    n += inp.rangeBits * (full ? 1 : 2);
  }
  for (const layer of q.layers) {
    if (layer.activation.kind === "none") continue;
    const ops = activationOps(layer.activation);
    for (const b of layer.bounds) n += ops.constraints(layer.activation, b.bits);
  }
  for (const b of q.output.clampBits ?? []) if (b > 0) n += b + 1;
  if (q.output.noArbitrage) n += noArbitrageConstraints(q.output.noArbitrage);
  if (q.output.skip) n += payoffConstraints(q.output.skip);
  return n + q.output.bound.bits;
}
