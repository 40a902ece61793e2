// Mutation check: `npm run test:mutants [-- --only id,id] [-- --list name]`.
//
// Every mutant in test/mutants/*.mutants.ts (a default-exported array of
// { id, file, search, replace, tests, why }) is applied to a scratch copy of the repository,
// where the listed test files run. A mutant is caught when at least one test fails that is not a
// constraint-count test (a pinned count notices any change, so it proves nothing about
// behaviour). A survivor, a stale mutant (its `search` text does not occur exactly once) or a
// failing unmutated baseline fails the run.
//
// Scratch copies: one per worker, made once per run from the repository's tracked and untracked
// (not ignored) files plus Hardhat's artifacts and dist/, with node_modules symlinked. After
// each mutant the copy is reset to its pristine state (files added by the run are deleted,
// changed ones restored), so every mutant starts from the same tree.
// Contract mutants: the mutated source unit is compiled in this process with the solc
// WebAssembly compiler Hardhat uses, from the standard JSON input of Hardhat's own build
// (same settings, remappings and sources; only the mutated unit and the units that import it
// are code-generated), and its artifacts and build info are written into the copy. Before any
// mutant runs, the same route compiles each mutated file unmutated and must reproduce Hardhat's
// bytecode byte for byte, or the run stops.
// Two mutants run at a time (the machine has two cores), each vitest with one worker; compiled
// circuits are cached across mutants by the hash of their sources (ZKINFER_CIRCUIT_CACHE; a
// folder already named there, e.g. by .ci/run, is reused and kept).
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Mutant } from "../test/mutants/mutant.js";

interface VitestReport {
  testResults: { name: string; status: string; message?: string; assertionResults: { fullName?: string; title: string; status: string }[] }[];
}

interface Outcome {
  id: string;
  caughtBy: string[];
  /** Failing tests that do not count (constraint counts), and load/hook failures. */
  ignored: string[];
  error?: string;
  seconds: number;
}

type Job = Mutant | { id: string; file: string; tests: string[] };

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const COUNT_TEST = /constraint count/i;
/** Ignored build outputs the scratch copies need (git ls-files does not list them). */
const BUILD_OUTPUTS = ["artifacts", "cache", "dist"];
/** Used when the repository is not a git checkout: copy everything but these. */
const SKIP_COPY = new Set([".git", "node_modules", "types", "coverage", ".zkinfer-cache", "build"]);
const SKIP_NESTED = [path.join("bench", "tmp"), path.join("circuits", "generated"), path.join("examples", "defi-consumer", "node_modules")];
const WORKERS = 2;
const TIMEOUT_MS = 15 * 60_000;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function loadMutants(): Promise<Mutant[]> {
  const dir = path.join(root, "test", "mutants");
  const only = arg("list");
  const files = (await readdir(dir)).filter((f) => f.endsWith(".mutants.ts") && (!only || f.startsWith(`${only}.`))).sort();
  const all: Mutant[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(path.join(dir, f)).href)) as { default: Mutant[] };
    if (!Array.isArray(mod.default)) throw new Error(`test/mutants/${f}: the default export must be an array of mutants`);
    all.push(...mod.default);
  }
  const ids = arg("only")?.split(",");
  return ids ? all.filter((m) => ids.includes(m.id)) : all;
}

