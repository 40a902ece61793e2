/**
 * The wide-domain models (S/K ∈ [0.4, 1.6], τ ∈ [0, 1.1], σ ∈ [0.01, 1.0], r ∈ [0, 0.1]):
 * the sizes of the accuracy/size Pareto and `trainWideModel`, the named alternative to the
 * narrow reference model (same pipeline, same four oracle inputs, wider declared ranges).
 */
import type { TrainConfigInput } from "./config.js";
import { REFERENCE_CONFIG, referencePayoffSkip } from "./reference.js";
import { type OptionKind } from "../data/blackScholes.js";
import { wideDomainDataset, wideDomainUniform } from "../data/wideDomain.js";
import { type ParetoPointReturnType, paretoPoint } from "./pareto.js";
import type { EpochReport } from "./train.js";

export interface ParetoSize {
  name: string;
  /** Training rows generated (88 % train, 10 % validation). */
  n: number;
  config: TrainConfigInput;
  /** Learn the time value above the exact payoff (the call's max(m − 1, 0)). */
  payoffSkip?: boolean;
  /** Fixed fractional bits instead of the tolerance search. */
  fracBits?: number;
}

/** Pareto sizes; epochs are bounded so that the largest run takes minutes on 2 cores. */
export const PARETO_SIZES: readonly ParetoSize[] = Object.freeze([
  { name: "wide-16x16", n: 100_000, config: { hidden: [16, 16], batchNorm: true, epochs: 80 } },
  { name: "wide-32x32", n: 100_000, config: { hidden: [32, 32], batchNorm: true, epochs: 120 } },
  { name: "wide-64x64", n: 100_000, config: { hidden: [64, 64], batchNorm: true, epochs: 80 } },
  { name: "wide-64x64x64", n: 100_000, config: { hidden: [64, 64, 64], batchNorm: true, epochs: 60 } },
  // With the payoff skip and the reference's schedule (learning rate 0.01, batch 64, 60 epochs, 50,000 rows).
  { name: "wide-16x16-skip", n: 50_000, payoffSkip: true, fracBits: 16, config: { ...REFERENCE_CONFIG, hidden: [16, 16] } },
  { name: "wide-32x32-skip", n: 50_000, payoffSkip: true, fracBits: 16, config: { ...REFERENCE_CONFIG } },
  { name: "wide-64x64-skip", n: 50_000, payoffSkip: true, fracBits: 16, config: { ...REFERENCE_CONFIG, hidden: [64, 64] } },
]);

/** The wide-domain reference point: 32×32 with the payoff skip, 16 fractional bits (the reference model's settings). */
export const WIDE_MODEL_SIZE: ParetoSize = PARETO_SIZES.find((s) => s.name === "wide-32x32-skip") as ParetoSize;

export function trainWideModel(params: { seed?: number; n?: number; kind?: OptionKind; config?: TrainConfigInput; evalRows?: number; onEpoch?: (e: EpochReport) => void } = {}): Promise<ParetoPointReturnType> {
  const seed = params.seed ?? 1;
  const kind = params.kind ?? "call";
  return paretoPoint({
    name: `black-scholes-wide-${kind}`,
    data: wideDomainDataset({ n: params.n ?? WIDE_MODEL_SIZE.n, seed, kind }),
    evaluation: wideDomainUniform({ n: params.evalRows ?? 20_000, seed: seed + 6, kind }),
    config: { ...WIDE_MODEL_SIZE.config, ...params.config },
    skip: referencePayoffSkip(kind),
    fracBits: WIDE_MODEL_SIZE.fracBits,
    seed,
    onEpoch: params.onEpoch,
  });
}
