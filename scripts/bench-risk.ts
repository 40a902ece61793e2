// Risk-vector benchmark: `npx tsx scripts/bench-risk.ts [--quick]`. Trains the reference
// model (same seed and config as the library, CLI and demo), builds its risk circuit on the
// default grid (and the 21-scenario wide grid, compile only), measures constraints, setup and
// warm prove time, and Δ/Γ of the proven finite differences against exact Black–Scholes over the
// risk circuit's mark domain. Writes the `risk` key of bench/results.json and the "Risk vector"
// section of BENCHMARKS.md (nothing else).
import { existsSync } from "node:fs";
import os from "node:os";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { buildRiskCircuit } from "../src/circuit/risk/build.js";
import { predictRiskConstraints } from "../src/circuit/risk/cost.js";
import { decodeRiskSignals, riskForward } from "../src/circuit/risk/reference.js";
import { defaultGrid, wideGrid, type RiskSpec } from "../src/circuit/risk/spec.js";
import { normalCdf, normalPdf } from "../src/data/normal.js";
import { quantizeToTolerance } from "../src/quantize/report.js";
import type { QuantizedModel } from "../src/quantize/types.js";
import { trainReferenceModel } from "../src/train/reference.js";
import { createProver, setupGroth16, verifyGroth16 } from "../src/zk/groth16.js";
import { requiredPower, resolvePtau } from "../src/zk/ptau.js";

const quick = process.argv.includes("--quick");
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const dir = path.join(root, "bench", "tmp", "risk");
// The shared development ptau (measurement only): beside the checkout, or in /work/shared.
const sharedPtau = [path.resolve(root, "..", "shared", "ptau", "dev-pot16.ptau"), path.resolve(root, "..", "..", "shared", "ptau", "dev-pot16.ptau")].find((p) => existsSync(p)) ?? path.resolve(root, "..", "shared", "ptau", "dev-pot16.ptau");
const log = (line: string) => console.log(line);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Mulberry32: the sample points are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Exact Black–Scholes Δ = ∂(C/K)/∂(S/K) = Φ(d1) and Γ = ∂²(C/K)/∂(S/K)² = φ(d1)/(m σ √T), calls. */
function bsGreeks(m: number, t: number, v: number, r: number): { delta: number; gamma: number } {
  const sd = v * Math.sqrt(t);
  const d1 = (Math.log(m) + (r + 0.5 * v * v) * t) / sd;
  return { delta: normalCdf(d1), gamma: normalPdf(d1) / (m * sd) };
}

/** Random raw inputs in the risk circuit's accepted box (mark ranges for the shocked inputs). */
function samplePoints(q: QuantizedModel, spec: RiskSpec, n: number, seed: number): bigint[][] {
  const rnd = rng(seed);
  return Array.from({ length: n }, () =>
    q.inputs.map((inp, j) => {
      const [lo, hi] = j === spec.spotInput ? spec.markRange.spot : j === spec.volInput ? spec.markRange.vol : [inp.minRaw, inp.maxRaw];
      return BigInt(lo) + (BigInt(Math.floor(rnd() * 1e9)) * (BigInt(hi) - BigInt(lo))) / 1_000_000_000n;
    }),
  );
}

await rm(dir, { recursive: true, force: true });
await mkdir(dir, { recursive: true });
const { model, splits } = trainReferenceModel({ seed: 1, ...(quick ? { n: 3000, config: { epochs: 10, frozenBatchNormEpochs: 3 } } : {}) });
const { q } = await quantizeToTolerance(model, splits.validation.x, { tolerance: 5e-5 });
log(`reference model quantized at 2^${q.actBits}`);

const wide = await buildRiskCircuit(q, wideGrid(), { outDir: path.join(dir, "wide") });
log(`wide grid (${wide.spec.scenarios.length} scenarios): ${wide.constraints} constraints, ${wide.spec.signals.length} packed signals`);
const built = await buildRiskCircuit(q, defaultGrid(), { outDir: dir });
const spec = built.spec;
log(`default grid (${spec.scenarios.length} scenarios): ${built.constraints} constraints, ${spec.signals.length} packed signals, compiled in ${(built.compileMs / 1000).toFixed(1)} s; predicted ${predictRiskConstraints(q, spec)} (wide ${predictRiskConstraints(q, wide.spec)})`);

