/**
 * The reference model: 4 → 32 → 32 → 1 (batch norm + ReLU after each hidden layer) on the
 * wide Black–Scholes domain down to expiry (src/data/wideDomain.ts: S/K ∈ [0.4, 1.6],
 * τ ∈ [0, 1.1], σ ∈ [0.01, 1], r ∈ [0, 0.1]), learning the time value above the exact payoff
 * max(m − 1, 0) (call) / max(1 − m, 0) (put), which the model adds back (src/layers/payoff.ts).
 * The CLI's `train` (and so the demo), the benchmarks and `trainReferenceModel` give the same
 * model from the same seed.
 */
import type { FloatModel } from "../model/types.js";
import type { ModelFile } from "../model/schema.js";
import { type Dataset } from "../data/dataset.js";
import { type OptionKind } from "../data/blackScholes.js";
import { wideDomainDataset } from "../data/wideDomain.js";
import { type PayoffSkip, timeValueTarget } from "../layers/payoff.js";
import { type DatasetSplits, splitDataset } from "../data/split.js";
import { createModelFile } from "../model/file.js";
import { type TrainConfigInput } from "./config.js";
import { type EpochReport, type TrainReturnType, train } from "./train.js";
import { type RegressionMetrics, evaluateModel, evaluateVsBlackScholes } from "./metrics.js";
import { datasetRecord, trainingRecord } from "./record.js";
import { assertSeed } from "../util/rng.js";

/**
 * Reference architecture and schedule; the other settings are the defaults of `TrainConfig`.
 * Chosen on the uniform wide-domain evaluation set (50,000 rows × 60 epochs, float MAE of the
 * skip model; BENCHMARKS.md "Training choices"): learning rate 0.01 and batch 64 beat the
 * defaults 0.005 / 128 (5.65e-4 against 7.30e-4), and 100 or 150 epochs did not beat 60.
 */
export const REFERENCE_CONFIG: TrainConfigInput = Object.freeze({ hidden: [32, 32], batchNorm: true, learningRate: 0.01, batchSize: 64, epochs: 60 });

/** The reference's payoff skip: moneyness (input 0) against strike 1 (price over strike). */
export function referencePayoffSkip(kind: OptionKind): PayoffSkip {
  return { kind: "payoff", option: kind, input: 0, strike: 1 };
}

export interface TrainReferenceModelParameters {
  /** Seeds data generation, split and training. Default 1. */
  seed?: number;
  /** Number of samples (80 % train, 10 % validation, 10 % test). Default 50,000. */
  n?: number;
  kind?: OptionKind;
  /** Overrides on top of the reference config (for experiments; the reference uses none). */
  config?: TrainConfigInput;
  onEpoch?: (report: EpochReport) => void;
}

export interface TrainReferenceModelReturnType {
  model: FloatModel;
  file: ModelFile;
  dataset: Dataset;
  splits: DatasetSplits;
  training: TrainReturnType;
  metrics: { test: RegressionMetrics; vsBlackScholes: RegressionMetrics };
  /** Wall-clock training time (not in the file). */
  trainSeconds: number;
}

export function trainReferenceModel(params: TrainReferenceModelParameters = {}): TrainReferenceModelReturnType {
  const seed = params.seed ?? 1;
  assertSeed(seed);
  const n = params.n ?? 50_000;
  const kind = params.kind ?? "call";
  const skip = referencePayoffSkip(kind);
  const data = wideDomainDataset({ n, seed, kind });
  const dataset: Dataset = { ...data, target: timeValueTarget(data.target, skip, data.features[skip.input]) };
  const splits = splitDataset(dataset, { seed, validationFraction: 0.1, testFraction: 0.1 });
  const training = train(splits, { ...REFERENCE_CONFIG, ...params.config, seed }, { name: `black-scholes-${kind}`, onEpoch: params.onEpoch, skip });
  const metrics = {
    test: evaluateModel(training.model, splits.test),
    vsBlackScholes: evaluateVsBlackScholes(training.model, splits.test, kind),
  };
  const file = createModelFile({
    model: training.model,
    training: trainingRecord(training),
    metrics,
    dataset: datasetRecord(dataset),
  });
  return { model: training.model, file, dataset, splits, training, metrics, trainSeconds: training.elapsedMs / 1000 };
}
