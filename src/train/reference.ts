/**
 * The reference model: 4 → 32 → 32 → 1 (batch norm + ReLU after each hidden layer)
 * trained with the default config on the built-in Black–Scholes dataset. The CLI, demo and
 * benchmarks call `trainReferenceModel` to get the same model from the same seed.
 */
import type { FloatModel } from "../model/types.js";
import type { ModelFile } from "../model/schema.js";
import { type Dataset } from "../data/dataset.js";
import { type OptionKind, blackScholesDataset } from "../data/blackScholes.js";
import { type DatasetSplits, splitDataset } from "../data/split.js";
import { createModelFile } from "../model/file.js";
import { type TrainConfigInput } from "./config.js";
import { type EpochReport, type TrainReturnType, train } from "./train.js";
import { type RegressionMetrics, evaluateModel, evaluateVsBlackScholes } from "./metrics.js";
import { datasetRecord, trainingRecord } from "./record.js";
import { assertSeed } from "../util/rng.js";

/** Reference architecture; the other settings are the defaults of `TrainConfig`. */
export const REFERENCE_CONFIG: TrainConfigInput = Object.freeze({ hidden: [32, 32], batchNorm: true });

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
  const dataset = blackScholesDataset({ n, seed, kind });
  const splits = splitDataset(dataset, { seed, validationFraction: 0.1, testFraction: 0.1 });
  const training = train(splits, { ...REFERENCE_CONFIG, ...params.config, seed }, { name: `black-scholes-${kind}`, onEpoch: params.onEpoch });
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
