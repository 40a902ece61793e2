/** Mean squared error over a batch, L = (1/N) Σ (pred − target)², and its gradient. */

export function mseLoss(pred: Float64Array, target: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const e = pred[i] - target[i];
    s += e * e;
  }
  return s / n;
}

/** dL/dpred = 2 (pred − target) / N, written into `dpred`. */
export function mseLossGradient(pred: Float64Array, target: Float64Array, n: number, dpred: Float64Array): void {
  for (let i = 0; i < n; i++) dpred[i] = (2 * (pred[i] - target[i])) / n;
}
