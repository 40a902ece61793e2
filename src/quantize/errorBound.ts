/**
 * A guaranteed bound on |quantized − float| over the whole declared input domain, made tight
 * by affine arithmetic and branch-and-bound over input boxes.
 *
 * In one box of the scaled-input space x' ∈ Π [lo_j, hi_j], every quantity is an affine form
 *   c + Σ_k a_k·ε_k ± r      (ε_k ∈ [−1, 1] shared noise symbols, r ≥ 0 an unshared remainder)
 * over the symbols: ξ_j, the position of x'_j in the box; δ_j, the input truncation
 * u_j·unit_j − (x'_j − midpoint_j) (|δ_j| ≤ unit_j·(2^k − 1)/2^(k+1)); and ρ_i, the rounding of
 * hidden neuron i's rescale (the activation kind's rounding interval). Two forms per neuron:
 *   V = the float pre-activation A_f, exact through the folded float weights;
 *   E = A_q − A_f, the quantized accumulator (real units) minus it, through the actual integer
 *       weights: E' = Σ ŵ·(h_q − h_f) + Σ (ŵ − w)·h_f + (b̂ − b).
 * An activation whose slope is constant on the box's range (e.g. a ReLU that is always on, or
 * always off) maps both forms exactly, so rounding errors of different neurons cancel by the
 * signs of the weights instead of adding up as Σ|w|·e; a ReLU that is provably off contributes
 * exactly 0. Elsewhere the float side uses the chord relaxation (convex activations with their
 * only kink at 0) and the error side the slope range (mean-value theorem). The box's bound is
 * max|E_out| plus the output clamp's threshold rounding (when it can bind) and the output
 * rescale's rounding 2^−(g+1). A payoff skip (src/layers/payoff.ts) is computed exactly from
 * the raw input in both models, so it adds only float64 round-off.
 *
 * Branch-and-bound: the box with the largest bound is split in two along its most sensitive
 * input, until the budget of boxes is spent or the largest bound is within `tolerance` of the
 * worst error actually found (each split box's centre is evaluated exactly: integer reference
 * vs float model). Every box bound holds for every input of its box, so the maximum over the
 * leaves holds for the whole domain. With a no-arbitrage clamp the reference is the float
 * model clamped with the exact discount factor, and the bound is at least the discount slack. The analysis runs in float64; a relative slack of 1e-9
 * and an absolute 1e-15 cover its round-off (the terms are far above it).
 */
import { predict } from "../model/forward.js";
import type { FloatModel } from "../model/types.js";
import { activationOps } from "../layers/registry.js";
import type { ActivationOps, QuantizedActivation } from "../layers/kind.js";
import { foldBatchNorm } from "./foldBatchNorm.js";
import { discountSlack, floatNoArbitrage } from "./noArbitrage.js";
import { integerForward } from "./forward.js";
import { PAYOFF_FLOAT_SLACK, payoffInterval } from "../layers/payoff.js";
import type { QuantizedModel } from "./types.js";

export interface ErrorBoundOptions {
  /**
   * Boxes evaluated at most (each one costs one affine pass). Default: as many as about
   * 1.5e8 multiply-adds allow (Σ neurons × inputs × noise symbols per box), between 50 and
   * 3,000 — a few seconds; deterministic, unlike a time limit.
   */
  maxBoxes?: number;
  /** Stop when the largest box bound is at most (1 + tolerance) × the worst error found. Default 0.05. */
  tolerance?: number;
}

export interface ErrorBoundReturnType {
  /** Guaranteed max |quantized − float| over the declared domain, target units. */
  bound: number;
  /** The largest |quantized − float| actually found (a real input), target units: a lower bound on the true maximum. */
  worstFound: number;
  /** Real-unit features of the input that attains `worstFound` (rounded to float64). */
  worstInput: number[];
  /** The same input exactly, in raw on-chain units. */
  worstRaw: bigint[];
  /** Bound of the whole domain as one box (no branching). */
  rootBound: number;
  boxes: number;
}

interface Form {
  c: number;
  a: Float64Array;
  r: number;
}

interface Layer {
  /** Float folded weights/bias (layer 0: on x'). */
  w: number[][];
  b: number[];
  /** Quantized weights/bias in real units (layer 0: per unit of x', bias includes the midpoints). */
  wq: number[][];
  bq: number[];
  activation: QuantizedActivation;
  ops?: ActivationOps;
}

interface Context {
  model: FloatModel;
  q: QuantizedModel;
  layers: Layer[];
  nIn: number;
  nSym: number;
  /** Largest |δ_j|, scaled units. */
  deltaMax: number[];
  /** First symbol index of each hidden layer's ρ. */
  rhoStart: number[];
  actUnit: number;
  /** Rescale rounding 2^−(g+1) (plus the payoff skip's float64 round-off), real units. */
  outRounding: number;
  clamp: { min?: number; max?: number; qmin?: number; qmax?: number };
  domain: { lo: number[]; hi: number[] };
}

