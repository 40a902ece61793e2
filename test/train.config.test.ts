import { describe, expect, it } from "vitest";
import { DEFAULT_TRAIN_CONFIG, learningRateAt, resolveTrainConfig, type TrainConfigInput } from "../src/train/config.js";
import { InvalidValueError } from "../src/errors.js";

function fieldOf(input: unknown): string {
  try {
    resolveTrainConfig(input as TrainConfigInput);
  } catch (e) {
    if (e instanceof InvalidValueError) return e.field;
    throw e;
  }
  throw new Error("expected an InvalidValueError");
}

describe("resolveTrainConfig", () => {
  it("fills defaults", () => {
    expect(resolveTrainConfig()).toEqual(DEFAULT_TRAIN_CONFIG);
    const c = resolveTrainConfig({ hidden: [8], adam: { beta1: 0.8 }, earlyStopping: { patience: 3 } });
    expect(c.hidden).toEqual([8]);
    expect(c.adam).toEqual({ ...DEFAULT_TRAIN_CONFIG.adam, beta1: 0.8 });
    expect(c.earlyStopping).toEqual({ patience: 3, minDelta: 0 });
    // Frozen batch-norm epochs follow the epochs unless set: 80 %, at most epochs − 1.
    expect(resolveTrainConfig({ epochs: 10 }).frozenBatchNormEpochs).toBe(8);
    expect(resolveTrainConfig({ epochs: 1 }).frozenBatchNormEpochs).toBe(0);
    expect(resolveTrainConfig({ epochs: 10, frozenBatchNormEpochs: 2 }).frozenBatchNormEpochs).toBe(2);
  });

  it("names the field, the value and what is allowed", () => {
    expect(() => resolveTrainConfig({ learningRate: -1 })).toThrow("invalid config.learningRate: -1 (allowed: a finite number in (0, 1])");
    expect(fieldOf({ learningRate: NaN })).toBe("config.learningRate");
    expect(fieldOf({ hidden: [] })).toBe("config.hidden");
    expect(fieldOf({ hidden: [32, 0] })).toBe("config.hidden[1]");
    expect(fieldOf({ hidden: [32, 2.5] })).toBe("config.hidden[1]");
    expect(fieldOf({ epochs: 0 })).toBe("config.epochs");
    expect(fieldOf({ batchSize: 1 })).toBe("config.batchSize");
    expect(fieldOf({ scaler: "robust" })).toBe("config.scaler");
    expect(fieldOf({ batchNorm: "yes" })).toBe("config.batchNorm");
    expect(fieldOf({ adam: { beta2: 1 } })).toBe("config.adam.beta2");
    expect(fieldOf({ adam: { gamma: 1 } })).toBe("config.adam.gamma");
    expect(fieldOf({ earlyStopping: { patience: -1 } })).toBe("config.earlyStopping.patience");
    expect(fieldOf({ bnMomentum: 0 })).toBe("config.bnMomentum");
    expect(fieldOf({ bnEps: 0 })).toBe("config.bnEps");
    expect(fieldOf({ epochs: 10, frozenBatchNormEpochs: 10 })).toBe("config.frozenBatchNormEpochs");
    expect(fieldOf({ seed: -3 })).toBe("config.seed");
    expect(fieldOf({ schedule: { kind: "linear" } })).toBe("config.schedule.kind");
    expect(fieldOf({ schedule: { kind: "step", every: 0 } })).toBe("config.schedule.every");
    expect(fieldOf({ schedule: { kind: "step", minFactor: 0.1 } })).toBe("config.schedule.minFactor");
    expect(fieldOf({ schedule: { kind: "cosine", minFactor: 2 } })).toBe("config.schedule.minFactor");
  });

  it("rejects misspelt options, listing the known ones", () => {
    expect(() => resolveTrainConfig({ learningrate: 0.1 } as TrainConfigInput)).toThrow(/config.learningrate.*known options are hidden, batchNorm/);
  });
});

describe("learningRateAt", () => {
  it("constant, step and cosine with warm-up", () => {
    expect(learningRateAt({ learningRate: 0.1, epochs: 10, schedule: { kind: "constant" } }, 7)).toBe(0.1);
    const step = { learningRate: 0.1, epochs: 10, schedule: { kind: "step" as const, every: 3, factor: 0.5 } };
    expect([1, 3, 4, 7].map((e) => learningRateAt(step, e))).toEqual([0.1, 0.1, 0.05, 0.025]);
    const cos = { learningRate: 1, epochs: 12, schedule: { kind: "cosine" as const, minFactor: 0.1, warmupEpochs: 2 } };
    expect(learningRateAt(cos, 1)).toBeCloseTo(1 / 3, 15);
    expect(learningRateAt(cos, 2)).toBeCloseTo(2 / 3, 15);
    expect(learningRateAt(cos, 3)).toBe(1);
    expect(learningRateAt(cos, 12)).toBeCloseTo(0.1, 15);
    const lrs = Array.from({ length: 10 }, (_, i) => learningRateAt(cos, i + 3));
    expect(lrs.every((v, i) => i === 0 || v < lrs[i - 1])).toBe(true);
    // Warm-up longer than the run is cut to epochs − 1.
    expect(learningRateAt({ ...cos, epochs: 2 }, 2)).toBeCloseTo(0.1, 15);
  });
});
