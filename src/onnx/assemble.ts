/**
 * From the walk's steps to the parts of a `FloatModel`:
 *
 * - head (steps before the first dense layer): per-feature affine ops (and a batch norm on the
 *   raw inputs) compose into the input scaler x' = (x − offset) / scale. Sub then Div gives offset and scale exactly as the file
 *   holds them; Mul/Add give scale = 1/a, offset = −b/a. A negative scale is made positive by
 *   negating that feature's column of the first dense layer (exact). With no scaler ops (the
 *   scaler folded into the first Gemm, or none), the scaler is the spec's min-max range
 *   (offset = min, scale = max − min) and the first layer is rewritten to compensate:
 *   W' = W·diag(scale), b' = b + W·offset, so the quantizer sees inputs in [0, 1].
 * - body: dense, batch norm, ReLU in order (Clip at min 0 is ReLU; a repeated ReLU is one); an
 *   affine op right after a dense layer or a batch norm is folded into it (a MatMul's first Add
 *   is its bias); affine ops after a ReLU are folded into the next dense layer.
 * - tail (steps after the last dense layer): affine ops, ReLU and Clip compose into the target
 *   scaler y = y'·scale + offset and the output clamp [min, max]; a negative scale negates
 *   the last dense layer (exact).
 */
import type { BatchNormLayer, DenseLayer, FeatureSpec, Layer, ScalerSpec, TargetScalerSpec } from "../model/types.js";
import { OnnxImportError, OnnxNodeError } from "./errors.js";
import type { AffineOp, Step } from "./walk.js";

export interface AssembleReturnType {
  scaler: ScalerSpec;
  targetScaler: TargetScalerSpec;
  layers: Layer[];
  /** Output clamp in real target units, from a final Relu/Clip. */
  clamp: { min?: number; max?: number };
  /** Whether the scaler came from the graph or was derived from the spec's ranges. */
  scalerSource: "graph" | "spec";
}

type Dense = DenseLayer & { hasBias: boolean };

