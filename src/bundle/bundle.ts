/**
 * A bundle: everything an app needs to prove and verify one model, in one folder, written by
 * `zkinfer export` and read back with `loadBundle(dir)`:
 *
 *   bundle.json     format, model name and id, keys hash, the hash of every file below
 *   qmodel.json     quantized model (input ranges, scales, public-signal order)
 *   circuit.wasm    witness generator
 *   circuit.zkey    Groth16 proving key
 *   vkey.json       verification key
 *   Verifier.sol    the exported Solidity verifier, and verifier.json: its abi + bytecode
 *
 * Loading checks every hash, so a changed or damaged file is refused by name.
 */
import { copyFile, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { ArtifactError, ModifiedArtifactError } from "../errors.js";
import { modelFactsFromQuantized } from "../chain/modelFacts.js";
import type { ModelFacts } from "../chain/types.js";
import { loadQuantizedModel } from "../quantize/file.js";
import type { QuantizedModel } from "../quantize/types.js";
import { exists, fileHash, writeFileAtomic } from "../util/fs.js";
import { toJson } from "../util/json.js";
import { createProver, type Prover, verifyGroth16, type Groth16Proof } from "../zk/groth16.js";
import type { CompiledContract } from "../zk/solidity.js";

export const BUNDLE_FILES = {
  qmodel: "qmodel.json",
  wasm: "circuit.wasm",
  zkey: "circuit.zkey",
  vkey: "vkey.json",
  verifierSource: "Verifier.sol",
  verifierArtifact: "verifier.json",
} as const;
export type BundleFile = keyof typeof BUNDLE_FILES;

export interface BundleManifest {
  format: "zkinfer-bundle";
  version: 1;
  model: string;
  /** Poseidon model id (decimal string), as registered on chain. */
  modelId: string;
  /** Hash of the proving key the verifier belongs to. */
  keysHash: string;
  /** Whether the keys come from a development (insecure) powers-of-tau file. */
  developmentPtau: boolean;
  verifierContract: string;
  publicSignals: string[];
  /** File name (relative to the bundle) → sha256. */
  files: Record<string, string>;
  createdAt: string;
}

export interface ExportBundleParameters {
  outDir: string;
  /** The model's files: qmodel, wasm, zkey, vkey, verifier source. */
  sources: Record<Exclude<BundleFile, "verifierArtifact">, string>;
  q: QuantizedModel;
  keysHash: string;
  developmentPtau: boolean;
  verifierContract: string;
  /** The verifier compiled (abi + creation bytecode). */
  compiled: CompiledContract;
}

/** Write a bundle folder; returns its manifest. */
export async function exportBundle(params: ExportBundleParameters): Promise<BundleManifest> {
  await mkdir(params.outDir, { recursive: true });
  const files: Record<string, string> = {};
  for (const [key, src] of Object.entries(params.sources) as [Exclude<BundleFile, "verifierArtifact">, string][]) {
    const dest = path.join(params.outDir, BUNDLE_FILES[key]);
    await copyFile(src, dest);
    files[BUNDLE_FILES[key]] = await fileHash(dest);
  }
  const artifactFile = path.join(params.outDir, BUNDLE_FILES.verifierArtifact);
  await writeFileAtomic(artifactFile, toJson({ contractName: params.verifierContract, abi: params.compiled.abi, bytecode: params.compiled.bytecode }));
  files[BUNDLE_FILES.verifierArtifact] = await fileHash(artifactFile);
  const manifest: BundleManifest = {
    format: "zkinfer-bundle",
    version: 1,
    model: params.q.name,
    modelId: params.q.modelId,
    keysHash: params.keysHash,
    developmentPtau: params.developmentPtau,
    verifierContract: params.verifierContract,
    publicSignals: [...params.q.publicSignals],
    files,
    createdAt: new Date().toISOString(),
  };
  await writeFileAtomic(path.join(params.outDir, "bundle.json"), toJson(manifest));
  return manifest;
}

export interface Bundle {
  dir: string;
  manifest: BundleManifest;
  q: QuantizedModel;
  /** Absolute paths of the bundle's files. */
  files: Record<BundleFile, string>;
  /** The verifier to deploy (e.g. with `zkinferModules(bundle.verifier)`). */
  verifier: { contractName: string; abi: readonly unknown[]; bytecode: string };
  /** What `ModelRegistry.registerModel` needs: model id, outputs, input decimals and ranges. */
  modelFacts: ModelFacts;
  /** A prover over the bundle's wasm and zkey (close it when done). */
  createProver(): Promise<Prover>;
  /** Check a proof off-chain against the bundle's verification key. */
  verify(proof: Groth16Proof, publicSignals: string[]): Promise<boolean>;
}

/** Load a bundle folder, checking every file against the hash in bundle.json. */
export async function loadBundle(dir: string): Promise<Bundle> {
  const root = path.resolve(dir);
  const manifestFile = path.join(root, "bundle.json");
  if (!(await exists(manifestFile))) throw new ArtifactError({ path: manifestFile, problem: "not a zkinfer bundle (no bundle.json)", details: "Make one with `zkinfer export --out <dir>`." });
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(await readFile(manifestFile, "utf8")) as BundleManifest;
  } catch (cause) {
    throw new ArtifactError({ path: manifestFile, problem: "bundle.json is not valid JSON", cause });
  }
  if (manifest?.format !== "zkinfer-bundle" || manifest.version !== 1 || typeof manifest.files !== "object") {
    throw new ArtifactError({ path: manifestFile, problem: "not a zkinfer bundle manifest (format zkinfer-bundle, version 1)" });
  }
  const files = Object.fromEntries(Object.entries(BUNDLE_FILES).map(([k, name]) => [k, path.join(root, name)])) as Record<BundleFile, string>;
  for (const name of Object.values(BUNDLE_FILES)) {
    const file = path.join(root, name);
    const expected = manifest.files[name];
    if (expected === undefined) throw new ArtifactError({ path: manifestFile, problem: `bundle.json records no hash for ${name}` });
    if (!(await exists(file))) throw new ArtifactError({ path: file, problem: "missing from the bundle", details: "Re-run `zkinfer export`." });
    if ((await fileHash(file)) !== expected) throw new ModifiedArtifactError({ artifact: file, writtenBy: "zkinfer export", step: "zkinfer export" });
  }
  const q = await loadQuantizedModel(files.qmodel);
  if (q.modelId !== manifest.modelId) throw new ArtifactError({ path: files.qmodel, problem: `model id ${q.modelId} differs from the bundle's ${manifest.modelId}` });
  const verifier = JSON.parse(await readFile(files.verifierArtifact, "utf8")) as Bundle["verifier"];
  const vkey = JSON.parse(await readFile(files.vkey, "utf8")) as Record<string, unknown>;
  return {
    dir: root,
    manifest,
    q,
    files,
    verifier,
    modelFacts: modelFactsFromQuantized(q),
    createProver: () => createProver({ wasmPath: files.wasm, zkeyPath: files.zkey }),
    verify: (proof, publicSignals) => verifyGroth16({ vkey, proof, publicSignals }),
  };
}
