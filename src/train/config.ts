/**
 * Training configuration: defaults and validation. `resolveTrainConfig` fills defaults
 * and checks every field, naming it in the error (`config.learningRate`, …).
 */
import { InvalidValueError } from "../errors.js";
import { assertSeed } from "../util/rng.js";
import { ACTIVATION_TYPES } from "../layers/registry.js";
import { checkBoolean, checkInteger, checkKnownKeys, checkNumber, checkOneOf } from "../util/validate.js";

/** Learning rate per epoch. */
export type LrSchedule =
  | { kind: "constant" }
  /**
   * Linear warm-up for `warmupEpochs` (at most epochs − 1), then cosine decay to
   * `minFactor` · lr at the last epoch.
   */
  | { kind: "cosine"; minFactor: number; warmupEpochs: number }
  /** lr · factor^floor((epoch − 1) / every). */
  | { kind: "step"; every: number; factor: number };

export interface TrainConfig {
  /** Hidden layer widths; each is dense → batch norm (if enabled) → ReLU. */
  hidden: number[];
  batchNorm: boolean;
  /** Activation after each hidden layer: a registered activation kind (src/layers/registry.ts). */
  activation: string;
  /** Input scaler fitted on the training split. */
  scaler: "zscore" | "minmax";
  /** Maximum number of epochs. */
  epochs: number;
  batchSize: number;
  /** Base learning rate of Adam. */
  learningRate: number;
  schedule: LrSchedule;
  adam: { beta1: number; beta2: number; epsilon: number };
  /** Stop when the validation loss has not improved by `minDelta` (relative) for `patience` epochs; 0 disables. Best weights are restored either way. */
  earlyStopping: { patience: number; minDelta: number };
  bnMomentum: number;
  bnEps: number;
  /**
   * After the batch-statistics phase, replace the batch-norm running statistics by the
   * average batch statistics over one pass of the training split (weights unchanged).
   */
  recalibrateBatchNorm: boolean;
  /**
   * The last this many of `epochs` fine-tune with batch norm frozen at its running
   * statistics (the inference transform), training weights, γ and β. 0 disables; at most
   * epochs − 1 so that the running statistics are first learned from batches.
   * Default: round(0.8 · epochs), capped at epochs − 1.
   */
  frozenBatchNormEpochs: number;
  /** Seeds weight initialisation and batch shuffling. */
  seed: number;
}

/** Partial config: any omitted field takes its default. */
export type TrainConfigInput = Partial<Omit<TrainConfig, "adam" | "earlyStopping">> & {
  adam?: Partial<TrainConfig["adam"]>;
  earlyStopping?: Partial<TrainConfig["earlyStopping"]>;
};

export const DEFAULT_TRAIN_CONFIG: Readonly<TrainConfig> = Object.freeze({
  hidden: [32, 32],
  batchNorm: true,
  activation: "relu",
  scaler: "zscore",
  epochs: 150,
  batchSize: 128,
  learningRate: 0.005,
  schedule: { kind: "cosine", minFactor: 0.01, warmupEpochs: 2 },
  adam: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  earlyStopping: { patience: 20, minDelta: 0 },
  bnMomentum: 0.1,
  bnEps: 1e-5,
  recalibrateBatchNorm: true,
  frozenBatchNormEpochs: 120,
  seed: 0,
} satisfies TrainConfig);

const KEYS = Object.keys(DEFAULT_TRAIN_CONFIG);

function resolveSchedule(value: unknown): LrSchedule {
  const o = checkKnownKeys("config.schedule", value, ["kind", "minFactor", "warmupEpochs", "every", "factor"]);
  const kind = checkOneOf("config.schedule.kind", o.kind, ["constant", "cosine", "step"] as const);
  const allow = (keys: string[]) => checkKnownKeys("config.schedule", o, ["kind", ...keys]);
  switch (kind) {
    case "constant":
      allow([]);
      return { kind };
    case "cosine":
      allow(["minFactor", "warmupEpochs"]);
      return {
        kind,
        minFactor: checkNumber("config.schedule.minFactor", o.minFactor ?? 0.01, { min: 0, max: 1 }),
        warmupEpochs: checkInteger("config.schedule.warmupEpochs", o.warmupEpochs ?? 0, { min: 0, max: 100_000 }),
      };
    case "step":
      allow(["every", "factor"]);
      return {
        kind,
        every: checkInteger("config.schedule.every", o.every ?? 10, { min: 1 }),
        factor: checkNumber("config.schedule.factor", o.factor ?? 0.5, { min: 0, max: 1, minExclusive: true }),
      };
  }
}

