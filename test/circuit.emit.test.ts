import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildCircuit } from "../src/circuit/build.js";
import { commentText, emitCircuit } from "../src/circuit/emit.js";
import { InvalidValueError } from "../src/errors.js";
import { parseQuantizedModel, serializeQuantizedModel } from "../src/quantize/file.js";
import { quantize } from "../src/quantize/quantize.js";
import { randomModel } from "./helpers/randomModel.js";

const PAYLOAD = "S/K]\n    signal input in_moneyness;\n    out_priceOverStrike <-- 0;\n}\ntemplate Shadow() { // [";

describe("generated circuit source is safe against text in model files", () => {
  it("names and units cannot leave their comment line (no code injection)", async () => {
    const honest = await quantize(randomModel({ seed: 31, hidden: [3] }));
    const text = serializeQuantizedModel(honest);
    const edited = JSON.parse(text);
    edited.inputs[0].unit = PAYLOAD;
    edited.output.unit = "1/K\r\n}";
    edited.name = "evil\u2028name\nmore";
    // The loader accepts it (names and units are free text, the integers are honest) …
    const q = await parseQuantizedModel(JSON.stringify(edited));
    const source = emitCircuit(q);
    const honestSource = emitCircuit(honest);
    // … but the emitted code is the honest code: only comment text differs.
    const code = (s: string) => s.split("\n").filter((l) => !l.trim().startsWith("//"));
    expect(code(source)).toEqual(code(honestSource));
    expect(source.split("\n")).toHaveLength(honestSource.split("\n").length);
    expect(code(source).some((l) => l.includes("<--"))).toBe(false);
    // And it compiles to exactly as many constraints.
    const dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-emit-"));
    try {
      const a = await buildCircuit(honest, { outDir: path.join(dir, "a") });
      const b = await buildCircuit(q, { outDir: path.join(dir, "b") });
      expect(b.constraints).toBe(a.constraints);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("commentText keeps ordinary units and replaces line breaks", () => {
    expect(commentText("1/sqrt(year)")).toBe("1/sqrt(year)");
    expect(commentText("a\nb\rc\u2028d")).toBe("a?b?c?d");
  });

  it("refuses a non-integer number in a model built in code", async () => {
    const q = await quantize(randomModel({ seed: 31, hidden: [3] }));
    q.layers[0].weight[0][0] = "1) * x0.u + (5";
    expect(() => emitCircuit(q)).toThrow(InvalidValueError);
    expect(() => emitCircuit(q)).toThrow(/layers\[0\]\.weight\[0\]\[0\]/);
  });
});
