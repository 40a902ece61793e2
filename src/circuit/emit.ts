import { InvalidValueError } from "../errors.js";
import type { QuantizedModel } from "../quantize/types.js";
import { circuitSignals } from "./names.js";
import { activationOps } from "../layers/registry.js";
import { emitNoArbitrage } from "../quantize/noArbitrage.js";
import { emitPayoff } from "../layers/payoff.js";

/**
 * Emit the circom source of a quantized model's forward pass. Deterministic: the same
 * model gives the same bytes. Weights are constants, so every dense layer is a linear
 * combination (zero constraints per multiply-accumulate); constraints are spent only on
 * input range checks, one rescale+activation gadget per hidden neuron (the activation kind's
 * gadget, width from the bound analysis) and the output rescale (and clamp).
 *
 * Public signals, in order: the output, then the raw inputs (declaration order).
 */
export function emitCircuit(q: QuantizedModel, options: { libInclude?: string } = {}): string {
  assertIntegers(q);
  const sig = circuitSignals(q);
  if (new Set(sig.inputs).size !== sig.inputs.length || sig.inputs.includes(sig.output)) {
    throw new InvalidValueError({ field: "feature names", value: q.inputs.map((i) => i.name), allowed: "names that stay distinct as circom identifiers" });
  }
  const L: string[] = [];
  L.push("pragma circom 2.1.0;");
  L.push("");
  L.push(`// GENERATED FILE — do not edit. Made by zkinfer from the quantized model "${commentText(q.name)}".`);
  L.push(`// model id (Poseidon): ${q.modelId}`);
  if (q.sourceModelHash) L.push(`// source model hash: ${commentText(q.sourceModelHash)}`);
  L.push(`// fixed point: activations 2^${q.actBits}, weights 2^${q.weightBits}`);
  L.push(`// public signals: ${[sig.output, ...sig.inputs].join(", ")}`);
  L.push("");
  // The clamp's gadgets file includes zkinfer.circom itself.
  L.push(`include "${q.output.noArbitrage ? "noArbitrage.circom" : (options.libInclude ?? "zkinfer.circom")}";`);
  L.push("");
  L.push("template Model() {");
  q.inputs.forEach((inp, j) => {
    L.push(`    // ${commentText(inp.name)} [${commentText(inp.unit)}], ${inp.decimals} decimals, raw range [${inp.minRaw}, ${inp.maxRaw}]`);
    L.push(`    signal input ${sig.inputs[j]};`);
  });
  L.push(`    // ${commentText(q.output.name)} [${commentText(q.output.unit)}], ${q.output.decimals} decimals`);
  L.push(`    signal output ${sig.output};`);
  L.push("");
  L.push("    // Input range checks and scaler inputs u = (x - min) >> shift");
  q.inputs.forEach((inp, j) => {
    const r = BigInt(inp.maxRaw) - BigInt(inp.minRaw);
    L.push(`    component x${j} = InputRange(${inp.rangeBits}, ${inp.minRaw}, ${r}, ${inp.shift});`);
    L.push(`    x${j}.x <== ${sig.inputs[j]};`);
  });
  let prev = q.inputs.map((_, j) => `x${j}.u`);
  const last = q.layers.length - 1;
  q.layers.forEach((layer, li) => {
    L.push("");
    if (li < last) {
      const ops = activationOps(layer.activation, `layers[${li}].activation`);
      L.push(`    // Layer ${li}: dense ${layer.weight[0].length} -> ${layer.weight.length}, rescale >> ${layer.shift}, ${commentText(layer.activation.kind)}`);
      L.push(`    component l${li}[${layer.weight.length}];`);
      layer.weight.forEach((row, i) => {
        L.push(`    l${li}[${i}] = ${ops.gadget(layer.activation, layer.bounds[i].bits, layer.shift)};`);
        L.push(`    l${li}[${i}].in <== ${linear(row, layer.bias[i], prev)};`);
      });
      prev = layer.weight.map((_, i) => `l${li}[${i}].out`);
    } else {
      L.push(`    // Layer ${li} (output): dense ${layer.weight[0].length} -> 1`);
      L.push(`    signal acc;`);
      L.push(`    acc <== ${linear(layer.weight[0], layer.bias[0], prev)};`);
    }
  });
  L.push("");
  const o = q.output;
  let value = "acc";
  if (o.clampBits && o.clampBits[0] > 0) {
    L.push(`    // Lower clamp: max(acc, ${o.clampMin}) = relu(acc - min) + min`);
    L.push(`    component clampLo = RescaleRelu(${o.clampBits[0]}, 0);`);
    L.push(`    clampLo.in <== ${value} - (${o.clampMin});`);
    L.push(`    signal accLo;`);
    L.push(`    accLo <== clampLo.out + (${o.clampMin});`);
    value = "accLo";
  }
  if (o.clampBits && o.clampBits[1] > 0) {
    L.push(`    // Upper clamp: min(v, ${o.clampMax}) = max - relu(max - v)`);
    L.push(`    component clampHi = RescaleRelu(${o.clampBits[1]}, 0);`);
    L.push(`    clampHi.in <== (${o.clampMax}) - ${value};`);
    L.push(`    signal accHi;`);
    L.push(`    accHi <== (${o.clampMax}) - clampHi.out;`);
    value = "accHi";
  }
  L.push(`    // Output: round(v / 2^${o.shift}) in units of 10^-${o.decimals} / ${o.factor}`);
  L.push(`    component outRescale = Rescale(${o.bound.bits}, ${o.shift});`);
  L.push(`    outRescale.in <== ${value};`);
  let price = `outRescale.out * ${o.factor}`;
  if (o.skip) {
    L.push(...emitPayoff(o.skip, sig.inputs[o.skip.input]));
    price = `${price} + payoff`;
  }
  if (o.noArbitrage) {
    L.push(`    signal beforeClamp;`);
    L.push(`    beforeClamp <== ${price};`);
    L.push(...emitNoArbitrage(o.noArbitrage, { value: "beforeClamp", inputs: sig.inputs, out: sig.output }));
  } else {
    L.push(`    ${sig.output} <== ${price};`);
  }
  L.push("}");
  L.push("");
  L.push(`component main { public [${sig.inputs.join(", ")}] } = Model();`);
  L.push("");
  return L.join("\n");
}

