/**
 * CLI errors and exit codes. Library errors (`BaseError` subclasses) are user errors: they
 * name the field, the value and what is allowed. Anything else is an internal error.
 */
import { BaseError, VerificationFailedError } from "../errors.js";

export const ExitCode = {
  ok: 0,
  /** Bad input, missing or stale artifacts, a rejected transaction: fix the input and re-run. */
  userError: 1,
  /** A proof did not verify (off-chain or on chain). */
  verificationFailed: 2,
  /** A bug or an unexpected failure. */
  internal: 3,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A user-facing error of the CLI: one line saying what is wrong and how to fix it. */
export class CliError extends BaseError {
  override name = "CliError";
  readonly exitCode: ExitCodeValue;

  constructor(shortMessage: string, options: { details?: string; cause?: unknown; exitCode?: ExitCodeValue } = {}) {
    super(shortMessage, options);
    this.exitCode = options.exitCode ?? ExitCode.userError;
  }
}

export { MissingArtifactError, StaleArtifactError, VerificationFailedError } from "../errors.js";

export function exitCodeOf(error: unknown): ExitCodeValue {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof VerificationFailedError) return ExitCode.verificationFailed;
  if (error instanceof BaseError) return ExitCode.userError;
  return ExitCode.internal;
}

/**
 * One line: the problem and, when known, the fix (the first line of `details`).
 * Internal errors say so and point at --verbose.
 */
export function formatError(error: unknown): string {
  if (error instanceof BaseError) {
    const fix = error.details?.split("\n").find((l) => l.trim() !== "")?.trim();
    const head = error.shortMessage.replace(/[.\s]+$/, "");
    return fix ? `error: ${head}. ${fix}` : `error: ${head}`;
  }
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
  return `internal error: ${message} (re-run with --verbose for the stack trace)`;
}

/** Everything known about an error, for --verbose: details, the cause chain and stacks. */
export function formatErrorVerbose(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  let depth = 0;
  while (e !== undefined && e !== null && depth < 8) {
    if (e instanceof Error) {
      parts.push(`${depth === 0 ? "" : "caused by: "}${e.stack ?? `${e.name}: ${e.message}`}`);
      if (e instanceof BaseError && e.details) parts.push(`details: ${e.details}`);
      e = (e as { cause?: unknown }).cause;
    } else {
      parts.push(`${depth === 0 ? "" : "caused by: "}${String(e)}`);
      e = undefined;
    }
    depth++;
  }
  return parts.join("\n");
}

/** Machine-readable error for --json. */
export function errorJson(error: unknown): { name: string; message: string; details?: string } {
  if (error instanceof BaseError) return { name: error.name, message: error.shortMessage, ...(error.details ? { details: error.details } : {}) };
  return { name: "InternalError", message: error instanceof Error ? error.message : String(error) };
}