function prepare(model: FloatModel, q: QuantizedModel): Context {
  const folded = foldBatchNorm(model);
  const F = q.actBits + q.weightBits;
  const accUnit = 2 ** -F;
  const nIn = q.inputs.length;
  const unit: number[] = [];
  const mid: number[] = [];
  const deltaMax: number[] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  q.inputs.forEach((inp, j) => {
    const s = model.scaler.scale[j] * 10 ** inp.decimals;
    const off = model.scaler.offset[j] * 10 ** inp.decimals;
    const k = 2 ** inp.shift;
    unit.push(k / s);
    mid.push((Number(inp.minRaw) + (k - 1) / 2 - off) / s);
    deltaMax.push((k - 1) / 2 / s);
    lo.push((Number(inp.minRaw) - off) / s);
    hi.push((Number(inp.maxRaw) - off) / s);
  });
  let nSym = 2 * nIn;
  const rhoStart: number[] = [];
  const layers: Layer[] = folded.layers.map((fl, li) => {
    const ql = q.layers[li];
    let wq: number[][];
    let bq: number[];
    if (li === 0) {
      wq = ql.weight.map((row) => row.map((w, j) => (Number(w) * accUnit) / unit[j]));
      bq = ql.bias.map((b, i) => Number(b) * accUnit - wq[i].reduce((s, w, j) => s + w * mid[j], 0));
    } else {
      wq = ql.weight.map((row) => row.map((w) => Number(w) * 2 ** -q.weightBits));
      bq = ql.bias.map((b) => Number(b) * accUnit);
    }
    const hidden = ql.activation.kind !== "none";
    if (hidden) {
      rhoStart.push(nSym);
      nSym += ql.weight.length;
    }
    return { w: fl.weight, b: fl.bias, wq, bq, activation: ql.activation, ops: hidden ? activationOps(ql.activation) : undefined };
  });
  const g = F - q.output.shift;
  const t = model.target;
  const o = q.output;
  return {
    model,
    q,
    layers,
    nIn,
    nSym,
    deltaMax,
    rhoStart,
    actUnit: 2 ** -q.actBits,
    // The payoff skip is the same number in both models at the same raw input (exact integer
    // vs float64 of the real value): it adds no quantization error beyond float round-off.
    outRounding: 2 ** -(g + 1) + (o.skip ? PAYOFF_FLOAT_SLACK * (1 + Number(payoffInterval(o.skip, q.inputs).hi) / 10 ** o.decimals) : 0),
    clamp: {
      min: t.min,
      max: t.max,
      qmin: o.clampMin === undefined ? undefined : Number(o.clampMin) * accUnit,
      qmax: o.clampMax === undefined ? undefined : Number(o.clampMax) * accUnit,
    },
    domain: { lo, hi },
  };
}

const radius = (f: Form): number => {
  let s = f.r;
  for (let k = 0; k < f.a.length; k++) s += Math.abs(f.a[k]);
  return s;
};

/** Σ_j coef_j · forms_j (+ const), remainders through |coef|. */
function combine(nSym: number, terms: { coef: readonly number[]; forms: readonly Form[] }[], constant: number): Form {
  const a = new Float64Array(nSym);
  let c = constant;
  let r = 0;
  for (const { coef, forms } of terms) {
    for (let j = 0; j < forms.length; j++) {
      const w = coef[j];
      if (w === 0) continue;
      const f = forms[j];
      c += w * f.c;
      r += Math.abs(w) * f.r;
      const fa = f.a;
      for (let k = 0; k < nSym; k++) a[k] += w * fa[k];
    }
  }
  return { c, a, r };
}

function scale(f: Form, s: number, extraC = 0, extraR = 0): Form {
  const a = new Float64Array(f.a.length);
  for (let k = 0; k < a.length; k++) a[k] = s * f.a[k];
  return { c: s * f.c + extraC, a, r: Math.abs(s) * f.r + extraR };
}

function add(x: Form, y: Form): Form {
  const a = new Float64Array(x.a.length);
  for (let k = 0; k < a.length; k++) a[k] = x.a[k] + y.a[k];
  return { c: x.c + y.c, a, r: x.r + y.r };
}

interface BoxResult {
  bound: number;
  /** Sensitivity of the output to each input dimension (for choosing the split). */
  sensitivity: number[];
}

