/**
 * The risk-vector circuit of a model folder: compile, set up and prove it, beside (never over)
 * the price circuit (build/<model>/risk/, stages riskCircuit → riskKeys in the manifest).
 *
 * `proveRisk` is the one-step call for demos: load the artifacts (checked fresh), prove raw
 * inputs, write the proof folder, and return the decoded mark, scenario prices, Δ and Γ next to
 * exact Black–Scholes Greeks.
 */
import { readFile } from "node:fs/promises";
import { toCircuitInput } from "../circuit/inputs.js";
import { buildRiskCircuit } from "../circuit/risk/build.js";
import { predictRiskConstraints } from "../circuit/risk/cost.js";
import { riskSignalNames } from "../circuit/risk/emit.js";
import { type DecodedRisk, decodeRiskSignals, riskForward } from "../circuit/risk/reference.js";
import { defaultGrid, type RiskGrid, type RiskSpec, riskSpec } from "../circuit/risk/spec.js";
import { blackScholesGreeks, blackScholesPrice, type OptionKind } from "../data/blackScholes.js";
import { ArtifactError, BaseError } from "../errors.js";
import { type Manifest, recordStage, requireStages } from "../manifest/manifest.js";
import { type ModelPaths, riskCircuitFiles, riskKeyFiles, riskStem } from "../manifest/paths.js";
import { readModelFile } from "../model/file.js";
import { fromRawUnits } from "../quantize/decimal.js";
import { loadQuantizedModel } from "../quantize/file.js";
import { checkRawInputs } from "../quantize/forward.js";
import type { QuantizedModel } from "../quantize/types.js";
import { optionKindOf } from "../report/pricer.js";
import { canonicalJson } from "../util/canonicalJson.js";
import { writeFileAtomic } from "../util/fs.js";
import { toJson } from "../util/json.js";
import { type Groth16Proof, type Prover, type SolidityCalldata, createProver, setupGroth16, toSolidityCalldata } from "../zk/groth16.js";
import { requiredPower, resolvePtau } from "../zk/ptau.js";
import path from "node:path";

/** A raw input outside the risk circuit's mark range (narrower than the declared range). */
export class RiskInputOutOfRangeError extends BaseError {
  override name = "RiskInputOutOfRangeError";
}

export interface CompileModelRiskReturnType {
  constraints: number;
  predictedConstraints: number;
  scenarios: number;
  /** Public signal names: the packed outputs, then the raw inputs. */
  publicSignals: string[];
  ptauPower: number;
  spec: RiskSpec;
  files: { circom: string; r1cs: string; wasm: string; sym: string; spec: string };
  compileMs: number;
}

/** Public signal names of a model's risk circuit. */
export function riskPublicSignals(q: QuantizedModel, spec: RiskSpec): string[] {
  return [...riskSignalNames(spec), ...q.publicSignals.slice(1)];
}

/** `compile --risk`: the risk circuit of the folder's quantized model, recorded as stage riskCircuit. */
export async function compileModelRisk(paths: ModelPaths, options: { grid?: RiskGrid } = {}): Promise<CompileModelRiskReturnType> {
  const manifest = await requireStages(paths, "qmodel");
  const q = await loadQuantizedModel(paths.qmodel);
  const grid = options.grid ?? defaultGrid();
  const built = await buildRiskCircuit(q, grid, { outDir: paths.riskCircuitDir });
  const files = riskCircuitFiles(paths, q.name);
  if (built.r1csPath !== files.r1cs || built.specPath !== files.spec) throw new Error(`risk circuit written to ${built.r1csPath}, expected ${files.r1cs}`);
  const predicted = predictRiskConstraints(q, built.spec);
  const publicSignals = riskPublicSignals(q, built.spec);
  const ptauPower = requiredPower(built.constraints, publicSignals.length);
  await recordStage(paths, manifest, "riskCircuit", {
    files: [files.r1cs, files.wasm, files.sym, files.circom, files.spec],
    input: manifest.stages.qmodel!.hash,
    info: { constraints: built.constraints, predictedConstraints: predicted, scenarios: built.spec.scenarios.length, grid, publicSignals, ptauPower },
  });
  return { constraints: built.constraints, predictedConstraints: predicted, scenarios: built.spec.scenarios.length, publicSignals, ptauPower, spec: built.spec, files, compileMs: built.compileMs };
}

