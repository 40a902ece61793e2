/** `zkinfer import`: ONNX file + spec → build/<model>/model.json, then the usual stages; one-line errors. */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readModelFile } from "../src/model/file.js";
import { type CliHarness, cliIn, expectError, expectOk } from "./helpers/cli.js";
import { OPTION_SPEC } from "./helpers/onnxFixtures.js";

const FIXTURES = path.join(import.meta.dirname, "fixtures", "onnx");
let dir: string;
let cli: CliHarness;
let specPath: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-cli-import-"));
  cli = cliIn(path.join(dir, "build"));
  specPath = path.join(dir, "spec.json");
  await writeFile(specPath, JSON.stringify({ name: "torch-pricer", ...OPTION_SPEC }));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("zkinfer import", () => {
  it("imports a PyTorch-style export into build/<model>/ with a manifest, and quantize takes it from there", async () => {
    const result = expectOk(await cli("--json", "import", path.join(FIXTURES, "pytorch-gemm-bn-relu.onnx"), "--spec", specPath));
    expect(result).toMatchObject({ model: "torch-pricer", precision: "float32", opset: 17, producer: "pytorch 2.5.1", scaler: "graph", layers: "4 → 8 batch-norm relu → 8 batch-norm relu → 1" });
    const file = await readModelFile(path.join(dir, "build", "torch-pricer", "model.json"));
    expect(file.model.features.map((f) => f.name)).toEqual(OPTION_SPEC.features.map((f) => f.name));
    expect(file.training).toBeUndefined();
    const manifest = JSON.parse(await readFile(path.join(dir, "build", "torch-pricer", "manifest.json"), "utf8"));
    expect(manifest.stages.model.info.onnxSha256).toMatch(/^[0-9a-f]{64}$/);
    const q = expectOk(await cli("--json", "quantize", "--model", "torch-pricer", "--bits", "14", "--samples", "200"));
    expect(q).toMatchObject({ model: "torch-pricer" });
    // Same file again: same model, nothing to force.
    expectOk(await cli("import", path.join(FIXTURES, "pytorch-gemm-bn-relu.onnx"), "--spec", specPath));
    // A different model in the same folder needs --force.
    expectError(await cli("import", path.join(FIXTURES, "pytorch-gemm-bn-relu-f64.onnx"), "--spec", specPath), 1, /already holds a different model/);
  });

  it("refuses an unsupported graph with one line naming the node, and writes nothing", async () => {
    const r = await cli("import", path.join(FIXTURES, "errors", "unsupported-op.onnx"), "--spec", specPath, "--name", "bad");
    expectError(r, 1, /ONNX node 2\/3 "\/act\/Sigmoid" \(op Sigmoid\): op Sigmoid is not supported .*Supported: one input/);
    await expect(readFile(path.join(dir, "build", "bad", "model.json"))).rejects.toThrow();
  });

  it("needs --spec and an existing file", async () => {
    expectError(await cli("import", path.join(FIXTURES, "keras-matmul-add.onnx")), 1, /--spec is required/);
    expectError(await cli("import", path.join(dir, "missing.onnx"), "--spec", specPath), 1, /ONNX file .*missing.onnx not found/);
  });
});
