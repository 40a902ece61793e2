import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { buildBn128 } from "ffjavascript";
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidValueError } from "../src/errors.js";
import { compileCircuit } from "../src/zk/circom.js";
import { releaseCurves } from "../src/zk/curve.js";
import { batchInverse, INSECURE_PTAU_WARNING, insecurePtauName, lagrangeAt, writeInsecurePtau } from "../src/zk/devPtau.js";
import { FIELD_ORDER } from "../src/zk/field.js";
import { proveGroth16, setupGroth16, verifyGroth16 } from "../src/zk/groth16.js";
import { readPtauInfo, resolvePtau } from "../src/zk/ptau.js";

const secrets = { tau: 0x1234567890abcdef1234567890abcdefn, alpha: 987654321987654321n, beta: 31415926535897932384626n };

/** Sections of a .ptau file by type → bytes. */
function sections(file: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  const n = file.readUInt32LE(8);
  let pos = 12;
  for (let i = 0; i < n; i++) {
    const type = file.readUInt32LE(pos);
    const size = Number(file.readBigUInt64LE(pos + 4));
    out.set(type, file.subarray(pos + 12, pos + 12 + size));
    pos += 12 + size;
  }
  expect(pos).toBe(file.length);
  return out;
}

interface Curve {
  G1: { g: Uint8Array; timesFr(p: Uint8Array, s: Uint8Array): Uint8Array; toAffine(p: Uint8Array): Uint8Array };
  G2: { g: Uint8Array; timesFr(p: Uint8Array, s: Uint8Array): Uint8Array; toAffine(p: Uint8Array): Uint8Array };
  Fr: { e(v: bigint): Uint8Array; w: Uint8Array[]; toObject(a: Uint8Array): bigint };
  terminate(): Promise<void>;
}

