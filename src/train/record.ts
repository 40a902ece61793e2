/** Turns a training run and its data into the deterministic records of a model file. */
import type { TrainingRecord } from "../model/schema.js";
import type { TrainReturnType } from "./train.js";
import type { Dataset } from "../data/dataset.js";
import { datasetHash } from "../data/dataset.js";

/** The training record of a model file: config, seed, epochs and loss history (no times). */
export function trainingRecord(result: TrainReturnType): TrainingRecord {
  const { summary, history, config } = result;
  return {
    config: structuredClone(config) as unknown as Record<string, unknown>,
    seed: config.seed,
    epochsRun: summary.epochsRun,
    history: {
      bestEpoch: summary.bestEpoch,
      bestValLoss: summary.bestValLoss,
      finalValLoss: summary.finalValLoss,
      stoppedEarly: summary.stoppedEarly,
      frozenBatchNormEpochs: summary.frozenBatchNormEpochs,
      batchNormRecalibrated: summary.batchNormRecalibrated,
      trainRows: summary.trainRows,
      validationRows: summary.validationRows,
      trainLoss: history.map((h) => h.trainLoss),
      valLoss: history.map((h) => h.valLoss),
      lr: history.map((h) => h.lr),
    },
  };
}

/** The dataset record of a model file: source, row count and content hash of the whole dataset. */
export function datasetRecord(dataset: Dataset): { source: string; n: number; hash: string } {
  return { source: dataset.source ?? "unknown", n: dataset.x.length, hash: datasetHash(dataset) };
}
