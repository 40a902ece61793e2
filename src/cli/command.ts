/**
 * Glue between commander and the command implementations: every subcommand module exports
 * `register(program, runtime)`; its action receives a `CliContext` built from the global
 * options and returns a JSON-able result (printed with --json).
 */
import { type Command, InvalidArgumentError } from "commander";
import { type CliContext, type CliStreams, type GlobalOptions, createContext } from "./context.js";

export interface CliRuntime {
  streams: CliStreams;
  cwd: string;
  /** Set by the action that ran: its context and result. */
  ctx?: CliContext;
  result?: unknown;
}

/** Wrap a command implementation as a commander action. */
export function action<O>(runtime: CliRuntime, fn: (ctx: CliContext, opts: O, cmd: Command) => Promise<unknown>) {
  return async (...args: unknown[]): Promise<void> => {
    const cmd = args[args.length - 1] as Command;
    const g = cmd.optsWithGlobals() as Partial<GlobalOptions>;
    const ctx = createContext(
      { dir: g.dir ?? "build", json: g.json ?? false, verbose: g.verbose ?? false, quiet: g.quiet ?? false },
      runtime.streams,
      runtime.cwd,
    );
    runtime.ctx = ctx;
    runtime.result = await fn(ctx, cmd.opts() as O, cmd);
  };
}

/** "Examples:" help text. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;
}

// ------------------------------------------------------------------ option parsers

export function parseInteger(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^[+-]?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`Expected an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? "∞" : max}].`);
    }
    return n;
  };
}

export function parsePositiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("Expected a number > 0.");
  return n;
}

export function parseNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError("Expected a finite number.");
  return n;
}

/** "32,32" → [32, 32]. */
export function parseWidths(value: string): number[] {
  const parts = value.split(",").map((s) => s.trim());
  const widths = parts.map(Number);
  if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p)) || widths.some((w) => w < 1 || w > 4096)) {
    throw new InvalidArgumentError("Expected comma-separated layer widths in [1, 4096], e.g. 32,32.");
  }
  return widths;
}

export function parseChoice<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(`Expected one of: ${choices.join(", ")}.`);
    return value as T;
  };
}
