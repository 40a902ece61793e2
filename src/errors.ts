/**
 * One base error for the whole toolkit, in the spirit of "short message + details + cause".
 * Subclasses name what a user can hit; their fields are machine-readable.
 */
export interface BaseErrorOptions {
  /** Longer explanation or the fix to apply. */
  details?: string;
  /** The underlying error, never swallowed. */
  cause?: unknown;
}

export class BaseError extends Error {
  override name = "ZkinferError";
  /** One line that names the problem. */
  readonly shortMessage: string;
  readonly details?: string;

  constructor(shortMessage: string, options: BaseErrorOptions = {}) {
    const message = options.details ? `${shortMessage}\n${options.details}` : shortMessage;
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.shortMessage = shortMessage;
    this.details = options.details;
  }
}

/** A value is outside what a field allows. */
export class InvalidValueError extends BaseError {
  override name = "InvalidValueError";
  readonly field: string;
  readonly value: unknown;
  readonly allowed: string;

  constructor(args: { field: string; value: unknown; allowed: string; details?: string; cause?: unknown }) {
    super(`invalid ${args.field}: ${formatValue(args.value)} (allowed: ${args.allowed})`, {
      details: args.details,
      cause: args.cause,
    });
    this.field = args.field;
    this.value = args.value;
    this.allowed = args.allowed;
  }
}

/** An input of a model is outside its declared range. */
export class InputOutOfRangeError extends BaseError {
  override name = "InputOutOfRangeError";
  readonly feature: string;
  readonly value: string;
  readonly min: string;
  readonly max: string;

  constructor(args: { feature: string; value: string | bigint | number; min: string | bigint | number; max: string | bigint | number; details?: string }) {
    super(
      `input "${args.feature}" = ${String(args.value)} is outside its declared range [${String(args.min)}, ${String(args.max)}]`,
      { details: args.details },
    );
    this.feature = args.feature;
    this.value = String(args.value);
    this.min = String(args.min);
    this.max = String(args.max);
  }
}

/** A file or artifact is missing or unreadable. */
export class ArtifactError extends BaseError {
  override name = "ArtifactError";
  readonly path: string;

  constructor(args: { path: string; problem: string; details?: string; cause?: unknown }) {
    super(`${args.path}: ${args.problem}`, { details: args.details, cause: args.cause });
    this.path = args.path;
  }
}

export function formatValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return value.toString();
  try {
    const s = JSON.stringify(value);
    if (s === undefined) return String(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(value);
  }
}

/** A CSV input is malformed or has a value outside what its column allows. */
export class CsvError extends BaseError {
  override name = "CsvError";
  /** 1-based line number; the header is row 1. */
  readonly row: number;
  /** Column name, when the problem belongs to one column. */
  readonly column?: string;
  readonly value?: string;
  readonly problem: string;

  constructor(args: { row: number; column?: string; value?: string; problem: string; details?: string; cause?: unknown }) {
    const where = args.column === undefined ? `row ${args.row}` : `row ${args.row}, column "${args.column}"`;
    const what = args.value === undefined ? "" : ` (value ${JSON.stringify(args.value)})`;
    super(`CSV ${where}: ${args.problem}${what}`, { details: args.details, cause: args.cause });
    this.row = args.row;
    this.column = args.column;
    this.value = args.value;
    this.problem = args.problem;
  }
}

/** A required artifact is missing: names it and the step that makes it. */
export class MissingArtifactError extends BaseError {
  override name = "MissingArtifactError";
  constructor(args: { artifact: string; path: string; step: string }) {
    super(`${args.artifact} not found at ${args.path}`, { details: `Run \`${args.step}\` first.` });
  }
}

/** An artifact was made from an input that has changed since. */
export class StaleArtifactError extends BaseError {
  override name = "StaleArtifactError";
  constructor(args: { artifact: string; reason: string; step: string }) {
    super(`${args.artifact} is stale: ${args.reason}`, { details: `Re-run \`${args.step}\`.` });
  }
}

/**
 * A file's bytes differ from the hash its stage recorded: it was edited, replaced or damaged
 * on disk after it was written (not merely made from an older input).
 */
export class ModifiedArtifactError extends BaseError {
  override name = "ModifiedArtifactError";
  constructor(args: { artifact: string; writtenBy: string; step: string }) {
    super(`${args.artifact} was modified or corrupted after \`${args.writtenBy}\` wrote it`, { details: `Restore it, or re-run \`${args.step}\`.` });
  }
}

/** A proof was rejected (off-chain or by a contract). */
export class VerificationFailedError extends BaseError {
  override name = "VerificationFailedError";
  constructor(shortMessage: string, details?: string) {
    super(shortMessage, { details });
  }
}
