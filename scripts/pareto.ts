/**
 * Accuracy/size Pareto on the wide domain: trains each size, evaluates float and quantized
 * models against the exact pricer on an independent uniform sample of the declared box and
 * counts constraints per evaluation. Usage:
 *   tsx scripts/pareto.ts [--only name,name] [--n 100000] [--eval 50000] [--write]
 * With --write it replaces the `pareto` key of bench/results.json and the Pareto section of
 * BENCHMARKS.md (nothing else).
 */
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { wideDomainDataset, wideDomainUniform } from "../src/data/wideDomain.js";
import { hestonDataset, hestonUniform } from "../src/data/heston.js";
import type { Dataset } from "../src/data/dataset.js";
import type { TrainConfigInput } from "../src/train/config.js";
import { type ParetoPoint, paretoPoint } from "../src/train/pareto.js";
import { PARETO_SIZES } from "../src/train/wideReference.js";

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    n: { type: "string" },
    eval: { type: "string", default: "50000" },
    write: { type: "boolean", default: false },
    out: { type: "string" },
  },
});
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const only = values.only?.split(",");
const evalN = Number(values.eval);

interface Run { name: string; data: (n: number) => Dataset; evaluation: Dataset; n: number; config: TrainConfigInput; }
const runs: Run[] = [
  ...PARETO_SIZES.map((s) => ({
    name: s.name,
    data: (n: number) => wideDomainDataset({ n, seed: 1, kind: "call" }),
    evaluation: wideDomainUniform({ n: evalN, seed: 7, kind: "call" }),
    n: s.n,
    config: s.config,
  })),
  {
    name: "heston-32x32",
    data: (n: number) => hestonDataset({ n, seed: 1 }),
    evaluation: hestonUniform({ n: Math.min(evalN, 20000), seed: 7 }),
    n: 40_000,
    config: { hidden: [32, 32], batchNorm: true, epochs: 100 },
  },
].filter((r) => !only || only.includes(r.name));

const points: Record<string, ParetoPoint & { config: TrainConfigInput; machineCores: number }> = {};
for (const r of runs) {
  const n = values.n ? Number(values.n) : r.n;
  const t0 = performance.now();
  const data = r.data(n);
  console.error(`== ${r.name}: ${n} rows (generated in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const { point } = await paretoPoint({
    name: r.name, data, evaluation: r.evaluation, config: r.config, seed: 1,
    onEpoch: (e) => { if (e.epoch % 10 === 0) console.error(`  epoch ${e.epoch}/${e.epochs} train ${e.trainLoss.toExponential(2)} val ${e.valLoss.toExponential(2)} ${(e.elapsedMs / 1000).toFixed(0)} s`); },
  });
  points[r.name] = { ...point, config: r.config, machineCores: os.cpus().length };
  console.log(JSON.stringify(points[r.name]));
}
if (values.out) await writeFile(values.out, JSON.stringify(points, null, 2) + "\n");

if (values.write) {
  const resultsFile = path.join(root, "bench", "results.json");
  const results = JSON.parse(await readFile(resultsFile, "utf8"));
  results.pareto = { ...(results.pareto ?? {}), ...Object.fromEntries(Object.entries(points).map(([k, p]) => [k, {
    hidden: p.hidden, constraintsPerEval: p.constraintsPerEval, wideMae: sig(p.wideMae), wideMaxAbsErr: sig(p.wideMaxAbsErr),
    quantWideMae: sig(p.quantWideMae), quantWideMaxAbsErr: sig(p.quantWideMaxAbsErr), quantVsFloatMaxAbsErr: sig(p.quantVsFloatMaxAbsErr),
    quantGuaranteedBound: sig(p.quantGuaranteedBound), fracBits: p.fracBits, trainSeconds: Number(p.trainSeconds.toFixed(1)),
    trainRows: p.trainRows, epochsRun: p.epochsRun, evalRows: p.evalRows,
  }])) };
  await writeFile(resultsFile, JSON.stringify(results, null, 2) + "\n");
  console.error("updated bench/results.json (pareto)");
}

function sig(x: number): number { return Number(x.toPrecision(3)); }
