// Benchmark suite: `npm run bench` (add `-- --quick` for a fast smoke run with small data).
// Trains, quantizes, compiles, sets up and proves the reference model and a larger MLP,
// measures time, memory, gas and accuracy, and writes bench/results.json and BENCHMARKS.md.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { AbiCoder } from "ethers";
import { buildCircuit } from "../src/circuit/build.js";
import { toCircuitInput } from "../src/circuit/inputs.js";
import { blackScholesDataset } from "../src/data/blackScholes.js";
import type { Dataset } from "../src/data/dataset.js";
import { marketContextDataset } from "../src/data/marketContext.js";
import { splitDataset } from "../src/data/split.js";
import { predict } from "../src/model/forward.js";
import { quantizationReport, quantizeToTolerance, realToRaw } from "../src/quantize/report.js";
import type { QuantizedModel } from "../src/quantize/types.js";
import { trainReferenceModel } from "../src/train/reference.js";
import { train } from "../src/train/train.js";
import { calculateWitness, createProver, loadWitnessCalculator, setupGroth16, toSolidityCalldata } from "../src/zk/groth16.js";
import { requiredPower, resolvePtau } from "../src/zk/ptau.js";
import { measureGas, type GasFigures } from "./bench/gas.js";

const exec = promisify(execFile);
const quick = process.argv.includes("--quick");
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const work = path.join(root, "bench", "tmp");
const sharedPtau = path.resolve(root, "..", "shared", "ptau", "dev-pot16.ptau");

interface BenchModel {
  key: string;
  title: string;
  dataset: (n: number) => Dataset;
  n: number;
  hidden: number[];
}

const models: BenchModel[] = [
  { key: "reference", title: "reference: 4 → 32 → 32 → 1 (Black–Scholes calls)", dataset: (n) => blackScholesDataset({ n, seed: 1, kind: "call" }), n: 50_000, hidden: [32, 32] },
  { key: "large", title: "large: 16 → 64 → 64 → 1 (calls + 12 market-context features)", dataset: (n) => marketContextDataset({ n, seed: 1 }), n: 50_000, hidden: [64, 64] },
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x: number, digits = 1) => Number(x.toFixed(digits));
const log = (line: string) => console.log(line);

