/**
 * Dense layer y = W x + b, weight [outDim][inDim] (row = output neuron). Starts a quantizer
 * block; its integer form is a linear combination with constant weights (zero constraints).
 */
import { z } from "zod";
import { InvalidValueError } from "../errors.js";
import { type DenseParams, denseBackward, denseForward } from "../train/dense.js";
import { positiveDim, vector } from "./check.js";
import type { LayerKind } from "./kind.js";

export interface DenseLayer {
  type: "dense";
  inDim: number;
  outDim: number;
  weight: number[][];
  bias: number[];
}

export interface DenseTrain {
  p: DenseParams;
  gw: Float64Array;
  gbias: Float64Array;
  /** A bias right before batch norm cancels out (its gradient is exactly 0): not trained. */
  frozenBias: boolean;
}

const fromParams = (p: DenseParams): DenseTrain => ({ p, gw: new Float64Array(p.w.length), gbias: new Float64Array(p.outDim), frozenBias: false });

export const dense: LayerKind<DenseLayer, DenseTrain> = {
  type: "dense",
  schema: z.strictObject({
    type: z.literal("dense"),
    inDim: z.number().int().nonnegative(),
    outDim: z.number().int().nonnegative(),
    weight: z.array(z.array(z.number())),
    bias: z.array(z.number()),
  }),
  validate(layer, at, dim, index) {
    const inDim = positiveDim(`${at}.inDim`, layer.inDim);
    const outDim = positiveDim(`${at}.outDim`, layer.outDim);
    if (inDim !== dim) {
      throw new InvalidValueError({ field: `${at}.inDim`, value: inDim, allowed: `${dim} (${index === 0 ? "the number of features" : "the width of the previous layer"})` });
    }
    if (!Array.isArray(layer.weight) || layer.weight.length !== outDim) {
      throw new InvalidValueError({ field: `${at}.weight.length`, value: Array.isArray(layer.weight) ? layer.weight.length : typeof layer.weight, allowed: `${outDim} rows (outDim)` });
    }
    layer.weight.forEach((row, o) => vector(`${at}.weight[${o}]`, row, inDim));
    vector(`${at}.bias`, layer.bias, outDim);
    return outDim;
  },
  forward(layer, v) {
    const out = new Array<number>(layer.outDim);
    for (let o = 0; o < layer.outDim; o++) {
      const w = layer.weight[o];
      let s = layer.bias[o];
      for (let i = 0; i < layer.inDim; i++) s += w[i] * v[i];
      out[o] = s;
    }
    return out;
  },
  train: {
    /** He initialisation N(0, 2 / fanIn), bias 0. */
    create({ inDim, outDim, rng }) {
      const w = new Float64Array(inDim * outDim);
      const std = Math.sqrt(2 / inDim);
      for (let k = 0; k < w.length; k++) w[k] = std * rng.normal();
      return fromParams({ inDim, outDim, w, bias: new Float64Array(outDim) });
    },
    fromLayer: (l) => fromParams({ inDim: l.inDim, outDim: l.outDim, w: Float64Array.from(l.weight.flat()), bias: Float64Array.from(l.bias) }),
    toLayer({ p: { inDim, outDim, w, bias } }) {
      const weight: number[][] = [];
      for (let o = 0; o < outDim; o++) weight.push(Array.from(w.subarray(o * inDim, (o + 1) * inDim)));
      return { type: "dense", inDim, outDim, weight, bias: Array.from(bias) };
    },
    outDim: (s) => s.p.outDim,
    params: (s) => (s.frozenBias ? [{ value: s.p.w, grad: s.gw }] : [{ value: s.p.w, grad: s.gw }, { value: s.p.bias, grad: s.gbias }]),
    state: (s) => [s.p.w, s.p.bias],
    forward: (s, x, batch, out) => denseForward(s.p, x, batch, out),
    backward(s, x, dout, batch, dx) {
      denseBackward(s.p, x, dout, batch, dx, s.gw, s.gbias);
      if (s.frozenBias) s.gbias.fill(0);
    },
    setBiasAbsorbed(s, absorbed) {
      s.frozenBias = absorbed;
    },
  },
  fold: { role: "linear", start: (l) => ({ weight: l.weight.map((r) => [...r]), bias: [...l.bias] }) },
};
