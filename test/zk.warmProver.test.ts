import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArtifactError } from "../src/errors.js";
import { compileCircuit } from "../src/zk/circom.js";
import { WitnessError, setupGroth16 } from "../src/zk/groth16.js";
import { requiredPower, resolvePtau } from "../src/zk/ptau.js";
import { createWarmProver, parseZkey, readBinSections } from "../src/zk/warmProver.js";

// Each circuit is proven with the warm prover and every proof is checked with snarkjs's own
// verifier: the fixed-cost circuit (8 constraints, domain 16), a chain of 700 multiplications
// (domain 1024: MSMs with wider Pippenger windows) and the walking skeleton (1 constraint).
interface Keys {
  wasmPath: string;
  zkeyPath: string;
  vkey: Record<string, unknown>;
}

let dir: string;
const keys: Record<string, Keys> = {};

async function build(name: string, circuit: string): Promise<Keys> {
  const compiled = await compileCircuit({ circuit, outDir: path.join(dir, name) });
  const ptau = await resolvePtau({ power: requiredPower(compiled.constraints, 2), log: () => {} });
  const k = await setupGroth16({ r1csPath: compiled.r1csPath, ptauPath: ptau.path, outDir: path.join(dir, name), name, entropy: "warm prover test" });
  return { wasmPath: compiled.wasmPath, zkeyPath: k.zkeyPath, vkey: JSON.parse(await readFile(k.vkeyPath, "utf8")) };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-warm-"));
  const chain = path.join(dir, "chain700.circom");
  await writeFile(
    chain,
    `pragma circom 2.1.0;
template Chain(N) {
  signal input x;
  signal input y;
  signal output out;
  signal p[N];
  p[0] <== x * y;
  for (var i = 1; i < N; i++) p[i] <== p[i - 1] * (x + i);
  out <== p[N - 1];
}
component main { public [x] } = Chain(700);
`,
  );
  keys.fixed8 = await build("fixed8", path.resolve("circuits/test/fixed8.circom"));
  keys.chain = await build("chain", chain);
  keys.skeleton = await build("skeleton", path.resolve("circuits/test/skeleton.circom"));
}, 240_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("warm prover (one parsed zkey, one curve, in-engine QAP and MSMs)", () => {
  // "multi, split": every MSM of 64 points or more as two tasks whose sums are added (the
  // default threshold, 4096 points, is above these circuits).
  for (const [threads, split] of [["single", undefined], ["multi", undefined], ["multi", 64]] as const) {
    it(`proofs verify with snarkjs's verifier (${threads} thread${split ? ", MSMs split" : ""})`, async () => {
      for (const name of ["fixed8", "chain", "skeleton"]) {
        const k = keys[name];
        const prover = await createWarmProver({ wasmPath: k.wasmPath, zkeyPath: k.zkeyPath, threads, ...(split ? { msmSplitMinPoints: split } : {}) });
        try {
          for (const [x, y] of [[3n, 5n], [7n, 11n], [2n ** 200n, 1n]]) {
            const r = await prover.prove({ x: x.toString(), y: y.toString() });
            expect(await snarkjs.groth16.verify(k.vkey, r.publicSignals, r.proof)).toBe(true);
            expect(r.publicSignals[r.publicSignals.length - 1]).toBe(x.toString());
            expect(r.phases.msmMs).toBeGreaterThanOrEqual(0);
            // A proof for other public signals does not verify.
            const forged = [...r.publicSignals];
            forged[0] = (BigInt(forged[0]) + 1n).toString();
            expect(await snarkjs.groth16.verify(k.vkey, forged, r.proof)).toBe(false);
          }
        } finally {
          await prover.close();
        }
      }
    }, 120_000);
  }

  it("public signals match the circuit: out = x^9 + y for the fixed-cost circuit", async () => {
    const k = keys.fixed8;
    const prover = await createWarmProver({ wasmPath: k.wasmPath, zkeyPath: k.zkeyPath });
    try {
      const r = await prover.prove({ x: "3", y: "4" });
      expect(r.publicSignals).toEqual([(3n ** 9n + 4n).toString(), "3"]);
    } finally {
      await prover.close();
    }
  });

  it("two proofs of the same statement differ (fresh blinding r, s) and both verify", async () => {
    const k = keys.chain;
    const prover = await createWarmProver({ wasmPath: k.wasmPath, zkeyPath: k.zkeyPath });
    try {
      const a = await prover.prove({ x: "9", y: "2" });
      const b = await prover.prove({ x: "9", y: "2" });
      expect(a.publicSignals).toEqual(b.publicSignals);
      expect(a.proof.pi_a).not.toEqual(b.proof.pi_a);
      expect(await snarkjs.groth16.verify(k.vkey, b.publicSignals, b.proof)).toBe(true);
    } finally {
      await prover.close();
    }
  });

  it("a proof with the zkey of another circuit is refused before proving", async () => {
    await expect(createWarmProver({ wasmPath: keys.fixed8.wasmPath, zkeyPath: keys.chain.zkeyPath }).then((p) => p.prove({ x: "1", y: "1" }))).rejects.toThrow(/witness has \d+ signals, the proving key \d+/);
  });

  it("inputs that violate a constraint fail as a WitnessError", async () => {
    const k = keys.fixed8;
    const prover = await createWarmProver({ wasmPath: k.wasmPath, zkeyPath: k.zkeyPath });
    try {
      await expect(prover.prove({ x: "1" })).rejects.toBeInstanceOf(WitnessError);
    } finally {
      await prover.close();
    }
  });

  it("a truncated or foreign zkey is refused with the file and the problem", async () => {
    const bytes = new Uint8Array(await readFile(keys.fixed8.zkeyPath));
    expect(() => readBinSections(bytes.subarray(0, bytes.length - 10), "zkey", "k.zkey")).toThrow(ArtifactError);
    expect(() => readBinSections(bytes.subarray(0, bytes.length - 10), "zkey", "k.zkey")).toThrow(/k\.zkey: truncated: section \d+/);
    const wtnsLike = bytes.slice();
    wtnsLike.set([119, 116, 110, 115], 0);
    expect(() => readBinSections(wtnsLike, "zkey", "k.zkey")).toThrow(/not a zkey file \(magic "wtns"\)/);
    const { buildBn128 } = await import("ffjavascript");
    const curve = await buildBn128(true);
    const z = parseZkey(bytes, curve as never, "k.zkey");
    expect(z.nPublic).toBe(2);
    expect(z.domainSize).toBe(16);
    expect(z.coeffMatrix.length).toBeGreaterThan(0);
  });
});
