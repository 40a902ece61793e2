/**
 * Fast INSECURE development powers-of-tau files, written directly from a known τ, α, β.
 *
 * A ceremony file is built by contributions over every point and then `prepare phase2`, whose
 * curve FFTs cost about 25 minutes at power 16 on 2 cores. When τ, α and β are known every
 * section is a list of fixed-base scalar multiples of the generators, with scalars computed in
 * the field:
 *
 *   2  tauG1       τ^j·G1, j < 2^(p+1) − 1          12  L_i^(m)(τ)·G1 for m = 0 … p+1 (see below)
 *   3  tauG2       τ^j·G2, j < 2^p                  13  L_i^(m)(τ)·G2 for m = 0 … p
 *   4  alphaTauG1  α·τ^j·G1                         14  α·L_i^(m)(τ)·G1
 *   5  betaTauG1   β·τ^j·G1                         15  β·L_i^(m)(τ)·G1
 *   6  betaG2      β·G2                             7   contributions: none recorded
 *
 * with the Lagrange basis of the size-n = 2^m domain of ffjavascript's root of unity ω,
 * L_i(τ) = ω^i·(τ^n − 1) / (n·(τ − ω^i)) (one batch inversion per m, no curve FFT). Section 12's
 * extra size 2^(p+1) is snarkjs's inverse FFT of τ^0 … τ^(n−2) with the last coefficient 0, i.e.
 * L_i(τ) − ω^i·τ^(n−1)/n. The layout and encoding (affine, little-endian Montgomery) are exactly
 * snarkjs's; test/zk.devPtau.test.ts checks a small power byte for byte against snarkjs's own
 * `prepare phase2` of the same sections.
 *
 * The fixed-base products use a 12-bit comb: a table of d·2^(12j)·G (j < 22, 0 < d < 4096) and
 * one mixed addition per nonzero 12-bit digit of the scalar, on ffjavascript's wasm arithmetic.
 *
 * INSECURE BY DESIGN: τ, α, β pass through this process's memory and nobody can check that
 * they were discarded; whoever knows them can forge a proof for any circuit set up with the
 * file. The file name says so (`dev-pot<N>-insecure.ptau`), and so does every log line.
 */
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { buildBn128 } from "ffjavascript";
import { InvalidValueError } from "../errors.js";
import { FIELD_ORDER } from "./field.js";

const N8 = 32;
/** Largest power written the fast way: section 12's extra size 2^(p+1) must be a plain FFT size. */
export const MAX_FAST_POWER = 27;

export const INSECURE_PTAU_WARNING =
  "WARNING: INSECURE DEVELOPMENT powers-of-tau file, computed from a known random τ (no ceremony). " +
  "Anyone who knew τ can forge proofs for every circuit set up with it. Never use it for anything that holds value.";

/** File name of a fast development ptau of a power. */
export function insecurePtauName(power: number): string {
  return `dev-pot${power}-insecure.ptau`;
}

export interface WriteInsecurePtauParameters {
  power: number;
  /** Output file (written under a temporary name, then renamed). */
  out: string;
  /** Secrets (default: random); only tests pass them. */
  tau?: bigint;
  alpha?: bigint;
  beta?: bigint;
  /** Write the Lagrange sections 12–15 too (default true); false gives the file `prepare phase2` takes. */
  prepared?: boolean;
  /** Called as points are computed: done and total points. */
  progress?: (done: number, total: number) => void;
}

export interface WriteInsecurePtauReturnType {
  path: string;
  power: number;
  bytes: number;
  ms: number;
}

// Minimal view of ffjavascript's engine used here.
interface Group {
  g: Uint8Array;
}
interface Engine {
  /** Base-field modulus (the coordinates' field). */
  q: bigint;
  G1: Group;
  G2: Group;
  Fr: { w: Uint8Array[]; toObject(a: Uint8Array): bigint };
  tm: {
    instance: { exports: Record<string, (...args: number[]) => number> };
    memory: { buffer: ArrayBuffer; grow(pages: number): number };
    u8: Uint8Array;
    u32: Uint32Array;
    alloc(length: number): number;
    startSyncOp(): void;
    endSyncOp(): void;
  };
  terminate(): Promise<void>;
}

