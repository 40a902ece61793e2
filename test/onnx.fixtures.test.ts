/**
 * The committed ONNX fixtures against onnxruntime-node: each valid file imports to a float
 * model whose forward pass equals onnxruntime's output on random in-range inputs (1e-6 for
 * float32 files, 1e-12 for float64), each error file is refused naming its node.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { predictBatch } from "../src/model/forward.js";
import { OnnxImportError, OnnxNodeError } from "../src/onnx/errors.js";
import { importOnnx } from "../src/onnx/import.js";
import { ERROR_FIXTURES, VALID_FIXTURES } from "./helpers/onnxFixtures.js";
import { inRangeRows, loadsInOnnxRuntime, maxRelativeGap, runOnnxRuntime } from "./helpers/ort.js";

const DIR = path.join(import.meta.dirname, "fixtures", "onnx");
const TOLERANCE = { float32: 1e-6, float64: 1e-12 } as const;

describe("committed ONNX fixtures", () => {
  for (const f of [...VALID_FIXTURES, ...ERROR_FIXTURES]) {
    it(`${f.file} is exactly what scripts/make-onnx-fixtures.ts makes, and onnxruntime loads it`, async () => {
      const bytes = new Uint8Array(await readFile(path.join(DIR, f.file)));
      expect(Buffer.from(bytes).equals(Buffer.from(f.make()))).toBe(true);
      await loadsInOnnxRuntime(bytes);
    });
  }

  for (const f of VALID_FIXTURES) {
    it(`${f.file} imports and equals onnxruntime to ${TOLERANCE[f.precision]} on in-range inputs`, async () => {
      const bytes = new Uint8Array(await readFile(path.join(DIR, f.file)));
      const imported = importOnnx(bytes, f.spec);
      expect(imported.precision).toBe(f.precision);
      const rows = inRangeRows(f.spec.features, 500, 1);
      const ours = predictBatch(imported.model, rows);
      const theirs = await runOnnxRuntime(bytes, rows, f.precision);
      const gap = maxRelativeGap(ours, theirs);
      expect(gap).toBeLessThanOrEqual(TOLERANCE[f.precision]);
      // The outputs vary: a constant model would pass trivially.
      expect(Math.max(...theirs) - Math.min(...theirs)).toBeGreaterThan(1e-3);
    });
  }

  for (const f of ERROR_FIXTURES) {
    it(`${f.file} is refused: ${f.description}`, async () => {
      const bytes = new Uint8Array(await readFile(path.join(DIR, f.file)));
      let error: unknown;
      try {
        importOnnx(bytes, f.spec);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(f.node ? OnnxNodeError : OnnxImportError);
      const e = error as OnnxNodeError;
      expect(e.shortMessage).toMatch(f.error);
      expect(e.shortMessage).not.toContain("\n");
      expect(e.details).toMatch(/^Supported: |^Re-export/);
      if (f.node) {
        expect(e.opType).toBe(f.node.opType);
        expect(e.nodeName).toBe(f.node.name);
      }
    });
  }
});