export interface SetupModelRiskReturnType {
  zkey: string;
  vkey: string;
  verifier: string;
  verifierContract: string;
  ptau: { path: string; power: number; development: boolean; generated: boolean };
  setupMs: number;
}

/** `setup --risk`: Groth16 keys and Solidity verifier of the risk circuit (stage riskKeys). */
export async function setupModelRisk(
  paths: ModelPaths,
  options: { ptauPath?: string; log?: (line: string) => void; progress?: (done: number, total: number) => void } = {},
): Promise<SetupModelRiskReturnType> {
  const manifest = await requireStages(paths, "riskCircuit");
  const q = await loadQuantizedModel(paths.qmodel);
  const info = manifest.stages.riskCircuit!.info ?? {};
  const constraints = Number(info.constraints);
  const power = requiredPower(constraints, (info.publicSignals as string[]).length);
  const ptau = await resolvePtau({ ptauPath: options.ptauPath, power, constraints, ...(options.log ? { log: options.log } : {}), ...(options.progress ? { progress: options.progress } : {}) });
  const keys = await setupGroth16({ r1csPath: riskCircuitFiles(paths, q.name).r1cs, ptauPath: ptau.path, outDir: paths.riskKeysDir, name: riskStem(q.name), ...(options.log ? { log: options.log } : {}) });
  await recordStage(paths, manifest, "riskKeys", {
    files: [keys.zkeyPath, keys.vkeyPath, keys.verifierPath],
    input: manifest.stages.riskCircuit!.hash,
    info: { ptau: { path: ptau.path, power: ptau.power, development: ptau.development }, verifierContract: keys.verifierContractName },
  });
  return {
    zkey: keys.zkeyPath,
    vkey: keys.vkeyPath,
    verifier: keys.verifierPath,
    verifierContract: keys.verifierContractName,
    ptau: { path: ptau.path, power: ptau.power, development: ptau.development, generated: ptau.generated },
    setupMs: keys.setupMs,
  };
}

export interface RiskArtifacts {
  paths: ModelPaths;
  manifest: Manifest;
  q: QuantizedModel;
  spec: RiskSpec;
  kind: OptionKind;
  wasm: string;
  zkey: string;
  vkey: string;
  verifier: string;
  verifierContract: string;
  keysHash: string;
}

/** The folder's quantized model and risk spec, after checking model → qmodel → riskCircuit. */
export async function loadRiskSpec(paths: ModelPaths): Promise<{ q: QuantizedModel; spec: RiskSpec }> {
  await requireStages(paths, "riskCircuit");
  const q = await loadQuantizedModel(paths.qmodel);
  const file = riskCircuitFiles(paths, q.name).spec;
  const written = JSON.parse(await readFile(file, "utf8")) as RiskSpec;
  // The spec is what the circuit was emitted from: it must be the model's spec for its grid.
  const spec = riskSpec(q, written.grid);
  if (canonicalJson(spec) !== canonicalJson(written)) {
    throw new ArtifactError({ path: file, problem: "risk spec does not match the quantized model", details: `Re-run \`zkinfer compile --risk --model ${paths.name}\`.` });
  }
  return { q, spec };
}

/** Everything a risk proof needs, after checking model → qmodel → riskCircuit → riskKeys. */
export async function loadRiskArtifacts(paths: ModelPaths): Promise<RiskArtifacts> {
  const { q, spec } = await loadRiskSpec(paths);
  const manifest = await requireStages(paths, "riskKeys");
  const keys = riskKeyFiles(paths, q.name);
  const kind = optionKindOf(await readModelFile(paths.model));
  return { paths, manifest, q, spec, kind, wasm: riskCircuitFiles(paths, q.name).wasm, zkey: keys.zkey, vkey: keys.vkey, verifier: keys.verifier, verifierContract: keys.contractName, keysHash: manifest.stages.riskKeys!.hash };
}

/**
 * Check raw inputs for a risk proof: the declared ranges, then the mark ranges of the shocked
 * inputs, with an error naming the input, its value and the allowed range in real units.
 */
