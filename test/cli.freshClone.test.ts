/**
 * The CLI's chain path from a fresh clone: a copy of the repository without artifacts/, cache/
 * or build/ (node_modules linked in). `zkinfer deploy` must build the contracts and deploy on
 * the first run — Hardhat's artifact list, cached before the build, once hid the new artifacts
 * (HHE1000 "Artifact for contract ModelRegistry not found" on the first run only).
 */
import { execFile } from "node:child_process";
import { cp, mkdtemp, readdir, rm, stat, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, "..");
const SKIP = new Set(["node_modules", "artifacts", "cache", "build", "dist", ".git", "examples"]);
let tmp: string | undefined;

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function zkinfer(cwd: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(process.execPath, ["--import", "tsx", "src/cli/main.ts", "--dir", "out", ...args], { cwd, maxBuffer: 16 << 20 });
  } catch (error) {
    const e = error as { code?: number; stderr?: string };
    throw new Error(`zkinfer ${args.join(" ")} exited ${e.code}: ${e.stderr}`);
  }
}

it("deploys on the first run in a copy of the repository with no build outputs", async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "zkinfer-fresh-"));
  const clone = path.join(tmp, "repo");
  await cp(repo, clone, { recursive: true, filter: (src) => !(path.dirname(src) === repo && SKIP.has(path.basename(src))) });
  await symlink(path.join(repo, "node_modules"), path.join(clone, "node_modules"), "dir");
  for (const gone of ["artifacts", "cache", "build"]) await expect(stat(path.join(clone, gone))).rejects.toThrow();

  await zkinfer(clone, "train", "--rows", "600", "--epochs", "3", "--hidden", "4", "--name", "tiny");
  for (const step of ["quantize", "compile", "setup"]) await zkinfer(clone, step);
  const deployed = await zkinfer(clone, "--json", "deploy");
  const doc = JSON.parse(deployed.stdout) as { ok: boolean; result: { contracts: Record<string, string> } };
  expect(doc.ok).toBe(true);
  expect(doc.result.contracts.feed).toMatch(/^0x[0-9a-fA-F]{40}$/);
  expect(deployed.stderr).toMatch(/compiling the contracts/);
  // The build really happened in the copy (not in the repository it came from).
  expect(await readdir(path.join(clone, "artifacts", "contracts"))).toContain("ModelRegistry.sol");
});
