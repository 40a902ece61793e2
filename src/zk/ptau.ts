import { randomBytes } from "node:crypto";
import { access, mkdir, open, readdir, rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as snarkjs from "snarkjs";
import { ArtifactError, BaseError, InvalidValueError } from "../errors.js";
import { releaseCurves } from "./curve.js";
import { INSECURE_PTAU_WARNING, MAX_FAST_POWER, insecurePtauName, writeInsecurePtau } from "./devPtau.js";

/** Largest power a BN254 ptau can have (the field's 2-adicity is 28). */
export const MAX_PTAU_POWER = 28;
/** Smallest development ptau we generate; tiny powers give no speed-up. */
const MIN_DEV_POWER = 8;

export interface PtauInfo {
  path: string;
  /** Circuits with up to 2^power − 1 constraints + public signals fit. */
  power: number;
  ceremonyPower: number;
  /** `prepare phase2` has been run (the Lagrange sections exist). */
  prepared: boolean;
}

export class PtauTooSmallError extends BaseError {
  override name = "PtauTooSmallError";
  constructor(args: { path: string; power: number; needed: number; constraints?: number }) {
    const circuit = args.constraints === undefined ? "this circuit" : `this circuit (${args.constraints} constraints + public signals)`;
    super(
      `powers-of-tau file ${args.path} has power ${args.power}, but ${circuit} needs power ${args.needed}`,
      { details: `Use a prepared ptau of power >= ${args.needed} (e.g. a public ceremony's powersOfTau28_hez_final_${String(args.needed).padStart(2, "0")}.ptau).` },
    );
  }
}

/** Read the header of a .ptau file: its power and whether it is prepared for phase 2. */
export async function readPtauInfo(file: string): Promise<PtauInfo> {
  let fd;
  try {
    fd = await open(file, "r");
  } catch (cause) {
    throw new ArtifactError({ path: file, problem: "powers-of-tau file not found", cause });
  }
  try {
    const head = Buffer.alloc(12);
    await fd.read(head, 0, 12, 0);
    if (head.toString("ascii", 0, 4) !== "ptau") {
      throw new ArtifactError({ path: file, problem: "not a .ptau file (bad magic)" });
    }
    const nSections = head.readUInt32LE(8);
    let pos = 12;
    const types = new Set<number>();
    let power = -1;
    let ceremonyPower = -1;
    const sh = Buffer.alloc(12);
    for (let i = 0; i < nSections; i++) {
      await fd.read(sh, 0, 12, pos);
      const type = sh.readUInt32LE(0);
      const size = Number(sh.readBigUInt64LE(4));
      types.add(type);
      if (type === 1) {
        const hb = Buffer.alloc(size);
        await fd.read(hb, 0, size, pos + 12);
        const n8 = hb.readUInt32LE(0);
        power = hb.readUInt32LE(4 + n8);
        ceremonyPower = hb.readUInt32LE(8 + n8);
      }
      pos += 12 + size;
    }
    if (power < 0) throw new ArtifactError({ path: file, problem: "ptau header section missing" });
    return { path: file, power, ceremonyPower, prepared: types.has(12) };
  } finally {
    await fd.close();
  }
}

/**
 * The smallest power whose Groth16 domain holds the circuit: snarkjs needs
 * constraints + public inputs + outputs < 2^power.
 */
export function requiredPower(constraints: number, publicSignals: number): number {
  const n = constraints + publicSignals;
  let power = 1;
  while (2 ** power <= n) power++;
  if (power > MAX_PTAU_POWER) {
    throw new InvalidValueError({ field: "constraints", value: constraints, allowed: `at most ${2 ** MAX_PTAU_POWER - 1 - publicSignals} (power 28)` });
  }
  return power;
}

/** Where development ptau files are cached: $ZKINFER_CACHE_DIR/ptau or ~/.cache/zkinfer/ptau. */
export function defaultPtauCacheDir(): string {
  const base = process.env.ZKINFER_CACHE_DIR ?? path.join(os.homedir(), ".cache", "zkinfer");
  return path.join(base, "ptau");
}

/** Development ptau files shipped with the project (circuits/ptau/). */
export function bundledPtauDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "circuits", "ptau");
}

export const DEV_PTAU_WARNING =
  "WARNING: using a DEVELOPMENT powers-of-tau file (one known contribution). It is NOT secure: " +
  "anyone holding its toxic waste can forge proofs. For production pass --ptau with a public ceremony's prepared file.";

/** True for the warnings resolvePtau logs about development files (callers print them boxed). */
export function isPtauWarning(line: string): boolean {
  return line === DEV_PTAU_WARNING || line === INSECURE_PTAU_WARNING;
}

export interface ResolvePtauParameters {
  /** A user-supplied prepared ptau (the production path). */
  ptauPath?: string;
  /** The power the circuit needs (see requiredPower). */
  power: number;
  /** Needed for error messages. */
  constraints?: number;
  cacheDir?: string;
  /** Extra folders searched for dev-pot<N>.ptau before generating one. */
  searchDirs?: string[];
  /** Progress and warnings (default: stderr). */
  log?: (line: string) => void;
  /**
   * Progress of generating a development file (points done of total). Default: a live line on
   * stderr when it is a terminal, else a `log` line every 20 %.
   */
  progress?: (done: number, total: number) => void;
}

export interface ResolvePtauReturnType extends PtauInfo {
  development: boolean;
  /** True when this call generated the file (slow path). */
  generated: boolean;
}

