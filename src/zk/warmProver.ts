/**
 * A warm Groth16 prover on ffjavascript's BN254 engine, for provers that make many proofs with
 * one proving key (the keeper's workers).
 *
 * It computes what snarkjs 0.7.6's `groth16.prove` computes, step for step (QAP evaluations
 * A, B, C from the zkey's coefficient section, inverse FFT → shift to the odd coset → FFT,
 * A·B − C, then the five multi-scalar multiplications A, B1, B2, C, H and the blinding with
 * random r, s), but removes the costs that are not arithmetic:
 * - the zkey is parsed ONCE: header, verification points and the coefficient/base sections are
 *   kept as byte views, instead of re-reading every section on every proof;
 * - the curve is built ONCE and kept (snarkjs's single-threaded curve is rebuilt — wasm
 *   compiled — on every call, ≈ 1 s; its multi-threaded one posts every FFT and MSM to
 *   worker threads, which for small circuits costs more than the arithmetic);
 * - the witness goes straight from the witness generator's buffer to the prover (no .wtns
 *   file image in between).
 *
 * `threads: "single"` (the default) runs the arithmetic on the calling thread: a pool runs one
 * such prover per core. `threads: "multi"` uses ffjavascript's worker threads (lower latency
 * for one large proof on an idle machine, lower throughput for many).
 *
 * Every proof is a standard snarkjs Groth16 proof: the tests check each one with
 * `snarkjs.groth16.verify`.
 */
import { readFile } from "node:fs/promises";
import { WitnessCalculatorBuilder, type WitnessCalculator } from "circom_runtime";
import { buildBn128, utils as ffUtils } from "ffjavascript";
import type { Groth16Proof } from "snarkjs";
import { ArtifactError } from "../errors.js";
import { WitnessError, type CircuitInput, type Groth16ProofResult, type Prover } from "./groth16.js";

/** Section ids of a Groth16 .zkey file (snarkjs's binary format). */
const ZKEY_HEADER = 1;
const ZKEY_GROTH16_HEADER = 2;
const ZKEY_COEFFS = 4;
const ZKEY_POINTS_A = 5;
const ZKEY_POINTS_B1 = 6;
const ZKEY_POINTS_B2 = 7;
const ZKEY_POINTS_C = 8;
const ZKEY_POINTS_H = 9;
const GROTH16_PROTOCOL_ID = 1;

/** Bytes of one field element of BN254's scalar field Fr (and of its base field Fq). */
const N8 = 32;
/**
 * In multi-threaded mode, an MSM of at least this many points is split into SPLIT_PARTS tasks.
 * Two parts measured best for the reference risk circuit on 2 cores (warm proof 1.93 s against
 * 2.84 s unsplit; four parts 2.24 s, eight 2.70 s: smaller MSMs lose Pippenger's advantage).
 */
const SPLIT_MIN_POINTS = 4096;
const SPLIT_PARTS = 2;

/** The parsed proving key: header values and byte views of the sections a proof reads. */
export interface ParsedZkey {
  nVars: number;
  nPublic: number;
  domainSize: number;
  /** log2(domainSize). */
  power: number;
  /** Verification-key points in the curve's internal (Montgomery) form. */
  alpha1: Uint8Array;
  beta1: Uint8Array;
  beta2: Uint8Array;
  delta1: Uint8Array;
  delta2: Uint8Array;
  /** Coefficients of the QAP: matrix (0 = A, 1 = B), constraint row, signal, value. */
  coeffMatrix: Uint32Array;
  coeffRow: Uint32Array;
  coeffSignal: Uint32Array;
  /** The coefficient entries as stored (nCoef × (3 × u32 + 32 bytes)), for `qap_buildABC`. */
  coeffEntries: Uint8Array;
  pointsA: Uint8Array;
  pointsB1: Uint8Array;
  pointsB2: Uint8Array;
  pointsC: Uint8Array;
  pointsH: Uint8Array;
}

