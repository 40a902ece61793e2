/**
 * `zkinfer export` and `loadBundle`: the bundle proves and verifies the model without the CLI's
 * artifact folder, gives the registry facts and the verifier's abi/bytecode, and a changed
 * file is refused by name.
 */
import { appendFile, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadBundle } from "../src/bundle/bundle.js";
import { toCircuitInput } from "../src/circuit/inputs.js";
import { ModifiedArtifactError } from "../src/errors.js";
import { integerForward } from "../src/quantize/forward.js";
import { cliIn, expectOk } from "./helpers/cli.js";

let tmp: string;
let bundleDir: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "zkinfer-bundle-"));
  const cli = cliIn(path.join(tmp, "build"));
  expectOk(await cli("train", "--rows", "600", "--epochs", "3", "--hidden", "4", "--name", "tiny"));
  for (const step of ["quantize", "compile", "setup"]) expectOk(await cli(step));
  bundleDir = path.join(tmp, "bundle");
  const r = expectOk(await cli("--json", "export", "--out", bundleDir)) as { files: Record<string, string>; developmentPtau: boolean };
  expect(Object.keys(r.files).sort()).toEqual(["Verifier.sol", "circuit.wasm", "circuit.zkey", "qmodel.json", "verifier.json", "vkey.json"]);
  expect(r.developmentPtau).toBe(true);
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

it("loads with one call and proves and verifies the model's output", async () => {
  const bundle = await loadBundle(bundleDir);
  expect(bundle.modelFacts.modelId).toBe(BigInt(bundle.q.modelId));
  expect(bundle.modelFacts.inputs).toHaveLength(4);
  expect(bundle.verifier.bytecode).toMatch(/^0x[0-9a-f]{100,}$/);
  expect(bundle.verifier.abi.some((f) => (f as { name?: string }).name === "verifyProof")).toBe(true);
  const inputs = bundle.q.inputs.map((i) => (BigInt(i.minRaw) + BigInt(i.maxRaw)) / 2n);
  const prover = await bundle.createProver();
  try {
    const { proof, publicSignals } = await prover.prove(toCircuitInput(bundle.q, inputs));
    expect(BigInt(publicSignals[0])).toBe(integerForward(bundle.q, inputs).output);
    expect(await bundle.verify(proof, publicSignals)).toBe(true);
    const forged = [String(BigInt(publicSignals[0]) + 1n), ...publicSignals.slice(1)];
    expect(await bundle.verify(proof, forged)).toBe(false);
  } finally {
    await prover.close();
  }
});

it("refuses a bundle whose zkey changed", async () => {
  await appendFile(path.join(bundleDir, "circuit.zkey"), "x");
  const error = await loadBundle(bundleDir).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ModifiedArtifactError);
  expect((error as Error).message).toMatch(/circuit\.zkey was modified or corrupted/);
});