// Greeks accuracy from the integer reference (bit-exact with the proven circuit).
const names = q.inputs.map((i) => i.name);
const pts = samplePoints(q, spec, quick ? 300 : 4000, 7);
let dErr = 0, gErr = 0, dErrBsFd = 0, dMax = 0;
for (const raw of pts) {
  const v = riskForward(q, spec, raw);
  const d = decodeRiskSignals(q, spec, [...v.packed, ...raw]);
  const x = (name: string) => Number(raw[names.indexOf(name)]) / 1e18;
  const m = x("moneyness"), t = x("timeToExpiry"), vol = x("volatility"), r = x("rate");
  const bs = bsGreeks(m, t, vol, r);
  dErr += Math.abs(d.delta - bs.delta);
  dMax = Math.max(dMax, Math.abs(d.delta - bs.delta));
  gErr += Math.abs(d.gamma - bs.gamma);
  // The step's own bias: the same central difference of exact Black–Scholes prices.
  const h = d.step;
  const p = (mm: number) => mm * normalCdf((Math.log(mm) + (r + 0.5 * vol * vol) * t) / (vol * Math.sqrt(t))) - Math.exp(-r * t) * normalCdf((Math.log(mm) + (r - 0.5 * vol * vol) * t) / (vol * Math.sqrt(t)));
  dErrBsFd += Math.abs((p(m * (1 + h)) - p(m * (1 - h))) / (2 * h * m) - bs.delta);
}
const deltaMae = dErr / pts.length;
const gammaMae = gErr / pts.length;
log(`Greeks over ${pts.length} points (step h = ${spec.grid.spot[spec.grid.deltaStep]}/2^${spec.grid.shockBits}): Δ MAE ${deltaMae.toFixed(4)} (max ${dMax.toFixed(3)}), Γ MAE ${gammaMae.toFixed(3)}; same FD on exact BS: Δ MAE ${(dErrBsFd / pts.length).toFixed(4)}`);

// Proving with the power-16 development ptau (measurement only).
const power = requiredPower(built.constraints, spec.signals.length + q.inputs.length);
let prove: Record<string, number> = {};
{
  // The shared file if present, else the cached or freshly written INSECURE development file (resolvePtau).
  const ptau = await resolvePtau({ power, constraints: built.constraints, ptauPath: power > 12 && existsSync(sharedPtau) ? sharedPtau : undefined, log });
  const keys = await setupGroth16({ r1csPath: built.r1csPath, ptauPath: ptau.path, outDir: dir, name: "risk" });
  log(`setup (ptau power ${ptau.power}): ${(keys.setupMs / 1000).toFixed(1)} s`);
  const prover = await createProver({ wasmPath: built.wasmPath, zkeyPath: keys.zkeyPath });
  const input = (raw: bigint[]) => Object.fromEntries(q.inputs.map((inp, j) => [`in_${inp.name.replace(/[^A-Za-z0-9_]/g, "_")}`, raw[j].toString()]));
  const first = await prover.prove(input(pts[0]));
  const ok = await verifyGroth16({ vkey: JSON.parse(await readFile(keys.vkeyPath, "utf8")), proof: first.proof, publicSignals: first.publicSignals });
  const ref = riskForward(q, spec, pts[0]);
  if (!ok || first.publicSignals.slice(0, ref.packed.length).some((s, i) => BigInt(s) !== ref.packed[i])) throw new Error("risk proof does not verify or differs from the integer reference");
  const warm: number[] = [];
  const runs = quick ? 3 : 7;
  for (let i = 1; i <= runs; i++) {
    const s = performance.now();
    await prover.prove(input(pts[i]));
    warm.push(performance.now() - s);
  }
  await prover.close();
  prove = { riskPtauPower: ptau.power, riskSetupMs: Math.round(keys.setupMs), riskWarmProveMsMedian: Math.round(median(warm)) };
  log(`warm prover: median ${prove.riskWarmProveMsMedian} ms over ${runs} proofs (verified, equal to the integer reference)`);
}

