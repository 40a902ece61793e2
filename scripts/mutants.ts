// Mutation check: `npm run test:mutants [-- --only id,id] [-- --list name]`.
//
// Every mutant in test/mutants/*.mutants.ts (a default-exported array of
// { id, file, search, replace, tests, why }) is applied to a scratch copy of the repository,
// where the listed test files run. A mutant is caught when at least one test fails that is not a
// constraint-count test (a pinned count notices any change, so it proves nothing about
// behaviour). A survivor, a stale mutant (its `search` text does not occur exactly once) or a
// failing unmutated baseline fails the run.
//
// Scratch copies: the repository without .git, node_modules (symlinked) and generated circuits,
// with Hardhat's artifacts and build cache copied, so `hardhat build` (run first in copies whose
// tests need contracts) recompiles only what the mutant changed.
// Two mutants run at a time (the machine has two cores), each vitest with one worker; compiled
// circuits are cached across mutants by the hash of their sources (ZKINFER_CIRCUIT_CACHE).
import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
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

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const COUNT_TEST = /constraint count/i;
const SKIP_COPY = new Set([".git", "node_modules", "types", "coverage", ".zkinfer-cache"]);
const SKIP_NESTED = [path.join("bench", "tmp"), path.join("circuits", "generated")];
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

async function scratchCopy(tag: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `zkinfer-mutant-${tag.replace(/[^A-Za-z0-9_-]/g, "_")}-`));
  for (const entry of await readdir(root)) {
    if (SKIP_COPY.has(entry)) continue;
    await cp(path.join(root, entry), path.join(dir, entry), {
      recursive: true,
      filter: (src) => !SKIP_NESTED.some((s) => src === path.join(root, s)),
    });
  }
  await symlink(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

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

async function needsContracts(dir: string, m: { file: string; tests: string[] }): Promise<boolean> {
  if (m.file.endsWith(".sol")) return true;
  for (const t of m.tests) if (/hardhat|helpers\/contracts/.test(await readFile(path.join(dir, t), "utf8"))) return true;
  return false;
}

/** Apply a mutant (or none, for the baseline) in a scratch copy and run its tests. */
async function runOne(m: Mutant | { id: string; file: string; tests: string[] }, cacheDir: string): Promise<Outcome> {
  const started = performance.now();
  const dir = await scratchCopy(m.id);
  const seconds = () => Math.round((performance.now() - started) / 100) / 10;
  try {
    if ("search" in m) {
      const file = path.join(dir, m.file);
      const text = await readFile(file, "utf8");
      await writeFile(file, text.replace(m.search, () => m.replace));
    }
    const env = { ...process.env, ZKINFER_CIRCUIT_CACHE: cacheDir, FORCE_COLOR: "0" };
    const bin = (name: string) => path.join(dir, "node_modules", ".bin", name);
    if (await needsContracts(dir, m)) {
      const b = await run(bin("hardhat"), ["build", "--quiet"], dir, env);
      // A mutated contract that does not compile is not a behavioural catch.
      if (b.code !== 0) return { id: m.id, caughtBy: [], ignored: [], error: `hardhat build failed: ${b.output.trim().split("\n").slice(-3).join(" | ")}`, seconds: seconds() };
    }
    const report = path.join(dir, "mutant-report.json");
    const r = await run(bin("vitest"), ["run", ...m.tests, "--reporter=json", `--outputFile.json=${report}`, "--maxWorkers=1", "--minWorkers=1"], dir, env);
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
    await rm(dir, { recursive: true, force: true });
  }
}

async function pool<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
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
  const cacheDir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-mutant-cache-"));
  const started = performance.now();
  try {
    const baseline = { id: "baseline (unmutated)", file: "", tests: [...new Set(mutants.flatMap((m) => m.tests))].sort() };
    console.log(`mutation check: ${mutants.length} mutants, ${WORKERS} at a time; baseline runs ${baseline.tests.length} test file(s)`);
    const results = await pool([baseline, ...mutants], WORKERS, async (m) => {
      const o = await runOne(m, cacheDir);
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
    await rm(cacheDir, { recursive: true, force: true });
  }
}

await main();