const mod = (a: bigint) => ((a % FIELD_ORDER) + FIELD_ORDER) % FIELD_ORDER;

function powMod(b: bigint, e: bigint): bigint {
  let r = 1n;
  let x = mod(b);
  while (e > 0n) {
    if (e & 1n) r = (r * x) % FIELD_ORDER;
    x = (x * x) % FIELD_ORDER;
    e >>= 1n;
  }
  return r;
}

const inv = (a: bigint) => powMod(a, FIELD_ORDER - 2n);

/** Montgomery's batch inversion: one field inversion for the whole list. */
export function batchInverse(xs: readonly bigint[]): bigint[] {
  const prefix = new Array<bigint>(xs.length);
  let acc = 1n;
  for (let i = 0; i < xs.length; i++) {
    prefix[i] = acc;
    acc = (acc * xs[i]) % FIELD_ORDER;
  }
  if (acc === 0n) throw new InvalidValueError({ field: "batchInverse", value: "a zero element", allowed: "nonzero field elements" });
  let t = inv(acc);
  const out = new Array<bigint>(xs.length);
  for (let i = xs.length - 1; i >= 0; i--) {
    out[i] = (t * prefix[i]) % FIELD_ORDER;
    t = (t * xs[i]) % FIELD_ORDER;
  }
  return out;
}

/** τ^0 … τ^(n−1), times `first`. */
export function geometric(first: bigint, tau: bigint, n: number): bigint[] {
  const out = new Array<bigint>(n);
  let x = mod(first);
  for (let i = 0; i < n; i++) {
    out[i] = x;
    x = (x * tau) % FIELD_ORDER;
  }
  return out;
}

/**
 * L_i(τ) for i < 2^m on the domain of ω (a primitive 2^m-th root of unity); with `dropLast`, the
 * inverse FFT of τ^0 … τ^(n−2), 0 (snarkjs's tauG1 at size 2^(power+1)).
 */
export function lagrangeAt(tau: bigint, m: number, omega: bigint, dropLast = false): bigint[] {
  const n = 1 << m;
  const tn = powMod(tau, BigInt(n));
  if (tn === 1n) throw new InvalidValueError({ field: "tau", value: "a root of unity", allowed: "a τ with τ^n ≠ 1" });
  const invN = inv(BigInt(n));
  const c = ((tn - 1n) * invN) % FIELD_ORDER;
  const w = geometric(1n, omega, n);
  const dens = batchInverse(w.map((wi) => mod(tau - wi)));
  const last = dropLast ? (powMod(tau, BigInt(n - 1)) * invN) % FIELD_ORDER : 0n;
  return w.map((wi, i) => mod((((c * wi) % FIELD_ORDER) * dens[i]) % FIELD_ORDER - ((wi * last) % FIELD_ORDER)));
}

/** Comb window: 12 bits, 22 windows cover a 254-bit scalar (table 22·4095 points per group). */
const WINDOW = 12;
const WINDOWS = Math.ceil(254 / WINDOW);
const DIGITS = (1 << WINDOW) - 1;

/** Fixed-base scalar multiplication by a 12-bit comb on ffjavascript's wasm (one engine, one thread). */
class Comb {
  private readonly ex: Engine["tm"]["instance"]["exports"];
  private readonly sJ: number;
  private readonly sA: number;
  private readonly table: number;
  private static readonly CHUNK = 1024;
  private readonly pJ: number;
  private readonly pA: number;

