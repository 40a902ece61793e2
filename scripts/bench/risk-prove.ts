// Warm risk-proof profile: `npx tsx scripts/bench/risk-prove.ts [dir] [--write]`, where dir
// (default bench/tmp/risk) holds the reference risk circuit built by scripts/bench-risk.ts (the
// wasm and risk.zkey). Proves one statement 1 + 7 times per threads mode (the first proof warms
// up), prints the medians and phases (JSON); --write records them under `risk` in
// bench/results.json (riskWarmProveMsMedian: the multi-threaded warm prover, the lower latency on
// 2 cores; riskWarmProveMsMedianSingleThread: the default single-threaded one, what a pool
// worker runs).
import os from "node:os";
import path from "node:path";
import { readFile, writeFile } from "node:fs/promises";
import { createWarmProver } from "../../src/zk/warmProver.js";

const args = process.argv.slice(2);
const dir = path.resolve(args.find((a) => !a.startsWith("--")) ?? "bench/tmp/risk");
const wasmPath = path.join(dir, "black-scholes-call_risk_js", "black-scholes-call_risk.wasm");
const zkeyPath = path.join(dir, "risk.zkey");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// At the money, a month, 40 % vol, 3 %: inside every mark range.
const input = { in_moneyness: String(10n ** 18n), in_timeToExpiry: String(10n ** 17n), in_volatility: String(4n * 10n ** 17n), in_rate: String(3n * 10n ** 16n) };
const out: Record<string, unknown> = { load: os.loadavg()[0] };
for (const threads of ["single", "multi"] as const) {
  const p = await createWarmProver({ wasmPath, zkeyPath, threads });
  await p.prove(input);
  const runs: { total: number; phases: Record<string, number> }[] = [];
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    const r = await p.prove(input);
    runs.push({ total: performance.now() - t, phases: r.phases as unknown as Record<string, number> });
  }
  await p.close();
  out[threads] = { medianMs: Math.round(median(runs.map((r) => r.total))), phases: Object.fromEntries(Object.keys(runs[0].phases).map((k) => [k, Math.round(median(runs.map((r) => r.phases[k])))])) };
}
out.loadAfter = os.loadavg()[0];
console.log(JSON.stringify(out));
if (args.includes("--write")) {
  const file = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..", "bench", "results.json");
  const results = JSON.parse(await readFile(file, "utf8"));
  const single = out.single as { medianMs: number; phases: Record<string, number> };
  const multi = out.multi as { medianMs: number; phases: Record<string, number> };
  const { riskWarmProveMsMedianMultiThread: _old, ...rest } = results.risk ?? {};
  void _old;
  results.risk = {
    ...rest,
    riskWarmProveMsMedian: multi.medianMs,
    riskWarmProveMsMedianSingleThread: single.medianMs,
    riskWarmProvePhasesMs: multi.phases,
    riskWarmProvePhasesMsSingleThread: single.phases,
    riskProveLoadAverage: Number((((out.load as number) + (out.loadAfter as number)) / 2).toFixed(1)),
  };
  await writeFile(file, JSON.stringify(results, null, 2) + "\n");
}
