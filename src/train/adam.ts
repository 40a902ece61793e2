/** Adam optimiser state and step (with bias correction), on Float64Array parameters. */
import type { ParamRef } from "./network.js";

export interface AdamState {
  params: ParamRef[];
  m: Float64Array[];
  v: Float64Array[];
  step: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export function createAdam(params: ParamRef[], opts: { beta1: number; beta2: number; epsilon: number }): AdamState {
  return {
    params,
    m: params.map((p) => new Float64Array(p.value.length)),
    v: params.map((p) => new Float64Array(p.value.length)),
    step: 0,
    ...opts,
  };
}

/** One update with learning rate `lr` from the gradients currently in the param refs. */
export function adamStep(s: AdamState, lr: number): void {
  s.step++;
  const { beta1: b1, beta2: b2, epsilon } = s;
  const c1 = 1 - b1 ** s.step;
  const c2 = 1 - b2 ** s.step;
  const stepSize = lr / c1;
  const sqrtC2 = Math.sqrt(c2);
  for (let k = 0; k < s.params.length; k++) {
    const { value, grad } = s.params[k];
    const m = s.m[k];
    const v = s.v[k];
    for (let i = 0; i < value.length; i++) {
      const g = grad[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      value[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / sqrtC2 + epsilon);
    }
  }
}
