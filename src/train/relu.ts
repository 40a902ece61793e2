/** ReLU kernels: out = max(0, x); the gradient at exactly 0 is taken as 0. */

export function reluForward(x: Float64Array, length: number, out: Float64Array): void {
  for (let i = 0; i < length; i++) out[i] = x[i] > 0 ? x[i] : 0;
}

/** dx = dout where x > 0, else 0. `dx` may alias `dout`. */
export function reluBackward(x: Float64Array, dout: Float64Array, length: number, dx: Float64Array): void {
  for (let i = 0; i < length; i++) dx[i] = x[i] > 0 ? dout[i] : 0;
}
