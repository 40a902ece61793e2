/**
 * `zkinfer/train`: datasets (built-in Black–Scholes, CSV with declared ranges), the float
 * model and its file, and training (float64, seeded).
 */
export { type BlackScholesDatasetParameters, blackScholesDataset, blackScholesPrice, type OptionKind } from "../data/blackScholes.js";
export { type CsvSpec, type LoadCsvReturnType, csvSpecFromDataset, datasetToCsv, loadCsv } from "../data/csv.js";
export { type Dataset, datasetHash, validateDataset } from "../data/dataset.js";
export { type DatasetSplits, type SplitDatasetParameters, splitDataset } from "../data/split.js";
export { createModelFile, parseModelFile, readModelFile, serializeModelFile, writeModelFile } from "../model/file.js";
export { predict, predictBatch } from "../model/forward.js";
export type { FeatureSpec, FloatModel, Layer, TargetSpec } from "../model/types.js";
export type { ModelFile } from "../model/schema.js";
export { DEFAULT_TRAIN_CONFIG, type TrainConfig, type TrainConfigInput, resolveTrainConfig } from "../train/config.js";
export { type RegressionMetrics, evaluateModel, regressionMetrics } from "../train/metrics.js";
export { REFERENCE_CONFIG, type TrainReferenceModelParameters, type TrainReferenceModelReturnType, trainReferenceModel } from "../train/reference.js";
export { type TrainOptions, type TrainReturnType, train } from "../train/train.js";
