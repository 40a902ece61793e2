import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { mkdtemp } from "node:fs/promises";
import { z } from "zod";
import { ArtifactError, BaseError, InvalidValueError } from "../errors.js";
import { loadQuantizedModel } from "../quantize/file.js";
import { compileSolidity } from "../zk/solidity.js";
import { buildOptionLayoutVerifier, OPTION_LAYOUT_TEST_MODEL_ID } from "./optionLayoutCircuit.js";
import { DEV_CHAIN_IDS, type DeployStackParameters } from "./deployStack.js";
import { modelFactsFromQuantized } from "./modelFacts.js";
import { DEFAULT_ENGINE_RISK, DEFAULT_FEED_RISK, fractionToWadUp, OPTION_INPUT_SPECS, type ModelFacts, type OptionTerms, type VerifierSource } from "./types.js";

const uint = z.union([z.string().regex(/^[0-9]+$/, "an unsigned integer as a decimal string"), z.number().int().min(0)]).transform((v) => BigInt(v));
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "a 0x-prefixed 20-byte address");
const oracle = z.union([
  z.object({ address }),
  z.object({ mock: z.object({ decimals: z.number().int().min(0).max(36), answer: uint, description: z.string().optional() }) }),
]);
/** Option kind and error band (fractions of the strike, e.g. from `zkinfer quantize`'s report). */
const optionTerms = z.strictObject({
  kind: z.enum(["call", "put"]),
  quantizationBound: z.number().min(0).lt(1).describe("guaranteed |float − quantized|, fraction of strike"),
  referenceError: z.number().min(0).lt(1).describe("measured worst |model − reference|, fraction of strike"),
});

// Strict: keys of older configs (maxAge, deviation bands) are refused, not silently ignored.
const feedRisk = z.strictObject({
  spotHeartbeat: z.number().int().positive().max(16_777_215),
  volHeartbeat: z.number().int().positive().max(16_777_215),
  rate: uint,
});

/** The JSON deployment config (`scripts/deploy.ts --config`); paths are relative to the file. */
export const deployConfigSchema = z.strictObject({
  verifier: z
    .union([
      z.object({ address }),
      z.object({ artifact: z.string().describe("JSON file with abi and bytecode") }),
      z.object({ solidity: z.string().describe("exported Verifier.sol"), contractName: z.string().optional() }),
    ])
    .optional(),
  model: z
    .union([
      z.object({ qmodel: z.string().describe("quantized model file"), option: optionTerms.optional() }),
      z.object({
        modelId: uint,
        numOutputs: z.number().int().min(1).default(1),
        outputDecimals: z.number().int().min(0).max(36).default(18),
        inputs: z.array(z.object({ decimals: z.number().int().min(0).max(36), min: uint, max: uint })).optional(),
        option: optionTerms.optional(),
      }),
    ])
    .optional(),
  owner: address.optional(),
  collateral: z.union([z.object({ address }), z.object({ mock: z.object({ decimals: z.number().int().min(0).max(18), name: z.string().optional(), symbol: z.string().optional() }) })]).optional(),
  engineRisk: z
    .strictObject({
      imBps: z.number().int().min(0).max(10_000),
      mmBps: z.number().int().min(0).max(10_000),
      liquidationBonusBps: z.number().int().min(0).max(10_000),
      maxPriceAge: z.number().int().positive(),
      feeBps: z.number().int().min(0).max(1_000).default(DEFAULT_ENGINE_RISK.feeBps),
      seriesCapBps: z.number().int().min(1).max(10_000).default(DEFAULT_ENGINE_RISK.seriesCapBps),
      accountCapBps: z.number().int().min(1).max(10_000).default(DEFAULT_ENGINE_RISK.accountCapBps),
      reduceOnlyWindow: z.number().int().min(0).max(4_294_967_295).default(DEFAULT_ENGINE_RISK.reduceOnlyWindow),
      minTick: uint.refine((v) => v > 0n && v < 2n ** 96n, "a tick in (0, 2^96) wad").default(DEFAULT_ENGINE_RISK.minTick),
    })
    .refine((r) => r.mmBps <= r.imBps, { message: "mmBps must not exceed imBps", path: ["mmBps"] })
    .optional(),
  sequencer: z
    .strictObject({ address, gracePeriod: z.number().int().min(0).default(3_600) })
    .optional()
    .describe("Chainlink L2 sequencer-uptime feed (L2 deployments)"),
  series: z
    .array(
      z.strictObject({
        spotOracle: oracle,
        volOracle: oracle,
        strike: uint,
        expiry: uint.optional(),
        expiresInSeconds: z.number().int().positive().optional(),
        isCall: z.boolean(),
        risk: feedRisk.optional(),
      }),
    )
    .optional(),
});

export type DeployConfig = z.infer<typeof deployConfigSchema>;

export class DeployConfigError extends BaseError {
  override name = "DeployConfigError";
}

/** Read and validate a deployment config file. */
export async function loadDeployConfig(file: string): Promise<{ config: DeployConfig; baseDir: string }> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new ArtifactError({ path: file, problem: "deployment config not found", cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ArtifactError({ path: file, problem: "deployment config is not JSON", cause });
  }
  const parsed = deployConfigSchema.safeParse(json);
  if (!parsed.success) {
    throw new DeployConfigError(`${file}: invalid deployment config`, {
      details: parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("\n"),
    });
  }
  return { config: parsed.data, baseDir: path.dirname(path.resolve(file)) };
}

