/**
 * One point of the accuracy/size Pareto: train an MLP on a wide-domain dataset, evaluate the
 * float model and its quantized circuit against the exact pricer on an independent uniform
 * sample of the declared box, and count the circuit's constraints per evaluation.
 */
import type { Dataset } from "../data/dataset.js";
import { splitDataset } from "../data/split.js";
import type { FloatModel } from "../model/types.js";
import { predictBatch } from "../model/forward.js";
import { integerForward } from "../quantize/forward.js";
import { quantizationReport, quantizeToTolerance, realToRaw } from "../quantize/report.js";
import type { QuantizedModel } from "../quantize/types.js";
import { predictConstraints } from "../circuit/cost.js";
import type { TrainConfigInput } from "./config.js";
import { type EpochReport, type TrainReturnType, train } from "./train.js";
import { regressionMetrics } from "./metrics.js";
import { quantize } from "../quantize/quantize.js";
import { type PayoffSkip, timeValueTarget } from "../layers/payoff.js";

export interface ParetoPointParameters {
  name: string;
  /** Training data (split 88 % train / 10 % validation / 2 % unused, seeded). */
  data: Dataset;
  /** Evaluation data: uniform over the declared box, targets exact. */
  evaluation: Dataset;
  config: TrainConfigInput;
  seed: number;
  /** Max |quantized − float| on the validation split that picks the fractional bits. */
  quantTolerance?: number;
  /** Fixed fractional bits (activations = weights) instead of the tolerance search. */
  fracBits?: number;
  /** Payoff skip: the network learns the time value above the exact payoff (src/layers/payoff.ts). */
  skip?: PayoffSkip;
  onEpoch?: (e: EpochReport) => void;
}

export interface ParetoPoint {
  name: string;
  hidden: number[];
  trainRows: number;
  evalRows: number;
  epochsRun: number;
  trainSeconds: number;
  /** CPU time of the training (user + system): what an idle core would take, on a loaded machine far less than the wall-clock time. */
  trainCpuSeconds?: number;
  /** Float model vs exact price over the uniform box (target units). */
  wideMae: number;
  wideMaxAbsErr: number;
  /** Quantized (circuit) model vs exact price over the same rows. */
  quantWideMae: number;
  quantWideMaxAbsErr: number;
  /** Quantized vs float on the same rows. */
  quantVsFloatMaxAbsErr: number;
  quantGuaranteedBound: number;
  fracBits: number;
  constraintsPerEval: number;
}

export interface ParetoPointReturnType {
  point: ParetoPoint;
  model: FloatModel;
  q: QuantizedModel;
  training: TrainReturnType;
}

/** Quantized predictions in real target units for real-unit rows (rounded to raw units first). */
export function quantizedPredictions(q: QuantizedModel, rows: readonly (readonly number[])[]): number[] {
  const scale = 10 ** q.output.decimals;
  return rows.map((row) => Number(integerForward(q, row.map((v, j) => realToRaw(v, q.inputs[j].decimals, q.inputs[j].name))).output) / scale);
}

export async function paretoPoint(p: ParetoPointParameters): Promise<ParetoPointReturnType> {
  const data = p.skip ? { ...p.data, target: timeValueTarget(p.data.target, p.skip, p.data.features[p.skip.input]) } : p.data;
  const splits = splitDataset(data, { seed: p.seed, validationFraction: 0.1, testFraction: 0.02 });
  const cpu0 = process.cpuUsage();
  const training = train(splits, { ...p.config, seed: p.seed }, { name: p.name, onEpoch: p.onEpoch, ...(p.skip ? { skip: p.skip } : {}) });
  const cpu = process.cpuUsage(cpu0);
  const model = training.model;
  const floatPred = predictBatch(model, p.evaluation.x);
  const fm = regressionMetrics(p.evaluation.y, floatPred);
  const valRows = splits.validation.x.slice(0, 2000);
  const q = p.fracBits !== undefined ? await quantize(model, { actBits: p.fracBits }) : (await quantizeToTolerance(model, valRows, { tolerance: p.quantTolerance ?? 2e-5, minBits: 12, maxBits: 24 })).q;
  const qPred = quantizedPredictions(q, p.evaluation.x);
  const qm = regressionMetrics(p.evaluation.y, qPred);
  const qr = quantizationReport(model, q, p.evaluation.x.slice(0, 5000));
  const point: ParetoPoint = {
    name: p.name,
    hidden: [...training.config.hidden],
    trainRows: training.summary.trainRows,
    evalRows: p.evaluation.x.length,
    epochsRun: training.summary.epochsRun,
    trainSeconds: training.elapsedMs / 1000,
    trainCpuSeconds: (cpu.user + cpu.system) / 1e6,
    wideMae: fm.mae,
    wideMaxAbsErr: fm.maxAbsError,
    quantWideMae: qm.mae,
    quantWideMaxAbsErr: qm.maxAbsError,
    quantVsFloatMaxAbsErr: qr.maxAbsErr,
    quantGuaranteedBound: qr.guaranteedBound,
    fracBits: q.actBits,
    constraintsPerEval: predictConstraints(q),
  };
  return { point, model, q, training };
}
