import { InvalidValueError } from "../../errors.js";
import { activationOps } from "../../layers/registry.js";
import type { QuantizedModel } from "../../quantize/types.js";
import { commentText, emitCircuit, linear } from "../emit.js";
import { circuitSignals } from "../names.js";
import { componentPositions, widthOf, type RiskSpec } from "./spec.js";

/** Public output names of the risk circuit: one per packed signal. */
export function riskSignalNames(spec: RiskSpec): string[] {
  return spec.signals.map((_, s) => `risk${s}`);
}

/**
 * Emit the circom source of a model's risk-vector circuit: the network at the mark and at
 * every scenario of the stress grid, in one circuit.
 *
 * Inputs are range-checked once and shared by all scenarios. A shocked input x (declared
 * min, scaler shift K, shock k/2^b) gets, per nonzero k, one decomposition of
 * n_k = x·(2^b + k) − 2^b·min into W = b + rangeBits bits whose bits b+K.. are
 * u_k = floor(n_k / 2^(b+K)) (the integer reference's shockedU). The decomposition of x − min
 * (the single-price range check, upper half dropped) makes x a small integer first, so n_k is
 * the integer it denotes, not a wrapped field element. The most negative shock's n_k ≥ 0 is
 * exactly x ≥ markRange low; one more decomposition of 2^b·max − x·(2^b + k_max) is exactly
 * x ≤ markRange high. With both, every u_k lies in the declared box, so the bound analysis's
 * widths hold for every scenario and each network evaluation reuses the single-price gadgets.
 *
 * Outputs: each price is the output rescale's quotient q, packed as q + 2^(w−1) whose w = B − S
 * bits are exactly the rescale's decomposition bits, so the packing needs no extra range check;
 * dP and d2P are linear in those quotients with offsets that keep them in their widths (spec.ts).
 */
