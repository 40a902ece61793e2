import { describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createModelFile, modelFileHash, parseModelFile, readModelFile, serializeModelFile, writeModelFile } from "../src/model/file.js";
import type { ModelFile } from "../src/model/schema.js";
import { trainReferenceModel } from "../src/train/reference.js";
import { ArtifactError } from "../src/errors.js";

const { file } = trainReferenceModel({ seed: 3, n: 600, config: { hidden: [4, 3], epochs: 4 } });
const text = serializeModelFile(file);

/** A copy of the file with `edit` applied; `rehash` keeps the hash consistent. */
function edited(edit: (f: any) => void, rehash = true): string {
  const f = JSON.parse(text);
  edit(f);
  if (rehash) f.hash = modelFileHash(f as ModelFile);
  return JSON.stringify(f);
}

function loadError(t: string): ArtifactError {
  try {
    parseModelFile(t, { path: "m.json" });
  } catch (e) {
    if (e instanceof ArtifactError) return e;
    throw e;
  }
  throw new Error("expected an ArtifactError");
}

describe("model file: round trip", () => {
  it("has the documented top-level shape and a valid hash", () => {
    expect(Object.keys(file).sort()).toEqual(["dataset", "format", "hash", "metrics", "model", "training", "version"]);
    expect(file).toMatchObject({ format: "zkinfer-model", version: 1 });
    expect(file.dataset).toMatchObject({ source: "black-scholes-wide:call:seed=3:n=600", n: 600 });
    expect(file.training?.epochsRun).toBe(4);
    expect(file.training?.history.valLoss).toHaveLength(4);
    expect(file.hash).toBe(modelFileHash(file));
    expect(text.endsWith("}\n")).toBe(true);
  });

  it("parses back to the same data and the same bytes", () => {
    const back = parseModelFile(text);
    expect(back).toEqual(file);
    expect(serializeModelFile(back)).toBe(text);
    // Key order or whitespace in the text does not matter for the hash.
    expect(parseModelFile(JSON.stringify(JSON.parse(text)))).toEqual(file);
  });

  it("reads and writes files on disk", async () => {
    const dir = await mkdtemp(join(tmpdir(), "zkinfer-model-"));
    try {
      const path = join(dir, "model.json");
      await writeModelFile(path, file);
      expect(await readModelFile(path)).toEqual(file);
      await expect(readModelFile(join(dir, "missing.json"))).rejects.toThrow(/missing.json: cannot read the model file/);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

describe("model file: load errors name the problem and the field", () => {
  it("not JSON, wrong format, wrong version", () => {
    expect(loadError("{ nope").message).toMatch(/^m.json: not valid JSON/);
    expect(loadError(edited((f) => (f.format = "onnx"))).message).toMatch(/format is "onnx".*not a zkinfer model file/);
    expect(loadError(edited((f) => (f.version = 2))).message).toMatch(/version is 2 \(this build reads version 1\)/);
  });

  it("schema: missing, mistyped, unknown and non-finite fields", () => {
    expect(loadError(edited((f) => delete f.model.layers)).message).toMatch(/field model.layers: /);
    expect(loadError(edited((f) => (f.model.layers[1].gamma[2] = "1"))).message).toMatch(/field model.layers\[1\].gamma\[2\]: .*expected number/);
    expect(loadError(edited((f) => (f.model.layers[0].type = "conv"))).message).toMatch(/field model.layers\[0\].type/);
    expect(loadError(edited((f) => (f.model.extra = 1))).message).toMatch(/field model: Unrecognized key: "extra"/);
    // 1e999 parses to Infinity: not a finite number.
    const inf = text.replace(/"bias": \[[^\]]*\]/, (m) => m.replace(/\[[^,\]]+/, "[1e999"));
    expect(inf).not.toBe(text);
    expect(loadError(inf).message).toMatch(/field model.layers\[\d\].bias\[0\]: .*expected number, received Infinity/);
    expect(loadError(edited((f) => (f.hash = "abc"), false)).message).toMatch(/field hash: expected 64 lower-case hex digits/);
  });

  it("hash: any edit without a new hash is detected", () => {
    const e = loadError(edited((f) => (f.model.layers[0].weight[0][0] += 1e-12), false));
    expect(e.message).toMatch(/hash mismatch: the file says [0-9a-f]{64} but its content hashes to [0-9a-f]{64}/);
    expect(e.details).toMatch(/edited or corrupted/);
    expect(loadError(edited((f) => (f.metrics.test.mae = 0), false)).message).toMatch(/hash mismatch/);
    expect(loadError(edited((f) => (f.dataset.n = 1), false)).message).toMatch(/hash mismatch/);
  });

  it("shapes: weight dims, layer order, feature count, scaler, batch norm", () => {
    const cases: [(f: any) => void, RegExp][] = [
      [(f) => f.model.layers[0].weight.pop(), /field model.layers\[0\].weight.length: 3 \(allowed: 4 rows \(outDim\)\)/],
      [(f) => f.model.layers[3].weight[1].push(0), /field model.layers\[3\].weight\[1\].length: 5 \(allowed: 4\)/],
      [(f) => [f.model.features, f.model.scaler.offset, f.model.scaler.scale].forEach((a) => a.pop()), /field model.layers\[0\].inDim: 4 \(allowed: 3 \(the number of features\)\)/],
      [(f) => f.model.layers.shift(), /field model.layers\[0\].type: "batchnorm"/],
      [(f) => f.model.layers.pop(), /field model.layers\[5\].type: "relu" \(allowed: "dense" \(the output layer has no activation\)\)/],
      [(f) => (f.model.layers[2].dim = 5), /field model.layers\[2\].dim: 5 \(allowed: 4 \(the width of the previous layer\)\)/],
      [(f) => (f.model.layers[1].runningVar[0] = -1), /field model.layers\[1\].runningVar\[0\]: -1/],
      [(f) => (f.model.layers[1].eps = 0), /field model.layers\[1\].eps/],
      [(f) => (f.model.scaler.scale[1] = 0), /field model.scaler.scale\[1\] \(timeToExpiry\): 0 \(allowed: a number > 0\)/],
      [(f) => f.model.scaler.offset.push(1), /field model.scaler.offset.length: 5 \(allowed: 4\)/],
      [(f) => (f.model.layers[6].outDim = 2), /field model.layers\[6\].weight.length/],
      [(f) => (f.model.features[1].name = "moneyness"), /field model.features\[1\].name: "moneyness"/],
      [(f) => (f.training.config.learningRate = 5), /field training.config.learningRate: 5/],
    ];
    for (const [edit, pattern] of cases) {
      const e = loadError(edited(edit));
      if (!pattern.test(e.message)) throw new Error(`expected ${pattern} in: ${e.message}`);
    }
  });

  it("createModelFile refuses an invalid model", () => {
    const bad = structuredClone(file.model);
    (bad.layers[0] as { inDim: number }).inDim = 7;
    expect(() => createModelFile({ model: bad })).toThrow(/layers\[0\].inDim: 7/);
    // A model without training records (e.g. imported) is a valid file.
    const bare = createModelFile({ model: file.model });
    expect(parseModelFile(serializeModelFile(bare))).toEqual(bare);
  });
});