export function checkRiskMarkInputs(q: QuantizedModel, spec: RiskSpec, raw: readonly bigint[]): void {
  checkRawInputs(q, raw);
  for (const [j, r] of [
    [spec.spotInput, spec.markRange.spot],
    [spec.volInput, spec.markRange.vol],
  ] as const) {
    if (raw[j] >= BigInt(r[0]) && raw[j] <= BigInt(r[1])) continue;
    const inp = q.inputs[j];
    const real = (v: bigint | string) => fromRawUnits(BigInt(v), inp.decimals);
    throw new RiskInputOutOfRangeError(`input ${inp.name} = ${real(raw[j])} is outside the risk circuit's mark range [${real(r[0])}, ${real(r[1])}] ${inp.unit} (raw ${raw[j]})`, {
      details: `The risk circuit stresses ${inp.name} by ${fmtShocks(j === spec.spotInput ? spec.grid.spot : spec.grid.vol, spec.grid.shockBits)}, and every shocked point must stay in the model's declared range [${real(inp.minRaw)}, ${real(inp.maxRaw)}]. Prove the price circuit instead, or use a wider-domain model.`,
    });
  }
}

function fmtShocks(ks: number[], b: number): string {
  return ks.map((k) => k === 0 ? "0" : `${k > 0 ? "+" : "−"}${((Math.abs(k) / 2 ** b) * 100).toFixed(2).replace(/\.?0+$/, "")} %`).join(", ");
}

export interface ProvedRisk {
  proof: Groth16Proof;
  publicSignals: string[];
  calldata: SolidityCalldata;
  inputs: bigint[];
  risk: DecodedRisk;
  witnessMs: number;
  proveMs: number;
}

export async function openRiskProver(art: Pick<RiskArtifacts, "wasm" | "zkey">): Promise<Prover> {
  return createProver({ wasmPath: art.wasm, zkeyPath: art.zkey });
}

/** Prove raw inputs with the risk circuit; the packed outputs must equal the integer reference. */
export async function proveRiskRaw(art: Pick<RiskArtifacts, "q" | "spec">, prover: Prover, inputs: bigint[]): Promise<ProvedRisk> {
  const { q, spec } = art;
  checkRiskMarkInputs(q, spec, inputs);
  const reference = riskForward(q, spec, inputs);
  const result = await prover.prove(toCircuitInput(q, inputs));
  const packed = result.publicSignals.slice(0, spec.signals.length);
  if (packed.some((s, i) => BigInt(s) !== reference.packed[i])) {
    throw new Error(`the risk circuit's packed outputs [${packed.join(", ")}] differ from the integer reference [${reference.packed.join(", ")}]`);
  }
  return {
    proof: result.proof,
    publicSignals: result.publicSignals,
    calldata: toSolidityCalldata(result.proof, result.publicSignals),
    inputs,
    risk: decodeRiskSignals(q, spec, result.publicSignals),
    witnessMs: result.witnessMs,
    proveMs: result.proveMs,
  };
}

export interface RiskGreeksComparison {
  kind: OptionKind;
  /** The proven central differences (decodeRiskSignals), per unit S/K and per (S/K)², price/strike. */
  proven: { delta: number; gamma: number };
  /** Exact Black–Scholes Greeks at the inputs (closed form). */
  blackScholes: { delta: number; gamma: number };
  /** Black–Scholes central differences with the circuit's step (what the proven differences approximate). */
  blackScholesFiniteDifference: { delta: number; gamma: number };
  step: number;
}

/** Proven Δ, Γ next to Black–Scholes', for models whose inputs are (moneyness, timeToExpiry, volatility, rate). */
export function compareGreeks(q: QuantizedModel, kind: OptionKind, risk: DecodedRisk): RiskGreeksComparison {
  const x = (name: string) => {
    const inp = q.inputs.find((i) => i.name === name);
    if (!inp) throw new ArtifactError({ path: q.name, problem: `the model has no input "${name}"`, details: "Black–Scholes Greeks need moneyness, timeToExpiry, volatility and rate." });
    return Number(fromRawUnits(risk.inputs[name], inp.decimals));
  };
  const m = x("moneyness");
  const bs = { kind, moneyness: m, timeToExpiry: x("timeToExpiry"), volatility: x("volatility"), rate: x("rate") };
  const h = risk.step;
  const p = (f: number) => blackScholesPrice({ ...bs, moneyness: m * f });
  return {
    kind,
    proven: { delta: risk.delta, gamma: risk.gamma },
    blackScholes: blackScholesGreeks(bs),
    blackScholesFiniteDifference: { delta: (p(1 + h) - p(1 - h)) / (2 * h * m), gamma: (p(1 + h) - 2 * p(1) + p(1 - h)) / (h * m) ** 2 },
    step: h,
  };
}