/** Sections of a snarkjs binary file ("zkey", "wtns"): id → byte view of its body. */
export function readBinSections(bytes: Uint8Array, magic: string, file: string): Map<number, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = String.fromCharCode(...bytes.subarray(0, 4));
  if (bytes.byteLength < 12 || found !== magic) {
    throw new ArtifactError({ path: file, problem: `not a ${magic} file (magic "${found}")` });
  }
  const nSections = view.getUint32(8, true);
  const sections = new Map<number, Uint8Array>();
  let p = 12;
  for (let i = 0; i < nSections; i++) {
    if (p + 12 > bytes.byteLength) throw new ArtifactError({ path: file, problem: `truncated: section header ${i + 1} of ${nSections} past the end` });
    const id = view.getUint32(p, true);
    const size = Number(view.getBigUint64(p + 4, true));
    p += 12;
    if (p + size > bytes.byteLength) throw new ArtifactError({ path: file, problem: `truncated: section ${id} (${size} bytes) past the end` });
    if (sections.has(id)) throw new ArtifactError({ path: file, problem: `section ${id} appears twice` });
    sections.set(id, bytes.subarray(p, p + size));
    p += size;
  }
  return sections;
}

interface Bn128 {
  Fr: {
    n8: number;
    s: number;
    shift: Uint8Array;
    w: Uint8Array[];
    e(v: number | bigint): Uint8Array;
    add(a: Uint8Array, b: Uint8Array): Uint8Array;
    sub(a: Uint8Array, b: Uint8Array): Uint8Array;
    mul(a: Uint8Array, b: Uint8Array): Uint8Array;
    neg(a: Uint8Array): Uint8Array;
    random(): Uint8Array;
    fft(buff: Uint8Array): Promise<Uint8Array>;
    ifft(buff: Uint8Array): Promise<Uint8Array>;
    batchApplyKey(buff: Uint8Array, first: Uint8Array, inc: Uint8Array): Promise<Uint8Array>;
    batchFromMontgomery(buff: Uint8Array): Promise<Uint8Array>;
  };
  G1: CurveGroup;
  G2: CurveGroup;
  /** The engine's task runner (on this thread when single-threaded, else a worker's). */
  tm: { queueAction(task: EngineTask[]): Promise<Uint8Array[]> };
  terminate(): Promise<void>;
}

type EngineTask =
  | { cmd: "ALLOCSET"; var: number; buff: Uint8Array }
  | { cmd: "ALLOC"; var: number; len: number }
  | { cmd: "CALL"; fnName: string; params: ({ var: number; offset?: number } | { val: number })[] }
  | { cmd: "GET"; out: number; var: number; len: number };

interface CurveGroup {
  F: { n8: number };
  fromRprLEM(buff: Uint8Array, offset: number): Uint8Array;
  multiExpAffine(bases: Uint8Array, scalars: Uint8Array): Promise<Uint8Array>;
  add(a: Uint8Array, b: Uint8Array): Uint8Array;
  timesFr(p: Uint8Array, s: Uint8Array): Uint8Array;
  toAffine(p: Uint8Array): Uint8Array;
  toObject(p: Uint8Array): bigint[] | bigint[][];
}