export function emitRiskCircuit(q: QuantizedModel, spec: RiskSpec): string {
  if (spec.modelId !== q.modelId) throw new InvalidValueError({ field: "risk spec modelId", value: spec.modelId, allowed: `the model's id ${q.modelId}` });
  // The single-price emitter validates the model's integers and names; reuse its checks.
  emitCircuit(q);
  const sig = circuitSignals(q);
  const outs = riskSignalNames(spec);
  const b = spec.grid.shockBits;
  const D = 1n << BigInt(b);
  const L: string[] = [];
  L.push("pragma circom 2.1.0;");
  L.push("");
  L.push(`// GENERATED FILE — do not edit. Made by zkinfer: risk vector of the quantized model "${commentText(q.name)}".`);
  L.push(`// model id (Poseidon): ${q.modelId}`);
  L.push(`// grid: spot shocks k/2^${b} = [${spec.grid.spot.join(", ")}], vol shocks [${spec.grid.vol.join(", ")}]; ${spec.scenarios.length} scenarios`);
  L.push(`// public signals: ${[...outs, ...sig.inputs].join(", ")}`);
  L.push("");
  L.push(`include "zkinfer.circom";`);
  L.push("");
  L.push("template Risk() {");
  q.inputs.forEach((inp, j) => {
    L.push(`    // ${commentText(inp.name)} [${commentText(inp.unit)}], ${inp.decimals} decimals, raw range [${inp.minRaw}, ${inp.maxRaw}]`);
    L.push(`    signal input ${sig.inputs[j]};`);
  });
  outs.forEach((o) => L.push(`    signal output ${o};`));
  L.push("");
  // u expression per input and shock
  const uOf = new Map<string, string>();
  q.inputs.forEach((inp, j) => {
    const min = BigInt(inp.minRaw);
    const R = BigInt(inp.maxRaw) - min;
    const shocks = j === spec.spotInput ? spec.grid.spot : j === spec.volInput ? spec.grid.vol : undefined;
    if (!shocks) {
      L.push(`    component x${j} = InputRange(${inp.rangeBits}, ${min}, ${R}, ${inp.shift});`);
      L.push(`    x${j}.x <== ${sig.inputs[j]};`);
      uOf.set(`${j}:0`, `x${j}.u`);
      return;
    }
    const range = j === spec.spotInput ? spec.markRange.spot : spec.markRange.vol;
    L.push(`    // Shocked input ${commentText(inp.name)}: mark range [${range[0]}, ${range[1]}] (every shocked point in the declared range)`);
    L.push(`    component x${j} = InputRange(${inp.rangeBits}, ${min}, ${(1n << BigInt(inp.rangeBits)) - 1n}, ${inp.shift});`);
    L.push(`    x${j}.x <== ${sig.inputs[j]};`);
    uOf.set(`${j}:0`, `x${j}.u`);
    const kHi = BigInt(shocks[shocks.length - 1]);
    const upMax = D * BigInt(inp.maxRaw) - (D + kHi) * BigInt(range[0]);
    L.push(`    // x <= ${range[1]}  <=>  2^${b}·max − x·(2^${b} + ${kHi}) >= 0`);
    L.push(`    component x${j}hi = Bits(${widthOf(upMax)});`);
    L.push(`    x${j}hi.in <== ${D * BigInt(inp.maxRaw)} - ${D + kHi} * ${sig.inputs[j]};`);
    const W = b + inp.rangeBits;
    shocks.forEach((k, i) => {
      if (k === 0) return;
      L.push(`    // shock ${k}/2^${b}: u = floor((x·${D + BigInt(k)} − ${D}·min) / 2^${b + inp.shift})${i === 0 ? "; its decomposition also proves x >= " + range[0] : ""}`);
      L.push(`    component x${j}s${i} = InputRange(${W}, 0, ${(1n << BigInt(W)) - 1n}, ${b + inp.shift});`);
      L.push(`    x${j}s${i}.x <== ${D + BigInt(k)} * ${sig.inputs[j]} - ${D * min};`);
      uOf.set(`${j}:${k}`, `x${j}s${i}.u`);
    });
  });
  const o = q.output;
  const last = q.layers.length - 1;
  const rescaled: string[] = [];
  spec.scenarios.forEach((s, si) => {
    L.push("");
    L.push(`    // Scenario ${si}: spot ${s.spot}/2^${b}, vol ${s.vol}/2^${b}`);
    let prev = q.inputs.map((_, j) => uOf.get(`${j}:${j === spec.spotInput ? s.spot : j === spec.volInput ? s.vol : 0}`)!);
    q.layers.forEach((layer, li) => {
      if (li < last) {
        const ops = activationOps(layer.activation, `layers[${li}].activation`);
        const c = `s${si}l${li}`;
        L.push(`    component ${c}[${layer.weight.length}];`);
        layer.weight.forEach((row, i) => {
          L.push(`    ${c}[${i}] = ${ops.gadget(layer.activation, layer.bounds[i].bits, layer.shift)};`);
          L.push(`    ${c}[${i}].in <== ${linear(row, layer.bias[i], prev)};`);
        });
        prev = layer.weight.map((_, i) => `${c}[${i}].out`);
      } else {
        L.push(`    signal s${si}acc;`);
        L.push(`    s${si}acc <== ${linear(layer.weight[0], layer.bias[0], prev)};`);
      }
    });
    let value = `s${si}acc`;
    if (o.clampBits && o.clampBits[0] > 0) {
      L.push(`    component s${si}lo = RescaleRelu(${o.clampBits[0]}, 0);`);
      L.push(`    s${si}lo.in <== ${value} - (${o.clampMin});`);
      L.push(`    signal s${si}accLo;`);
      L.push(`    s${si}accLo <== s${si}lo.out + (${o.clampMin});`);
      value = `s${si}accLo`;
    }
    if (o.clampBits && o.clampBits[1] > 0) {
      L.push(`    component s${si}hi = RescaleRelu(${o.clampBits[1]}, 0);`);
      L.push(`    s${si}hi.in <== (${o.clampMax}) - ${value};`);
      L.push(`    signal s${si}accHi;`);
      L.push(`    s${si}accHi <== (${o.clampMax}) - s${si}hi.out;`);
      value = `s${si}accHi`;
    }
    L.push(`    component s${si}r = Rescale(${o.bound.bits}, ${o.shift});`);
    L.push(`    s${si}r.in <== ${value};`);
    rescaled.push(`s${si}r.out`);
  });
  L.push("");
  const h = spec.grid.spot[spec.grid.deltaStep];
  const at = (spot: number) => rescaled[spec.scenarios.findIndex((s) => s.spot === spot && s.vol === 0)];
  const mark = rescaled[spec.markScenario];
  const exprs = [mark, ...rescaled.filter((_, i) => i !== spec.markScenario), `${at(h)} - ${at(-h)}`, `${at(h)} - 2 * ${mark} + ${at(-h)}`];
  const pos = componentPositions(spec);
  L.push("    // Packed outputs: Σ (value + offset) · 2^position (layout in docs/circuits.md)");
  spec.signals.forEach((idx, t) => {
    const terms = idx.map((i) => `(${exprs[i]} + ${spec.components[i].offset}) * ${1n << BigInt(pos[i].shift)}`);
    L.push(`    ${outs[t]} <== ${terms.join("\n        + ")};`);
  });
  L.push("}");
  L.push("");
  L.push(`component main { public [${sig.inputs.join(", ")}] } = Risk();`);
  L.push("");
  return L.join("\n");
}
