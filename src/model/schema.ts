/**
 * The model file: versioned JSON holding a trained `FloatModel`, how it was trained, its
 * test metrics and which data it came from, plus a content hash:
 *   hash = sha256(canonical JSON of every other field, keys sorted)
 * The zod schema checks types and finiteness on load; `validateFloatModel` checks shapes.
 */
import { z } from "zod";
import type { FloatModel, Layer } from "./types.js";
import { LAYER_KINDS } from "../layers/registry.js";
import { payoffSkipSchema } from "../layers/payoff.js";

export const MODEL_FILE_FORMAT = "zkinfer-model";
export const MODEL_FILE_VERSION = 1;

export interface RegressionMetricsRecord {
  n: number;
  mse: number;
  mae: number;
  maxAbsError: number;
  r2: number;
}

/** Deterministic summary of a training run (no wall-clock times). */
export interface TrainingRecord {
  /** The resolved training config (see `TrainConfig`). */
  config: Record<string, unknown>;
  seed: number;
  epochsRun: number;
  history: {
    bestEpoch: number;
    bestValLoss: number;
    finalValLoss: number;
    stoppedEarly: boolean;
    frozenBatchNormEpochs: number;
    batchNormRecalibrated: boolean;
    trainRows: number;
    validationRows: number;
    /** Per-epoch losses (scaled target units) and learning rates. */
    trainLoss: number[];
    valLoss: number[];
    lr: number[];
  };
}

export interface ModelFile {
  format: typeof MODEL_FILE_FORMAT;
  version: typeof MODEL_FILE_VERSION;
  model: FloatModel;
  /** Absent for models not trained by zkinfer (e.g. imported). */
  training?: TrainingRecord;
  /** Metrics of the float model on the test split, in real target units. */
  metrics?: {
    test: RegressionMetricsRecord;
    /** Against the exact Black–Scholes price, for the built-in dataset. */
    vsBlackScholes?: RegressionMetricsRecord;
  };
  dataset?: {
    source: string;
    /** Rows in the whole dataset before splitting. */
    n: number;
    /** `datasetHash` of the whole dataset. */
    hash: string;
  };
  /** sha256 hex of the canonical JSON of every other field. */
  hash: string;
}

const finite = z.number();
const count = z.number().int().nonnegative();
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lower-case hex digits (sha256)");

const featureSpec = z.strictObject({
  name: z.string(),
  unit: z.string(),
  decimals: z.number().int(),
  min: finite,
  max: finite,
});

const targetSpec = z.strictObject({
  name: z.string(),
  unit: z.string(),
  decimals: z.number().int(),
  min: finite.optional(),
  max: finite.optional(),
});

// One schema per registered layer kind (src/layers/registry.ts), told apart by `type`.
const layerSchemas = LAYER_KINDS.map((k) => k.schema) as unknown as Parameters<typeof z.discriminatedUnion>[1];
const layer = z.discriminatedUnion("type", layerSchemas) as unknown as z.ZodType<Layer>;

export const floatModelSchema = z.strictObject({
  name: z.string(),
  features: z.array(featureSpec),
  target: targetSpec,
  scaler: z.strictObject({ kind: z.enum(["zscore", "minmax"]), offset: z.array(finite), scale: z.array(finite) }),
  targetScaler: z.strictObject({ offset: finite, scale: finite }),
  layers: z.array(layer),
  skip: payoffSkipSchema.optional(),
});

const metrics = z.strictObject({ n: count, mse: finite, mae: finite, maxAbsError: finite, r2: finite });

export const modelFileSchema = z.strictObject({
  format: z.literal(MODEL_FILE_FORMAT),
  version: z.literal(MODEL_FILE_VERSION),
  model: floatModelSchema,
  training: z
    .strictObject({
      config: z.record(z.string(), z.unknown()),
      seed: count,
      epochsRun: count,
      history: z.strictObject({
        bestEpoch: count,
        bestValLoss: finite,
        finalValLoss: finite,
        stoppedEarly: z.boolean(),
        frozenBatchNormEpochs: count,
        batchNormRecalibrated: z.boolean(),
        trainRows: count,
        validationRows: count,
        trainLoss: z.array(finite),
        valLoss: z.array(finite),
        lr: z.array(finite),
      }),
    })
    .optional(),
  metrics: z.strictObject({ test: metrics, vsBlackScholes: metrics.optional() }).optional(),
  dataset: z.strictObject({ source: z.string(), n: count, hash: hex64 }).optional(),
  hash: hex64,
});

// Compile-time check: what the schema accepts is a `ModelFile`.
type SchemaMatches = z.output<typeof modelFileSchema> extends ModelFile ? true : never;
const schemaMatches: SchemaMatches = true;
void schemaMatches;