/** Parse a Groth16 BN254 proving key once. */
export function parseZkey(bytes: Uint8Array, curve: Bn128, file = "zkey"): ParsedZkey {
  const s = readBinSections(bytes, "zkey", file);
  const need = (id: number) => {
    const sec = s.get(id);
    if (!sec) throw new ArtifactError({ path: file, problem: `section ${id} is missing` });
    return sec;
  };
  const h1 = need(ZKEY_HEADER);
  const protocol = new DataView(h1.buffer, h1.byteOffset, h1.byteLength).getUint32(0, true);
  if (protocol !== GROTH16_PROTOCOL_ID) throw new ArtifactError({ path: file, problem: `protocol ${protocol} is not Groth16 (1)` });
  const h = need(ZKEY_GROTH16_HEADER);
  const hv = new DataView(h.buffer, h.byteOffset, h.byteLength);
  let p = 0;
  const n8q = hv.getUint32(p, true);
  p += 4 + n8q;
  const n8r = hv.getUint32(p, true);
  p += 4 + n8r;
  if (n8q !== N8 || n8r !== N8) throw new ArtifactError({ path: file, problem: `field sizes ${n8q}/${n8r} bytes are not BN254's (32/32)` });
  const nVars = hv.getUint32(p, true);
  const nPublic = hv.getUint32(p + 4, true);
  const domainSize = hv.getUint32(p + 8, true);
  p += 12;
  const g1 = () => {
    const v = curve.G1.fromRprLEM(h, p);
    p += 2 * N8;
    return v;
  };
  const g2 = () => {
    const v = curve.G2.fromRprLEM(h, p);
    p += 4 * N8;
    return v;
  };
  const alpha1 = g1();
  const beta1 = g1();
  const beta2 = g2();
  g2(); // gamma2: only the verifier needs it
  const delta1 = g1();
  const delta2 = g2();
  const power = Math.log2(domainSize);
  if (!Number.isInteger(power)) throw new ArtifactError({ path: file, problem: `domain size ${domainSize} is not a power of two` });

  const coeffs = need(ZKEY_COEFFS);
  const cv = new DataView(coeffs.buffer, coeffs.byteOffset, coeffs.byteLength);
  const nCoef = cv.getUint32(0, true);
  const size = 12 + N8;
  if (coeffs.byteLength !== 4 + nCoef * size) throw new ArtifactError({ path: file, problem: `coefficient section holds ${coeffs.byteLength} bytes, not 4 + ${nCoef} × ${size}` });
  const coeffMatrix = new Uint32Array(nCoef);
  const coeffRow = new Uint32Array(nCoef);
  const coeffSignal = new Uint32Array(nCoef);
  for (let i = 0; i < nCoef; i++) {
    const o = 4 + i * size;
    coeffMatrix[i] = cv.getUint32(o, true);
    coeffRow[i] = cv.getUint32(o + 4, true);
    coeffSignal[i] = cv.getUint32(o + 8, true);
    if (coeffMatrix[i] > 1 || coeffRow[i] >= domainSize || coeffSignal[i] >= nVars) {
      throw new ArtifactError({ path: file, problem: `coefficient ${i} points outside the circuit (matrix ${coeffMatrix[i]}, row ${coeffRow[i]}, signal ${coeffSignal[i]})` });
    }
  }
  const points = (id: number, count: number, bytesPer: number) => {
    const sec = need(id);
    if (sec.byteLength !== count * bytesPer) throw new ArtifactError({ path: file, problem: `section ${id} holds ${sec.byteLength} bytes, not ${count} × ${bytesPer}` });
    return sec.slice();
  };
  return {
    nVars,
    nPublic,
    domainSize,
    power,
    alpha1,
    beta1,
    beta2,
    delta1,
    delta2,
    coeffMatrix,
    coeffRow,
    coeffSignal,
    coeffEntries: coeffs.slice(4),
    pointsA: points(ZKEY_POINTS_A, nVars, 2 * N8),
    pointsB1: points(ZKEY_POINTS_B1, nVars, 2 * N8),
    pointsB2: points(ZKEY_POINTS_B2, nVars, 4 * N8),
    pointsC: points(ZKEY_POINTS_C, nVars - nPublic - 1, 2 * N8),
    pointsH: points(ZKEY_POINTS_H, domainSize, 2 * N8),
  };
}

/** The witness (nVars × 32 bytes, little-endian, standard form) from a .wtns file image. */
export function witnessFromWtns(wtns: Uint8Array): Uint8Array {
  const s = readBinSections(wtns, "wtns", "witness");
  const w = s.get(2);
  if (!w) throw new ArtifactError({ path: "witness", problem: "the witness section (2) is missing" });
  return w;
}

/** Timings of one proof's phases, ms (for profiles and the status endpoint). */
export interface ProofPhases {
  witnessMs: number;
  qapMs: number;
  fftMs: number;
  msmMs: number;
  finishMs: number;
}

export interface WarmProver extends Prover {
  prove(input: CircuitInput): Promise<Groth16ProofResult & { witnessMs: number; proveMs: number; phases: ProofPhases }>;
  readonly zkey: ParsedZkey;
}

export interface CreateWarmProverParameters {
  wasmPath: string;
  zkeyPath: string;
  /** "single" (default): arithmetic on this thread; "multi": ffjavascript's worker threads. */
  threads?: "single" | "multi";
  /**
   * "multi" only: MSMs of at least this many points run as two tasks (default 4096). For
   * measurements and tests; the default is what measured best.
   */
  msmSplitMinPoints?: number;
}

