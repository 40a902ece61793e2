import { activationOps } from "../../layers/registry.js";
import type { QuantizedModel } from "../../quantize/types.js";
import { widthOf, type RiskSpec } from "./spec.js";

/**
 * Constraint count of the risk circuit (compiled with --O2), predicted as for the single-price
 * circuit (cost.ts): shared input checks — unshocked inputs as there, a shocked input
 * rangeBits for x − min, the mark-high check's width, and b + rangeBits per nonzero shock —
 * then per scenario the network (hidden gadgets, clamps, output rescale). The packed outputs
 * are linear in decomposition bits and cost nothing after --O2.
 */
export function predictRiskConstraints(q: QuantizedModel, spec: RiskSpec): number {
  const b = spec.grid.shockBits;
  const D = 1n << BigInt(b);
  let n = 0;
  q.inputs.forEach((inp, j) => {
    const shocks = j === spec.spotInput ? spec.grid.spot : j === spec.volInput ? spec.grid.vol : undefined;
    if (!shocks) {
      const full = BigInt(inp.maxRaw) - BigInt(inp.minRaw) === (1n << BigInt(inp.rangeBits)) - 1n;
      n += inp.rangeBits * (full ? 1 : 2);
      return;
    }
    const lo = BigInt((j === spec.spotInput ? spec.markRange.spot : spec.markRange.vol)[0]);
    n += inp.rangeBits + widthOf(D * BigInt(inp.maxRaw) - (D + BigInt(shocks[shocks.length - 1])) * lo);
    n += shocks.filter((k) => k !== 0).length * (b + inp.rangeBits);
  });
  let network = 0;
  for (const layer of q.layers) {
    if (layer.activation.kind === "none") continue;
    const ops = activationOps(layer.activation);
    for (const bd of layer.bounds) network += ops.constraints(layer.activation, bd.bits);
  }
  for (const c of q.output.clampBits ?? []) if (c > 0) network += c + 1;
  network += q.output.bound.bits;
  return n + spec.scenarios.length * network;
}