/** Share of the epochs spent fine-tuning with frozen batch norm when not set explicitly. */
const DEFAULT_FROZEN_SHARE = 0.8;

function defaultFrozenEpochs(epochs: number): number {
  return Math.min(epochs - 1, Math.round(DEFAULT_FROZEN_SHARE * epochs));
}

export type ResolveTrainConfigErrorType = InvalidValueError;

/** Defaults filled in and every field checked. */
export function resolveTrainConfig(input: TrainConfigInput = {}): TrainConfig {
  const o = checkKnownKeys("config", input, KEYS);
  const d = DEFAULT_TRAIN_CONFIG;
  const hidden = o.hidden ?? d.hidden;
  if (!Array.isArray(hidden) || hidden.length === 0 || hidden.length > 16) {
    throw new InvalidValueError({ field: "config.hidden", value: hidden, allowed: "an array of 1 to 16 layer widths, e.g. [32, 32]" });
  }
  hidden.forEach((h, i) => checkInteger(`config.hidden[${i}]`, h, { min: 1, max: 4096 }));
  const epochs = checkInteger("config.epochs", o.epochs ?? d.epochs, { min: 1, max: 100_000 });
  const adamIn = checkKnownKeys("config.adam", o.adam ?? {}, ["beta1", "beta2", "epsilon"]);
  const esIn = checkKnownKeys("config.earlyStopping", o.earlyStopping ?? {}, ["patience", "minDelta"]);
  const seed = o.seed ?? d.seed;
  assertSeed(seed, "config.seed");
  return {
    hidden: [...(hidden as number[])],
    batchNorm: checkBoolean("config.batchNorm", o.batchNorm ?? d.batchNorm),
    activation: checkOneOf("config.activation", o.activation ?? d.activation, ACTIVATION_TYPES),
    scaler: checkOneOf("config.scaler", o.scaler ?? d.scaler, ["zscore", "minmax"] as const),
    epochs,
    batchSize: checkInteger("config.batchSize", o.batchSize ?? d.batchSize, { min: 2, max: 1_000_000 }),
    learningRate: checkNumber("config.learningRate", o.learningRate ?? d.learningRate, { min: 0, max: 1, minExclusive: true }),
    schedule: resolveSchedule(o.schedule ?? d.schedule),
    adam: {
      beta1: checkNumber("config.adam.beta1", adamIn.beta1 ?? d.adam.beta1, { min: 0, max: 1, maxExclusive: true }),
      beta2: checkNumber("config.adam.beta2", adamIn.beta2 ?? d.adam.beta2, { min: 0, max: 1, maxExclusive: true }),
      epsilon: checkNumber("config.adam.epsilon", adamIn.epsilon ?? d.adam.epsilon, { min: 0, minExclusive: true, max: 1 }),
    },
    earlyStopping: {
      patience: checkInteger("config.earlyStopping.patience", esIn.patience ?? d.earlyStopping.patience, { min: 0 }),
      minDelta: checkNumber("config.earlyStopping.minDelta", esIn.minDelta ?? d.earlyStopping.minDelta, { min: 0, max: 1, maxExclusive: true }),
    },
    bnMomentum: checkNumber("config.bnMomentum", o.bnMomentum ?? d.bnMomentum, { min: 0, max: 1, minExclusive: true }),
    bnEps: checkNumber("config.bnEps", o.bnEps ?? d.bnEps, { min: 0, max: 1, minExclusive: true }),
    recalibrateBatchNorm: checkBoolean("config.recalibrateBatchNorm", o.recalibrateBatchNorm ?? d.recalibrateBatchNorm),
    frozenBatchNormEpochs: checkInteger("config.frozenBatchNormEpochs", o.frozenBatchNormEpochs ?? defaultFrozenEpochs(epochs), { min: 0, max: epochs - 1 }),
    seed,
  };
}

/** Learning rate of a 1-based epoch under a schedule. */
export function learningRateAt(config: Pick<TrainConfig, "learningRate" | "schedule" | "epochs">, epoch: number): number {
  const { learningRate: lr, schedule: s, epochs } = config;
  switch (s.kind) {
    case "constant":
      return lr;
    case "step":
      return lr * s.factor ** Math.floor((epoch - 1) / s.every);
    case "cosine": {
      const warmup = Math.min(s.warmupEpochs, epochs - 1);
      if (epoch <= warmup) return (lr * epoch) / (warmup + 1);
      const span = epochs - warmup;
      const t = span <= 1 ? 1 : (epoch - warmup - 1) / (span - 1);
      return lr * (s.minFactor + (1 - s.minFactor) * 0.5 * (1 + Math.cos(Math.PI * t)));
    }
  }
}
