/**
 * Batch normalization kernels over features, on row-major [batch][dim] Float64Arrays.
 *
 * Training mode normalises with the batch statistics (mean and biased variance, divide by
 * the batch size) and updates the running statistics with momentum m:
 *   runningMean = (1 − m) · runningMean + m · batchMean
 *   runningVar  = (1 − m) · runningVar  + m · batchVar · N/(N − 1)   (unbiased)
 * Inference mode uses the running statistics:
 *   y = γ · (x − runningMean) / √(runningVar + ε) + β
 */

export interface BatchNormParams {
  dim: number;
  gamma: Float64Array;
  beta: Float64Array;
  runningMean: Float64Array;
  runningVar: Float64Array;
  eps: number;
  momentum: number;
}

/** What the backward pass needs from a training-mode forward pass. */
export interface BatchNormCache {
  mean: Float64Array;
  /** Biased batch variance (divide by N). */
  variance: Float64Array;
  invStd: Float64Array;
  /** Normalised input (x − mean) · invStd, [batch][dim]. */
  xhat: Float64Array;
}

export function createBatchNormCache(dim: number, maxBatch: number): BatchNormCache {
  return {
    mean: new Float64Array(dim),
    variance: new Float64Array(dim),
    invStd: new Float64Array(dim),
    xhat: new Float64Array(dim * maxBatch),
  };
}

/** Training-mode forward with batch statistics. Does not touch the running statistics. */
export function batchNormForwardTrain(p: BatchNormParams, x: Float64Array, batch: number, out: Float64Array, cache: BatchNormCache): void {
  const { dim, gamma, beta, eps } = p;
  const { mean, variance, invStd, xhat } = cache;
  mean.fill(0);
  variance.fill(0);
  for (let b = 0; b < batch; b++) {
    const o = b * dim;
    for (let j = 0; j < dim; j++) mean[j] += x[o + j];
  }
  for (let j = 0; j < dim; j++) mean[j] /= batch;
  // Second pass for the variance: no cancellation from E[x²] − E[x]².
  for (let b = 0; b < batch; b++) {
    const o = b * dim;
    for (let j = 0; j < dim; j++) {
      const e = x[o + j] - mean[j];
      variance[j] += e * e;
    }
  }
  for (let j = 0; j < dim; j++) {
    variance[j] /= batch;
    invStd[j] = 1 / Math.sqrt(variance[j] + eps);
  }
  for (let b = 0; b < batch; b++) {
    const o = b * dim;
    for (let j = 0; j < dim; j++) {
      const h = (x[o + j] - mean[j]) * invStd[j];
      xhat[o + j] = h;
      out[o + j] = gamma[j] * h + beta[j];
    }
  }
}

/** Momentum update of the running statistics from a training batch of `batch` rows (≥ 2). */
export function updateRunningStats(p: BatchNormParams, cache: BatchNormCache, batch: number): void {
  const m = p.momentum;
  const unbias = batch / (batch - 1);
  for (let j = 0; j < p.dim; j++) {
    p.runningMean[j] = (1 - m) * p.runningMean[j] + m * cache.mean[j];
    p.runningVar[j] = (1 - m) * p.runningVar[j] + m * cache.variance[j] * unbias;
  }
}

/** Inference-mode forward with the running statistics. */
export function batchNormForwardInference(p: BatchNormParams, x: Float64Array, batch: number, out: Float64Array): void {
  const { dim, gamma, beta, runningMean, runningVar, eps } = p;
  for (let j = 0; j < dim; j++) {
    const a = gamma[j] / Math.sqrt(runningVar[j] + eps);
    const c = beta[j] - a * runningMean[j];
    for (let b = 0; b < batch; b++) out[b * dim + j] = a * x[b * dim + j] + c;
  }
}

/**
 * Backward of the training-mode forward (the batch statistics depend on every row):
 *   dx̂ = dout · γ
 *   dx = invStd / N · (N · dx̂ − Σ_b dx̂ − x̂ · Σ_b dx̂ · x̂)
 * `dx`, `dgamma` and `dbeta` are overwritten.
 */
export function batchNormBackward(
  p: BatchNormParams,
  cache: BatchNormCache,
  dout: Float64Array,
  batch: number,
  dx: Float64Array,
  dgamma: Float64Array,
  dbeta: Float64Array,
): void {
  const { dim, gamma } = p;
  const { invStd, xhat } = cache;
  affineGradients(dim, xhat, dout, batch, dgamma, dbeta);
  // Σ dx̂ = γ · dbeta and Σ dx̂ · x̂ = γ · dgamma.
  for (let b = 0; b < batch; b++) {
    const o = b * dim;
    for (let j = 0; j < dim; j++) {
      const k = (gamma[j] * invStd[j]) / batch;
      dx[o + j] = k * (batch * dout[o + j] - dbeta[j] - xhat[o + j] * dgamma[j]);
    }
  }
}

/**
 * Frozen-statistics forward for fine-tuning: the inference transform (running statistics,
 * which stay fixed), recording what the backward pass needs.
 */
export function batchNormForwardFrozen(p: BatchNormParams, x: Float64Array, batch: number, out: Float64Array, cache: BatchNormCache): void {
  const { dim, gamma, beta, runningMean, runningVar, eps } = p;
  const { invStd, xhat } = cache;
  for (let j = 0; j < dim; j++) invStd[j] = 1 / Math.sqrt(runningVar[j] + eps);
  for (let b = 0; b < batch; b++) {
    const o = b * dim;
    for (let j = 0; j < dim; j++) {
      const h = (x[o + j] - runningMean[j]) * invStd[j];
      xhat[o + j] = h;
      out[o + j] = gamma[j] * h + beta[j];
    }
  }
}

/** Backward of `batchNormForwardFrozen` (an affine map per feature): dx = dout · γ · invStd. */
export function batchNormBackwardFrozen(
  p: BatchNormParams,
  cache: BatchNormCache,
  dout: Float64Array,
  batch: number,
  dx: Float64Array,
  dgamma: Float64Array,
  dbeta: Float64Array,
): void {
  const { dim, gamma } = p;
  const { invStd, xhat } = cache;
  affineGradients(dim, xhat, dout, batch, dgamma, dbeta);
  for (let b = 0; b < batch; b++) {
    const o = b * dim;
    for (let j = 0; j < dim; j++) dx[o + j] = dout[o + j] * gamma[j] * invStd[j];
  }
}

/** dβ = Σ_b dout and dγ = Σ_b dout · x̂ (the affine part shared by both backward passes); overwrites both. */
function affineGradients(dim: number, xhat: Float64Array, dout: Float64Array, batch: number, dgamma: Float64Array, dbeta: Float64Array): void {
  dgamma.fill(0);
  dbeta.fill(0);
  for (let b = 0; b < batch; b++) {
    const o = b * dim;
    for (let j = 0; j < dim; j++) {
      const g = dout[o + j];
      dbeta[j] += g;
      dgamma[j] += g * xhat[o + j];
    }
  }
}
