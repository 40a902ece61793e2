/**
 * ReLU, max(0, x). In the circuit it shares one decomposition with the rescale before it
 * (`RescaleRelu(B, S)`, B + 1 constraints): out = max(0, ⌊(acc + 2^(S−1)) / 2^S⌋).
 */
import { z } from "zod";
import { reluBackward, reluForward } from "../train/relu.js";
import { decompositionBits, relu as reluInt, roundShift } from "../quantize/bounds.js";
import { sameDim } from "./check.js";
import type { LayerKind } from "./kind.js";

export interface ReluLayer {
  type: "relu";
  dim: number;
}

export interface ReluTrain {
  dim: number;
}

export const relu: LayerKind<ReluLayer, ReluTrain> = {
  type: "relu",
  schema: z.strictObject({ type: z.literal("relu"), dim: z.number().int().nonnegative() }),
  validate: (layer, at, dim) => sameDim(at, layer.dim, dim),
  forward: (_l, v) => v.map((x) => (x > 0 ? x : 0)),
  train: {
    create: ({ outDim }) => ({ dim: outDim }),
    fromLayer: (l) => ({ dim: l.dim }),
    toLayer: (s) => ({ type: "relu", dim: s.dim }),
    outDim: (s) => s.dim,
    params: () => [],
    state: () => [],
    forward: (s, x, batch, out) => reluForward(x, batch * s.dim, out),
    backward: (s, x, dout, batch, dx) => {
      if (dx) reluBackward(x, dout, batch * s.dim, dx);
    },
  },
  fold: { role: "activation", toQuantized: () => ({ kind: "relu" }) },
  activation: {
    idCodes: () => [1n],
    float: (_a, x) => (x > 0 ? x : 0),
    integer: (_a, acc, shift) => reluInt(roundShift(acc, shift)),
    bits: (_a, iv, shift, where) => decompositionBits(iv, shift, where),
    outInterval: (_a, iv, shift) => ({ lo: reluInt(roundShift(iv.lo, shift)), hi: reluInt(roundShift(iv.hi, shift)) }),
    constraints: (_a, bits) => bits + 1,
    gadget: (_a, bits, shift) => `RescaleRelu(${bits}, ${shift})`,
    slopes: (_a, lo, hi) => (hi <= 0 ? [0, 0] : lo >= 0 ? [1, 1] : [0, 1]),
    // out = relu(round(a)) with round(a) − a ∈ (−u/2, u/2]; exactly 0 when a + u/2 < 0 (both sides 0).
    rounding: (_a, _lo, hi, unit) => (hi + unit / 2 < 0 ? [0, 0] : [-unit / 2, unit / 2]),
    check: () => {},
  },
};
