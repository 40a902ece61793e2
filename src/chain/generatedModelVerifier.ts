import { mkdir, readFile } from "node:fs/promises";
import { buildCircuit } from "../circuit/build.js";
import { toCircuitInput } from "../circuit/inputs.js";
import { blackScholesDataset } from "../data/blackScholes.js";
import { splitDataset } from "../data/split.js";
import { modelFactsFromQuantized } from "./modelFacts.js";
import { integerForward } from "../quantize/forward.js";
import { quantize } from "../quantize/quantize.js";
import type { QuantizedModel } from "../quantize/types.js";
import { train } from "../train/train.js";
import { createProver, setupGroth16, toSolidityCalldata, type Prover } from "../zk/groth16.js";
import { requiredPower, resolvePtau } from "../zk/ptau.js";
import { compileSolidity } from "../zk/solidity.js";
import type { OptionInputs, OptionModelVerifier } from "./optionModelVerifier.js";
import { assertOptionLayout } from "./optionLayout.js";

/** The verifier, prover and registry facts of a generated (trained, quantized) option-pricing model. */
export interface GeneratedModelVerifier extends OptionModelVerifier {
  q: QuantizedModel;
  wasmPath: string;
  zkeyPath: string;
}

/** The model's raw input vector (its feature order) from an option statement's inputs. */
function rawInputs(q: QuantizedModel, inputs: OptionInputs): bigint[] {
  return q.inputs.map((inp) => inputs[inp.name as keyof OptionInputs]);
}

/**
 * Wrap the artifacts of an already compiled and set-up model circuit: the verifier source
 * is compiled with solc, the prover is created on the first proof. Inputs outside the
 * model's declared ranges are refused with an `InputOutOfRangeError` naming the input.
 */
export async function generatedModelVerifier(args: {
  q: QuantizedModel;
  wasmPath: string;
  zkeyPath: string;
  verifierPath: string;
  verifierContractName: string;
  constraints: number;
}): Promise<GeneratedModelVerifier> {
  const { q } = args;
  assertOptionLayout(q);
  const verifierSource = await readFile(args.verifierPath, "utf8");
  const verifier = compileSolidity(verifierSource, args.verifierContractName);
  let prover: Prover | undefined;
  return {
    q,
    wasmPath: args.wasmPath,
    zkeyPath: args.zkeyPath,
    verifier,
    verifierSource,
    constraints: args.constraints,
    model: modelFactsFromQuantized(q),
    expectedPrice: (inputs) => integerForward(q, rawInputs(q, inputs)).output,
    async prove(inputs) {
      const input = toCircuitInput(q, rawInputs(q, inputs));
      prover ??= await createProver({ wasmPath: args.wasmPath, zkeyPath: args.zkeyPath });
      const { proof, publicSignals, proveMs } = await prover.prove(input);
      return { ...toSolidityCalldata(proof, publicSignals), proveMs };
    },
    async close() {
      if (prover) await prover.close();
      prover = undefined;
    },
  };
}

/**
 * Generate the model's circuit into `workDir`, compile it, run a Groth16 setup (on
 * `ptauPath`, else a cached development ptau: NOT secure) and compile the exported verifier.
 */
export async function buildGeneratedModelVerifier(args: {
  q: QuantizedModel;
  workDir: string;
  ptauPath?: string;
  log?: (line: string) => void;
}): Promise<GeneratedModelVerifier> {
  const log = args.log ?? (() => {});
  assertOptionLayout(args.q);
  await mkdir(args.workDir, { recursive: true });
  const built = await buildCircuit(args.q, { outDir: args.workDir });
  const ptau = await resolvePtau({ power: requiredPower(built.constraints, args.q.publicSignals.length), constraints: built.constraints, ptauPath: args.ptauPath, log });
  const keys = await setupGroth16({ r1csPath: built.r1csPath, ptauPath: ptau.path, outDir: args.workDir, name: args.q.name, log });
  return generatedModelVerifier({
    q: args.q,
    wasmPath: built.wasmPath,
    zkeyPath: keys.zkeyPath,
    verifierPath: keys.verifierPath,
    verifierContractName: keys.verifierContractName,
    constraints: built.constraints,
  });
}

export interface SmallOptionModelOptions {
  /** Seeds the data, the split and the training. Default 1. */
  seed?: number;
  /** Rows of Black–Scholes data. Default 3,000. */
  n?: number;
  /** Default [16, 16]. */
  hidden?: number[];
  /** Default 40 (well under a second). */
  epochs?: number;
  /** Fractional bits of the quantized model. Default 14. */
  actBits?: number;
  name?: string;
}

/**
 * A small option-pricing model for tests and development chains, trained in a few seconds
 * on built-in Black–Scholes call prices and quantized. Ranges (those of the dataset, wad on
 * chain): moneyness [0.8, 1.2], timeToExpiry [0.02, 1] years, volatility [0.1, 0.8],
 * rate [0, 0.08]. Brief training: prices are near Black–Scholes, not production accurate.
 */
export async function trainSmallOptionModel(options: SmallOptionModelOptions = {}): Promise<QuantizedModel> {
  const seed = options.seed ?? 1;
  const splits = splitDataset(blackScholesDataset({ n: options.n ?? 3_000, seed, kind: "call" }), { seed });
  const { model } = train(splits, { hidden: options.hidden ?? [16, 16], epochs: options.epochs ?? 40, seed }, { name: options.name ?? "small-call" });
  return quantize(model, { actBits: options.actBits ?? 14 });
}