async function benchModel(m: BenchModel): Promise<Record<string, number | string>> {
  log(`\n== ${m.title}`);
  const dir = path.join(work, m.key);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const n = quick ? 3000 : m.n;
  const quickConfig = quick ? { epochs: 10, frozenBatchNormEpochs: 3 } : {};
  const onEpoch = (e: { epoch: number; epochs: number; trainLoss: number; valLoss: number }) => {
    if (e.epoch % 25 === 0 || e.epoch === e.epochs) log(`  epoch ${e.epoch}/${e.epochs} train ${e.trainLoss.toExponential(2)} val ${e.valLoss.toExponential(2)}`);
  };
  const t0 = performance.now();
  // The reference model is exactly the one the library, CLI and demo train (same seed, config).
  const { splits, training: trained } =
    m.key === "reference"
      ? trainReferenceModel({ seed: 1, n, config: quickConfig, onEpoch })
      : (() => {
          const s = splitDataset(m.dataset(n), { seed: 1 });
          return { splits: s, training: train(s, { hidden: m.hidden, seed: 1, ...quickConfig }, { name: m.key, onEpoch }) };
        })();
  const trainSeconds = (performance.now() - t0) / 1000;
  const model = trained.model;
  const test = splits.test;
  const errs = test.x.map((x, i) => Math.abs(predict(model, x) - test.y[i]));
  const testMae = errs.reduce((a, b) => a + b, 0) / errs.length;
  const testMaxAbsErr = Math.max(...errs);
  log(`  trained in ${trainSeconds.toFixed(1)} s (${trained.summary.epochsRun} epochs); test MAE ${testMae.toExponential(2)}, max ${testMaxAbsErr.toExponential(2)}`);

  // Precision is chosen on the validation split with margin, then reported on the test split.
  const { q } = await quantizeToTolerance(model, splits.validation.x, { tolerance: 5e-5 });
  // A fixed branch-and-bound budget, so both models' guarantees come from the same search size.
  const report = quantizationReport(model, q, test.x, { maxBoxes: 3000 });
  log(`  quantized at 2^${q.actBits}: max |float − quantized| ${report.maxAbsErr.toExponential(2)} on ${report.n} test rows; worst found ${report.worstFoundErr.toExponential(2)}; guaranteed ≤ ${report.guaranteedBound.toExponential(2)} (${report.boundBoxes} boxes)`);

  const built = await buildCircuit(q, { outDir: dir });
  log(`  circuit: ${built.constraints} constraints, compiled in ${(built.compileMs / 1000).toFixed(1)} s`);
  const power = requiredPower(built.constraints, q.publicSignals.length);
  const ptau = await resolvePtau({ power, constraints: built.constraints, ptauPath: power > 12 && existsSync(sharedPtau) ? sharedPtau : undefined, log: () => {} });
  const keys = await setupGroth16({ r1csPath: built.r1csPath, ptauPath: ptau.path, outDir: dir, name: m.key });
  log(`  setup (ptau power ${ptau.power}): ${(keys.setupMs / 1000).toFixed(1)} s`);

  const inputs = test.x.slice(0, 20).map((x) => toCircuitInput(q, x.map((v, j) => realToRaw(v, q.inputs[j].decimals))));
  const wc = await loadWitnessCalculator(built.wasmPath);
  await calculateWitness(wc, inputs[0]);
  const witnessMs: number[] = [];
  for (const input of inputs) {
    const s = performance.now();
    await calculateWitness(wc, input);
    witnessMs.push(performance.now() - s);
  }

  const prover = await createProver({ wasmPath: built.wasmPath, zkeyPath: keys.zkeyPath });
  const first = await prover.prove(inputs[0]);
  const warm: number[] = [];
  const runs = quick ? 5 : 9;
  for (let i = 1; i <= runs; i++) {
    const s = performance.now();
    await prover.prove(inputs[i % inputs.length]);
    warm.push(performance.now() - s);
  }
  await prover.close();
  log(`  warm prover: median ${median(warm).toFixed(0)} ms over ${runs} proofs`);

  const inputFile = path.join(dir, "input.json");
  await writeFile(inputFile, JSON.stringify(inputs[1]));
  const cold: { totalMs: number; maxRssMb: number }[] = [];
  for (let i = 0; i < (quick ? 2 : 5); i++) {
    const s = performance.now();
    const { stdout } = await exec(process.execPath, ["--import", "tsx", path.join(root, "scripts", "bench", "prove-once.ts"), built.wasmPath, keys.zkeyPath, inputFile], { cwd: root });
    const r = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as { maxRssMb: number };
    cold.push({ totalMs: performance.now() - s, maxRssMb: r.maxRssMb });
  }
  const coldMs = median(cold.map((c) => c.totalMs));
  log(`  cold process per proof: median ${coldMs.toFixed(0)} ms, peak RSS ${Math.max(...cold.map((c) => c.maxRssMb)).toFixed(0)} MB`);

  const calldata = toSolidityCalldata(first.proof, first.publicSignals);
  const gas: GasFigures = await measureGas({ q, verifierPath: keys.verifierPath, contractName: keys.verifierContractName, calldata, withFeed: m.key === "reference", wasmPath: built.wasmPath, zkeyPath: keys.zkeyPath });
  log(`  gas: ${Object.entries(gas).map(([k, v]) => `${k} ${v}`).join(", ")}`);

  return {
    constraints: built.constraints,
    publicSignals: q.publicSignals.length,
    ptauPower: ptau.power,
    fracBits: q.actBits,
    trainSeconds: round(trainSeconds),
    epochs: trained.summary.epochsRun,
    trainRows: splits.train.x.length,
    testMae: Number(testMae.toPrecision(3)),
    testMaxAbsErr: Number(testMaxAbsErr.toPrecision(3)),
    quantMaxAbsErr: Number(report.maxAbsErr.toPrecision(3)),
    quantMeanAbsErr: Number(report.meanAbsErr.toPrecision(3)),
    quantGuaranteedBound: Number(report.guaranteedBound.toPrecision(3)),
    quantWorstFoundErr: Number(report.worstFoundErr.toPrecision(3)),
    compileMs: Math.round(built.compileMs),
    setupMs: Math.round(keys.setupMs),
    witnessMsMedian: round(median(witnessMs), 2),
    warmProveMsMedian: Math.round(median(warm)),
    warmProofsPerSecond: round(1000 / median(warm), 2),
    coldProveMsMedian: Math.round(coldMs),
    coldProofsPerSecond: round(1000 / coldMs, 2),
    provePeakRssMb: Math.round(Math.max(...cold.map((c) => c.maxRssMb))),
    // ABI encoding of the real proof's (a, b, c): 8 words, so 256 bytes by the format; measured
    // here so that a change of encoding shows up instead of a stale constant.
    proofBytesCalldata: (AbiCoder.defaultAbiCoder().encode(["uint256[2]", "uint256[2][2]", "uint256[2]"], [calldata.a, calldata.b, calldata.c]).length - 2) / 2,
    proofBytesJson: Buffer.byteLength(JSON.stringify(first.proof)),
    ...gas,
  };
}