export function assembleSteps(steps: readonly Step[], features: readonly FeatureSpec[]): AssembleReturnType {
  const first = steps.findIndex((s) => s.kind === "dense");
  let last = -1;
  steps.forEach((s, k) => {
    if (s.kind === "dense") last = k;
  });
  if (first < 0) {
    const problem = "the graph has no Gemm or MatMul layer (a model needs at least one dense layer)";
    if (steps.length === 0) throw new OnnxImportError({ problem });
    throw new OnnxNodeError({ node: steps[steps.length - 1].node, problem });
  }

  // --- head: the input scaler.
  const nf = features.length;
  const offset = new Array<number>(nf).fill(0);
  const scale = new Array<number>(nf).fill(1);
  for (const step of steps.slice(0, first)) {
    // A batch norm on the raw inputs (a learned normaliser) is the affine map a·x + b.
    const ops: { op: AffineOp; c: number[] }[] = [];
    if (step.kind === "batchnorm") {
      const a = step.gamma.map((g, j) => g / Math.sqrt(step.variance[j] + step.eps));
      ops.push({ op: "mul", c: a }, { op: "add", c: step.beta.map((b, j) => b - a[j] * step.mean[j]) });
      const zero = a.findIndex((v) => v === 0);
      if (zero >= 0) throw new OnnxNodeError({ node: step.node, problem: `scale[${zero}] = 0 removes feature "${features[zero].name}"` });
    } else if (step.kind === "affine") ops.push({ op: step.op, c: step.c });
    else {
      throw new OnnxNodeError({ node: step.node, problem: `${step.node.opType} before the first Gemm/MatMul (only an affine scaler or a BatchNormalization may act on the raw inputs)` });
    }
    for (const { op, c } of ops) composeScaler(offset, scale, op, c);
  }
  const bad = scale.findIndex((v, j) => !Number.isFinite(v) || !Number.isFinite(offset[j]) || v === 0);
  if (bad >= 0) {
    throw new OnnxNodeError({ node: steps[first - 1]?.node ?? steps[first].node, problem: `the input scaler of feature "${features[bad].name}" is degenerate (offset ${offset[bad]}, scale ${scale[bad]})` });
  }

  // --- body.
  const layers: (Dense | BatchNormLayer | { type: "relu"; dim: number })[] = [];
  /** Affine ops after a Relu, v → mul·v + add, waiting for the next dense layer to absorb them. */
  let pending: { mul: number[]; add: number[]; node: Step["node"] } | undefined;
  for (const s of steps.slice(first, last + 1)) {
    const prev = layers[layers.length - 1];
    if (pending !== undefined && s.kind !== "dense" && s.kind !== "affine") {
      throw new OnnxNodeError({ node: pending.node, problem: `${pending.node.opType} by a constant after a Relu is followed by ${s.node.opType}, not by a Gemm/MatMul that could absorb it` });
    }
    switch (s.kind) {
      case "dense": {
        const layer: Dense = { type: "dense", inDim: s.weight[0]?.length ?? 0, outDim: s.weight.length, weight: s.weight.map((r) => [...r]), bias: [...s.bias], hasBias: s.hasBias };
        if (pending !== undefined) {
          // W·(m ⊙ v + a) + b = (W·diag(m))·v + (b + W·a).
          const { mul, add } = pending;
          layer.bias = layer.bias.map((b, o) => layer.weight[o].reduce((acc, w, i) => acc + w * add[i], b));
          layer.weight = layer.weight.map((r) => r.map((w, i) => w * mul[i]));
          pending = undefined;
        }
        layers.push(layer);
        break;
      }
      case "batchnorm":
        layers.push({ type: "batchnorm", dim: s.gamma.length, gamma: [...s.gamma], beta: [...s.beta], runningMean: [...s.mean], runningVar: [...s.variance], eps: s.eps, momentum: s.momentum });
        break;
      case "relu":
        // Relu(Relu(v)) = Relu(v).
        if (prev !== undefined && prev.type !== "relu") layers.push({ type: "relu", dim: prev.type === "dense" ? prev.outDim : prev.dim });
        break;
      case "affine":
        if (prev?.type === "dense") foldIntoDense(prev, s.op, s.c);
        else if (prev?.type === "batchnorm") foldIntoBatchNorm(prev, s.op, s.c, s.node);
        else {
          pending ??= { mul: new Array<number>(s.c.length).fill(1), add: new Array<number>(s.c.length).fill(0), node: s.node };
          composeAffine(pending.mul, pending.add, s.op, s.c);
        }
        break;
      case "clip":
        // Clip(v, 0) is Relu; other clips between layers are not layers zkinfer has.
        if (s.min === 0 && s.max === undefined) {
          if (prev !== undefined && prev.type !== "relu") layers.push({ type: "relu", dim: prev.type === "dense" ? prev.outDim : prev.dim });
          break;
        }
        throw new OnnxNodeError({ node: s.node, problem: "Clip between layers is not supported (only Clip with min 0 and no max, which is Relu, or as the final output clamp)" });
    }
  }
  const lastDense = layers[layers.length - 1] as Dense;
  if (lastDense.outDim !== 1) {
    throw new OnnxNodeError({ node: steps[last].node, problem: `the last Gemm/MatMul has ${lastDense.outDim} outputs (expected 1: one target)` });
  }

  // --- tail: target scaler and clamp, value = clamp(y'·tScale + tOffset, lo, hi).
  let tScale = 1;
  let tOffset = 0;
  let lo = -Infinity;
  let hi = Infinity;
  let tail = steps.slice(last + 1);
  // A MatMul's first Add is its bias, not the target offset.
  const head = tail[0];
  if (!lastDense.hasBias && head?.kind === "affine" && head.op === "add") {
    lastDense.bias[0] += head.c[0];
    tail = tail.slice(1);
  }
  const scaleBy = (c: number, divide: boolean) => {
    const f = (v: number) => (divide ? v / c : v * c);
    tScale = f(tScale);
    tOffset = f(tOffset);
    [lo, hi] = c > 0 ? [f(lo), f(hi)] : [f(hi), f(lo)];
  };
  for (const s of tail) {
    switch (s.kind) {
      case "affine": {
        const c = s.c[0];
        if (s.op === "add" || s.op === "sub") {
          const d = s.op === "add" ? c : -c;
          tOffset += d;
          lo += d;
          hi += d;
        } else if (s.op === "mul" || s.op === "div") {
          scaleBy(c, s.op === "div");
        } else {
          scaleBy(-1, false);
          tOffset += c;
          lo += c;
          hi += c;
        }
        break;
      }
      case "relu":
        lo = Math.max(lo, 0);
        hi = Math.max(hi, 0);
        break;
      case "clip":
        if (s.min !== undefined) lo = Math.max(lo, s.min);
        if (s.max !== undefined) hi = Math.min(hi, s.max);
        if (!(lo < hi)) throw new OnnxNodeError({ node: s.node, problem: `the output clamp becomes [${lo}, ${hi}], a constant output` });
        break;
      default:
        throw new OnnxNodeError({ node: s.node, problem: `${s.node.opType} after the last Gemm/MatMul (only affine de-scaling, Relu and Clip may follow it)` });
    }
  }
  if (!(lo < hi)) {
    throw new OnnxNodeError({ node: tail[tail.length - 1].node, problem: `the output clamp becomes [${lo}, ${hi}], a constant output` });
  }
  if (!Number.isFinite(tScale) || !Number.isFinite(tOffset) || tScale === 0) {
    throw new OnnxNodeError({ node: steps[steps.length - 1].node, problem: `the output de-scaling is degenerate (scale ${tScale}, offset ${tOffset})` });
  }
  if (tScale < 0) {
    // y'·s = (−y')·(−s): negating the last layer is exact.
    lastDense.weight = lastDense.weight.map((r) => r.map((w) => -w));
    lastDense.bias = lastDense.bias.map((b) => -b);
    tScale = -tScale;
  }

  // --- the input scaler as the model holds it (scale > 0).
  const firstDense = layers[0] as Dense;
  let scalerSource: "graph" | "spec" = "graph";
  if (first === 0) {
    // No scaler in the graph: min-max over the declared ranges, compensated in the first layer.
    scalerSource = "spec";
    for (let j = 0; j < nf; j++) {
      offset[j] = features[j].min;
      scale[j] = features[j].max - features[j].min;
    }
    firstDense.bias = firstDense.bias.map((b, o) => firstDense.weight[o].reduce((acc, w, j) => acc + w * offset[j], b));
    firstDense.weight = firstDense.weight.map((r) => r.map((w, j) => w * scale[j]));
  } else {
    for (let j = 0; j < nf; j++) {
      if (scale[j] < 0) {
        scale[j] = -scale[j];
        for (const row of firstDense.weight) row[j] = -row[j];
      }
    }
  }

  const out: Layer[] = layers.map((l) => {
    if (l.type !== "dense") return l;
    const { hasBias: _ignored, ...dense } = l;
    return dense;
  });
  return {
    scaler: { kind: scalerSource === "spec" ? "minmax" : "zscore", offset, scale },
    targetScaler: { offset: tOffset, scale: tScale },
    layers: out,
    clamp: { ...(lo > -Infinity ? { min: lo } : {}), ...(hi < Infinity ? { max: hi } : {}) },
    scalerSource,
  };
}