describe("fast INSECURE development powers of tau (known τ)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-devptau-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await releaseCurves();
  });

  it("power 8: byte for byte what snarkjs's own `prepare phase2` makes from the same sections", async () => {
    const raw = path.join(dir, "u8.ptau");
    const fast = path.join(dir, "f8.ptau");
    const ref = path.join(dir, "s8.ptau");
    await writeInsecurePtau({ power: 8, out: raw, prepared: false, ...secrets });
    await writeInsecurePtau({ power: 8, out: fast, ...secrets });
    await snarkjs.powersOfTau.preparePhase2(raw, ref);
    const a = await readFile(fast);
    const b = await readFile(ref);
    const sa = sections(a);
    const sb = sections(b);
    expect([...sa.keys()]).toEqual([1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15]);
    for (const [type, bytes] of sb) expect(sa.get(type)?.equals(bytes), `section ${type}`).toBe(true);
    expect(a.equals(b)).toBe(true);
    expect(await readPtauInfo(fast)).toMatchObject({ power: 8, ceremonyPower: 8, prepared: true });
    expect(await readPtauInfo(raw)).toMatchObject({ power: 8, prepared: false });
  }, 120_000);

  it("the tau sections are τ^j·G, α·τ^j·G1, β·τ^j·G1 and β·G2 (checked point by point with ffjavascript)", async () => {
    const file = await readFile(path.join(dir, "u8.ptau"));
    const s = sections(file);
    const curve = (await buildBn128(true)) as Curve;
    try {
      const pow = (j: number) => {
        let x = 1n;
        for (let i = 0; i < j; i++) x = (x * secrets.tau) % FIELD_ORDER;
        return x;
      };
      const g1 = (k: bigint) => Buffer.from(curve.G1.toAffine(curve.G1.timesFr(curve.G1.g, curve.Fr.e(k))));
      const g2 = (k: bigint) => Buffer.from(curve.G2.toAffine(curve.G2.timesFr(curve.G2.g, curve.Fr.e(k))));
      for (const j of [0, 1, 2, 200, 510]) expect(s.get(2)!.subarray(j * 64, (j + 1) * 64).equals(g1(pow(j))), `tauG1[${j}]`).toBe(true);
      expect(s.get(2)!.length).toBe(511 * 64);
      for (const j of [0, 1, 255]) expect(s.get(3)!.subarray(j * 128, (j + 1) * 128).equals(g2(pow(j))), `tauG2[${j}]`).toBe(true);
      for (const j of [0, 7]) {
        expect(s.get(4)!.subarray(j * 64, (j + 1) * 64).equals(g1((secrets.alpha * pow(j)) % FIELD_ORDER))).toBe(true);
        expect(s.get(5)!.subarray(j * 64, (j + 1) * 64).equals(g1((secrets.beta * pow(j)) % FIELD_ORDER))).toBe(true);
      }
      expect(s.get(6)!.equals(g2(secrets.beta))).toBe(true);
      expect(s.get(7)!.readUInt32LE(0)).toBe(0); // no contribution recorded: it is not a ceremony
    } finally {
      await curve.terminate();
    }
  }, 60_000);

  it("Lagrange values: Σ_i L_i(τ)·ω^(ik) = τ^k on the domain (k < n), and batch inversion inverts", async () => {
    const curve = (await buildBn128(true)) as Curve;
    try {
      const m = 4;
      const n = 1 << m;
      const w = curve.Fr.toObject(curve.Fr.w[m]);
      const l = lagrangeAt(secrets.tau, m, w);
      for (const k of [0, 1, 5, 15]) {
        let sum = 0n;
        let wik = 1n; // ω^(i·k)
        let wk = 1n;
        for (let i = 0; i < k; i++) wk = (wk * w) % FIELD_ORDER;
        for (let i = 0; i < n; i++) {
          sum = (sum + l[i] * wik) % FIELD_ORDER;
          wik = (wik * wk) % FIELD_ORDER;
        }
        let tk = 1n;
        for (let i = 0; i < k; i++) tk = (tk * secrets.tau) % FIELD_ORDER;
        expect(sum).toBe(tk);
      }
    } finally {
      await curve.terminate();
    }
    const xs = [3n, 5n, FIELD_ORDER - 1n, 123456789n];
    batchInverse(xs).forEach((y, i) => expect((y * xs[i]) % FIELD_ORDER).toBe(1n));
    expect(() => batchInverse([1n, 0n])).toThrow(InvalidValueError);
  });

  it("Groth16 setup, prove and verify on a fast power-8 file; a tampered public signal fails", async () => {
    const ptau = path.join(dir, "g8.ptau");
    await writeInsecurePtau({ power: 8, out: ptau });
    const compiled = await compileCircuit({ circuit: path.resolve("circuits/test/skeleton.circom"), outDir: dir });
    const keys = await setupGroth16({ r1csPath: compiled.r1csPath, ptauPath: ptau, outDir: dir, name: "skeleton" });
    const proof = await proveGroth16({ wasmPath: compiled.wasmPath, zkeyPath: keys.zkeyPath, input: { x: "6", y: "7" } });
    expect(proof.publicSignals).toEqual(["49", "6"]);
    expect(await verifyGroth16({ vkey: keys.vkeyPath, proof: proof.proof, publicSignals: proof.publicSignals })).toBe(true);
    expect(await verifyGroth16({ vkey: keys.vkeyPath, proof: proof.proof, publicSignals: ["50", "6"] })).toBe(false);
    expect(await snarkjs.zKey.verifyFromR1cs(compiled.r1csPath, ptau, keys.zkeyPath)).toBe(true);
  }, 120_000);

  it("refuses bad parameters, naming them", async () => {
    await expect(writeInsecurePtau({ power: 0, out: path.join(dir, "x.ptau") })).rejects.toThrow(/power.*0.*\[1, 27\]/);
    await expect(writeInsecurePtau({ power: 4, out: path.join(dir, "x.ptau"), tau: 0n })).rejects.toThrow(/tau/);
    await expect(writeInsecurePtau({ power: 4, out: path.join(dir, "x.ptau"), alpha: FIELD_ORDER })).rejects.toThrow(/alpha/);
  });

  it("resolvePtau writes a missing development power the fast way, with the INSECURE warning and progress, then reuses it", async () => {
    const cache = path.join(dir, "cache");
    const lines: string[] = [];
    const ticks: number[] = [];
    const r = await resolvePtau({ power: 13, cacheDir: cache, log: (l) => lines.push(l), progress: (d, t) => ticks.push(d / t) });
    expect(r).toMatchObject({ power: 13, prepared: true, development: true, generated: true });
    expect(path.basename(r.path)).toBe(insecurePtauName(13));
    expect(r.path).toMatch(/dev-pot13-insecure\.ptau$/);
    expect(lines[0]).toBe(INSECURE_PTAU_WARNING);
    expect(lines.join("\n")).toMatch(/known random τ \(INSECURE/);
    expect(ticks.length).toBeGreaterThan(10);
    expect(ticks[ticks.length - 1]).toBe(1);
    expect((await readdir(cache)).filter((n) => n.includes(".tmp"))).toEqual([]);
    const again: string[] = [];
    const r2 = await resolvePtau({ power: 13, cacheDir: cache, log: (l) => again.push(l) });
    expect(r2).toMatchObject({ path: r.path, generated: false, development: true });
    expect(again).toEqual([INSECURE_PTAU_WARNING]);
  }, 300_000);
});
