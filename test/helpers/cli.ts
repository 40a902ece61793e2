/** Runs the CLI in-process with captured output, against a temporary artifact root. */
import { expect } from "vitest";
import { type RunResult, run } from "../../src/cli/run.js";

export interface CliHarness {
  dir: string;
  /** `zkinfer --dir <dir> <args…>` with captured output. */
  (...args: string[]): Promise<RunResult>;
}

const quiet = { stdout: () => {}, stderr: () => {} };

export function cliIn(dir: string): CliHarness {
  const fn = (async (...args: string[]) => run(["--dir", dir, ...args], { streams: quiet })) as CliHarness;
  fn.dir = dir;
  return fn;
}

/** Expect a failed run: the exit code, and exactly one stderr line matching `pattern` (no stack trace). */
export function expectError(result: RunResult, exitCode: number, pattern: RegExp): void {
  expect(result.exitCode, `stderr: ${result.stderr}`).toBe(exitCode);
  const lines = result.stderr.trim().split("\n");
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

/** Expect success; returns the parsed `--json` result when the run used --json. */
export function expectOk(result: RunResult): Record<string, unknown> | undefined {
  expect(result.exitCode, `stderr: ${result.stderr}\nstdout: ${result.stdout}`).toBe(0);
  const text = result.stdout.trim();
  if (text.startsWith("{")) {
    const doc = JSON.parse(text) as { ok: boolean; result: Record<string, unknown> };
    expect(doc.ok).toBe(true);
    return doc.result;
  }
  return undefined;
}