function foldIntoDense(l: Dense, op: AffineOp, c: number[]): void {
  for (let o = 0; o < l.outDim; o++) {
    const k = c[o];
    switch (op) {
      case "add":
        l.bias[o] += k;
        break;
      case "sub":
        l.bias[o] -= k;
        break;
      case "mul":
        l.weight[o] = l.weight[o].map((w) => w * k);
        l.bias[o] *= k;
        break;
      case "div":
        l.weight[o] = l.weight[o].map((w) => w / k);
        l.bias[o] /= k;
        break;
      case "rsub":
        l.weight[o] = l.weight[o].map((w) => -w);
        l.bias[o] = k - l.bias[o];
        break;
    }
  }
  l.hasBias = true;
}

function foldIntoBatchNorm(l: BatchNormLayer, op: AffineOp, c: number[], node: Step["node"]): void {
  for (let j = 0; j < l.dim; j++) {
    const k = c[j];
    switch (op) {
      case "add":
        l.beta[j] += k;
        break;
      case "sub":
        l.beta[j] -= k;
        break;
      case "mul":
        l.gamma[j] *= k;
        l.beta[j] *= k;
        break;
      case "div":
        l.gamma[j] /= k;
        l.beta[j] /= k;
        break;
      default:
        throw new OnnxNodeError({ node, problem: "c − x after a BatchNormalization is not supported" });
    }
  }
}

/** x' = (x − offset) / scale followed by `op` with c, written back as (x − offset') / scale'. */
function composeScaler(offset: number[], scale: number[], op: AffineOp, c: readonly number[]): void {
  for (let j = 0; j < offset.length; j++) {
    switch (op) {
      case "sub": // x' − c = (x − (o + c·s)) / s
        offset[j] += c[j] * scale[j];
        break;
      case "add": // x' + c = (x − (o − c·s)) / s
        offset[j] -= c[j] * scale[j];
        break;
      case "div": // x' / c = (x − o) / (s·c)
        scale[j] *= c[j];
        break;
      case "mul": // x' · c = (x − o) / (s / c)
        scale[j] /= c[j];
        break;
      case "rsub": // c − x' = (x − (o + c·s)) / (−s)
        offset[j] += c[j] * scale[j];
        scale[j] = -scale[j];
        break;
    }
  }
}

/** v → mul·v + add followed by `op` with c, written back into mul and add. */
function composeAffine(mul: number[], add: number[], op: AffineOp, c: readonly number[]): void {
  for (let j = 0; j < mul.length; j++) {
    switch (op) {
      case "add":
        add[j] += c[j];
        break;
      case "sub":
        add[j] -= c[j];
        break;
      case "mul":
        mul[j] *= c[j];
        add[j] *= c[j];
        break;
      case "div":
        mul[j] /= c[j];
        add[j] /= c[j];
        break;
      case "rsub":
        mul[j] = -mul[j];
        add[j] = c[j] - add[j];
        break;
    }
  }
}
