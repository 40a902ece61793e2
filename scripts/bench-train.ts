/**
 * Trains the reference model (4 → 32 → 32 → 1, batch norm + ReLU, Black–Scholes calls)
 * and prints its figures as JSON. Usage:
 *   tsx scripts/bench-train.ts [--n 50000] [--seed 1] [--kind call|put] [--progress]
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { trainReferenceModel } from "../src/train/reference.js";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "50000" },
    seed: { type: "string", default: "1" },
    kind: { type: "string", default: "call" },
    progress: { type: "boolean", default: false },
  },
});

const kind = values.kind === "put" ? "put" : values.kind === "call" ? "call" : undefined;
if (kind === undefined) {
  process.stderr.write(`--kind must be "call" or "put", got ${JSON.stringify(values.kind)}\n`);
  process.exit(2);
}

const r = trainReferenceModel({
  n: Number(values.n),
  seed: Number(values.seed),
  kind,
  onEpoch: values.progress
    ? (e) => process.stderr.write(`epoch ${e.epoch}/${e.epochs} train ${e.trainLoss.toExponential(3)} val ${e.valLoss.toExponential(3)} lr ${e.lr.toExponential(2)} ${(e.elapsedMs / 1000).toFixed(1)} s\n`)
    : undefined,
});

const s = r.training.summary;
console.log(
  JSON.stringify(
    {
      benchmark: "train-reference",
      machine: { cpus: os.cpus().length, node: process.version },
      dataset: { source: r.dataset.source, n: r.dataset.x.length, train: s.trainRows, validation: s.validationRows, test: r.splits.test.x.length },
      architecture: "4-32-32-1 (dense, batchnorm, relu)",
      trainSeconds: Number(r.trainSeconds.toFixed(2)),
      epochsRun: s.epochsRun,
      bestEpoch: s.bestEpoch,
      frozenBatchNormEpochs: s.frozenBatchNormEpochs,
      stoppedEarly: s.stoppedEarly,
      test: r.metrics.test,
      vsBlackScholes: r.metrics.vsBlackScholes,
      targets: { maeMax: 1e-3, trainSecondsMax: 60 },
      pass: r.metrics.test.mae <= 1e-3 && r.trainSeconds <= 60,
      modelHash: r.file.hash,
    },
    null,
    2,
  ),
);