export async function createWarmProver(args: CreateWarmProverParameters): Promise<WarmProver> {
  let wasm: Buffer;
  let zkeyBytes: Buffer;
  try {
    wasm = await readFile(args.wasmPath);
  } catch (cause) {
    throw new ArtifactError({ path: args.wasmPath, problem: "witness generator (.wasm) not found", details: "Compile the circuit first.", cause });
  }
  try {
    zkeyBytes = await readFile(args.zkeyPath);
  } catch (cause) {
    throw new ArtifactError({ path: args.zkeyPath, problem: "proving key (.zkey) not found", details: "Run the setup step first.", cause });
  }
  const threads = args.threads ?? "single";
  const splitMinPoints = args.msmSplitMinPoints ?? SPLIT_MIN_POINTS;
  const wc: WitnessCalculator = await WitnessCalculatorBuilder(wasm);
  const curve = (await buildBn128(threads === "single")) as Bn128;
  const zkey = parseZkey(zkeyBytes, curve, args.zkeyPath);
  const { Fr, G1, G2 } = curve;
  // The odd coset's shift: the 2^(power+1)-th root of unity (Fr's multiplicative shift when
  // the domain is already the largest one).
  const inc = zkey.power === Fr.s ? Fr.shift : Fr.w[zkey.power + 1];
  const one = Fr.e(1);
  let closed = false;

  async function witnessOf(input: CircuitInput): Promise<Uint8Array> {
    let wtns: Uint8Array;
    try {
      wtns = await wc.calculateWTNSBin(input, true);
    } catch (cause) {
      throw new WitnessError("witness generation failed: the inputs violate a circuit constraint", {
        cause,
        details: cause instanceof Error ? cause.message : String(cause),
      });
    }
    const w = witnessFromWtns(wtns);
    if (w.byteLength !== zkey.nVars * N8) {
      throw new ArtifactError({ path: args.wasmPath, problem: `witness has ${w.byteLength / N8} signals, the proving key ${zkey.nVars}`, details: "The .wasm and .zkey are of different circuits: recompile and set up again." });
    }
    return w;
  }

  /**
   * Evaluations of A·w and B·w on the domain and C = A∘B (Montgomery form), in one call of
   * the engine's `qap_buildABC` (the loop snarkjs runs in JavaScript, one field call per
   * coefficient).
   */
  async function buildQap(w: Uint8Array): Promise<[Uint8Array, Uint8Array, Uint8Array]> {
    const len = zkey.domainSize * N8;
    const nCoef = zkey.coeffMatrix.length;
    const [a, b, c] = await curve.tm.queueAction([
      { cmd: "ALLOCSET", var: 0, buff: zkey.coeffEntries },
      { cmd: "ALLOCSET", var: 1, buff: w },
      { cmd: "ALLOC", var: 2, len },
      { cmd: "ALLOC", var: 3, len },
      { cmd: "ALLOC", var: 4, len },
      { cmd: "CALL", fnName: "qap_buildABC", params: [{ var: 0 }, { val: nCoef }, { var: 1 }, { var: 2 }, { var: 3 }, { var: 4 }, { val: 0 }, { val: zkey.domainSize }, { val: 0 }, { val: zkey.nVars }] },
      { cmd: "GET", out: 0, var: 2, len },
      { cmd: "GET", out: 1, var: 3, len },
      { cmd: "GET", out: 2, var: 4, len },
    ]);
    return [a, b, c];
  }

  /** H's scalars: A·B − C on the odd coset, converted to standard form (`qap_joinABC`). */
  async function joinQap(a: Uint8Array, b: Uint8Array, c: Uint8Array): Promise<Uint8Array> {
    const n = zkey.domainSize;
    const [h] = await curve.tm.queueAction([
      { cmd: "ALLOCSET", var: 0, buff: a },
      { cmd: "ALLOCSET", var: 1, buff: b },
      { cmd: "ALLOCSET", var: 2, buff: c },
      { cmd: "ALLOC", var: 3, len: n * N8 },
      { cmd: "CALL", fnName: "qap_joinABC", params: [{ var: 0 }, { var: 1 }, { var: 2 }, { val: n }, { var: 3 }] },
      { cmd: "CALL", fnName: "frm_batchFromMontgomery", params: [{ var: 3 }, { val: n }, { var: 3 }] },
      { cmd: "GET", out: 0, var: 3, len: n * N8 },
    ]);
    return h;
  }

  /**
   * Σ scalarᵢ·baseᵢ in one call of the engine's whole-MSM function (Pippenger, window from
   * the point count). ffjavascript's `multiExpAffine` splits every MSM into up to 256 bit
   * windows, each a separate task with its own copy of the bases, and joins them with
   * doublings in JavaScript: for a few thousand points that dispatch costs more than the
   * arithmetic. Result: a projective point (Montgomery form), as `multiExpAffine` returns.
   */
  async function msm(group: "g1m" | "g2m", bases: Uint8Array, scalars: Uint8Array): Promise<Uint8Array> {
    const sPoint = group === "g1m" ? 2 * N8 : 4 * N8;
    const n = bases.byteLength / sPoint;
    if (scalars.byteLength !== n * N8) throw new Error(`MSM of ${n} points got ${scalars.byteLength / N8} scalars`);
    if (threads === "multi" && n >= splitMinPoints) {
      // Worker threads: the points in SPLIT_PARTS chunks, one task each, so that the five MSMs
      // (the G2 one costs about three G1 ones) balance over the threads; the parts are added.
      const size = Math.ceil(n / SPLIT_PARTS);
      const parts: Promise<Uint8Array>[] = [];
      for (let at = 0; at < n; at += size) {
        const m = Math.min(size, n - at);
        parts.push(msmOne(group, bases.subarray(at * sPoint, (at + m) * sPoint), scalars.subarray(at * N8, (at + m) * N8), m, sPoint));
      }
      const sums = await Promise.all(parts);
      const add = group === "g1m" ? G1.add.bind(G1) : G2.add.bind(G2);
      return sums.reduce((a, b) => add(a, b));
    }
    return msmOne(group, bases, scalars, n, sPoint);
  }

  async function msmOne(group: "g1m" | "g2m", bases: Uint8Array, scalars: Uint8Array, n: number, sPoint: number): Promise<Uint8Array> {
    const out = (sPoint / 2) * 3;
    const [r] = await curve.tm.queueAction([
      { cmd: "ALLOCSET", var: 0, buff: bases },
      { cmd: "ALLOCSET", var: 1, buff: scalars },
      { cmd: "ALLOC", var: 2, len: out },
      { cmd: "CALL", fnName: `${group}_multiexpAffine`, params: [{ var: 0 }, { var: 1 }, { val: N8 }, { val: n }, { var: 2 }] },
      { cmd: "GET", out: 0, var: 2, len: out },
    ]);
    return r;
  }

  async function toOddCoset(evals: Uint8Array): Promise<Uint8Array> {
    const coefs = await Fr.ifft(evals);
    return Fr.fft(await Fr.batchApplyKey(coefs, one, inc));
  }

  return {
    zkey,
    async prove(input) {
      if (closed) throw new Error("the prover is closed");
      const t0 = performance.now();
      const w = await witnessOf(input);
      const t1 = performance.now();
      const [a, b, c] = await buildQap(w);
      const t2 = performance.now();
      const [ao, bo, co] = await Promise.all([toOddCoset(a), toOddCoset(b), toOddCoset(c)]);
      const h = await joinQap(ao, bo, co);
      const t3 = performance.now();
      const [piA0, piB10, piB0, piC0, resH] = await Promise.all([
        msm("g1m", zkey.pointsA, w),
        msm("g1m", zkey.pointsB1, w),
        msm("g2m", zkey.pointsB2, w),
        msm("g1m", zkey.pointsC, w.slice((zkey.nPublic + 1) * N8)),
        msm("g1m", zkey.pointsH, h),
      ]);
      const t4 = performance.now();
      const r = Fr.random();
      const s = Fr.random();
      const piA = G1.add(G1.add(piA0, zkey.alpha1), G1.timesFr(zkey.delta1, r));
      const piB = G2.add(G2.add(piB0, zkey.beta2), G2.timesFr(zkey.delta2, s));
      const piB1 = G1.add(G1.add(piB10, zkey.beta1), G1.timesFr(zkey.delta1, s));
      let piC = G1.add(piC0, resH);
      piC = G1.add(piC, G1.timesFr(piA, s));
      piC = G1.add(piC, G1.timesFr(piB1, r));
      piC = G1.add(piC, G1.timesFr(zkey.delta1, Fr.neg(Fr.mul(r, s))));
      const publicSignals: string[] = [];
      for (let i = 1; i <= zkey.nPublic; i++) publicSignals.push(leToBigInt(w.subarray(i * N8, i * N8 + N8)).toString());
      const proof = ffUtils.stringifyBigInts({
        pi_a: G1.toObject(G1.toAffine(piA)),
        pi_b: G2.toObject(G2.toAffine(piB)),
        pi_c: G1.toObject(G1.toAffine(piC)),
        protocol: "groth16",
        curve: "bn128",
      }) as Groth16Proof;
      const t5 = performance.now();
      return {
        proof,
        publicSignals,
        witnessMs: t1 - t0,
        proveMs: t5 - t1,
        phases: { witnessMs: t1 - t0, qapMs: t2 - t1, fftMs: t3 - t2, msmMs: t4 - t3, finishMs: t5 - t4 },
      };
    },
    async close() {
      closed = true;
      await curve.terminate();
    },
  };
}

function leToBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
}
