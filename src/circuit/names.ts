import type { QuantizedModel } from "../quantize/types.js";

/** A circom identifier for a feature or target name (prefixed, so no keyword clashes). */
export function signalName(kind: "in" | "out", name: string): string {
  return `${kind}_${name.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

/** Circuit signal names of a model: the inputs in order, and the output. */
export function circuitSignals(q: QuantizedModel): { inputs: string[]; output: string } {
  return { inputs: q.inputs.map((i) => signalName("in", i.name)), output: signalName("out", q.output.name) };
}

/** Folder-safe model name. */
export function safeModelName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_-]/g, "_").replace(/^[-_]+/, "");
  return s.length > 0 ? s : "model";
}
