import { buildPoseidon, type Poseidon } from "circomlibjs";
import { InvalidValueError } from "../errors.js";
import type { QuantizedModel } from "./types.js";
import { activationOps } from "../layers/registry.js";
import { noArbitrageIdCodes } from "./noArbitrage.js";
import { payoffIdCodes } from "../layers/payoff.js";

/**
 * Model id = Poseidon sponge over the quantized model's integers.
 *
 * Encoding (version 1): the integer sequence
 *   [1, actBits, weightBits, nInputs, (decimals, minRaw, maxRaw, shift) per input,
 *    nLayers, (outDim, inDim, activation codes..., shift, weights row-major..., biases...) per layer,
 *    output decimals, hasMin, clampMin, hasMax, clampMax, shift, factor,
 *    (no-arbitrage clamp only: kind 1 call / 2 put, moneyness, timeToExpiry, rate indices, degree, fracBits),
 *    (payoff skip only: 16, option 1 call / 2 put, input index, strikeRaw, factor)]
 * The activation codes are the kind's `idCodes` (src/layers/): [0] none, [1] relu — the
 * version-1 relu flag, so ids of existing models are unchanged — [2, k] leaky ReLU 2^−k.
 * Each integer v must lie in [−2^79, 2^79); it is offset to v + 2^79 (80 bits) and three are
 * packed per field element (e0 + e1·2^80 + e2·2^160 < 2^240). The sponge starts from the
 * element count and absorbs 15 elements per Poseidon(16) call: s = Poseidon([s, x1..x15]),
 * zero-padded. The same computation can be done in-circuit with circomlib's Poseidon, so a
 * later hashed-weights mode can expose this very id as a public signal.
 */
export function modelIntegers(q: QuantizedModel): bigint[] {
  const seq: bigint[] = [1n, BigInt(q.actBits), BigInt(q.weightBits), BigInt(q.inputs.length)];
  for (const inp of q.inputs) seq.push(BigInt(inp.decimals), BigInt(inp.minRaw), BigInt(inp.maxRaw), BigInt(inp.shift));
  seq.push(BigInt(q.layers.length));
  for (const l of q.layers) {
    const act = l.activation.kind === "none" ? [0n] : activationOps(l.activation).idCodes(l.activation);
    seq.push(BigInt(l.weight.length), BigInt(l.weight[0]?.length ?? 0), ...act, BigInt(l.shift));
    for (const row of l.weight) for (const w of row) seq.push(BigInt(w));
    for (const b of l.bias) seq.push(BigInt(b));
  }
  const o = q.output;
  seq.push(
    BigInt(o.decimals),
    o.clampMin !== undefined ? 1n : 0n,
    BigInt(o.clampMin ?? 0),
    o.clampMax !== undefined ? 1n : 0n,
    BigInt(o.clampMax ?? 0),
    BigInt(o.shift),
    BigInt(o.factor),
  );
  // Only clamped models carry these, so the ids of unclamped models are unchanged.
  if (o.noArbitrage) seq.push(...noArbitrageIdCodes(o.noArbitrage));
  // Tag 16 cannot be confused with the clamp's first code (1 or 2).
  if (o.skip) seq.push(...payoffIdCodes(o.skip));
  return seq;
}

const OFFSET = 1n << 79n;

export function packFieldElements(values: readonly bigint[]): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < values.length; i += 3) {
    let fe = 0n;
    for (let k = 0; k < 3 && i + k < values.length; k++) {
      const v = values[i + k];
      if (v < -OFFSET || v >= OFFSET) {
        throw new InvalidValueError({ field: `model integer #${i + k}`, value: v, allowed: "[-2^79, 2^79)" });
      }
      fe += (v + OFFSET) << BigInt(80 * k);
    }
    out.push(fe);
  }
  return out;
}

let poseidon: Promise<Poseidon> | undefined;

export async function poseidonSponge(elements: readonly bigint[]): Promise<bigint> {
  poseidon ??= buildPoseidon();
  const h = await poseidon;
  let state = BigInt(elements.length);
  for (let i = 0; i < elements.length; i += 15) {
    const chunk = elements.slice(i, i + 15);
    while (chunk.length < 15) chunk.push(0n);
    state = h.F.toObject(h([state, ...chunk]));
  }
  return state;
}

/** The model id as a decimal string (a BN254 field element). */
export async function computeModelId(q: QuantizedModel): Promise<string> {
  return (await poseidonSponge(packFieldElements(modelIntegers(q)))).toString();
}
