/**
 * Mini-batch training of an MLP regressor in float64: Adam on the MSE of the scaled target,
 * seeded shuffling and initialisation (same data + config → bit-identical model), a
 * per-epoch learning-rate schedule, early stopping on the validation loss with the best
 * weights restored.
 *
 * Two phases when the network has batch norm: (1) batch statistics, running statistics
 * updated with momentum; then the running statistics are recalibrated on the training split
 * and (2) the last `frozenBatchNormEpochs` epochs fine-tune with those statistics frozen,
 * i.e. they train exactly the inference-mode function that the model file holds. Batch
 * statistics inject noise of about 1/√batch into every normalised activation, which
 * otherwise limits how precisely a regression can be fitted. Early stopping ends a phase.
 */
import type { FloatModel } from "../model/types.js";
import type { Dataset } from "../data/dataset.js";
import { validateDataset } from "../data/dataset.js";
import { InvalidValueError } from "../errors.js";
import { createRng, shuffleInPlace } from "../util/rng.js";
import { type TrainConfig, type TrainConfigInput, learningRateAt, resolveTrainConfig } from "./config.js";
import { fitScaler, fitTargetScaler } from "./scaler.js";
import {
  type Network,
  type Workspace,
  backward,
  createNetwork,
  createWorkspace,
  forwardInference,
  forwardTrain,
  networkToLayers,
  recalibrateStats,
  restoreNetwork,
  setBatchNormFrozen,
  snapshotNetwork,
  trainableParams,
} from "./network.js";
import { adamStep, createAdam } from "./adam.js";
import { mseLoss, mseLossGradient } from "./loss.js";
import { type PayoffSkip, timeValueTargets, validatePayoff } from "../layers/payoff.js";

export interface TrainSplits {
  train: Dataset;
  validation: Dataset;
}

export interface EpochReport {
  /** 1-based. */
  epoch: number;
  /** Maximum number of epochs of this run. */
  epochs: number;
  /** Mean training-mode MSE over the epoch's batches, scaled target units. */
  trainLoss: number;
  /** Inference-mode MSE on the validation split, scaled target units. */
  valLoss: number;
  lr: number;
  elapsedMs: number;
}

/** Deterministic part of an epoch report (no wall-clock time). */
export type EpochRecord = Omit<EpochReport, "epochs" | "elapsedMs">;

export interface TrainSummary {
  epochsRun: number;
  bestEpoch: number;
  /** Lowest validation loss seen (scaled units); the returned model is the one that had it. */
  bestValLoss: number;
  /** Validation loss of the returned model (scaled units), equal to `bestValLoss`. */
  finalValLoss: number;
  /** Epochs run with frozen batch-norm statistics. */
  frozenBatchNormEpochs: number;
  stoppedEarly: boolean;
  /** The returned running statistics come from the recalibration pass (not the momentum updates). */
  batchNormRecalibrated: boolean;
  trainRows: number;
  validationRows: number;
}

export interface TrainOptions {
  /** Model name, default "mlp". */
  name?: string;
  onEpoch?: (report: EpochReport) => void;
  /**
   * Exact payoff skip (src/layers/payoff.ts): the network is fitted to y − payoff(x), the
   * time value, and the model adds the payoff back. The payoff has no parameters and
   * d output / d network = 1, so the network's backward pass is unchanged.
   */
  skip?: PayoffSkip;
}

export interface TrainReturnType {
  model: FloatModel;
  /** One record per epoch run. */
  history: EpochRecord[];
  summary: TrainSummary;
  /** The resolved config (defaults filled in). */
  config: TrainConfig;
  /** Wall-clock training time; not part of any hashed artifact. */
  elapsedMs: number;
}

export type TrainErrorType = InvalidValueError;

/** Scaled rows as one row-major Float64Array. */
function scaleRows(x: readonly (readonly number[])[], offset: readonly number[], scale: readonly number[]): Float64Array {
  const d = offset.length;
  const out = new Float64Array(x.length * d);
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < d; j++) out[i * d + j] = (x[i][j] - offset[j]) / scale[j];
  }
  return out;
}

function scaleTargets(y: readonly number[], offset: number, scale: number): Float64Array {
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = (y[i] - offset) / scale;
  return out;
}