const risk = {
  riskConstraints: built.constraints,
  riskScenarios: spec.scenarios.length,
  riskPublicSignals: spec.signals.length + q.inputs.length,
  riskConstraintsWide: wide.constraints,
  riskScenariosWide: wide.spec.scenarios.length,
  ...prove,
  deltaMae: Number(deltaMae.toPrecision(3)),
  deltaMaxAbsErr: Number(dMax.toPrecision(3)),
  gammaMae: Number(gammaMae.toPrecision(3)),
  deltaMaeStepBias: Number((dErrBsFd / pts.length).toPrecision(3)),
  greeksPoints: pts.length,
};
if (!quick) {
  const resultsPath = path.join(root, "bench", "results.json");
  const results = JSON.parse(await readFile(resultsPath, "utf8"));
  // Keep keys other scripts record under `risk` (marginCheckGas8 and its breakdown: test/contracts.risk.test.ts).
  results.risk = { ...results.risk, ...risk };
  await writeFile(resultsPath, JSON.stringify(results, null, 2) + "\n");
  const mdPath = path.join(root, "BENCHMARKS.md");
  const md = await readFile(mdPath, "utf8");
  const fmt = (k: string, label: string) => `| ${label} | ${(results.risk as Record<string, number>)[k] ?? "not measured"} |`;
  const load = os.loadavg()[0].toFixed(1);
  const section = [
    "<!-- risk:begin -->",
    `Measured by \`npx tsx scripts/bench-risk.ts\` on the reference model (same machine). Default grid: spot −15, −5, 0, +5, +15 % × vol −25, 0, +25 % (relative), ${spec.scenarios.length} scenarios; Δ and Γ are central differences of the proven network with step h = 5 % of spot. Greeks are measured with the integer reference (bit-exact with the circuit) at ${pts.length} random points of the risk circuit's mark domain (S/K ${(Number(spec.markRange.spot[0]) / 1e18).toFixed(3)}–${(Number(spec.markRange.spot[1]) / 1e18).toFixed(3)}, σ ${(Number(spec.markRange.vol[0]) / 1e18).toFixed(3)}–${(Number(spec.markRange.vol[1]) / 1e18).toFixed(3)}, all T and r), against exact Black–Scholes Δ = Φ(d1) and Γ = φ(d1)/(m σ √T) (per unit S/K and (S/K)², price per strike).`,
    "",
    "| metric | value |",
    "|---|---|",
    fmt("riskConstraints", "constraints, default grid"),
    fmt("riskPublicSignals", "public signals (packed outputs + inputs)"),
    fmt("riskConstraintsWide", "constraints, 21-scenario grid (±5/10/15 %)"),
    fmt("riskPtauPower", "ptau power"),
    fmt("riskSetupMs", "Groth16 setup (ms)"),
    fmt("riskWarmProveMsMedian", "proving, warm prover, median (ms)"),
    fmt("deltaMae", "Δ mean absolute error vs Black–Scholes"),
    fmt("deltaMaxAbsErr", "Δ max absolute error"),
    fmt("deltaMaeStepBias", "Δ MAE of the same 5 % difference of exact Black–Scholes (step bias alone)"),
    fmt("gammaMae", "Γ mean absolute error vs Black–Scholes"),
    fmt("marginCheckGas8", "engine margin check (`accountHealth`), 8 open series × 15 scenarios, real OptionPriceFeed (submitRisk), gas (target ≤ 200,000)"),
    "",
    `1-minute load average at the end of the run: ${load} (2 cores).`,
    "<!-- risk:end -->",
  ].join("\n");
  // Only the marked block is rewritten: the rest of the section (gas tables, the demo's figures) is kept.
  const start = md.indexOf("<!-- risk:begin -->");
  const end = md.indexOf("<!-- risk:end -->");
  const updated = start < 0 || end < start ? `${md.trimEnd()}\n\n## Risk vector\n\n${section}\n` : `${md.slice(0, start)}${section}${md.slice(end + "<!-- risk:end -->".length)}`;
  await writeFile(mdPath, updated.endsWith("\n") ? updated : updated + "\n");
}
log(JSON.stringify(risk));
