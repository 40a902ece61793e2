import type { Mutant } from "./mutant.js";

// Mutants of the gadget library and the circuit emitter. Each removes a constraint, turns a
// `<==` into an unconstrained `<--`, shifts a range-check bound by one or makes the clamp a
// no-op; the listed tests must notice by behaviour (not by a constraint count).
const LIB = "circuits/lib/zkinfer.circom";
const EMIT = "src/circuit/emit.ts";
const SOUND = "test/circuit.soundness.test.ts";
const CLAMP = "test/circuit.clamp.test.ts";
const SEARCH = "test/circuit.altwitness.test.ts";
const PAYOFF = "test/circuit.payoff.test.ts";
const PAYOFF_SRC = "src/layers/payoff.ts";

const mutants: Mutant[] = [
  // Bits
  { id: "bits-booleanity-removed", file: LIB, search: "        out[i] * (out[i] - 1) === 0;\n", replace: "", tests: [SOUND, SEARCH], why: "bits may be any field element: a remainder can pay for a larger quotient" },
  { id: "bits-recomposition-removed", file: LIB, search: "    sum === in;\n", replace: "", tests: [SOUND], why: "the bits are not tied to the value they decompose" },
  // InputRange
  { id: "range-lower-unconstrained", file: LIB, search: "    lower.in <== x - MIN;", replace: "    lower.in <-- x - MIN;", tests: [SOUND], why: "the lower range check and u are detached from the input" },
  { id: "range-lower-shifted", file: LIB, search: "    lower.in <== x - MIN;", replace: "    lower.in <== x - MIN + 1;", tests: [SOUND], why: "accepts min − 1 (and shifts u)" },
  { id: "range-upper-unconstrained", file: LIB, search: "        upper.in <== x - MIN + (2 ** N - 1 - R);", replace: "        upper.in <-- x - MIN + (2 ** N - 1 - R);", tests: [SOUND], why: "the upper range check is detached from the input" },
  { id: "range-upper-shifted-up", file: LIB, search: "        upper.in <== x - MIN + (2 ** N - 1 - R);", replace: "        upper.in <== x - MIN + (2 ** N - 2 - R);", tests: [SOUND], why: "accepts max + 1" },
  { id: "range-upper-shifted-down", file: LIB, search: "        upper.in <== x - MIN + (2 ** N - 1 - R);", replace: "        upper.in <== x - MIN + (2 ** N - R);", tests: [SOUND], why: "refuses max" },
  { id: "range-upper-removed", file: LIB, search: "    if (R != 2 ** N - 1) {", replace: "    if (R != 2 ** N - 1 && R < 0) {", tests: [SOUND], why: "no upper range check at all" },
  { id: "range-u-unconstrained", file: LIB, search: "    u <== q;", replace: "    u <-- q;", tests: [SOUND], why: "the scaler input u is free" },
  // RescaleRelu
  { id: "relu-in-unconstrained", file: LIB, search: "    bits.in <== in + half + 2 ** (B - 1);\n    var q = 0;\n    for (var i = S; i < B - 1; i++) {", replace: "    bits.in <-- in + half + 2 ** (B - 1);\n    var q = 0;\n    for (var i = S; i < B - 1; i++) {", tests: [SOUND], why: "a hidden neuron's decomposition is detached from its accumulator" },
  { id: "relu-out-unconstrained", file: LIB, search: "    out <== bits.out[B - 1] * q;", replace: "    out <-- bits.out[B - 1] * q;", tests: [SOUND, CLAMP], why: "every hidden neuron's output (and each clamp) is free" },
  // Rescale
  { id: "rescale-in-unconstrained", file: LIB, search: "    bits.in <== in + half + 2 ** (B - 1);\n    var q = 0;\n    for (var i = S; i < B; i++) {", replace: "    bits.in <-- in + half + 2 ** (B - 1);\n    var q = 0;\n    for (var i = S; i < B; i++) {", tests: [SOUND], why: "the output rescale is detached from the accumulator" },
  { id: "rescale-out-unconstrained", file: LIB, search: "    out <== q - 2 ** (B - 1 - S);", replace: "    out <-- q - 2 ** (B - 1 - S);", tests: [SOUND], why: "the rescaled output is free" },
  // Emitter: wiring
  { id: "emit-input-unconstrained", file: EMIT, search: "L.push(`    x${j}.x <== ${sig.inputs[j]};`);", replace: "L.push(`    x${j}.x <-- ${sig.inputs[j]};`);", tests: [SOUND], why: "the range check is not applied to the public input" },
  { id: "emit-hidden-in-unconstrained", file: EMIT, search: "L.push(`    l${li}[${i}].in <== ${linear(row, layer.bias[i], prev)};`);", replace: "L.push(`    l${li}[${i}].in <-- ${linear(row, layer.bias[i], prev)};`);", tests: [SOUND], why: "a neuron's accumulator is free (the dense layer is not enforced)" },
  { id: "emit-acc-unconstrained", file: EMIT, search: "L.push(`    acc <== ${linear(layer.weight[0], layer.bias[0], prev)};`);", replace: "L.push(`    acc <-- ${linear(layer.weight[0], layer.bias[0], prev)};`);", tests: [SOUND], why: "the output layer is not enforced" },
  { id: "emit-rescale-in-unconstrained", file: EMIT, search: "L.push(`    outRescale.in <== ${value};`);", replace: "L.push(`    outRescale.in <-- ${value};`);", tests: [SOUND], why: "the output rescale reads a free value" },
  { id: "emit-output-unconstrained", file: EMIT, search: "L.push(`    ${sig.output} <== ${price};`);", replace: "L.push(`    ${sig.output} <-- ${price};`);", tests: [SOUND, SEARCH], why: "the public output is free" },
  // Payoff skip
  { id: "payoff-out-unconstrained", file: PAYOFF_SRC, search: "    `    payoff <== payoffRelu.out * ${qs.factor};`,", replace: "    `    payoff <-- payoffRelu.out * ${qs.factor};`,", tests: [PAYOFF], why: "the payoff added to the price is free" },
  { id: "payoff-in-unconstrained", file: PAYOFF_SRC, search: "    `    payoffRelu.in <== ${arg};`,", replace: "    `    payoffRelu.in <-- ${arg};`,", tests: [PAYOFF], why: "the payoff's ReLU is detached from the moneyness input" },
  { id: "payoff-not-added", file: EMIT, search: "    price = `${price} + payoff`;", replace: "    price = `${price}`;", tests: [PAYOFF], why: "the payoff is computed but not added to the price" },
  // Emitter: the output clamp
  { id: "emit-clamp-lo-noop", file: EMIT, search: "L.push(`    accLo <== clampLo.out + (${o.clampMin});`);", replace: "L.push(`    accLo <== ${value};`);", tests: [CLAMP], why: "the lower clamp is computed but not applied" },
  { id: "emit-clamp-hi-noop", file: EMIT, search: "L.push(`    accHi <== (${o.clampMax}) - clampHi.out;`);", replace: "L.push(`    accHi <== ${value};`);", tests: [CLAMP], why: "the upper clamp is computed but not applied" },
  { id: "emit-clamp-lo-dropped", file: EMIT, search: "if (o.clampBits && o.clampBits[0] > 0) {", replace: "if (o.clampBits && o.clampBits[0] < 0) {", tests: [CLAMP], why: "no lower clamp is emitted" },
  { id: "emit-clamp-hi-dropped", file: EMIT, search: "if (o.clampBits && o.clampBits[1] > 0) {", replace: "if (o.clampBits && o.clampBits[1] < 0) {", tests: [CLAMP], why: "no upper clamp is emitted" },
  { id: "emit-clamp-lo-in-unconstrained", file: EMIT, search: "L.push(`    clampLo.in <== ${value} - (${o.clampMin});`);", replace: "L.push(`    clampLo.in <-- ${value} - (${o.clampMin});`);", tests: [CLAMP], why: "the lower clamp reads a free value" },
  { id: "emit-clamp-lo-out-unconstrained", file: EMIT, search: "L.push(`    accLo <== clampLo.out + (${o.clampMin});`);", replace: "L.push(`    accLo <-- clampLo.out + (${o.clampMin});`);", tests: [CLAMP], why: "the lower-clamped value is free" },
  { id: "emit-clamp-hi-in-unconstrained", file: EMIT, search: "L.push(`    clampHi.in <== (${o.clampMax}) - ${value};`);", replace: "L.push(`    clampHi.in <-- (${o.clampMax}) - ${value};`);", tests: [CLAMP], why: "the upper clamp reads a free value" },
  { id: "emit-clamp-hi-out-unconstrained", file: EMIT, search: "L.push(`    accHi <== (${o.clampMax}) - clampHi.out;`);", replace: "L.push(`    accHi <-- (${o.clampMax}) - clampHi.out;`);", tests: [CLAMP], why: "the upper-clamped value is free" },
];

export default mutants;
