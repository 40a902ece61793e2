import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { keccak256, toUtf8Bytes } from "ethers";
import { compileCircuit } from "../zk/circom.js";
import { createProver, setupGroth16, toSolidityCalldata, type Prover } from "../zk/groth16.js";
import { FIELD_ORDER } from "../zk/field.js";
import { requiredPower, resolvePtau } from "../zk/ptau.js";
import { compileSolidity } from "../zk/solidity.js";
import { OPTION_INPUT_SPECS } from "./types.js";
import type { OptionInputs, OptionModelVerifier } from "./optionModelVerifier.js";
import { OPTION_SIGNAL_NAMES } from "./optionStatement.js";

/**
 * The hand-written test circuit `circuits/test/option_layout.circom`: the option model's
 * public-signal layout with priceOverStrike = floor(4 · volatility · timeToExpiry / 1e19).
 * It lets the feed be exercised with a real snarkjs verifier before a trained model's
 * circuit exists. Not a pricing model.
 */
export const OPTION_LAYOUT_CIRCUIT = fileURLToPath(new URL("../../circuits/test/option_layout.circom", import.meta.url));

/** The circuit's output for given inputs (its integer reference). */
export function optionLayoutPrice(inputs: OptionInputs): bigint {
  return (4n * inputs.volatility * inputs.timeToExpiry) / 10n ** 19n;
}

/** The test circuit's verifier and prover; registered as `OPTION_LAYOUT_TEST_MODEL_ID` with `OPTION_INPUT_SPECS`. */
export type OptionLayoutVerifier = OptionModelVerifier;

/**
 * Compile the test circuit, run a Groth16 setup on a development ptau (NOT secure) and
 * compile the exported verifier. Everything is written under `workDir`.
 */
export async function buildOptionLayoutVerifier(args: { workDir: string; log?: (line: string) => void }): Promise<OptionLayoutVerifier> {
  const log = args.log ?? (() => {});
  await mkdir(args.workDir, { recursive: true });
  const compiled = await compileCircuit({ circuit: OPTION_LAYOUT_CIRCUIT, outDir: args.workDir });
  const ptau = await resolvePtau({ power: requiredPower(compiled.constraints, OPTION_SIGNAL_NAMES.length), log });
  const keys = await setupGroth16({ r1csPath: compiled.r1csPath, ptauPath: ptau.path, outDir: args.workDir, name: "option-layout", log });
  const verifierSource = await readFile(keys.verifierPath, "utf8");
  const verifier = compileSolidity(verifierSource, keys.verifierContractName);
  let prover: Prover | undefined;
  return {
    verifier,
    verifierSource,
    constraints: compiled.constraints,
    model: { modelId: OPTION_LAYOUT_TEST_MODEL_ID, numOutputs: 1, outputDecimals: 18, inputs: OPTION_INPUT_SPECS },
    expectedPrice: optionLayoutPrice,
    async prove(inputs) {
      prover ??= await createProver({ wasmPath: compiled.wasmPath, zkeyPath: keys.zkeyPath });
      const input = Object.fromEntries(OPTION_SIGNAL_NAMES.slice(1).map((n) => [n, inputs[n as keyof typeof inputs].toString()]));
      const { proof, publicSignals, proveMs } = await prover.prove(input);
      return { ...toSolidityCalldata(proof, publicSignals), proveMs };
    },
    async close() {
      if (prover) await prover.close();
    },
  };
}

/**
 * Model id under which the test circuit is registered on development chains: not a Poseidon
 * model hash (the circuit has no weights) but a fixed field element, keccak256 of its name
 * reduced modulo the BN254 field order.
 */
export const OPTION_LAYOUT_TEST_MODEL_ID = BigInt(keccak256(toUtf8Bytes("zkinfer option-layout test circuit"))) % FIELD_ORDER;
