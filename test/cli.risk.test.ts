/**
 * The risk-vector circuit through the CLI and the library on a tiny 4 → 4 → 1 model (bundled
 * power-12 ptau): compile --risk, setup --risk, prove --risk, status with both circuit kinds,
 * their errors, and proveRisk (the one-step library call) against the integer reference.
 * Tests run in order and share the artifact folder.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { riskForward } from "../src/circuit/risk/reference.js";
import { blackScholesGreeks, blackScholesPrice } from "../src/data/blackScholes.js";
import { modelPaths } from "../src/manifest/paths.js";
import { loadRiskArtifacts, proveRisk, RiskInputOutOfRangeError } from "../src/prove/risk.js";
import { toRawUnits } from "../src/quantize/decimal.js";
import { verifyGroth16 } from "../src/zk/groth16.js";
import { type CliHarness, cliIn, expectError, expectOk } from "./helpers/cli.js";

let tmp: string;
let cli: CliHarness;
let savedCache: string | undefined;
// The narrow domain without the payoff skip: the ranges and decoded values below are that model's.
const TINY = ["--rows", "600", "--epochs", "3", "--hidden", "4", "--domain", "narrow", "--no-payoff-skip", "--name", "tiny"];
const AT_THE_MONEY = ["--moneyness", "1", "--timeToExpiry", "0.25", "--volatility", "0.3", "--rate", "0.03"];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "zkinfer-cli-risk-"));
  savedCache = process.env.ZKINFER_CACHE_DIR;
  process.env.ZKINFER_CACHE_DIR = path.join(tmp, "cache");
  cli = cliIn(path.join(tmp, "build"));
  expectOk(await cli("train", ...TINY));
  expectOk(await cli("quantize", "--model", "tiny"));
}, 180_000);
afterAll(async () => {
  if (savedCache === undefined) delete process.env.ZKINFER_CACHE_DIR;
  else process.env.ZKINFER_CACHE_DIR = savedCache;
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("Black–Scholes Greeks (closed form)", () => {
  it("match central differences of the price, calls and puts; put Δ = call Δ − 1", () => {
    const x = { moneyness: 1.03, timeToExpiry: 0.4, volatility: 0.35, rate: 0.02 };
    for (const kind of ["call", "put"] as const) {
      const g = blackScholesGreeks({ kind, ...x });
      const h = 1e-4;
      const p = (m: number) => blackScholesPrice({ kind, ...x, moneyness: m });
      expect(g.delta).toBeCloseTo((p(x.moneyness + h) - p(x.moneyness - h)) / (2 * h), 6);
      expect(g.gamma).toBeCloseTo((p(x.moneyness + h) - 2 * p(x.moneyness) + p(x.moneyness - h)) / (h * h), 3);
    }
    expect(blackScholesGreeks({ kind: "put", ...x }).delta).toBeCloseTo(blackScholesGreeks({ kind: "call", ...x }).delta - 1, 12);
    expect(() => blackScholesGreeks({ kind: "call", ...x, volatility: 0 })).toThrow(/volatility/);
  });
});

describe("zkinfer compile/setup/prove --risk", () => {
  it("prove --risk and setup --risk before compile --risk name the step to run", async () => {
    expectError(await cli("setup", "--risk", "--model", "tiny"), 1, /risk circuit.*zkinfer compile --risk --model tiny/);
    expectError(await cli("prove", "--risk", "--model", "tiny", ...AT_THE_MONEY), 1, /risk circuit.*zkinfer compile --risk --model tiny/);
  });

  it("compile --risk builds <name>_risk into its own folder; --grid is checked", async () => {
    expectError(await cli("compile", "--risk", "--grid", "huge", "--model", "tiny"), 1, /--grid "huge" is not a risk grid/);
    expectError(await cli("compile", "--grid", "wide", "--model", "tiny"), 1, /--grid needs --risk/);
    const r = expectOk(await cli("--json", "compile", "--risk", "--model", "tiny")) as { constraints: number; predictedConstraints: number; scenarios: number; publicSignals: string[]; ptauPower: number; r1cs: string; spec: string };
    expect(r.scenarios).toBe(15);
    expect(r.constraints).toBe(r.predictedConstraints);
    expect(r.publicSignals).toEqual(["risk0", "risk1", "moneyness", "timeToExpiry", "volatility", "rate"]);
    expect(r.ptauPower).toBeLessThanOrEqual(12);
    expect(path.relative(path.join(cli.dir, "tiny"), r.r1cs)).toBe(path.join("risk", "circuit", "tiny_risk.r1cs"));
    expect(JSON.parse(await readFile(r.spec, "utf8"))).toMatchObject({ format: "zkinfer-risk" });
    // The price circuit's folder is untouched (not even created).
    await expect(readdir(path.join(cli.dir, "tiny", "circuit"))).rejects.toThrow();
  }, 120_000);

  it("status shows both circuit kinds and their stages", async () => {
    const s = expectOk(await cli("--json", "status", "--model", "tiny")) as { models: { stages: Record<string, { state: string }>; risk: Record<string, { state: string; problem?: string }> }[] };
    expect(s.models[0].stages.circuit.state).toBe("missing");
    expect(s.models[0].risk.circuit.state).toBe("ok");
    expect(s.models[0].risk.keys).toMatchObject({ state: "missing", problem: "run `zkinfer setup --risk --model tiny`" });
    const text = (await cli("status", "--model", "tiny")).stdout;
    expect(text).toMatch(/price circuit:\n {4}model {4}ok\n {4}qmodel {3}ok\n {4}circuit {2}missing/);
    expect(text).toMatch(/risk circuit \(mark, stress grid, Δ, Γ\):\n {4}circuit {2}ok \(\d[\d,]* constraints, 15 scenarios\)\n {4}keys {5}missing/);
  });

  it("setup --risk writes the risk keys and verifier beside (never over) the price keys", async () => {
    const r = expectOk(await cli("--json", "setup", "--risk", "--model", "tiny")) as { zkey: string; verifier: string; verifierContract: string; ptau: { power: number; development: boolean } };
    expect(r.verifierContract).toBe("TinyRiskVerifier");
    expect(path.relative(path.join(cli.dir, "tiny"), r.zkey)).toBe(path.join("risk", "keys", "tiny_risk.zkey"));
    expect(await readFile(r.verifier, "utf8")).toMatch(/contract TinyRiskVerifier/);
    expect(r.ptau).toMatchObject({ power: 12, development: true });
    const s = expectOk(await cli("--json", "status", "--model", "tiny")) as { models: { risk: Record<string, { state: string }> }[] };
    expect(s.models[0].risk.keys.state).toBe("ok");
  }, 180_000);

  it("prove --risk proves the mark, Δ and Γ, prints them next to Black–Scholes, and the proof verifies", async () => {
    const run = await cli("prove", "--risk", "--model", "tiny", ...AT_THE_MONEY);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/proved mark priceOverStrike = 0\.\d+ 1\/K, 15 scenarios/);
    expect(run.stdout).toMatch(/Greeks \(call; Δ per unit S\/K, Γ per \(S\/K\)², in 1\/K; central differences with spot step ±5\.00 %\)/);
    expect(run.stdout).toMatch(/\n {2}Δ +-?\d\.\d{4} +0\.5\d{3} +0\.5\d{3}\n/);
    const r = expectOk(await cli("--json", "prove", "--risk", "--model", "tiny", ...AT_THE_MONEY)) as {
      mark: { raw: string };
      delta: number;
      gamma: number;
      blackScholes: { delta: number; gamma: number };
      scenarios: { spot: number; vol: number; raw: string }[];
      publicSignals: string[];
      files: { proof: string; risk: string };
    };
    const bs = blackScholesGreeks({ kind: "call", moneyness: 1, timeToExpiry: 0.25, volatility: 0.3, rate: 0.03 });
    expect(r.blackScholes.delta).toBeCloseTo(bs.delta, 12);
    expect(r.scenarios).toHaveLength(15);
    expect(path.relative(path.join(cli.dir, "tiny"), r.files.proof)).toBe(path.join("risk", "proof", "proof.json"));
    // Exactly the integer reference's values.
    const art = await loadRiskArtifacts(modelPaths(cli.dir, "tiny"));
    const raw = [1, 0.25, 0.3, 0.03].map((v, j) => toRawUnits(v, art.q.inputs[j].decimals));
    const ref = riskForward(art.q, art.spec, raw);
    expect(r.publicSignals.slice(0, 2)).toEqual(ref.packed.map(String));
    expect(r.mark.raw).toBe(ref.prices[art.spec.markScenario].toString());
    expect(r.scenarios.map((s) => s.raw)).toEqual(ref.prices.map(String));
    const proof = JSON.parse(await readFile(r.files.proof, "utf8"));
    expect(await verifyGroth16({ vkey: art.vkey, proof, publicSignals: r.publicSignals })).toBe(true);
    const stmt = JSON.parse(await readFile(r.files.risk, "utf8"));
    expect(stmt).toMatchObject({ model: "tiny", delta: r.delta, gamma: r.gamma, step: 3277 / 65536 });
  }, 180_000);

  it("an input outside the risk circuit's mark range is refused, naming the input, its value and the range", async () => {
    // 0.9 is inside the declared range [0.8, 1.2] but 0.9 − 15 % is not.
    const low = ["--moneyness", "0.9", "--timeToExpiry", "0.25", "--volatility", "0.3", "--rate", "0.03"];
    expectError(await cli("prove", "--risk", "--model", "tiny", ...low), 1, /input moneyness = 0\.9 is outside the risk circuit's mark range \[0\.9411697\d+, 1\.0434837\d+\] S\/K \(raw 900000000000000000\)\. The risk circuit stresses moneyness by −15 %, −5 %, 0, \+5 %, \+15 %/);
    const highVol = ["--moneyness", "1", "--timeToExpiry", "0.25", "--volatility", "0.7", "--rate", "0.03"];
    expectError(await cli("prove", "--risk", "--model", "tiny", ...highVol), 1, /input volatility = 0\.7 is outside the risk circuit's mark range \[0\.13333333333333333\d, 0\.64\] 1\/sqrt\(year\)/);
    // Outside the declared range: the declared range is named, as for the price proof.
    expectError(await cli("prove", "--risk", "--model", "tiny", "--moneyness", "1.3", "--timeToExpiry", "0.25", "--volatility", "0.3", "--rate", "0.03"), 1, /outside its declared range \[0\.8, 1\.2\]/);
  });

  it("proveRisk (library, one step) returns the proof, the decoded vector and the Black–Scholes comparison", async () => {
    const paths = modelPaths(cli.dir, "tiny");
    const art = await loadRiskArtifacts(paths);
    const raw = [1.02, 0.5, 0.25, 0.01].map((v, j) => toRawUnits(v, art.q.inputs[j].decimals));
    const out = path.join(tmp, "lib-proof");
    const r = await proveRisk(paths, raw, { out });
    const ref = riskForward(art.q, art.spec, raw);
    expect(r.proved.risk.prices).toEqual(ref.prices);
    expect(r.proved.risk.dP).toBe(ref.dP * BigInt(art.q.output.factor));
    expect(r.greeks.blackScholes).toEqual(blackScholesGreeks({ kind: "call", moneyness: 1.02, timeToExpiry: 0.5, volatility: 0.25, rate: 0.01 }));
    expect(r.greeks.proven.delta).toBe(r.proved.risk.delta);
    expect(r.files.proof).toBe(path.join(out, "proof.json"));
    expect(await verifyGroth16({ vkey: art.vkey, proof: r.proved.proof, publicSignals: r.proved.publicSignals })).toBe(true);
    raw[0] = toRawUnits(1.1, 18);
    const err = await proveRisk(paths, raw).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RiskInputOutOfRangeError);
    expect((err as Error).message).toMatch(/input moneyness = 1\.1 is outside the risk circuit's mark range/);
  }, 120_000);

  it("deploy includes the risk circuit when its keys exist, and portfolio margin replaces the flat rule (--flat-margin, --no-risk opt out)", async () => {
    expectOk(await cli("compile", "--model", "tiny"));
    expectOk(await cli("setup", "--model", "tiny"));
    type Deployed = { contracts: { riskVerifier?: string }; gasUsed: Record<string, string> };
    const priceOnly = expectOk(await cli("--json", "deploy", "--model", "tiny", "--no-risk")) as Deployed;
    expect(priceOnly.contracts.riskVerifier).toBeUndefined();
    expect(Object.keys(priceOnly.gasUsed)).not.toContain("registerRiskCircuit");
    expectError(await cli("submit", "--risk", "--model", "tiny"), 1, /the deployment on "default" has no risk verifier.*zkinfer deploy --model tiny --network default --force/s);
    const flat = expectOk(await cli("--json", "deploy", "--model", "tiny", "--flat-margin")) as Deployed;
    expect(flat.contracts.riskVerifier).toMatch(/^0x/);
    expect(Object.keys(flat.gasUsed)).not.toContain("setPortfolioParams");
    const run = await cli("deploy", "--model", "tiny");
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr + run.stdout).toMatch(/risk circuit included \(15 scenarios\); margin: portfolio \(IM 1\.1× \/ MM 1× the worst scenario loss/);
    const withRisk = expectOk(await cli("--json", "deploy", "--model", "tiny")) as Deployed;
    expect(withRisk.contracts.riskVerifier).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(Object.keys(withRisk.gasUsed)).toEqual(expect.arrayContaining(["riskVerifier", "registerRiskCircuit", "setPortfolioParams"]));
    // The manifest records which risk keys the deployed risk verifier belongs to.
    const recorded = JSON.parse(await readFile(path.join(cli.dir, "tiny", "manifest.json"), "utf8"));
    expect(Object.values(recorded.deployments as Record<string, { riskKeysHash?: string }>).map((d) => d.riskKeysHash)).toEqual([recorded.stages.riskKeys.hash]);
  }, 240_000);

  it("submit --risk proves the deployed series' risk vector and the feed stores it (mark, Δ, Γ, 15 scenarios)", async () => {
    expectError(await cli("submit", "--risk", "--model", "tiny", "--proof", "x"), 1, /--risk proves the current statement itself/);
    const r = expectOk(await cli("--json", "submit", "--risk", "--model", "tiny")) as { kind: string; mark: string; delta: string; scenarios: string[]; gasUsed: string; observedAt: string };
    expect(r.kind).toBe("risk");
    expect(r.scenarios).toHaveLength(15);
    expect(BigInt(r.mark)).toBeGreaterThan(0n);
    // The stored mark is the mark scenario of the stored grid (the feed's reading of the proof).
    const art = await loadRiskArtifacts(modelPaths(cli.dir, "tiny"));
    expect(r.scenarios[art.spec.markScenario]).toBe(r.mark);
    expect(BigInt(r.delta)).not.toBe(0n);
    expect(Number(r.gasUsed)).toBeGreaterThan(300_000);
    // The same round again is refused by the feed (one mark per round), with its decoded error.
    expectError(await cli("submit", "--risk", "--model", "tiny"), 1, /ObservationNotNewer/);
  }, 120_000);

  it("keeps the risk keys of a live deployment: setup --risk refuses without --force, status flags an orphaned risk verifier", async () => {
    const manifestFile = path.join(cli.dir, "tiny", "manifest.json");
    const manifest = JSON.parse(await readFile(manifestFile, "utf8"));
    // A deployment on a persistent chain (as `deploy --network sepolia` records it).
    const riskVerifier = "0x00000000000000000000000000000000000000bb";
    await writeFile(path.join(cli.dir, "tiny", "deployments", "sepolia.json"), JSON.stringify({ contracts: { verifier: "0x00000000000000000000000000000000000000aa", riskVerifier } }));
    manifest.deployments = { ...manifest.deployments, sepolia: { keysHash: "other", riskKeysHash: manifest.stages.riskKeys.hash, modelId: "1", record: path.join("deployments", "sepolia.json"), inProcess: false } };
    await writeFile(manifestFile, JSON.stringify(manifest));
    expectError(await cli("setup", "--risk", "--model", "tiny"), 1, new RegExp(`new keys would orphan the deployed risk verifier ${riskVerifier} on "sepolia".*--force`));
    type Status = { models: { deployments: Record<string, { matchesRiskKeys?: boolean }> }[] };
    expect((expectOk(await cli("--json", "status", "--model", "tiny")) as Status).models[0].deployments.sepolia.matchesRiskKeys).toBe(true);
    expectOk(await cli("setup", "--risk", "--model", "tiny", "--force"));
    expect((expectOk(await cli("--json", "status", "--model", "tiny")) as Status).models[0].deployments.sepolia.matchesRiskKeys).toBe(false);
    expect((await cli("status", "--model", "tiny")).stdout).toMatch(/deployed on sepolia: .*its risk verifier does NOT match the current risk keys/);
  }, 180_000);

  it("a changed risk spec on disk is reported as a modified artifact", async () => {
    const spec = path.join(cli.dir, "tiny", "risk", "circuit", "tiny_risk.json");
    const text = await readFile(spec, "utf8");
    await writeFile(spec, text.replace('"format"', ' "format"'));
    expectError(await cli("prove", "--risk", "--model", "tiny", ...AT_THE_MONEY), 1, /tiny_risk\.json.*zkinfer compile --risk --model tiny/);
    await writeFile(spec, text);
  });
});
