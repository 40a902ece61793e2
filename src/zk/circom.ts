import { execFile } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { ArtifactError, BaseError } from "../errors.js";
import { readR1csHeader, type R1csHeader } from "./r1cs.js";

const require = createRequire(import.meta.url);

/** The circom compiler built to WebAssembly (npm package `circom2`). */
export function circomCliPath(): string {
  return require.resolve("circom2/cli.js");
}

/** The folder that holds circomlib's circuits, for `include "circomlib/circuits/..."`. */
export function circomlibRoot(): string {
  return path.dirname(path.dirname(require.resolve("circomlib/package.json")));
}

export class CircomCompileError extends BaseError {
  override name = "CircomCompileError";
  readonly file: string;
  readonly compilerOutput: string;

  constructor(args: { file: string; compilerOutput: string; cause?: unknown }) {
    const firstError = args.compilerOutput.split("\n").find((l) => /error/i.test(l))?.trim();
    super(`circom failed to compile ${args.file}${firstError ? `: ${firstError}` : ""}`, {
      details: args.compilerOutput.trim(),
      cause: args.cause,
    });
    this.file = args.file;
    this.compilerOutput = args.compilerOutput;
  }
}

export interface CompileCircuitParameters {
  /** Path of the main .circom file. */
  circuit: string;
  /** Folder that receives <name>.r1cs, <name>.sym and <name>_js/<name>.wasm. */
  outDir: string;
  /** Extra include folders (`-l`); circomlib's parent folder is always added. */
  includePaths?: string[];
  /** circom simplification level: 0, 1 or 2 (default 2: full linear simplification). */
  optimization?: 0 | 1 | 2;
}

export interface CompileCircuitReturnType {
  r1csPath: string;
  wasmPath: string;
  symPath: string;
  /** Constraint count as Groth16 sees it (from the .r1cs header). */
  constraints: number;
  header: R1csHeader;
  compileMs: number;
  /** The compiler's own log, ANSI colours removed. */
  log: string;
}

const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * Compile a circom circuit to R1CS + WebAssembly witness generator.
 * Runs the compiler with an argument array (no shell); a compile error surfaces the
 * compiler's message and the file.
 */
export async function compileCircuit(params: CompileCircuitParameters): Promise<CompileCircuitReturnType> {
  const circuit = path.resolve(params.circuit);
  const outDir = path.resolve(params.outDir);
  const name = path.basename(circuit, ".circom");
  try {
    await readFile(circuit);
  } catch (cause) {
    throw new ArtifactError({ path: circuit, problem: "circuit file not found", cause });
  }
  await mkdir(outDir, { recursive: true });
  const includes = [circomlibRoot(), ...(params.includePaths ?? [])];
  const args = [
    circomCliPath(),
    circuit,
    "--r1cs",
    "--wasm",
    "--sym",
    `--O${params.optimization ?? 2}`,
    "-o",
    outDir,
    ...includes.flatMap((p) => ["-l", path.resolve(p)]),
  ];
  const started = performance.now();
  // The WebAssembly compiler only sees folders below its working directory (WASI preopens),
  // so run it from the filesystem root with absolute paths.
  const { code, stdout, stderr } = await run(process.execPath, args, path.parse(circuit).root);
  const log = `${stdout}\n${stderr}`.replace(ANSI, "");
  if (code !== 0 || /previous errors were found|error\[/i.test(log)) {
    throw new CircomCompileError({ file: circuit, compilerOutput: log });
  }
  const compileMs = performance.now() - started;
  const r1csPath = path.join(outDir, `${name}.r1cs`);
  const header = await readR1csHeader(r1csPath);
  return {
    r1csPath,
    wasmPath: path.join(outDir, `${name}_js`, `${name}.wasm`),
    symPath: path.join(outDir, `${name}.sym`),
    constraints: header.nConstraints,
    header,
    compileMs,
    log,
  };
}

function run(bin: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + (error && code === 1 && !stderr ? error.message : "") });
    });
  });
}
