/**
 * The CLI end to end on a tiny model (600 rows, 3 epochs, one hidden layer of 4): every
 * subcommand, its --json output, and its bad-input paths (one line, the right exit code).
 * Tests run in order and share the artifact folder.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../src/cli/run.js";
import { type CliHarness, cliIn, expectError, expectOk } from "./helpers/cli.js";

let tmp: string;
let cli: CliHarness;
const TINY = ["--rows", "600", "--epochs", "3", "--hidden", "4", "--name", "tiny"];
const INPUTS = ["--moneyness", "1.02", "--timeToExpiry", "0.25", "--volatility", "0.3", "--rate", "0.03"];
const SPEC = {
  name: "from-csv",
  features: [
    { name: "moneyness", unit: "S/K", decimals: 18, min: 0.8, max: 1.2 },
    { name: "timeToExpiry", unit: "years", decimals: 18, min: 0.02, max: 1.0 },
    { name: "volatility", unit: "1/sqrt(year)", decimals: 18, min: 0.1, max: 0.8 },
    { name: "rate", unit: "1/year", decimals: 18, min: 0, max: 0.08 },
  ],
  target: { name: "priceOverStrike", unit: "1/K", decimals: 18, min: 0, max: 1.2 },
};

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "zkinfer-cli-"));
  cli = cliIn(path.join(tmp, "build"));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const at = (...p: string[]) => path.join(tmp, ...p);

describe("help and usage", () => {
  it("prints help with examples for the program and every subcommand", async () => {
    const top = await run(["--help"], { streams: { stdout: () => {}, stderr: () => {} } });
    expect(top.exitCode).toBe(0);
    expect(top.stdout).toMatch(/Exit codes: 0 ok/);
    for (const cmd of ["dataset", "train", "quantize", "compile", "setup", "prove", "verify", "deploy", "submit", "status", "demo"]) {
      const r = await cli(cmd, "--help");
      expect(r.exitCode, cmd).toBe(0);
      expect(r.stdout, cmd).toMatch(/Examples:\n  \$ zkinfer|Examples:\n  \$ npm/);
    }
  });

  it("rejects unknown commands and bad option values with one line and exit 1", async () => {
    expectError(await cli("frobnicate"), 1, /unknown command 'frobnicate'/);
    expectError(await cli("train", "--rows", "many"), 1, /--rows <n>.*'many' is invalid/);
    expectError(await cli("train", "--hidden", "4,x"), 1, /comma-separated layer widths/);
  });

  it("says there is no model yet", async () => {
    expectError(await cli("quantize"), 1, /no models in .*run `zkinfer train` first/i);
    expectError(await cli("prove", ...INPUTS), 1, /no models in/);
  });
});

describe("dataset", () => {
  it("writes the built-in dataset and validates it back", async () => {
    const out = at("data", "bs.csv");
    const made = expectOk(await cli("--json", "dataset", "--rows", "300", "--out", out));
    expect(made).toMatchObject({ rows: 300, file: out });
    const csv = await readFile(out, "utf8");
    expect(csv.split("\n")[0]).toBe("moneyness,timeToExpiry,volatility,rate,priceOverStrike");
    await writeFile(at("data", "spec.json"), JSON.stringify(SPEC));
    const checked = expectOk(await cli("--json", "dataset", "--validate", out, "--spec", at("data", "spec.json")));
    expect(checked).toMatchObject({ rows: 300, dropped: 0 });
  });

  it("names the row, column and value of a bad CSV, or drops such rows on request", async () => {
    const bad = at("data", "bad.csv");
    const good = (await readFile(at("data", "bs.csv"), "utf8")).split("\n");
    good[3] = good[3].replace(/^[^,]+/, "1.7"); // moneyness outside [0.8, 1.2]
    await writeFile(bad, good.join("\n"));
    expectError(await cli("dataset", "--validate", bad, "--spec", at("data", "spec.json")), 1, /row 4, column "moneyness".*outside the declared range.*"1\.7"/);
    const dropped = expectOk(await cli("--json", "dataset", "--validate", bad, "--spec", at("data", "spec.json"), "--drop-invalid"));
    expect(dropped).toMatchObject({ rows: 299, dropped: 1 });
  });

  it("rejects a missing spec, bad spec JSON and spec errors", async () => {
    expectError(await cli("dataset", "--validate", at("data", "bs.csv")), 1, /--validate needs --spec/);
    await writeFile(at("data", "broken.json"), "{ features: ");
    expectError(await cli("dataset", "--validate", at("data", "bs.csv"), "--spec", at("data", "broken.json")), 1, /spec file .* is not valid JSON/);
    await writeFile(at("data", "badspec.json"), JSON.stringify({ ...SPEC, features: [{ ...SPEC.features[0], min: 2 }] }));
    expectError(await cli("dataset", "--validate", at("data", "bs.csv"), "--spec", at("data", "badspec.json")), 1, /spec\.features\[0\].*range.*min < max/);
    expectError(await cli("dataset", "--validate", at("data", "nope.csv"), "--spec", at("data", "spec.json")), 1, /CSV file .*nope\.csv not found/);
  });
});

describe("train", () => {
  it("trains with per-epoch progress and writes model.json and the manifest", async () => {
    const r = await cli("train", ...TINY);
    expectOk(r);
    expect(r.stdout).toMatch(/epoch 1\/3 {2}train [\d.e+-]+ {2}val [\d.e+-]+/);
    expect(r.stdout).toMatch(/epoch 3\/3/);
    expect(r.stdout).toMatch(/test split: MAE/);
    const manifest = JSON.parse(await readFile(path.join(cli.dir, "tiny", "manifest.json"), "utf8"));
    expect(manifest.stages.model.files).toHaveProperty("model.json");
  });

  it("is idempotent for the same model, and refuses a different model in the folder without --force", async () => {
    expectOk(await cli("train", ...TINY));
    expectError(await cli("train", ...TINY, "--seed", "2"), 1, /already holds a different model .*Pass --force/);
  });

  it("trains on a CSV with a spec", async () => {
    const r = expectOk(await cli("--json", "train", "--csv", at("data", "bs.csv"), "--spec", at("data", "spec.json"), "--epochs", "2", "--hidden", "3"));
    expect(r).toMatchObject({ model: "from-csv", epochs: 2 });
    expectError(await cli("train", "--csv", at("data", "bs.csv")), 1, /--csv and --spec go together/);
  });

  it("reports training-config errors by field", async () => {
    await writeFile(at("cfg.json"), JSON.stringify({ learningRate: -1 }));
    expectError(await cli("train", ...TINY, "--config", at("cfg.json")), 1, /config\.learningRate/);
  });
});

describe("quantize and compile", () => {
  it("needs --model when several models exist", async () => {
    expectError(await cli("quantize"), 1, /several models .*from-csv, tiny.*--model/);
  });

  it("quantizes with --bits and prints float-vs-quantized errors and the guaranteed bound", async () => {
    const r = await cli("quantize", "--model", "tiny", "--bits", "12");
    expectOk(r);
    expect(r.stdout).toMatch(/measured \|float − quantized\| on \d+ held-out test rows: max [\d.e+-]+, mean [\d.e+-]+/);
    const m = /guaranteed \|float − quantized\| ≤ ([\d.e+-]+) for every input of the declared domain \(branch-and-bound over \d+ input boxes\); worst input found ([\d.e+-]+)/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(Number(m![2])).toBeLessThanOrEqual(Number(m![1]));
  });

  it("quantizes with the no-arbitrage clamp on request, and names a bad kind", async () => {
    const r = expectOk(await cli("--json", "quantize", "--model", "tiny", "--bits", "12", "--arbitrage-free", "call"));
    const q = JSON.parse(await readFile(path.join(cli.dir, "tiny", "qmodel.json"), "utf8"));
    expect(q.output.noArbitrage).toMatchObject({ kind: "call", moneyness: 0, timeToExpiry: 1, rate: 3 });
    expect(r!.predictedConstraints as number).toBeGreaterThan(600);
    const text = await cli("quantize", "--model", "tiny", "--bits", "12", "--arbitrage-free", "put");
    expectOk(text);
    expect(text.stdout).toMatch(/no-arbitrage clamp \(put\): the proven price lies in \[max\(D − m, 0\), 1\]/);
    expectError(await cli("quantize", "--model", "tiny", "--arbitrage-free", "straddle"), 1, /arbitrage-free.*"call" or "put"/);
  });

  it("quantizes to a tolerance, and rejects conflicting or impossible precision options", async () => {
    const r = expectOk(await cli("--json", "quantize", "--model", "tiny", "--tolerance", "0.01"));
    expect((r!.report as { maxAbsErr: number }).maxAbsErr).toBeLessThanOrEqual(0.01);
    expectError(await cli("quantize", "--model", "tiny", "--bits", "12", "--tolerance", "0.01"), 1, /--tolerance picks the precision itself/);
    expectError(await cli("quantize", "--model", "tiny", "--tolerance", "1e-15"), 1, /no precision in \[8, 24\].*meets tolerance/);
  });

  it("compiles and prints the constraint count", async () => {
    expectOk(await cli("quantize", "--model", "tiny", "--bits", "12"));
    const r = expectOk(await cli("--json", "compile", "--model", "tiny"));
    expect(r!.constraints).toBeGreaterThan(0);
    expect(r!.constraints).toBe(r!.predictedConstraints);
  });

  it("imports a model file made elsewhere into its own folder, with the same ownership rules", async () => {
    const source = path.join(cli.dir, "from-csv", "model.json");
    const r = expectOk(await cli("--json", "quantize", "--model-file", source, "--name", "imported", "--bits", "10"));
    expect(r).toMatchObject({ model: "imported", actBits: 10 });
    expectOk(await cli("quantize", "--model-file", source, "--name", "imported", "--bits", "10"));
    expectError(await cli("quantize", "--model-file", source, "--name", "tiny"), 1, /tiny already holds a different model/);
    expectError(await cli("quantize", "--model-file", at("data", "spec.json")), 1, /not a zkinfer model file/);
  });

  it("refuses a setup before compiling and names the step to run", async () => {
    expectError(await cli("setup", "--model", "from-csv"), 1, /qmodel\.json not found.*zkinfer quantize --model from-csv/);
  });
});

describe("setup, prove, verify", () => {
  it("sets up with the development ptau and warns loudly", async () => {
    const r = await cli("setup", "--model", "tiny");
    expectOk(r);
    expect(r.stderr).toMatch(/DEVELOPMENT powers-of-tau .* NOT secure/);
    expect(r.stdout).toMatch(/setup: circuit-specific keys/);
    expectError(await cli("setup", "--model", "tiny", "--ptau", at("missing.ptau")), 1, /powers-of-tau file not found/);
  });

  it("proves from flags and writes proof.json, public.json and calldata.json", async () => {
    const r = expectOk(await cli("--json", "prove", "--model", "tiny", ...INPUTS));
    const dir = path.join(cli.dir, "tiny", "proof");
    const pub = JSON.parse(await readFile(path.join(dir, "public.json"), "utf8"));
    expect(pub).toHaveLength(5);
    expect(pub[1]).toBe("1020000000000000000");
    expect((r!.output as { raw: string }).raw).toBe(pub[0]);
    const calldata = JSON.parse(await readFile(path.join(dir, "calldata.json"), "utf8"));
    expect(calldata.b).toHaveLength(2);
    expect(JSON.parse(await readFile(path.join(dir, "proof.json"), "utf8")).protocol).toBe("groth16");
  });

  it("proves the same statement from an input file and from raw integers", async () => {
    await writeFile(at("in.json"), JSON.stringify({ moneyness: 1.02, timeToExpiry: "0.25", volatility: 0.3, rate: 0.03 }));
    const a = expectOk(await cli("--json", "prove", "--model", "tiny", "--input", at("in.json"), "--out", at("p1")));
    await writeFile(at("raw.json"), JSON.stringify({ moneyness: "1020000000000000000", timeToExpiry: "250000000000000000", volatility: "300000000000000000", rate: "30000000000000000" }));
    const b = expectOk(await cli("--json", "prove", "--model", "tiny", "--raw", "--input", at("raw.json"), "--out", at("p2")));
    expect(a!.output).toEqual(b!.output);
    expectOk(await cli("verify", "--model", "tiny", "--proof", at("p2")));
  });

  it("rejects bad inputs with one line naming the input", async () => {
    const prove = (...args: string[]) => cli("prove", "--model", "tiny", ...args);
    await writeFile(at("bad.json"), "{ moneyness: 1 ");
    expectError(await prove("--input", at("bad.json")), 1, /input file .*bad\.json is not valid JSON/);
    expectError(await prove("--input", at("nope.json")), 1, /input file .* not found/);
    expectError(await prove("--moneyness", "1.02"), 1, /missing inputs: timeToExpiry, volatility, rate/);
    expectError(await prove(...INPUTS, "--strike", "2000"), 1, /unknown option --strike: the model's inputs are moneyness/);
    // The default built-in domain is the wide one (the reference's): S/K ∈ [0.4, 1.6].
    expectError(await prove(...INPUTS.slice(2), "--moneyness", "1.7"), 1, /moneyness = 1\.7 is outside its declared range \[0\.4, 1\.6\]/);
    expectError(await prove(...INPUTS.slice(2), "--moneyness", "abc"), 1, /moneyness = "abc" is not a decimal number/);
    expectError(await prove("--raw", ...INPUTS), 1, /raw input moneyness = "1\.02" is not an integer/);
    await writeFile(at("lossy.json"), '{"moneyness": 1020000000000000000}');
    expectError(await prove("--raw", "--input", at("lossy.json")), 1, /not exact as a JSON number/);
  });

  it("verifies a proof (exit 0) and rejects a tampered one (exit 2)", async () => {
    const ok = expectOk(await cli("--json", "verify", "--model", "tiny"));
    expect(ok).toMatchObject({ valid: true });
    const pubFile = path.join(cli.dir, "tiny", "proof", "public.json");
    const pub = JSON.parse(await readFile(pubFile, "utf8")) as string[];
    pub[0] = (BigInt(pub[0]) + 1n).toString();
    await writeFile(pubFile, JSON.stringify(pub));
    const bad = await cli("--json", "verify", "--model", "tiny");
    expectError(bad, 2, /does NOT verify/);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, exitCode: 2 });
    await writeFile(pubFile, JSON.stringify(pub.slice(0, 3)));
    expectError(await cli("verify", "--model", "tiny"), 1, /the proof has 3 public signals but model "tiny" has 5/);
  });

  it("detects stale artifacts and edited files and names the step to re-run", async () => {
    expectOk(await cli("quantize", "--model", "tiny", "--bits", "11"));
    expectError(await cli("prove", "--model", "tiny", ...INPUTS), 1, /the circuit is stale: it was made from an older qmodel\.json.*zkinfer compile --model tiny/);
    expectOk(await cli("compile", "--model", "tiny"));
    expectError(await cli("verify", "--model", "tiny"), 1, /proving key is stale: it was made from an older circuit.*zkinfer setup --model tiny/);
    const status = expectOk(await cli("--json", "status", "--model", "tiny")) as { models: { stages: Record<string, { state: string }> }[] };
    expect(status.models[0].stages.keys.state).toBe("stale");
    const qfile = path.join(cli.dir, "tiny", "qmodel.json");
    await writeFile(qfile, `${await readFile(qfile, "utf8")} `);
    expectError(await cli("compile", "--model", "tiny"), 1, /qmodel\.json was modified or corrupted after `zkinfer quantize` wrote it/);
    expectOk(await cli("quantize", "--model", "tiny", "--bits", "12"));
    expectOk(await cli("compile", "--model", "tiny"));
    expectOk(await cli("setup", "--model", "tiny"));
    expectError(await cli("verify", "--model", "tiny", "--proof", at("p1")), 2, /made with older keys/);
  });

  it("replaces a different model only with --force, removing its artifacts", async () => {
    const r = expectOk(await cli("--json", "train", ...TINY, "--seed", "2", "--force"));
    expect(r!.model).toBe("tiny");
    expectError(await cli("prove", "--model", "tiny", ...INPUTS), 1, /qmodel\.json not found.*zkinfer quantize --model tiny/);
    for (const step of ["quantize", "compile", "setup"]) expectOk(await cli(step, "--model", "tiny", ...(step === "quantize" ? ["--bits", "12"] : [])));
  });
});

describe("deploy and submit on the in-process chain", () => {
  it("deploys the stack and records it", async () => {
    const r = expectOk(await cli("--json", "deploy", "--model", "tiny"));
    expect(r).toMatchObject({ network: "default", chainId: "31337" });
    const record = JSON.parse(await readFile(path.join(cli.dir, "tiny", "deployments", "default.json"), "utf8"));
    expect(record.contracts.feed).toMatch(/^0x[0-9a-fA-F]{40}$/);
  });

  let firstProofDir: string;
  it("proves the series' statement and submits it; moves the spot and submits again", async () => {
    await mkdir(path.join(cli.dir, "tiny", "proof"), { recursive: true });
    await writeFile(path.join(cli.dir, "tiny", "proof", "keep.txt"), "from zkinfer prove");
    const first = expectOk(await cli("--json", "submit", "--model", "tiny")) as { roundId: string; spot: string; gasUsed: string; observedAt: string; proofDir: string };
    expect(first.spot).toBe(String(2000n * 10n ** 18n));
    // Each submitted proof goes to its own folder; the folder of `zkinfer prove` is untouched.
    firstProofDir = first.proofDir;
    expect(path.relative(cli.dir, firstProofDir)).toBe(path.join("tiny", "submissions", `default-s1-${first.observedAt}`));
    expect(JSON.parse(await readFile(path.join(firstProofDir, "statement.json"), "utf8")).observedAt).toBe(first.observedAt);
    expect(await readdir(path.join(cli.dir, "tiny", "proof"))).toEqual(["keep.txt"]);
    expect(Number(first.gasUsed)).toBeLessThan(400_000);
    const second = expectOk(await cli("--json", "submit", "--model", "tiny", "--spot", "2100")) as { roundId: string; spot: string };
    expect(BigInt(second.roundId)).toBeGreaterThan(BigInt(first.roundId));
    expect(BigInt(second.spot)).toBeGreaterThan(2090n * 10n ** 18n);
  });

  it("turns reverts into one line: a replayed proof, a spot outside the model's range", async () => {
    expectError(await cli("submit", "--model", "tiny", "--proof", firstProofDir), 1, /submit reverted: ObservationNotNewer/);
    expectError(await cli("submit", "--model", "tiny", "--spot", "3400"), 1, /moneyness = 1\.7, outside the model's declared range/);
    expectError(await cli("submit", "--model", "tiny", "--series", "7"), 1, /no series 7/);
    expectError(await cli("submit", "--model", "tiny", "--proof", at("p1")), 1, /has no observation time.*--observed-at/);
    expectError(await cli("submit", "--model", "tiny", "--observed-at", "5"), 1, /--observed-at goes with --proof/);
    expectError(await cli("deploy", "--model", "tiny", "--network", "nosuch"), 1, /unknown network "nosuch"/);
  });

  it("refuses to submit through a verifier of older keys", async () => {
    expectOk(await cli("setup", "--model", "tiny"));
    expectError(await cli("submit", "--model", "tiny"), 1, /verifier deployed on "default" is stale.*zkinfer deploy --model tiny --network default --force/);
  });

  it("refuses to deploy a model without the option feed's layout", async () => {
    await writeFile(at("data", "two.json"), JSON.stringify({ ...SPEC, name: "two-inputs", features: SPEC.features.slice(0, 2) }));
    expectOk(await cli("train", "--csv", at("data", "bs.csv"), "--spec", at("data", "two.json"), "--epochs", "2", "--hidden", "3"));
    expectOk(await cli("quantize", "--model", "two-inputs", "--bits", "10"));
    expectError(await cli("deploy", "--model", "two-inputs"), 1, /does not have the price feed's layout: inputs moneyness, timeToExpiry/);
  });

  it("says early that the feed needs the option layout, and deploys a verifier-only stack for any model", async () => {
    const validated = await cli("--json", "dataset", "--validate", at("data", "bs.csv"), "--spec", at("data", "two.json"));
    expect(validated.stderr).toMatch(/note: the option price feed cannot serve this model \(inputs moneyness, timeToExpiry/);
    expect(expectOk(validated)).toMatchObject({ optionFeedLayout: false });
    const quantized = await cli("--json", "quantize", "--model", "two-inputs", "--bits", "10");
    expect(quantized.stderr).toMatch(/option price feed cannot serve this model.*deploy --verifier-only/);
    for (const step of ["compile", "setup"]) expectOk(await cli(step, "--model", "two-inputs"));
    const r = expectOk(await cli("--json", "deploy", "--model", "two-inputs", "--verifier-only")) as { contracts: { verifier: string; registry: string } };
    expect(r.contracts.registry).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(r.contracts.verifier).toMatch(/^0x[0-9a-fA-F]{40}$/);
  });

  it("refuses a --kind that contradicts the model", async () => {
    expectError(await cli("deploy", "--model", "tiny", "--kind", "put", "--force"), 1, /--kind put contradicts model "tiny", which prices calls/);
  });

  it("keeps the keys of a live deployment: setup refuses without --force, status flags an orphaned verifier", async () => {
    // A deployment on a persistent chain (as `deploy --network sepolia` records it).
    const manifestFile = path.join(cli.dir, "tiny", "manifest.json");
    const manifest = JSON.parse(await readFile(manifestFile, "utf8"));
    const verifier = "0x00000000000000000000000000000000000000aa";
    await writeFile(path.join(cli.dir, "tiny", "deployments", "sepolia.json"), JSON.stringify({ contracts: { verifier } }));
    manifest.deployments = { ...manifest.deployments, sepolia: { keysHash: manifest.stages.keys.hash, modelId: "1", record: path.join("deployments", "sepolia.json"), inProcess: false } };
    await writeFile(manifestFile, JSON.stringify(manifest));
    expectError(await cli("setup", "--model", "tiny"), 1, new RegExp(`new keys would orphan the deployed verifier ${verifier} on "sepolia".*--force`));
    const ok = expectOk(await cli("--json", "status", "--model", "tiny")) as { models: { deployments: Record<string, { matchesKeys: boolean }> }[] };
    expect(ok.models[0].deployments.sepolia.matchesKeys).toBe(true);
    expectOk(await cli("setup", "--model", "tiny", "--force"));
    const status = expectOk(await cli("--json", "status", "--model", "tiny")) as typeof ok;
    expect(status.models[0].deployments.sepolia.matchesKeys).toBe(false);
    expect((await cli("status", "--model", "tiny")).stdout).toMatch(/deployed on sepolia: .*does NOT match the current keys/);
  });
});
