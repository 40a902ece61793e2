/**
 * The reference model's fidelity on the wide domain: trains it exactly as `zkinfer train`
 * (and so the demo) does, quantizes it at the default 16 fractional bits and measures, against
 * exact Black–Scholes on an independent uniform sample of the declared box, the float and
 * quantized errors, the guaranteed |quantized − float| bound next to the largest measured one,
 * the constraints per evaluation and those of the risk vector (default grid). Usage:
 *   tsx scripts/reference-fidelity.ts [--eval 50000] [--write]
 * With --write it sets `pareto.reference` in bench/results.json (read-modify-write).
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { wideDomainUniform } from "../src/data/wideDomain.js";
import { predictBatch } from "../src/model/forward.js";
import { predictConstraints } from "../src/circuit/cost.js";
import { predictRiskConstraints } from "../src/circuit/risk/cost.js";
import { riskSpec } from "../src/circuit/risk/spec.js";
import { quantize } from "../src/quantize/quantize.js";
import { quantizationReport } from "../src/quantize/report.js";
import { regressionMetrics } from "../src/train/metrics.js";
import { quantizedPredictions } from "../src/train/pareto.js";
import { trainReferenceModel } from "../src/train/reference.js";

const { values } = parseArgs({ options: { eval: { type: "string", default: "50000" }, write: { type: "boolean", default: false } } });
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const cpu0 = process.cpuUsage();
const r = trainReferenceModel({ seed: 1 });
const cpu = process.cpuUsage(cpu0);
const q = await quantize(r.model, { actBits: 16 });
const ev = wideDomainUniform({ n: Number(values.eval), seed: 7, kind: "call" });
const fm = regressionMetrics(ev.y, predictBatch(r.model, ev.x));
const qm = regressionMetrics(ev.y, quantizedPredictions(q, ev.x));
const rep = quantizationReport(r.model, q, ev.x);
const quantMaxAbsErr = Math.max(rep.maxAbsErr, rep.worstFoundErr);
const point = {
  hidden: r.training.config.hidden,
  constraintsPerEval: predictConstraints(q),
  riskConstraints: predictRiskConstraints(q, riskSpec(q)),
  wideMae: fm.mae,
  wideMaxAbsErr: fm.maxAbsError,
  quantWideMae: qm.mae,
  quantWideMaxAbsErr: qm.maxAbsError,
  quantVsFloatMaxAbsErr: quantMaxAbsErr,
  quantGuaranteedBound: rep.guaranteedBound,
  quantBoundRatio: rep.guaranteedBound / quantMaxAbsErr,
  testMae: r.metrics.test.mae,
  fracBits: q.actBits,
  trainSeconds: r.trainSeconds,
  trainCpuSeconds: (cpu.user + cpu.system) / 1e6,
  trainRows: r.training.summary.trainRows,
  epochsRun: r.training.summary.epochsRun,
  evalRows: ev.x.length,
  payoffSkip: true,
};
console.log(JSON.stringify(point, null, 2));
if (values.write) {
  const file = path.join(root, "bench", "results.json");
  const results = JSON.parse(await readFile(file, "utf8"));
  const sig = (x: number) => Number(x.toPrecision(3));
  const rounded = Object.fromEntries(Object.entries(point).map(([k, v]) => [k, typeof v === "number" && !Number.isInteger(v) ? (k.startsWith("train") ? Number(v.toFixed(1)) : sig(v)) : v]));
  results.pareto = { ...(results.pareto ?? {}), reference: rounded };
  await writeFile(file, JSON.stringify(results, null, 2) + "\n");
  console.error("updated pareto.reference in bench/results.json");
}