  constructor(
    private readonly e: Engine,
    private readonly prefix: "g1m" | "g2m",
  ) {
    const tm = e.tm;
    this.ex = tm.instance.exports;
    const coords = prefix === "g1m" ? 1 : 2;
    this.sJ = N8 * coords * 3;
    this.sA = N8 * coords * 2;
    const g = prefix === "g1m" ? e.G1.g : e.G2.g;
    this.table = tm.alloc(WINDOWS * DIGITS * this.sA);
    this.pJ = tm.alloc(Comb.CHUNK * this.sJ);
    this.pA = tm.alloc(Comb.CHUNK * this.sA);
    const tmp = tm.alloc(DIGITS * this.sJ);
    const base = tm.alloc(this.sJ);
    const acc = tm.alloc(this.sJ);
    new Uint8Array(tm.memory.buffer).set(g, base);
    // table[j][d − 1] = d·2^(12·j)·G
    for (let j = 0; j < WINDOWS; j++) {
      this.ex[`${prefix}_copy`](base, acc);
      for (let d = 1; d <= DIGITS; d++) {
        this.ex[`${prefix}_copy`](acc, tmp + (d - 1) * this.sJ);
        this.ex[`${prefix}_add`](acc, base, acc);
      }
      this.ex[`${prefix}_batchToAffine`](tmp, DIGITS, this.table + j * DIGITS * this.sA);
      this.ex[`${prefix}_copy`](acc, base); // 2^(12·(j+1))·G
    }
  }

  /** s_k·G for every scalar, as affine LEM points (the .ptau encoding). */
  mul(scalars: readonly bigint[], progress: (n: number) => void): Buffer {
    const { ex, sJ, sA, table, pJ, pA, prefix } = this;
    const out = Buffer.alloc(scalars.length * sA);
    const zero = ex[`${prefix}_zero`];
    const addMixed = ex[`${prefix}_addMixed`];
    const mask = BigInt(DIGITS);
    const w = BigInt(WINDOW);
    for (let start = 0; start < scalars.length; start += Comb.CHUNK) {
      const n = Math.min(Comb.CHUNK, scalars.length - start);
      for (let k = 0; k < n; k++) {
        const r = pJ + k * sJ;
        zero(r);
        let s = scalars[start + k];
        for (let j = 0; s > 0n; j++, s >>= w) {
          const d = Number(s & mask);
          if (d !== 0) addMixed(r, table + (j * DIGITS + d - 1) * sA, r);
        }
      }
      ex[`${prefix}_batchToAffine`](pJ, n, pA);
      const u8 = new Uint8Array(this.e.tm.memory.buffer);
      out.set(u8.subarray(pA, pA + n * sA), start * sA);
      progress(n);
    }
    return out;
  }
}

/** Point counts per group of the file (for progress). */
function pointCounts(power: number, prepared: boolean): { g1: number; g2: number } {
  const n = 2 ** power;
  const lag = 2 * n - 1; // Σ_{m ≤ power} 2^m
  return {
    g1: 2 * n - 1 + 2 * n + (prepared ? lag + 2 * n + 2 * lag : 0),
    g2: n + 1 + (prepared ? lag : 0),
  };
}

/**
 * Write an INSECURE development ptau of `power` from τ, α, β (random unless given); prepared
 * (sections 12–15) unless `prepared: false`. Same format as snarkjs's `prepare phase2` output.
 */
