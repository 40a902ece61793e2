/** `zkinfer prove`: prove the model's output for given inputs; writes proof.json, public.json, calldata.json. */
import path from "node:path";
import type { Command } from "commander";
import { loadQuantizedModel } from "../../quantize/file.js";
import { predict } from "../../model/forward.js";
import { fromRawUnits } from "../../quantize/decimal.js";
import { requireStages } from "../../manifest/manifest.js";
import { resolveModel } from "../../manifest/paths.js";
import { writeProof } from "../../prove/proofFolder.js";
import { loadProvingArtifacts, openProver, proveRaw } from "../../prove/proving.js";
import { checkRiskMarkInputs, loadRiskSpec, proveRisk } from "../../prove/risk.js";
import { type CliRuntime, action, examples } from "../command.js";
import { type CliContext, stopwatch } from "../context.js";
import { describeInputs, formatOutput, parseInputFlags, readInputFile, toRawInputs } from "../inputs.js";

export interface ProveOptions {
  model?: string;
  input?: string;
  raw?: boolean;
  out?: string;
  risk?: boolean;
}

const fix = (x: number, d = 4) => (x >= 0 ? " " : "") + x.toFixed(d);

export async function proveCommand(ctx: CliContext, opts: ProveOptions, cmd: Command) {
  const paths = await resolveModel(ctx.root, opts.model);
  // Inputs are checked before the (slower) key loading, so bad input fails fast.
  await requireStages(paths, "qmodel");
  const q = await loadQuantizedModel(paths.qmodel);
  const raw = opts.raw ?? false;
  const fromFile = opts.input === undefined ? {} : await readInputFile(q, ctx.resolve(opts.input), raw);
  const texts = { ...fromFile, ...parseInputFlags(q, cmd.args) };
  const inputs = toRawInputs(q, texts, raw);
  if (opts.risk) {
    // The mark ranges are checked before the (slower) key loading.
    const loaded = await loadRiskSpec(paths);
    checkRiskMarkInputs(loaded.q, loaded.spec, inputs);
    const elapsed = stopwatch();
    ctx.progress(`proving the risk vector at ${describeInputs(q, inputs)}…`);
    const r = await proveRisk(paths, inputs, opts.out === undefined ? {} : { out: ctx.resolve(opts.out) });
    const { risk } = r.proved;
    const { spec } = r.artifacts;
    const d = q.output.decimals;
    const g = r.greeks;
    const pct = (k: number) => `${k >= 0 ? "+" : "−"}${((Math.abs(k) / 2 ** spec.grid.shockBits) * 100).toFixed(1)} %`;
    ctx.info(`proved mark ${q.output.name} = ${fromRawUnits(risk.mark, d)} ${q.output.unit}, ${spec.scenarios.length} scenarios`);
    ctx.info(`Greeks (${g.kind}; Δ per unit S/K, Γ per (S/K)², in ${q.output.unit}; central differences with spot step ±${(g.step * 100).toFixed(2)} %):`);
    ctx.info(`            proven     Black–Scholes   BS same step`);
    ctx.info(`  Δ      ${fix(g.proven.delta)}     ${fix(g.blackScholes.delta)}        ${fix(g.blackScholesFiniteDifference.delta)}`);
    ctx.info(`  Γ      ${fix(g.proven.gamma)}     ${fix(g.blackScholes.gamma)}        ${fix(g.blackScholesFiniteDifference.gamma)}`);
    ctx.info(`scenario prices (${q.output.unit}), spot shock × vol shock:`);
    const vols = spec.grid.vol;
    ctx.info(`  ${"spot".padEnd(9)}${vols.map((v) => `vol ${pct(v)}`.padStart(16)).join("")}`);
    spec.grid.spot.forEach((k, i) => {
      ctx.info(`  ${pct(k).padEnd(9)}${vols.map((_, j) => fromRawUnits(risk.prices[i * vols.length + j], d).slice(0, 12).padStart(16)).join("")}`);
    });
    ctx.info(`witness ${r.proved.witnessMs.toFixed(0)} ms, proof ${r.proved.proveMs.toFixed(0)} ms (total ${(elapsed() / 1000).toFixed(1)} s)`);
    ctx.info(`wrote ${ctx.show(path.dirname(r.files.proof))}/ proof.json, public.json, calldata.json, risk.json`);
    return {
      model: paths.name,
      kind: "risk" as const,
      mark: { raw: risk.mark.toString(), value: Number(risk.mark) / 10 ** d },
      delta: g.proven.delta,
      gamma: g.proven.gamma,
      blackScholes: g.blackScholes,
      blackScholesFiniteDifference: g.blackScholesFiniteDifference,
      step: g.step,
      scenarios: spec.scenarios.map((s, i) => ({ spot: s.spot / 2 ** spec.grid.shockBits, vol: s.vol / 2 ** spec.grid.shockBits, raw: risk.prices[i].toString() })),
      inputs: Object.fromEntries(q.inputs.map((inp, j) => [inp.name, inputs[j].toString()])),
      publicSignals: r.proved.publicSignals,
      files: r.files,
      witnessMs: r.proved.witnessMs,
      proveMs: r.proved.proveMs,
    };
  }

  const art = await loadProvingArtifacts(paths);
  const elapsed = stopwatch();
  ctx.progress(`proving ${describeInputs(q, inputs)}…`);
  const prover = await openProver(art);
  let proved;
  try {
    proved = await proveRaw(art, prover, inputs);
  } finally {
    await prover.close();
  }
  const dir = opts.out === undefined ? paths.proofDir : ctx.resolve(opts.out);
  const files = await writeProof(dir, art, proved);
  const floatOutput = predict(art.model, inputs.map((v, j) => Number(fromRawUnits(v, q.inputs[j].decimals))));
  const err = Math.abs(Number(proved.output) / 10 ** q.output.decimals - floatOutput);
  ctx.info(`proved ${formatOutput(q, proved.output)}  (float model ${floatOutput.toPrecision(8)}, |difference| ${err.toExponential(2)})`);
  ctx.info(`witness ${proved.witnessMs.toFixed(0)} ms, proof ${proved.proveMs.toFixed(0)} ms (total ${(elapsed() / 1000).toFixed(1)} s)`);
  ctx.info(`wrote ${ctx.show(dir)}/ proof.json, public.json, calldata.json, statement.json`);
  return {
    model: paths.name,
    output: { name: q.output.name, raw: proved.output.toString(), value: Number(proved.output) / 10 ** q.output.decimals },
    floatOutput,
    inputs: Object.fromEntries(q.inputs.map((inp, j) => [inp.name, inputs[j].toString()])),
    publicSignals: proved.publicSignals,
    files,
    witnessMs: proved.witnessMs,
    proveMs: proved.proveMs,
  };
}

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("prove")
    .summary("prove the model's output for given inputs")
    .description(
      "Prove the quantized model's output for one input vector. Inputs are flags named after the model's features (--moneyness 1.02 …) and/or an --input JSON object, in real units (converted exactly to on-chain integers) or, with --raw, as the on-chain integers.\n" +
        "Every input must lie in its declared range (the circuit enforces it). Writes proof.json and public.json (snarkjs format), calldata.json (Solidity verifyProof arguments) and statement.json.",
    )
    .option("--model <name>", "model folder (default: the only one)")
    .option("--input <file.json>", 'inputs as a JSON object, e.g. {"moneyness": 1.02, …}; flags override it')
    .option("--raw", "values are raw on-chain integers (e.g. wad), not real units")
    .option("-o, --out <dir>", "proof folder (default build/<model>/proof, with --risk build/<model>/risk/proof)")
    .option("--risk", "prove the risk vector (mark, stress-grid prices, Δ, Γ) with the keys of `setup --risk`; prints Δ and Γ next to Black–Scholes")
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .addHelpText(
      "after",
      examples(
        "zkinfer prove --moneyness 1.02 --timeToExpiry 0.25 --volatility 0.3 --rate 0.03",
        "zkinfer prove --input inputs.json",
        "zkinfer prove --risk --moneyness 1 --timeToExpiry 0.25 --volatility 0.3 --rate 0.03",
        "zkinfer prove --raw --moneyness 1020000000000000000 --timeToExpiry 250000000000000000 --volatility 300000000000000000 --rate 30000000000000000",
      ) + "\nThe built-in model's inputs: --moneyness (S/K) --timeToExpiry (years) --volatility (annualised) --rate (per year).\n",
    )
    .action(action(runtime, proveCommand));
}
