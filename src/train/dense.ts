/**
 * Dense layer kernels for training, on row-major Float64Array batches:
 * x is [batch][inDim], out is [batch][outDim], weight w is [outDim][inDim].
 *   forward:  out[b][o] = Σ_i w[o][i] · x[b][i] + bias[o]
 */

export interface DenseParams {
  inDim: number;
  outDim: number;
  /** [outDim][inDim], row-major. */
  w: Float64Array;
  bias: Float64Array;
}

export function denseForward(p: DenseParams, x: Float64Array, batch: number, out: Float64Array): void {
  const { inDim, outDim, w, bias } = p;
  for (let b = 0; b < batch; b++) {
    const xo = b * inDim;
    const oo = b * outDim;
    for (let o = 0; o < outDim; o++) {
      const wo = o * inDim;
      let s = bias[o];
      for (let i = 0; i < inDim; i++) s += w[wo + i] * x[xo + i];
      out[oo + o] = s;
    }
  }
}

/**
 * Gradients of a dense layer given dL/dout: dw = Σ_b dout[b] ⊗ x[b], dbias = Σ_b dout[b],
 * dx[b] = wᵀ dout[b]. `dw` and `dbias` are overwritten; `dx` (if given) too.
 */
export function denseBackward(
  p: DenseParams,
  x: Float64Array,
  dout: Float64Array,
  batch: number,
  dx: Float64Array | undefined,
  dw: Float64Array,
  dbias: Float64Array,
): void {
  const { inDim, outDim, w } = p;
  dw.fill(0);
  dbias.fill(0);
  if (dx) dx.fill(0, 0, batch * inDim);
  for (let b = 0; b < batch; b++) {
    const xo = b * inDim;
    const oo = b * outDim;
    for (let o = 0; o < outDim; o++) {
      const g = dout[oo + o];
      if (g === 0) continue;
      dbias[o] += g;
      const wo = o * inDim;
      if (dx) {
        for (let i = 0; i < inDim; i++) {
          dw[wo + i] += g * x[xo + i];
          dx[xo + i] += g * w[wo + i];
        }
      } else {
        for (let i = 0; i < inDim; i++) dw[wo + i] += g * x[xo + i];
      }
    }
  }
}