/** Inference-mode MSE over all rows, in chunks of the workspace size. */
function evalLoss(net: Network, ws: Workspace, x: Float64Array, y: Float64Array, d: number): number {
  const n = y.length;
  let sum = 0;
  for (let start = 0; start < n; start += ws.maxBatch) {
    const size = Math.min(ws.maxBatch, n - start);
    const out = forwardInference(net, ws, x.subarray(start * d, (start + size) * d), size);
    for (let i = 0; i < size; i++) {
      const e = out[i] - y[start + i];
      sum += e * e;
    }
  }
  return sum / n;
}

function gatherBatch(x: Float64Array, y: Float64Array, d: number, idx: Uint32Array, start: number, size: number, xb: Float64Array, yb: Float64Array): void {
  for (let k = 0; k < size; k++) {
    const r = idx[start + k];
    for (let j = 0; j < d; j++) xb[k * d + j] = x[r * d + j];
    yb[k] = y[r];
  }
}

/**
 * Sets each batch-norm layer's running statistics to the mean of its batch statistics over
 * one pass of the training rows (training-mode forward, so every layer sees the inputs it
 * saw during training). Variances are unbiased, as in the momentum update.
 */
function recalibrate(net: Network, ws: Workspace, x: Float64Array, y: Float64Array, d: number, idx: Uint32Array, batchSize: number): void {
  const xb = new Float64Array(batchSize * d);
  const yb = new Float64Array(batchSize);
  recalibrateStats(net, ws, batchSize, (after) => {
    for (let start = 0; start + batchSize <= idx.length; start += batchSize) {
      gatherBatch(x, y, d, idx, start, batchSize, xb, yb);
      forwardTrain(net, ws, xb, batchSize, false);
      after();
    }
  });
}

function checkSplits(splits: TrainSplits): void {
  if (splits === null || typeof splits !== "object" || !splits.train || !splits.validation) {
    throw new InvalidValueError({ field: "splits", value: splits, allowed: "{ train, validation } datasets" });
  }
  validateDataset(splits.train, "splits.train");
  validateDataset(splits.validation, "splits.validation");
  const names = (ds: Dataset) => ds.features.map((f) => f.name).join(",");
  if (names(splits.train) !== names(splits.validation) || splits.train.target.name !== splits.validation.target.name) {
    throw new InvalidValueError({ field: "splits.validation.features", value: names(splits.validation), allowed: `the training split's features (${names(splits.train)}) and target` });
  }
  if (splits.train.x.length < 2) throw new InvalidValueError({ field: "splits.train rows", value: splits.train.x.length, allowed: "at least 2" });
  if (splits.validation.x.length < 1) throw new InvalidValueError({ field: "splits.validation rows", value: 0, allowed: "at least 1" });
}