function machine(): Record<string, string | number> {
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

async function main(): Promise<void> {
  await mkdir(work, { recursive: true });
  const results: Record<string, Record<string, number | string>> = {};
  for (const m of models) results[m.key] = await benchModel(m);
  const out = { machine: machine(), quick, date: new Date().toISOString().slice(0, 10), ...results };
  const file = quick ? path.join(work, "results.quick.json") : path.join(root, "bench", "results.json");
  await writeFile(file, `${JSON.stringify(out, null, 2)}\n`);
  log(`\nwrote ${path.relative(root, file)}`);
  if (!quick) {
    await writeFile(path.join(root, "BENCHMARKS.md"), renderMarkdown(out as never, results));
    log("wrote BENCHMARKS.md");
  }
}

function renderMarkdown(out: { machine: Record<string, string | number>; date: string }, results: Record<string, Record<string, number | string>>): string {
  const keys = Object.keys(results);
  const rows: [string, string][] = [
    ["constraints", "constraints"],
    ["ptauPower", "ptau power used"],
    ["publicSignals", "public signals"],
    ["fracBits", "fixed-point fractional bits (smallest with max error ≤ 5e-5 on the validation split)"],
    ["trainRows", "training rows"],
    ["trainSeconds", "training time (s)"],
    ["epochs", "epochs run"],
    ["testMae", "test MAE, float model vs truth (price/strike)"],
    ["testMaxAbsErr", "test max abs error, float vs truth"],
    ["quantMaxAbsErr", "max abs error, quantized vs float (test split)"],
    ["quantMeanAbsErr", "mean abs error, quantized vs float"],
    ["quantGuaranteedBound", "guaranteed bound, quantized vs float (every input of the domain; affine branch-and-bound)"],
    ["quantWorstFoundErr", "worst quantized-vs-float error found at a real input (the true worst case lies between this and the bound)"],
    ["compileMs", "circuit compile time (ms)"],
    ["setupMs", "Groth16 setup time (ms)"],
    ["witnessMsMedian", "witness generation, median of 20 (ms)"],
    ["warmProveMsMedian", "proving, warm prover, median (ms)"],
    ["warmProofsPerSecond", "proofs per second, warm prover"],
    ["coldProveMsMedian", "proving, fresh process per proof incl. start-up, median of 5 (ms)"],
    ["coldProofsPerSecond", "proofs per second, fresh process per proof"],
    ["provePeakRssMb", "peak memory of a proving process (MB RSS)"],
    ["proofBytesCalldata", "proof size as ABI calldata (bytes, a/b/c; fixed by the Groth16 format: 8 × 32, measured from the encoded proof)"],
    ["proofBytesJson", "proof size as snarkjs JSON (bytes)"],
    ["verifyGas", "verifyProof gas (transaction, incl. 21k base)"],
    ["submitGas", "feed submit gas (verify + checks + store)"],
    ["openPositionGas", "margin engine openPosition gas (1 open series, spread and fee included)"],
    ["openPositionColdSeriesGas", "margin engine openPosition gas, first open interest in the series"],
    ["openPosition8Gas", "margin engine openPosition gas (8 open series)"],
    ["closePositionGas", "margin engine closePosition gas (1 open series)"],
    ["closePosition8Gas", "margin engine closePosition gas (1 of 8 open series)"],
    ["liquidateGas", "margin engine liquidate gas (1 open series)"],
    ["liquidate8Gas", "margin engine liquidate gas (8 open series)"],
  ];
  const m = out.machine;
  const lines = [
    "# Benchmarks",
    "",
    "Produced by `npm run bench` (scripts/bench.ts); the same figures are in `bench/results.json`.",
    "",
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}. Date: ${out.date}.`,
    "",
    `| figure | ${keys.join(" | ")} |`,
    `|---|${keys.map(() => "---:").join("|")}|`,
    ...rows.map(([k, label]) => `| ${label} | ${keys.map((key) => (results[key][k] ?? "n/a")).join(" | ")} |`),
    "",
  ];
  return `${lines.join("\n")}\n`;
}

await main();