export interface ResolvedDeployConfig {
  params: Omit<DeployStackParameters, "log">;
  /** Facts worth recording with the deployment (e.g. a test verifier). */
  notes: string[];
}

/**
 * Turn a config into `deployStack` parameters: read the verifier artifact or compile the
 * exported Solidity verifier, take the model facts from a quantized model file or the
 * config. With no verifier on a development chain, build the option-layout TEST circuit's
 * verifier (development ptau, not secure) and use its test model id.
 */
export async function resolveDeployConfig(
  config: DeployConfig,
  args: { chainId: bigint; baseDir?: string; now: bigint; log?: (line: string) => void },
): Promise<ResolvedDeployConfig> {
  const baseDir = args.baseDir ?? process.cwd();
  const at = (p: string) => path.resolve(baseDir, p);
  const dev = DEV_CHAIN_IDS.includes(args.chainId);
  const notes: string[] = [];

  let verifier: VerifierSource;
  let model: ModelFacts | undefined;
  if (!config.verifier) {
    if (!dev) throw new InvalidValueError({ field: "verifier", value: undefined, allowed: `a verifier (address, artifact or solidity) on chain ${args.chainId}` });
    const workDir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-deploy-"));
    args.log?.("No verifier configured: building the option-layout TEST circuit's verifier (development ptau, not secure).");
    const built = await buildOptionLayoutVerifier({ workDir, log: args.log });
    await built.close();
    verifier = built.verifier;
    if (!config.model) model = { modelId: OPTION_LAYOUT_TEST_MODEL_ID, numOutputs: 1, outputDecimals: 18, inputs: OPTION_INPUT_SPECS };
    notes.push(`verifier: option-layout TEST circuit (circuits/test/option_layout.circom), development setup, zkey in ${workDir}; not a pricing model`);
  } else if ("address" in config.verifier) {
    verifier = { address: config.verifier.address };
  } else if ("artifact" in config.verifier) {
    const file = at(config.verifier.artifact);
    let artifact: { abi?: unknown; bytecode?: unknown };
    try {
      artifact = JSON.parse(await readFile(file, "utf8")) as typeof artifact;
    } catch (cause) {
      throw new ArtifactError({ path: file, problem: "cannot read verifier artifact (JSON with abi and bytecode)", cause });
    }
    if (!Array.isArray(artifact.abi) || typeof artifact.bytecode !== "string" || !artifact.bytecode.startsWith("0x")) {
      throw new ArtifactError({ path: file, problem: "verifier artifact needs `abi` (array) and `bytecode` (0x hex)" });
    }
    verifier = { abi: artifact.abi, bytecode: artifact.bytecode };
  } else {
    const file = at(config.verifier.solidity);
    let source: string;
    try {
      source = await readFile(file, "utf8");
    } catch (cause) {
      throw new ArtifactError({ path: file, problem: "verifier source not found", cause });
    }
    const name = config.verifier.contractName ?? /contract\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(source)?.[1];
    if (!name) throw new ArtifactError({ path: file, problem: "no contract found in the verifier source" });
    verifier = compileSolidity(source, name, path.basename(file));
  }

  if (config.model) {
    if ("qmodel" in config.model) {
      model = modelFactsFromQuantized(await loadQuantizedModel(at(config.model.qmodel)));
    } else {
      model = { modelId: config.model.modelId, numOutputs: config.model.numOutputs, outputDecimals: config.model.outputDecimals, inputs: config.model.inputs ?? OPTION_INPUT_SPECS };
    }
  }
  if (!model) throw new InvalidValueError({ field: "model", value: undefined, allowed: "{ qmodel } or { modelId, inputs } with a configured verifier" });
  // Without option terms, deployStack applies its development default (dev chains only).
  const terms = config.model?.option;
  if (terms) model.option = toOptionTerms(terms);
  else if (!dev) throw new InvalidValueError({ field: "model.option", value: undefined, allowed: `{ kind, quantizationBound, referenceError } on chain ${args.chainId} (the spread is set from the error band)` });

  const series = config.series?.map((s, i) => {
    const expiry = s.expiry ?? (s.expiresInSeconds !== undefined ? args.now + BigInt(s.expiresInSeconds) : undefined);
    if (expiry === undefined) throw new InvalidValueError({ field: `series.${i}.expiry`, value: undefined, allowed: "expiry (unix seconds) or expiresInSeconds" });
    return { spotOracle: s.spotOracle, volOracle: s.volOracle, strike: s.strike, expiry, isCall: s.isCall, risk: s.risk ?? DEFAULT_FEED_RISK };
  });

  return {
    params: { verifier, model, owner: config.owner, collateral: config.collateral, engineRisk: config.engineRisk, sequencer: config.sequencer, series },
    notes,
  };
}

/** Config option terms (real fractions of the strike) to registry wad, rounded up. */
export function toOptionTerms(t: { kind: "call" | "put"; quantizationBound: number; referenceError: number }): OptionTerms {
  return {
    kind: t.kind,
    quantizationBound: fractionToWadUp(t.quantizationBound, "model.option.quantizationBound"),
    referenceError: fractionToWadUp(t.referenceError, "model.option.referenceError"),
  };
}