export async function writeInsecurePtau(params: WriteInsecurePtauParameters): Promise<WriteInsecurePtauReturnType> {
  const { power } = params;
  if (!Number.isInteger(power) || power < 1 || power > MAX_FAST_POWER) {
    throw new InvalidValueError({ field: "power", value: power, allowed: `an integer in [1, ${MAX_FAST_POWER}]` });
  }
  const prepared = params.prepared ?? true;
  const secret = (v: bigint | undefined, name: string) => {
    const x = v === undefined ? mod(BigInt(`0x${randomBytes(40).toString("hex")}`)) : v;
    if (x <= 0n || x >= FIELD_ORDER) throw new InvalidValueError({ field: name, value: x, allowed: "a nonzero element of the BN254 scalar field" });
    return x;
  };
  const tau = secret(params.tau, "tau");
  const alpha = secret(params.alpha, "alpha");
  const beta = secret(params.beta, "beta");
  const t0 = performance.now();
  const e = (await buildBn128(true)) as Engine;
  const tmp = `${params.out}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  const fd = await open(tmp, "w");
  let pos = 0;
  const write = async (b: Uint8Array) => {
    await fd.write(b, 0, b.length, pos);
    pos += b.length;
  };
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    return b;
  };
  const sectionHead = (type: number, size: number) => {
    const b = Buffer.alloc(12);
    b.writeUInt32LE(type, 0);
    b.writeBigUInt64LE(BigInt(size), 4);
    return b;
  };
  try {
    // The comb tables (5.8 MB for G1, 11.5 MB for G2) need more than ffjavascript's default 1.6 MB of wasm memory.
    e.tm.memory.grow(320);
    e.tm.u8 = new Uint8Array(e.tm.memory.buffer);
    e.tm.u32 = new Uint32Array(e.tm.memory.buffer);
    e.tm.startSyncOp();
    const g1 = new Comb(e, "g1m");
    const g2 = new Comb(e, "g2m");
    const counts = pointCounts(power, prepared);
    const total = counts.g1 + counts.g2;
    let done = 0;
    const tick = (n: number) => {
      done += n;
      params.progress?.(done, total);
    };
    const n = 2 ** power;
    const sG1 = 2 * N8;
    const sG2 = 4 * N8;

    await write(Buffer.from("ptau", "ascii"));
    await write(u32(1));
    await write(u32(prepared ? 11 : 7));
    // 1: header (n8, q, power, ceremony power)
    const q = Buffer.alloc(N8);
    let qv = e.q;
    for (let i = 0; i < N8; i++, qv >>= 8n) q[i] = Number(qv & 255n);
    await write(sectionHead(1, 4 + N8 + 8));
    await write(Buffer.concat([u32(N8), q, u32(power), u32(power)]));

    const section = async (type: number, comb: Comb, size: number, scalars: () => Iterable<bigint[]>) => {
      await write(sectionHead(type, size));
      for (const part of scalars()) await write(comb.mul(part, tick));
    };
    const lagrange = (first: bigint, maxM: number) =>
      function* () {
        for (let m = 0; m <= maxM; m++) {
          const l = lagrangeAt(tau, m, e.Fr.toObject(e.Fr.w[m]), m === power + 1);
          yield first === 1n ? l : l.map((x) => (x * first) % FIELD_ORDER);
        }
      };
    await section(2, g1, (2 * n - 1) * sG1, () => [geometric(1n, tau, 2 * n - 1)]);
    await section(3, g2, n * sG2, () => [geometric(1n, tau, n)]);
    await section(4, g1, n * sG1, () => [geometric(alpha, tau, n)]);
    await section(5, g1, n * sG1, () => [geometric(beta, tau, n)]);
    await section(6, g2, sG2, () => [[beta]]);
    await write(sectionHead(7, 4));
    await write(u32(0));
    if (prepared) {
      await section(12, g1, (4 * n - 1) * sG1, lagrange(1n, power + 1));
      await section(13, g2, (2 * n - 1) * sG2, lagrange(1n, power));
      await section(14, g1, (2 * n - 1) * sG1, lagrange(alpha, power));
      await section(15, g1, (2 * n - 1) * sG1, lagrange(beta, power));
    }
    e.tm.endSyncOp();
    await fd.close();
    await rename(tmp, params.out);
    return { path: params.out, power, bytes: pos, ms: performance.now() - t0 };
  } catch (error) {
    await fd.close().catch(() => {});
    await rm(tmp, { force: true });
    throw error;
  } finally {
    await e.terminate();
  }
}