/** Trains a model on `splits.train`, early-stopping on `splits.validation`. */
export function train(splits: TrainSplits, configInput: TrainConfigInput = {}, options: TrainOptions = {}): TrainReturnType {
  const started = performance.now();
  const config = resolveTrainConfig(configInput);
  checkSplits(splits);
  const { train: tr, validation: va } = splits;
  const features = tr.features;
  const d = features.length;

  // Statistics from the training split only.
  const scaler = fitScaler({ x: tr.x, features, kind: config.scaler });
  const skip = options.skip;
  if (skip) validatePayoff(skip, features, "options.skip");
  const trY = skip ? timeValueTargets(skip, tr.x, tr.y) : tr.y;
  const vaY = skip ? timeValueTargets(skip, va.x, va.y) : va.y;
  const targetScaler = fitTargetScaler(trY, tr.target.name);
  const xTrain = scaleRows(tr.x, scaler.offset, scaler.scale);
  const yTrain = scaleTargets(trY, targetScaler.offset, targetScaler.scale);
  const xVal = scaleRows(va.x, scaler.offset, scaler.scale);
  const yVal = scaleTargets(vaY, targetScaler.offset, targetScaler.scale);

  const rng = createRng(config.seed);
  const net = createNetwork({
    inDim: d,
    hidden: config.hidden,
    outDim: 1,
    batchNorm: config.batchNorm,
    bnMomentum: config.bnMomentum,
    bnEps: config.bnEps,
    activation: config.activation,
    rng,
  });
  const n = yTrain.length;
  const batchSize = Math.min(config.batchSize, n);
  const ws = createWorkspace(net, Math.max(batchSize, 1024));
  const adam = createAdam(trainableParams(net), config.adam);
  const xb = new Float64Array(batchSize * d);
  const yb = new Float64Array(batchSize);
  const dOut = new Float64Array(batchSize);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;

  const history: EpochRecord[] = [];
  /** Best validation loss so far and the full state (weights + running statistics) that had it. */
  let best = { loss: Infinity, epoch: 0, recalibrated: false, snapshot: snapshotNetwork(net) };
  let stoppedEarly = false;
  let recalibrated = false;
  const { patience, minDelta } = config.earlyStopping;
  const frozenEpochs = config.batchNorm ? config.frozenBatchNormEpochs : 0;

  const consider = (valLoss: number, epoch: number): boolean => {
    const improved = valLoss < best.loss * (1 - minDelta);
    if (valLoss < best.loss) best = { loss: valLoss, epoch, recalibrated, snapshot: snapshotNetwork(net) };
    return improved;
  };

  /** Runs `count` epochs whose schedule positions start at `firstPosition`; stops early on a plateau. */
  const runPhase = (count: number, firstPosition: number): void => {
    let sinceBest = 0;
    for (let k = 0; k < count; k++) {
      const epoch = history.length + 1;
      const lr = learningRateAt(config, firstPosition + k);
      shuffleInPlace(order, rng);
      let lossSum = 0;
      let seen = 0;
      for (let start = 0; start < n; start += batchSize) {
        const size = Math.min(batchSize, n - start);
        // Batch norm needs at least 2 rows; a last batch of 1 row waits for the next epoch.
        if (size < 2) continue;
        gatherBatch(xTrain, yTrain, d, order, start, size, xb, yb);
        const pred = forwardTrain(net, ws, xb, size);
        lossSum += mseLoss(pred, yb, size) * size;
        seen += size;
        mseLossGradient(pred, yb, size, dOut);
        backward(net, ws, dOut, size);
        adamStep(adam, lr);
      }
      const trainLoss = lossSum / seen;
      const valLoss = evalLoss(net, ws, xVal, yVal, d);
      if (!Number.isFinite(trainLoss) || !Number.isFinite(valLoss)) {
        throw new InvalidValueError({
          field: "config.learningRate",
          value: config.learningRate,
          allowed: "a smaller value: training diverged",
          details: `epoch ${epoch}: train loss ${trainLoss}, validation loss ${valLoss}`,
        });
      }
      history.push({ epoch, trainLoss, valLoss, lr });
      options.onEpoch?.({ epoch, epochs: config.epochs, trainLoss, valLoss, lr, elapsedMs: performance.now() - started });
      sinceBest = consider(valLoss, epoch) ? 0 : sinceBest + 1;
      if (patience > 0 && sinceBest >= patience && k < count - 1) {
        stoppedEarly = true;
        return;
      }
    }
  };

  // Phase 1: batch statistics.
  runPhase(config.epochs - frozenEpochs, 1);
  const phase1Epochs = history.length;
  restoreNetwork(net, best.snapshot);

  if (config.batchNorm && config.recalibrateBatchNorm) {
    shuffleInPlace(order, rng);
    recalibrate(net, ws, xTrain, yTrain, d, order, batchSize);
    recalibrated = true;
    consider(evalLoss(net, ws, xVal, yVal, d), best.epoch);
    // Phase 2 fine-tunes from the recalibrated statistics; without it, keep them only if they helped.
    if (frozenEpochs === 0) restoreNetwork(net, best.snapshot);
  }

  // Phase 2: frozen running statistics, i.e. fine-tuning exactly the inference function.
  if (frozenEpochs > 0) {
    setBatchNormFrozen(net, true);
    runPhase(frozenEpochs, config.epochs - frozenEpochs + 1);
    setBatchNormFrozen(net, false);
    restoreNetwork(net, best.snapshot);
  }
  const finalValLoss = evalLoss(net, ws, xVal, yVal, d);

  const model: FloatModel = {
    name: options.name ?? "mlp",
    features: features.map((f) => ({ ...f })),
    target: { ...tr.target },
    scaler,
    targetScaler,
    layers: networkToLayers(net),
    ...(skip ? { skip: { ...skip } } : {}),
  };
  return {
    model,
    history,
    summary: {
      epochsRun: history.length,
      bestEpoch: best.epoch,
      bestValLoss: best.loss,
      finalValLoss,
      frozenBatchNormEpochs: history.length - phase1Epochs,
      stoppedEarly,
      batchNormRecalibrated: best.recalibrated,
      trainRows: n,
      validationRows: yVal.length,
    },
    config,
    elapsedMs: performance.now() - started,
  };
}