/**
 * Find a ptau file for a circuit: the user's file if given (checked for power and
 * preparation), else the smallest cached or bundled development file that fits, else
 * write an INSECURE development file of the needed power from a known random τ once
 * (writeInsecurePtau: about 40 s of CPU at power 16 instead of `prepare phase2`'s 25 minutes) and cache it.
 */
export async function resolvePtau(params: ResolvePtauParameters): Promise<ResolvePtauReturnType> {
  const log = params.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const { power } = params;
  if (!Number.isInteger(power) || power < 1 || power > MAX_PTAU_POWER) {
    throw new InvalidValueError({ field: "power", value: power, allowed: `an integer in [1, ${MAX_PTAU_POWER}]` });
  }
  if (params.ptauPath) {
    const info = await readPtauInfo(params.ptauPath);
    if (!info.prepared) {
      throw new ArtifactError({
        path: params.ptauPath,
        problem: "powers-of-tau file is not prepared for phase 2",
        details: "Run `snarkjs powersoftau prepare phase2 <in> <out>` or use a ceremony's *_final_*.ptau file.",
      });
    }
    if (info.power < power) {
      throw new PtauTooSmallError({ path: params.ptauPath, power: info.power, needed: power, constraints: params.constraints });
    }
    return { ...info, development: false, generated: false };
  }
  const cacheDir = params.cacheDir ?? defaultPtauCacheDir();
  const dirs = [cacheDir, ...(params.searchDirs ?? []), bundledPtauDir()];
  const found = await findDevPtau(dirs, power);
  if (found) {
    log(isInsecureName(found.path) ? INSECURE_PTAU_WARNING : DEV_PTAU_WARNING);
    return { ...found, development: true, generated: false };
  }
  const genPower = Math.max(power, MIN_DEV_POWER);
  log(INSECURE_PTAU_WARNING);
  if (genPower > MAX_FAST_POWER) {
    log(`No cached development ptau of power >= ${power}; generating power ${genPower} with snarkjs (new, contribute, prepare phase2) into ${cacheDir}: this takes hours.`);
    const file = await generateDevPtau({ power: genPower, outDir: cacheDir, log });
    return { ...(await readPtauInfo(file)), development: true, generated: true };
  }
  const file = path.join(cacheDir, insecurePtauName(genPower));
  log(`No cached development ptau of power >= ${power}; writing ${file} from a known random τ (INSECURE, once; power 16: about 40 s of CPU, 75 MB).`);
  await mkdir(cacheDir, { recursive: true });
  const progress = params.progress ?? defaultProgress(log);
  const written = await writeInsecurePtau({ power: genPower, out: file, progress });
  log(`  ptau: wrote ${(written.bytes / 1e6).toFixed(1)} MB in ${(written.ms / 1000).toFixed(1)} s → ${file} (INSECURE development file)`);
  return { ...(await readPtauInfo(file)), development: true, generated: true };
}

function isInsecureName(file: string): boolean {
  return /-insecure\.ptau$/.test(file);
}

/** A live percentage on a terminal's stderr, else a log line every 20 %. */
function defaultProgress(log: (line: string) => void): (done: number, total: number) => void {
  const tty = process.stderr.isTTY === true;
  let shown = -1;
  return (done, total) => {
    const pct = Math.floor((100 * done) / total);
    if (tty) {
      if (pct !== shown) process.stderr.write(`\r  ptau: INSECURE development file ${pct} %${done === total ? "\n" : ""}`);
    } else if (Math.floor(pct / 20) !== Math.floor(shown / 20)) {
      log(`  ptau: INSECURE development file ${pct} %`);
    }
    shown = pct;
  };
}

async function findDevPtau(dirs: string[], power: number): Promise<PtauInfo | undefined> {
  let best: PtauInfo | undefined;
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = /^dev-pot(\d+)(?:-insecure)?\.ptau$/.exec(name);
      if (!m || Number(m[1]) < power) continue;
      const info = await readPtauInfo(path.join(dir, name));
      if (info.prepared && info.power >= power && (!best || info.power < best.power)) best = info;
    }
  }
  return best;
}

/**
 * Generate a prepared development ptau (new → one random contribution → prepare phase2).
 * Written to a temporary name and renamed, so an interrupted run leaves no broken cache.
 */
export async function generateDevPtau(args: { power: number; outDir: string; log?: (line: string) => void }): Promise<string> {
  const log = args.log ?? (() => {});
  await mkdir(args.outDir, { recursive: true });
  const final = path.join(args.outDir, `dev-pot${args.power}.ptau`);
  try {
    await access(final);
    return final;
  } catch {
    // not there yet
  }
  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const p0 = path.join(args.outDir, `.tmp-${tag}-0.ptau`);
  const p1 = path.join(args.outDir, `.tmp-${tag}-1.ptau`);
  const p2 = path.join(args.outDir, `.tmp-${tag}-2.ptau`);
  const curve = await snarkjs.curves.getCurveFromName("bn128");
  try {
    const t0 = performance.now();
    log(`  ptau: new accumulator (power ${args.power})`);
    await snarkjs.powersOfTau.newAccumulator(curve, args.power, p0);
    log("  ptau: contribution (random entropy)");
    await snarkjs.powersOfTau.contribute(p0, p1, "zkinfer development contribution", randomBytes(32).toString("hex"));
    log("  ptau: prepare phase2 (the slow step)");
    await snarkjs.powersOfTau.preparePhase2(p1, p2);
    await rename(p2, final);
    log(`  ptau: done in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${final}`);
    return final;
  } finally {
    await Promise.all([p0, p1, p2].map((p) => rm(p, { force: true })));
    await releaseCurves();
  }
}