/** Every mutant must apply exactly once to the current sources, or the list is stale. */
async function validate(mutants: Mutant[]): Promise<string[]> {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const m of mutants) {
    for (const k of ["id", "file", "search", "replace", "why"] as const) {
      if (typeof m[k] !== "string" || (k !== "replace" && m[k].length === 0)) problems.push(`mutant ${m.id ?? "?"}: field "${k}" must be a non-empty string`);
    }
    if (seen.has(m.id)) problems.push(`mutant ${m.id}: duplicate id`);
    seen.add(m.id);
    if (m.search === m.replace) problems.push(`mutant ${m.id}: replace equals search`);
    if (!Array.isArray(m.tests) || m.tests.length === 0) problems.push(`mutant ${m.id}: "tests" must list at least one test file`);
    for (const t of m.tests ?? []) {
      await readFile(path.join(root, t)).catch(() => problems.push(`mutant ${m.id}: test file ${t} does not exist`));
    }
    const text = await readFile(path.join(root, m.file), "utf8").catch(() => undefined);
    if (text === undefined) {
      problems.push(`mutant ${m.id}: file ${m.file} does not exist`);
      continue;
    }
    const n = text.split(m.search).length - 1;
    if (n !== 1) problems.push(`STALE mutant ${m.id}: its search text occurs ${n} times in ${m.file} (must be exactly once)`);
  }
  return problems;
}

// ------------------------------------------------------------------ scratch copies

/** Repository-relative files of the checkout: tracked and untracked-but-not-ignored ones. */
function listedFiles(): string[] | undefined {
  if (!existsSync(path.join(root, ".git"))) return undefined;
  let out: Buffer;
  try {
    out = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    console.log(`mutation check: git ls-files failed (${String(e).split("\n")[0]}); copying the tree without its ignored build folders instead`);
    return undefined;
  }
  return out.toString("utf8").split("\0").filter((f) => f.length > 0 && !f.startsWith("node_modules/"));
}

/** The pristine tree every worker copy is made from and reset to. */
async function makeTemplate(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-mutant-template-"));
  const files = listedFiles();
  if (files) {
    for (const f of files) {
      const src = path.join(root, f);
      const st = await lstat(src).catch(() => undefined);
      if (!st || st.isDirectory()) continue; // deleted in the work tree, or a submodule
      await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
      await cp(src, path.join(dir, f), { preserveTimestamps: true, verbatimSymlinks: true });
    }
    for (const d of BUILD_OUTPUTS) {
      if (existsSync(path.join(root, d))) await cp(path.join(root, d), path.join(dir, d), { recursive: true, preserveTimestamps: true });
    }
  } else {
    for (const entry of await readdir(root)) {
      if (SKIP_COPY.has(entry)) continue;
      await cp(path.join(root, entry), path.join(dir, entry), {
        recursive: true,
        preserveTimestamps: true,
        filter: (src) => !SKIP_NESTED.some((s) => src === path.join(root, s)),
      });
    }
  }
  return dir;
}

type Manifest = Map<string, { size: number; mtimeMs: number }>;

/** Every file under `dir` (node_modules excluded) with its size and modification time. */
async function manifest(dir: string): Promise<Manifest> {
  const out: Manifest = new Map();
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (r === "node_modules") continue;
      if (e.isDirectory()) await walk(r);
      else {
        const st = await lstat(path.join(dir, r));
        out.set(r, { size: st.size, mtimeMs: st.mtimeMs });
      }
    }
  };
  await walk("");
  return out;
}

interface Copy {
  dir: string;
  template: string;
  pristine: Manifest;
}