/** The affine pass over one box (x' ∈ [lo, hi]). */
function boxBound(ctx: Context, lo: readonly number[], hi: readonly number[]): BoxResult {
  const { nIn, nSym } = ctx;
  const cx = lo.map((l, j) => (l + hi[j]) / 2);
  const rx = lo.map((l, j) => (hi[j] - l) / 2);
  let V: Form[] = [];
  let E: Form[] = [];
  let Hf: Form[] = [];
  let EH: Form[] = [];
  ctx.layers.forEach((L, li) => {
    if (li === 0) {
      V = L.w.map((row, i) => {
        const a = new Float64Array(nSym);
        let c = L.b[i];
        for (let j = 0; j < nIn; j++) {
          c += row[j] * cx[j];
          a[j] = row[j] * rx[j];
        }
        return { c, a, r: 0 };
      });
      E = L.w.map((row, i) => {
        const a = new Float64Array(nSym);
        let c = L.bq[i] - L.b[i];
        for (let j = 0; j < nIn; j++) {
          const d = L.wq[i][j] - row[j];
          c += d * cx[j];
          a[j] = d * rx[j];
          a[nIn + j] = -L.wq[i][j] * ctx.deltaMax[j];
        }
        return { c, a, r: 0 };
      });
    } else {
      V = L.w.map((row, i) => combine(nSym, [{ coef: row, forms: Hf }], L.b[i]));
      E = L.w.map((row, i) =>
        combine(
          nSym,
          [
            { coef: L.wq[i], forms: EH },
            { coef: L.wq[i].map((w, j) => w - row[j]), forms: Hf },
          ],
          L.bq[i] - L.b[i],
        ),
      );
    }
    if (!L.ops) return;
    const ops = L.ops;
    const act = L.activation;
    const nextHf: Form[] = [];
    const nextEH: Form[] = [];
    V.forEach((v, i) => {
      const e = E[i];
      const rv = radius(v);
      const lf = v.c - rv;
      const hf = v.c + rv;
      const Q = add(v, e);
      const rq = radius(Q);
      const lq = Q.c - rq;
      const hq = Q.c + rq;
      // Float side.
      const [s0, s1] = ops.slopes(act, lf, hf);
      if (s0 === s1) nextHf.push(scale(v, s0));
      else {
        const f = (x: number) => ops.float(act, x);
        const lambda = (f(hf) - f(lf)) / (hf - lf);
        const gs = [f(lf) - lambda * lf, f(hf) - lambda * hf, f(0)];
        const gmin = Math.min(...gs);
        const gmax = Math.max(...gs);
        nextHf.push(scale(v, lambda, (gmin + gmax) / 2, (gmax - gmin) / 2));
      }
      // Error side: f(A_q) − f(A_f) = s·E with s in the slope range over both, plus the rounding.
      const [t0, t1] = ops.slopes(act, Math.min(lf, lq), Math.max(hf, hq));
      const eh = t0 === t1 ? scale(e, t0) : scale(e, (t0 + t1) / 2, 0, ((t1 - t0) / 2) * (Math.abs(e.c) + radius(e)));
      const [rLo, rHi] = ops.rounding(act, lq, hq, ctx.actUnit);
      eh.c += (rLo + rHi) / 2;
      eh.a[ctx.rhoStart[li] + i] += (rHi - rLo) / 2;
      nextEH.push(eh);
    });
    Hf = nextHf;
    EH = nextEH;
  });
  const v = V[0];
  const e = E[0];
  let err = Math.abs(e.c) + radius(e);
  const { min, max, qmin, qmax } = ctx.clamp;
  if (min !== undefined || max !== undefined) {
    const Q = add(v, e);
    const rq = radius(Q);
    const rv = radius(v);
    const lo = Math.min(v.c - rv, Q.c - rq);
    const hi = Math.max(v.c + rv, Q.c + rq);
    const bindsLow = min !== undefined && lo <= Math.max(min, qmin as number);
    const bindsHigh = max !== undefined && hi >= Math.min(max, qmax as number);
    // Clamping is 1-Lipschitz; where it can bind, the thresholds differ by their rounding.
    if (bindsLow) err += Math.abs((qmin as number) - (min as number));
    if (bindsHigh) err += Math.abs((qmax as number) - (max as number));
  }
  const bound = (err + ctx.outRounding) * (1 + 1e-9) + 1e-15;
  // How much of the first layer's pre-activation range each input spans: splitting there
  // settles the most ReLU kinks.
  const sensitivity = rx.map((r, j) => r * ctx.layers[0].w.reduce((s, row) => s + Math.abs(row[j]), 0));
  return { bound, sensitivity };
}

/**
 * The float reference for a quantized model at real-unit features x: the float model, then
 * (when the quantized model declares one) the no-arbitrage clamp with the exact e^{−rτ}.
 */
export function floatReference(model: FloatModel, q: QuantizedModel, x: readonly number[]): number {
  const v = predict(model, x);
  const n = q.output.noArbitrage;
  return n ? floatNoArbitrage(n.kind, x[n.moneyness], x[n.timeToExpiry], x[n.rate], v) : v;
}

