import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CircomCompileError, compileCircuit } from "../src/zk/circom.js";
import { FIELD_ORDER } from "../src/zk/field.js";
import { proveGroth16, setupGroth16, toSolidityCalldata, verifyGroth16, type SolidityCalldata } from "../src/zk/groth16.js";
import { requiredPower, resolvePtau } from "../src/zk/ptau.js";
import { compileSolidity } from "../src/zk/solidity.js";

const circuit = path.resolve("circuits/test/skeleton.circom");

describe("walking skeleton: circom → Groth16 → Solidity verifier on an in-process chain", () => {
  let dir: string;
  let calldata: SolidityCalldata;
  let publicSignals: string[];
  let verifier: { verifyProof: (a: unknown, b: unknown, c: unknown, s: unknown) => Promise<boolean> };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-skeleton-"));
    const compiled = await compileCircuit({ circuit, outDir: dir });
    expect(compiled.constraints).toBe(1);
    const ptau = await resolvePtau({ power: requiredPower(compiled.constraints, 2), log: () => {} });
    expect(ptau.generated).toBe(false);
    const keys = await setupGroth16({ r1csPath: compiled.r1csPath, ptauPath: ptau.path, outDir: dir, name: "skeleton" });
    const proof = await proveGroth16({ wasmPath: compiled.wasmPath, zkeyPath: keys.zkeyPath, input: { x: "6", y: "7" } });
    publicSignals = proof.publicSignals;
    expect(await verifyGroth16({ vkey: keys.vkeyPath, proof: proof.proof, publicSignals })).toBe(true);
    calldata = toSolidityCalldata(proof.proof, publicSignals);

    const { readFile } = await import("node:fs/promises");
    const compiledVerifier = compileSolidity(await readFile(keys.verifierPath, "utf8"), keys.verifierContractName);
    const { ethers } = await hre.network.connect();
    const [deployer] = await ethers.getSigners();
    const factory = new ethers.ContractFactory(compiledVerifier.abi as never, compiledVerifier.bytecode, deployer);
    const deployed = await factory.deploy();
    await deployed.waitForDeployment();
    verifier = deployed as unknown as typeof verifier;
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("public signals are the output then the public input", () => {
    expect(publicSignals).toEqual(["49", "6"]);
  });

  it("the exported verifier accepts the real proof", async () => {
    expect(await verifier.verifyProof(calldata.a, calldata.b, calldata.c, calldata.publicSignals)).toBe(true);
  });

  it("rejects a tampered public signal", async () => {
    const signals = [...calldata.publicSignals];
    signals[0] += 1n;
    expect(await verifier.verifyProof(calldata.a, calldata.b, calldata.c, signals)).toBe(false);
  });

  it("rejects a tampered proof", async () => {
    const a: [bigint, bigint] = [calldata.a[0], calldata.a[1] + 1n];
    expect(await verifier.verifyProof(a, calldata.b, calldata.c, calldata.publicSignals)).toBe(false);
    const c: [bigint, bigint] = [calldata.a[0], calldata.a[1]];
    expect(await verifier.verifyProof(calldata.a, calldata.b, c, calldata.publicSignals)).toBe(false);
  });

  it("rejects a public signal equal to the field order plus the true value", async () => {
    const signals = [calldata.publicSignals[0] + FIELD_ORDER, calldata.publicSignals[1]];
    expect(await verifier.verifyProof(calldata.a, calldata.b, calldata.c, signals)).toBe(false);
    expect(await verifyGroth16({ vkey: path.join(dir, "skeleton.vkey.json"), proof: { pi_a: [], pi_b: [], pi_c: [], protocol: "groth16", curve: "bn128" }, publicSignals: signals.map(String) })).toBe(false);
  });
});

describe("circom runner", () => {
  it("surfaces the compiler's message and the file on a compile error", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-bad-"));
    try {
      const bad = path.join(dir, "bad.circom");
      await writeFile(bad, "pragma circom 2.1.0;\ntemplate T() { signal input a; signal output b; b <== a * ; }\ncomponent main = T();\n");
      const err = await compileCircuit({ circuit: bad, outDir: dir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CircomCompileError);
      const e = err as CircomCompileError;
      expect(e.file).toBe(bad);
      expect(e.shortMessage).toContain("bad.circom");
      expect(e.compilerOutput).toMatch(/error/i);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("names a missing circuit file", async () => {
    await expect(compileCircuit({ circuit: "/nonexistent/x.circom", outDir: os.tmpdir() })).rejects.toThrow(/x\.circom: circuit file not found/);
  });
});