async function makeCopy(template: string, pristine: Manifest, tag: string): Promise<Copy> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `zkinfer-mutant-${tag}-`));
  await cp(template, dir, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  await symlink(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
  return { dir, template, pristine };
}

/** Delete what a run added under the copy and restore what it changed or removed. */
async function reset(c: Copy): Promise<void> {
  const seen = new Set<string>();
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(path.join(c.dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (r === "node_modules") continue;
      if (e.isDirectory()) {
        const inTemplate = await stat(path.join(c.template, r)).then((s) => s.isDirectory(), () => false);
        if (inTemplate) await walk(r);
        else await rm(path.join(c.dir, r), { recursive: true, force: true });
        continue;
      }
      const want = c.pristine.get(r);
      if (!want) {
        await rm(path.join(c.dir, r), { force: true });
        continue;
      }
      seen.add(r);
      const st = await lstat(path.join(c.dir, r));
      if (st.size !== want.size || st.mtimeMs !== want.mtimeMs) await restore(c, r);
    }
  };
  await walk("");
  for (const r of c.pristine.keys()) if (!seen.has(r)) await restore(c, r);
}

async function restore(c: Copy, rel: string): Promise<void> {
  await rm(path.join(c.dir, rel), { force: true });
  await mkdir(path.dirname(path.join(c.dir, rel)), { recursive: true });
  await cp(path.join(c.template, rel), path.join(c.dir, rel), { preserveTimestamps: true, verbatimSymlinks: true });
}

// ------------------------------------------------------------------ contract mutants

interface SolcOutput {
  errors?: { severity: string; formattedMessage?: string; message: string }[];
  contracts?: Record<string, Record<string, SolcContract>>;
}
interface SolcContract {
  abi: unknown[];
  evm: {
    bytecode: { object: string; linkReferences: unknown };
    deployedBytecode: { object: string; linkReferences: unknown; immutableReferences?: unknown };
  };
}
interface BuildInfo {
  _format: string;
  id: string;
  userSourceNameMap: Record<string, string>;
  input: { language: string; settings: { outputSelection: Record<string, Record<string, string[]>> } & Record<string, unknown>; sources: Record<string, { content: string }> };
}
interface Artifact {
  contractName: string;
  sourceName: string;
  abi: unknown[];
  bytecode: string;
  deployedBytecode: string;
  linkReferences: unknown;
  deployedLinkReferences: unknown;
  immutableReferences: unknown;
  inputSourceName: string;
  buildInfoId: string;
}

let solcModule: { compile(input: string): string } | undefined;
/** The npm package `solc` (the compiler hardhat.config.ts points Hardhat at), loaded once. */
function solc(): { compile(input: string): string } {
  solcModule ??= createRequire(path.join(root, "package.json"))("solc") as { compile(input: string): string };
  return solcModule;
}

async function readArtifacts(dir: string, sourceName: string): Promise<{ file: string; artifact: Artifact }[]> {
  const folder = path.join(dir, "artifacts", sourceName);
  const names = (await readdir(folder).catch(() => [] as string[])).filter((f) => f.endsWith(".json") && !f.endsWith(".dbg.json"));
  const out: { file: string; artifact: Artifact }[] = [];
  for (const f of names) {
    const artifact = JSON.parse(await readFile(path.join(folder, f), "utf8")) as Artifact;
    if (artifact.sourceName === sourceName) out.push({ file: path.join(folder, f), artifact });
  }
  return out;
}

/** Input source names that import `target`, directly or through other sources. */
function importersOf(sources: Record<string, { content: string }>, target: string): string[] {
  const imports = new Map<string, string[]>();
  for (const [name, { content }] of Object.entries(sources)) {
    const deps: string[] = [];
    for (const m of content.matchAll(/^\s*import\s+(?:[^'";]*?\s+from\s+)?["']([^"']+)["']/gm)) {
      if (m[1].startsWith(".")) deps.push(path.posix.normalize(path.posix.join(path.posix.dirname(name), m[1])));
    }
    imports.set(name, deps);
  }
  const out = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [name, deps] of imports) {
      if (name !== target && !out.has(name) && deps.some((d) => d === target || out.has(d))) {
        out.add(name);
        grew = true;
      }
    }
  }
  return [...out];
}

/**
 * Compile `sourceName` (a repository-relative .sol path) as it is in `dir`, with the input of
 * the Hardhat build that produced its artifacts, generating code for it and every unit that
 * imports it and has artifacts. Returns the artifacts as Hardhat would write them, or an error.
 */
async function compileUnit(dir: string, sourceName: string, buildInfoId: string): Promise<{ artifacts: { file: string; artifact: Artifact }[]; buildInfo: BuildInfo; output: SolcOutput } | { error: string }> {
  const own = await readArtifacts(dir, sourceName);
  if (own.length === 0) return { error: `no Hardhat artifacts for ${sourceName} (run hardhat build)` };
  const biId = own[0].artifact.buildInfoId;
  const original = JSON.parse(await readFile(path.join(dir, "artifacts", "build-info", `${biId}.json`), "utf8")) as BuildInfo;
  const inputName = original.userSourceNameMap[sourceName];
  if (!inputName) return { error: `build info ${biId} does not contain ${sourceName}` };
  const input = structuredClone(original.input);
  input.sources[inputName] = { content: await readFile(path.join(dir, sourceName), "utf8") };
  const userName = new Map(Object.entries(original.userSourceNameMap).map(([u, i]) => [i, u]));
  const targets = [inputName];
  const withArtifacts: { file: string; artifact: Artifact }[] = [...own];
  for (const i of importersOf(input.sources, inputName)) {
    const u = userName.get(i);
    const a = u ? await readArtifacts(dir, u) : [];
    if (a.length > 0) {
      targets.push(i);
      withArtifacts.push(...a);
    }
  }
  const perContract = original.input.settings.outputSelection["*"]?.["*"];
  if (!perContract) return { error: `build info ${biId}: unexpected outputSelection` };
  input.settings.outputSelection = { "*": { "": ["ast"] }, ...Object.fromEntries(targets.map((t) => [t, { "": ["ast"], "*": perContract }])) };
  const output = JSON.parse(solc().compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) return { error: `solc: ${errors.map((e) => e.message).join(" | ")}` };
  // Hardhat's network (EDR) reads every build info and expects compiled contracts for every
  // source of its input: the units that did not change keep the original build's output.
  const originalOutput = JSON.parse(await readFile(path.join(dir, "artifacts", "build-info", `${biId}.output.json`), "utf8")) as { output: SolcOutput };
  for (const [name, contracts] of Object.entries(originalOutput.output.contracts ?? {})) {
    if (!targets.includes(name)) (output.contracts ??= {})[name] = contracts;
  }
  const buildInfo: BuildInfo = { ...original, id: buildInfoId, input };
  const artifacts = withArtifacts.map(({ file, artifact }) => {
    const c = output.contracts?.[artifact.inputSourceName]?.[artifact.contractName];
    if (!c) throw new Error(`solc produced no ${artifact.contractName} in ${artifact.inputSourceName}`);
    return {
      file,
      artifact: {
        ...artifact,
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
        linkReferences: c.evm.bytecode.linkReferences,
        deployedLinkReferences: c.evm.deployedBytecode.linkReferences,
        immutableReferences: c.evm.deployedBytecode.immutableReferences ?? {},
        buildInfoId,
      },
    };
  });
  return { artifacts, buildInfo, output };
}

const ARTIFACT_FIELDS = ["abi", "bytecode", "deployedBytecode", "linkReferences", "deployedLinkReferences", "immutableReferences"] as const;

/** The direct compile must reproduce Hardhat's artifacts of the unmutated sources exactly. */
async function checkCompileRoute(dir: string, sourceName: string): Promise<string | undefined> {
  const r = await compileUnit(dir, sourceName, "check");
  if ("error" in r) return `${sourceName}: ${r.error}`;
  for (const { file, artifact } of r.artifacts) {
    const hardhat = JSON.parse(await readFile(file, "utf8")) as Artifact;
    for (const k of ARTIFACT_FIELDS) {
      if (JSON.stringify(hardhat[k]) !== JSON.stringify(artifact[k])) return `${sourceName}: compiling ${artifact.contractName} directly does not reproduce Hardhat's ${k}`;
    }
  }
  return undefined;
}

/** Compile the mutated unit in the copy and write its artifacts and build info there. */
async function buildContractMutant(dir: string, m: Mutant): Promise<string | undefined> {
  const id = `solc-mutant-${createHash("sha256").update(m.id).update(m.replace).digest("hex").slice(0, 24)}`;
  const r = await compileUnit(dir, m.file, id);
  if ("error" in r) return r.error;
  const biDir = path.join(dir, "artifacts", "build-info");
  await writeFile(path.join(biDir, `${id}.json`), JSON.stringify(r.buildInfo));
  await writeFile(path.join(biDir, `${id}.output.json`), JSON.stringify({ _format: "hh3-sol-build-info-output-1", id, output: r.output }));
  for (const { file, artifact } of r.artifacts) await writeFile(file, JSON.stringify(artifact, null, 2));
  return undefined;
}

// ------------------------------------------------------------------ running

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n(timed out after ${TIMEOUT_MS / 60_000} min)`;
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    }, TIMEOUT_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, output });
    });
  });
}

async function needsContracts(m: { file: string; tests: string[] }): Promise<boolean> {
  if (m.file.endsWith(".sol")) return true;
  for (const t of m.tests) if (/hardhat|helpers\/contracts/.test(await readFile(path.join(root, t), "utf8"))) return true;
  return false;
}

/** Apply a mutant (or none, for the baseline) in the worker's copy, run its tests, reset the copy. */
async function runOne(m: Job, copy: Copy, cacheDir: string): Promise<Outcome> {
  const started = performance.now();
  const { dir } = copy;
  const seconds = () => Math.round((performance.now() - started) / 100) / 10;
  const marks: string[] = [];
  let last = started;
  const mark = (name: string) => {
    const now = performance.now();
    marks.push(`${name} ${((now - last) / 1000).toFixed(1)}`);
    last = now;
  };
  try {
    if ("search" in m) {
      const file = path.join(dir, m.file);
      const text = await readFile(file, "utf8");
      await writeFile(file, text.replace(m.search, () => m.replace));
      if (m.file.endsWith(".sol")) {
        // A mutated contract that does not compile is not a behavioural catch.
        const error = await buildContractMutant(dir, m);
        mark("compile");
        if (error) return { id: m.id, caughtBy: [], ignored: [], error: `the mutated contract does not compile: ${error}`, seconds: seconds() };
      }
    }
    const env = { ...process.env, ZKINFER_CIRCUIT_CACHE: cacheDir, FORCE_COLOR: "0" };
    const report = path.join(dir, "mutant-report.json");
    const r = await run(path.join(dir, "node_modules", ".bin", "vitest"), ["run", ...m.tests, "--reporter=json", `--outputFile.json=${report}`, "--maxWorkers=1", "--minWorkers=1"], dir, env);
    mark("tests");
    const json = await readFile(report, "utf8").catch(() => undefined);
    if (json === undefined) return { id: m.id, caughtBy: [], ignored: [], error: `vitest wrote no report (exit ${r.code}): ${r.output.trim().split("\n").slice(-3).join(" | ")}`, seconds: seconds() };
    const rep = JSON.parse(json) as VitestReport;
    const caughtBy: string[] = [];
    const ignored: string[] = [];
    for (const f of rep.testResults) {
      const file = path.relative(dir, f.name);
      const failed = f.assertionResults.filter((t) => t.status === "failed");
      for (const t of failed) (COUNT_TEST.test(t.fullName ?? t.title) ? ignored : caughtBy).push(`${file} > ${t.fullName ?? t.title}`);
      if (f.status !== "passed" && failed.length === 0) ignored.push(`${file}: the file failed to load or a hook threw${f.message ? ` (${f.message.split("\n")[0]})` : ""}`);
    }
    return { id: m.id, caughtBy, ignored, seconds: seconds() };
  } finally {
    await reset(copy);
    // ZKINFER_MUTANT_PHASES=1: wall seconds of each phase (contract compile, tests, reset).
    if (process.env.ZKINFER_MUTANT_PHASES) console.log(`  (${m.id}: ${marks.join(", ")}, reset ${((performance.now() - last) / 1000).toFixed(1)} s)`);
  }
}

/** Run `fn` over `items`, `n` at a time; `fn` gets the index of the worker slot that runs it. */
async function pool<T, R>(items: T[], n: number, fn: (item: T, slot: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async (_, slot) => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], slot);
      }
    }),
  );
  return out;
}

async function main(): Promise<void> {
  const mutants = await loadMutants();
  if (mutants.length === 0) throw new Error("no mutants selected");
  const problems = await validate(mutants);
  if (problems.length > 0) {
    for (const p of problems) console.log(p);
    console.log(`mutation check: ${problems.length} problem(s) in the mutant lists; nothing run`);
    process.exit(1);
  }
  const sharedCache = process.env.ZKINFER_CIRCUIT_CACHE;
  const cacheDir = sharedCache ? path.resolve(sharedCache) : await mkdtemp(path.join(os.tmpdir(), "zkinfer-mutant-cache-"));
  await mkdir(cacheDir, { recursive: true });
  const started = performance.now();
  const made: string[] = [];
  try {
    const baseline = { id: "baseline (unmutated)", file: "", tests: [...new Set(mutants.flatMap((m) => m.tests))].sort() };
    const jobs: Job[] = [baseline, ...mutants];
    let contracts = false;
    for (const j of jobs) if (await needsContracts(j)) contracts = true;
    if (contracts) {
      // Up to date after `npm test`; otherwise this compiles what changed.
      const b = await run(path.join(root, "node_modules", ".bin", "hardhat"), ["build", "--quiet"], root, process.env);
      if (b.code !== 0) throw new Error(`hardhat build failed in the repository: ${b.output.trim().split("\n").slice(-5).join(" | ")}`);
    }
    const template = await makeTemplate();
    made.push(template);
    const pristine = await manifest(template);
    const copies: Copy[] = [];
    for (let i = 0; i < Math.min(WORKERS, jobs.length); i++) {
      const c = await makeCopy(template, pristine, `w${i}`);
      made.push(c.dir);
      copies.push(c);
    }
    for (const file of [...new Set(mutants.filter((m) => m.file.endsWith(".sol")).map((m) => m.file))]) {
      const problem = await checkCompileRoute(copies[0].dir, file);
      if (problem) throw new Error(`contract mutants cannot be built: ${problem}`);
    }
    console.log(`mutation check: ${mutants.length} mutants, ${copies.length} at a time; baseline runs ${baseline.tests.length} test file(s)`);
    const results = await pool(jobs, copies.length, async (m, slot) => {
      const o = await runOne(m, copies[slot], cacheDir);
      if (m === baseline) {
        console.log(o.caughtBy.length === 0 && !o.error && o.ignored.length === 0 ? `  baseline passes (${o.seconds} s)` : `  BASELINE FAILS (${o.seconds} s): ${[o.error, ...o.caughtBy, ...o.ignored].filter(Boolean).join("; ")}`);
      } else if (o.caughtBy.length > 0) {
        console.log(`  caught   ${m.id} (${o.seconds} s) by ${o.caughtBy.length} test(s):\n${o.caughtBy.map((t) => `             ${t}`).join("\n")}`);
      } else {
        console.log(`  SURVIVED ${m.id} (${o.seconds} s): ${(m as Mutant).why}${o.error ? `\n             ${o.error}` : ""}${o.ignored.map((t) => `\n             (not counted) ${t}`).join("")}`);
      }
      return o;
    });
    const [base, ...rest] = results;
    const baseOk = base.caughtBy.length === 0 && !base.error && base.ignored.length === 0;
    const survivors = rest.filter((o) => o.caughtBy.length === 0);
    const minutes = ((performance.now() - started) / 60_000).toFixed(1);
    console.log(`mutation check: ${rest.length - survivors.length} of ${rest.length} mutants caught${survivors.length ? `; SURVIVED: ${survivors.map((s) => s.id).join(", ")}` : ""}${baseOk ? "" : "; the unmutated baseline FAILS"} (${minutes} min)`);
    if (survivors.length > 0 || !baseOk) process.exitCode = 1;
  } finally {
    for (const d of made) await rm(d, { recursive: true, force: true });
    if (!sharedCache) await rm(cacheDir, { recursive: true, force: true });
  }
}

await main();
