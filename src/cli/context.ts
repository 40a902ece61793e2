/**
 * What every command receives: the global options and the output channels.
 *
 * Output rules (so scripts can rely on them):
 * - human mode: progress and results on stdout, warnings and errors on stderr;
 * - `--json`: progress on stderr, exactly one JSON document on stdout (the command's result,
 *   or `{ ok: false, error }`);
 * - `--quiet`: no progress lines (results, warnings and errors still print).
 */
import path from "node:path";

export interface CliStreams {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export interface GlobalOptions {
  /** Root of the per-model artifact folders (default "build"). */
  dir: string;
  json: boolean;
  verbose: boolean;
  quiet: boolean;
}

export interface CliContext {
  readonly options: GlobalOptions;
  /** Absolute artifact root. */
  readonly root: string;
  readonly cwd: string;
  /** A progress line (one step of a long operation). */
  progress(line: string): void;
  /** A result line for humans (suppressed with --json, which prints the result object instead). */
  info(line: string): void;
  /** A warning: always printed, on stderr. */
  warn(line: string): void;
  /** Resolve a user-supplied path against the working directory. */
  resolve(p: string): string;
  /** A path for messages: relative to the working directory when below it, else absolute. */
  show(p: string): string;
}

export function createContext(options: GlobalOptions, streams: CliStreams, cwd: string): CliContext {
  const line = (write: (t: string) => void) => (text: string) => write(`${text}\n`);
  const toStdout = line(streams.stdout);
  const toStderr = line(streams.stderr);
  return {
    options,
    root: path.resolve(cwd, options.dir),
    cwd,
    progress: (text) => {
      if (options.quiet) return;
      (options.json ? toStderr : toStdout)(text);
    },
    info: (text) => {
      if (!options.json) toStdout(text);
    },
    warn: toStderr,
    resolve: (p) => path.resolve(cwd, p),
    show: (p) => {
      const rel = path.relative(cwd, p);
      return rel === "" ? "." : rel.startsWith("..") || path.isAbsolute(rel) ? p : rel;
    },
  };
}

/** Seconds with one decimal, for progress lines. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A stopwatch started now. */
export function stopwatch(): () => number {
  const t0 = performance.now();
  return () => performance.now() - t0;
}
