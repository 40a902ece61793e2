/** Error formatting and exit codes of the CLI. */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CliError, ExitCode, VerificationFailedError, exitCodeOf, formatError, formatErrorVerbose } from "../src/cli/errors.js";
import { InvalidValueError } from "../src/errors.js";
import { cliIn } from "./helpers/cli.js";

describe("CLI errors", () => {
  it("formats a library error as one line: problem, then the fix", () => {
    const e = new InvalidValueError({ field: "config.epochs", value: 0, allowed: "an integer in [1, 100000]", details: "Pass --epochs 1 or more.\nMore text." });
    expect(formatError(e)).toBe('error: invalid config.epochs: 0 (allowed: an integer in [1, 100000]). Pass --epochs 1 or more.');
    expect(exitCodeOf(e)).toBe(ExitCode.userError);
  });

  it("maps verification failures to 2 and unexpected errors to 3", () => {
    expect(exitCodeOf(new VerificationFailedError("bad proof"))).toBe(2);
    expect(exitCodeOf(new CliError("x"))).toBe(1);
    const internal = new TypeError("cannot read properties of undefined\nsecond line");
    expect(exitCodeOf(internal)).toBe(3);
    expect(formatError(internal)).toBe("internal error: cannot read properties of undefined (re-run with --verbose for the stack trace)");
  });

  it("shows details, causes and stacks with --verbose", async () => {
    const e = new CliError("outer", { details: "the fix", cause: new Error("inner cause") });
    const text = formatErrorVerbose(e);
    expect(text).toMatch(/CliError: outer/);
    expect(text).toMatch(/details: the fix/);
    expect(text).toMatch(/caused by: Error: inner cause/);

    const dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-cli-err-"));
    try {
      const cli = cliIn(dir);
      const plain = await cli("quantize");
      expect(plain.exitCode).toBe(1);
      expect(plain.stderr.trim().split("\n")).toHaveLength(1);
      const verbose = await cli("quantize", "--verbose");
      expect(verbose.exitCode).toBe(1);
      expect(verbose.stderr).toMatch(/\n\s+at /);
      const json = await cli("--json", "quantize");
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, exitCode: 1, error: { name: "ModelNotFoundError" } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