/**
 * Text that is safe inside a `//` comment: names and units come from user files, and a line
 * break in them would otherwise end the comment and inject circuit code.
 */
export function commentText(text: string): string {
  return text.replace(/[^A-Za-z0-9 _.,:;()/%+^*=<>'"\[\]#&|!?@$~{}-]/g, "?");
}

const INTEGER = /^-?[0-9]+$/;

/**
 * Every number that is written into the circuit must be a plain integer (the file loader
 * checks this too; this guards models built in code).
 */
function assertIntegers(q: QuantizedModel): void {
  const check = (field: string, v: unknown) => {
    const ok = typeof v === "number" ? Number.isSafeInteger(v) : typeof v === "string" && INTEGER.test(v);
    if (!ok) throw new InvalidValueError({ field, value: v, allowed: "an integer" });
  };
  q.inputs.forEach((inp, j) => {
    for (const k of ["decimals", "minRaw", "maxRaw", "rangeBits", "shift"] as const) check(`inputs[${j}].${k}`, inp[k]);
  });
  q.layers.forEach((l, li) => {
    l.weight.forEach((row, i) => row.forEach((w, j) => check(`layers[${li}].weight[${i}][${j}]`, w)));
    l.bias.forEach((b, i) => check(`layers[${li}].bias[${i}]`, b));
    l.bounds.forEach((b, i) => check(`layers[${li}].bounds[${i}].bits`, b.bits));
    check(`layers[${li}].shift`, l.shift);
    l.activation.params?.forEach((p, i) => check(`layers[${li}].activation.params[${i}]`, p));
  });
  check("actBits", q.actBits);
  check("weightBits", q.weightBits);
  const o = q.output;
  for (const k of ["decimals", "shift", "factor"] as const) check(`output.${k}`, o[k]);
  if (o.clampMin !== undefined) check("output.clampMin", o.clampMin);
  if (o.clampMax !== undefined) check("output.clampMax", o.clampMax);
  o.clampBits?.forEach((b, i) => check(`output.clampBits[${i}]`, b));
  check("output.bound.bits", o.bound.bits);
  if (o.skip) {
    if (o.skip.kind !== "payoff" || (o.skip.option !== "call" && o.skip.option !== "put")) throw new InvalidValueError({ field: "output.skip.option", value: o.skip.option, allowed: '"call" or "put"' });
    if (!Number.isSafeInteger(o.skip.input) || o.skip.input < 0 || o.skip.input >= q.inputs.length) throw new InvalidValueError({ field: "output.skip.input", value: o.skip.input, allowed: `an input index in [0, ${q.inputs.length - 1}]` });
    for (const k of ["strikeRaw", "factor", "bits"] as const) check(`output.skip.${k}`, o.skip[k]);
  }
  if (o.noArbitrage) {
    const n = o.noArbitrage;
    if (n.kind !== "call" && n.kind !== "put") throw new InvalidValueError({ field: "output.noArbitrage.kind", value: n.kind, allowed: '"call" or "put"' });
    for (const k of ["moneyness", "timeToExpiry", "rate", "degree", "fracBits"] as const) check(`output.noArbitrage.${k}`, n[k]);
    [...n.rateTimeBits, ...n.discountBits, ...n.clampBits].forEach((b, i) => check(`output.noArbitrage bits[${i}]`, b));
  }
  check("modelId", q.modelId);
}

/** Σ w_j·vars_j + bias as a circom expression (constant weights: no constraint). */
export function linear(weights: readonly string[], bias: string, vars: readonly string[]): string {
  const terms: string[] = [];
  weights.forEach((w, j) => {
    if (w !== "0") terms.push(`(${w}) * ${vars[j]}`);
  });
  terms.push(`(${bias})`);
  return terms.join(" + ");
}