/** |quantized − float| at one raw input (exact integer reference vs the float model). */
function errorAt(ctx: Context, raw: bigint[]): { err: number; x: number[]; raw: bigint[] } {
  const x = raw.map((r, j) => Number(r) / 10 ** ctx.q.inputs[j].decimals);
  const out = Number(integerForward(ctx.q, raw).output) / 10 ** ctx.q.output.decimals;
  return { err: Math.abs(floatReference(ctx.model, ctx.q, x) - out), x, raw };
}

/** The raw input nearest to a scaled point, inside the declared range. */
function rawAt(ctx: Context, xs: readonly number[]): bigint[] {
  return ctx.q.inputs.map((inp, j) => {
    const s = ctx.model.scaler.scale[j] * 10 ** inp.decimals;
    const off = ctx.model.scaler.offset[j] * 10 ** inp.decimals;
    let r = BigInt(Math.round(xs[j] * s + off));
    if (r < BigInt(inp.minRaw)) r = BigInt(inp.minRaw);
    if (r > BigInt(inp.maxRaw)) r = BigInt(inp.maxRaw);
    return r;
  });
}

interface Box {
  lo: number[];
  hi: number[];
  bound: number;
  sensitivity: number[];
}

/** Max-heap of boxes by bound. */
class Heap {
  items: Box[] = [];
  push(b: Box): void {
    const a = this.items;
    a.push(b);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p].bound >= a[i].bound) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop(): Box {
    const a = this.items;
    const top = a[0];
    const last = a.pop() as Box;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l].bound > a[m].bound) m = l;
        if (r < a.length && a[r].bound > a[m].bound) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
  peek(): Box {
    return this.items[0];
  }
}

/**
 * The guaranteed bound (see the file comment) with the worst error found on the way.
 * Deterministic: the same model and options give the same numbers.
 */
export function analyzeQuantizationError(model: FloatModel, q: QuantizedModel, options: ErrorBoundOptions = {}): ErrorBoundReturnType {
  const tolerance = options.tolerance ?? 0.05;
  const ctx = prepare(model, q);
  const work = ctx.layers.reduce((s, l) => s + l.w.length * l.w[0].length * ctx.nSym, 0);
  const maxBoxes = options.maxBoxes ?? Math.max(50, Math.min(3_000, Math.floor(1.5e8 / work)));
  const { lo, hi } = ctx.domain;
  const evaluate = (l: number[], h: number[]): Box => ({ lo: l, hi: h, ...boxBound(ctx, l, h) });
  const heap = new Heap();
  const root = evaluate(lo, hi);
  heap.push(root);
  let boxes = 1;
  let worst = { err: 0, x: [] as number[], raw: [] as bigint[] };
  const probe = (xs: number[]) => {
    const e = errorAt(ctx, rawAt(ctx, xs));
    if (e.err > worst.err || worst.x.length === 0) worst = e;
  };
  probe(lo.map((l, j) => (l + hi[j]) / 2));
  while (boxes + 2 <= maxBoxes && heap.peek().bound > worst.err * (1 + tolerance)) {
    const b = heap.pop();
    let j = 0;
    for (let k = 1; k < b.sensitivity.length; k++) if (b.sensitivity[k] > b.sensitivity[j]) j = k;
    const m = (b.lo[j] + b.hi[j]) / 2;
    const leftHi = [...b.hi];
    leftHi[j] = m;
    const rightLo = [...b.lo];
    rightLo[j] = m;
    for (const child of [evaluate(b.lo, leftHi), evaluate(rightLo, b.hi)]) {
      heap.push(child);
      probe(child.lo.map((l, k) => (l + child.hi[k]) / 2));
    }
    boxes += 2;
  }
  // The no-arbitrage clamp (if any) is 1-Lipschitz in the value and in its ends; its lower end
  // differs from the exact one by at most the discount bound's slack, the upper end not at all.
  const clampSlack = q.output.noArbitrage ? discountSlack(q.output.noArbitrage, q.inputs) * (1 + 1e-9) : 0;
  const bound = Math.max(heap.peek().bound, clampSlack);
  return { bound, worstFound: worst.err, worstInput: worst.x, worstRaw: worst.raw, rootBound: Math.max(root.bound, clampSlack), boxes };
}

/**
 * The guaranteed bound for the inputs of one box, given in real units per feature
 * ([min_j, max_j] inside the declared range): every input of the box has |quantized − float|
 * at most this. (The branch-and-bound takes the maximum of it over a partition of the domain.)
 */
export function errorBoundOnBox(model: FloatModel, q: QuantizedModel, box: { min: readonly number[]; max: readonly number[] }): number {
  const ctx = prepare(model, q);
  const toScaled = (v: number, j: number) => (v - model.scaler.offset[j]) / model.scaler.scale[j];
  return boxBound(ctx, box.min.map(toScaled), box.max.map(toScaled)).bound;
}