/** What risk.json holds. */
export interface RiskStatementFile {
  model: string;
  modelId: string;
  keysHash: string;
  inputs: { name: string; unit: string; decimals: number; raw: string; value: string }[];
  output: { name: string; unit: string; decimals: number };
  mark: { raw: string; value: string };
  scenarios: { spot: number; vol: number; raw: string; value: string }[];
  /** Relative spot step of the finite differences, and the proven Δ, Γ (see docs/circuits.md). */
  step: number;
  delta: number;
  gamma: number;
  dP: string;
  d2P: string;
}

export interface RiskProofFiles {
  proof: string;
  public: string;
  calldata: string;
  risk: string;
}

/** Write proof.json, public.json, calldata.json and risk.json into `dir`. */
export async function writeRiskProof(dir: string, art: Pick<RiskArtifacts, "q" | "spec" | "keysHash">, proved: ProvedRisk): Promise<RiskProofFiles> {
  const { q, spec } = art;
  const files = { proof: path.join(dir, "proof.json"), public: path.join(dir, "public.json"), calldata: path.join(dir, "calldata.json"), risk: path.join(dir, "risk.json") };
  const d = q.output.decimals;
  const statement: RiskStatementFile = {
    model: q.name,
    modelId: q.modelId,
    keysHash: art.keysHash,
    inputs: q.inputs.map((inp, j) => ({ name: inp.name, unit: inp.unit, decimals: inp.decimals, raw: proved.inputs[j].toString(), value: fromRawUnits(proved.inputs[j], inp.decimals) })),
    output: { name: q.output.name, unit: q.output.unit, decimals: d },
    mark: { raw: proved.risk.mark.toString(), value: fromRawUnits(proved.risk.mark, d) },
    scenarios: spec.scenarios.map((s, i) => ({ spot: s.spot / 2 ** spec.grid.shockBits, vol: s.vol / 2 ** spec.grid.shockBits, raw: proved.risk.prices[i].toString(), value: fromRawUnits(proved.risk.prices[i], d) })),
    step: proved.risk.step,
    delta: proved.risk.delta,
    gamma: proved.risk.gamma,
    dP: proved.risk.dP.toString(),
    d2P: proved.risk.d2P.toString(),
  };
  await writeFileAtomic(files.proof, toJson(proved.proof));
  await writeFileAtomic(files.public, toJson(proved.publicSignals));
  await writeFileAtomic(files.calldata, toJson(proved.calldata));
  await writeFileAtomic(files.risk, toJson(statement));
  return files;
}

export interface ProveRiskReturnType {
  proved: ProvedRisk;
  greeks: RiskGreeksComparison;
  files: RiskProofFiles;
  artifacts: RiskArtifacts;
}

/**
 * One step: prove a risk vector for raw inputs with the folder's risk keys, write the proof
 * folder (default build/<model>/risk/proof) and compare Δ, Γ with Black–Scholes.
 */
export async function proveRisk(paths: ModelPaths, inputs: bigint[], options: { out?: string } = {}): Promise<ProveRiskReturnType> {
  const art = await loadRiskArtifacts(paths);
  checkRiskMarkInputs(art.q, art.spec, inputs);
  const prover = await openRiskProver(art);
  let proved: ProvedRisk;
  try {
    proved = await proveRiskRaw(art, prover, inputs);
  } finally {
    await prover.close();
  }
  const files = await writeRiskProof(options.out ?? paths.riskProofDir, art, proved);
  return { proved, greeks: compareGreeks(art.q, art.kind, proved.risk), files, artifacts: art };
}
