import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { ContractFactory, type BaseContract, type ContractTransactionResponse } from "ethers";
import { InvalidValueError } from "../errors.js";
import {
  DEFAULT_ENGINE_RISK,
  DEFAULT_FEED_RISK,
  type CollateralSource,
  type EngineRiskParams,
  type ModelFacts,
  type OracleSource,
  type SequencerParameters,
  type SeriesParameters,
  type VerifierSource,
} from "./types.js";
import type { RiskCircuitLayout } from "./risk.js";

/** Error band assumed on development chains when the model facts carry none: 1% of strike, wad. */
export const DEV_OPTION_TERMS = { quantizationBound: 0n, referenceError: 10n ** 16n };

/** Chain ids treated as development chains (mocks allowed): Hardhat's default. */
export const DEV_CHAIN_IDS: readonly bigint[] = [31337n];

export interface DeployStackParameters {
  /** The model's Groth16 verifier (an address, or abi + bytecode to deploy). */
  verifier: VerifierSource;
  model: ModelFacts;
  /** Final owner of registry, feed and engine (two-step: it must call `acceptOwnership`). Default: the deployer. */
  owner?: string;
  /** Collateral token of the engine; default on a dev chain: a 6-decimal mock. */
  collateral?: CollateralSource;
  engineRisk?: EngineRiskParams;
  /** L2 sequencer-uptime feed (none by default: L1 or a dev chain). */
  sequencer?: SequencerParameters;
  /** Series to create; default on a dev chain: one 30-day call at strike 2,000 on mock oracles. */
  series?: SeriesParameters[];
  /** Allow mock tokens / oracles. Default: only on a development chain (chain id 31337). */
  allowMocks?: boolean;
  /**
   * The model's risk-vector circuit, registered after the model (`registerRiskCircuit`): its
   * verifier (address or abi + bytecode) and layout (`riskLayoutFromSpec(q, spec)`). Optional.
   */
  risk?: { verifier: VerifierSource; layout: RiskCircuitLayout };
  log?: (line: string) => void;
}

export interface DeployedSeries {
  seriesId: bigint;
  aggregator: string;
  spotOracle: string;
  volOracle: string;
  strike: bigint;
  expiry: bigint;
  isCall: boolean;
}

export interface DeployStackReturnType {
  chainId: bigint;
  deployer: string;
  owner: string;
  /** Set when ownership transfers are pending acceptance by `owner`. */
  ownershipPending: boolean;
  model: ModelFacts;
  contracts: {
    registry: string;
    feed: string;
    engine: string;
    verifier: string;
    collateral: string;
    /** The risk circuit's verifier, when `risk` was given. */
    riskVerifier?: string;
  };
  series: DeployedSeries[];
  /** Names and addresses of the mocks that were deployed (empty on a real chain). */
  mocks: Record<string, string>;
  /** Block of the first deployment transaction (for indexers). */
  startBlock: number;
  /** Gas used by every transaction, by label. */
  gasUsed: Record<string, bigint>;
}

export class MockNotAllowedError extends InvalidValueError {
  override name = "MockNotAllowedError";
}

/**
 * Deploy a model's verifier (unless given), the registry (model registered), the price feed
 * (series created), and the margin engine, with mocks for what is missing on a
 * development chain. Every transaction is awaited; returns all addresses.
 */
export async function deployStack(ethers: HardhatEthers, params: DeployStackParameters): Promise<DeployStackReturnType> {
  const log = params.log ?? (() => {});
  const [signer] = await ethers.getSigners();
  const deployer = await signer.getAddress();
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const allowMocks = params.allowMocks ?? DEV_CHAIN_IDS.includes(chainId);
  const startBlock = (await ethers.provider.getBlockNumber()) + 1;
  const gasUsed: Record<string, bigint> = {};
  const mocks: Record<string, string> = {};

  const requireMocks = (what: string) => {
    if (!allowMocks) {
      throw new MockNotAllowedError({ field: what, value: "mock", allowed: `an existing contract address on chain ${chainId} (mocks only on development chains)` });
    }
  };
  const deploy = async (label: string, factory: ContractFactory, args: unknown[] = []): Promise<string> => {
    const contract = (await factory.deploy(...args)) as BaseContract;
    const receipt = await contract.deploymentTransaction()!.wait();
    gasUsed[label] = receipt!.gasUsed;
    const address = await contract.getAddress();
    log(`  ${label}: ${address}`);
    return address;
  };
  const named = async (label: string, name: string, args: unknown[] = []) => deploy(label, await ethers.getContractFactory(name, signer), args);
  const send = async (label: string, tx: Promise<ContractTransactionResponse>) => {
    const receipt = await (await tx).wait();
    gasUsed[label] = receipt!.gasUsed;
    return receipt!;
  };

  // Verifier
  const verifier =
    "address" in params.verifier
      ? params.verifier.address
      : await deploy("verifier", new ContractFactory(params.verifier.abi as never, params.verifier.bytecode, signer));

  // Registry + model
  const registryAddress = await named("registry", "ModelRegistry", [deployer]);
  const registry = await ethers.getContractAt("ModelRegistry", registryAddress, signer);
  const m: ModelFacts = { ...params.model };
  if (!m.option) {
    // Development chains: the kind of the series to create (calls by default), a 1% band.
    if (!allowMocks) throw new InvalidValueError({ field: "model.option", value: undefined, allowed: `option terms (kind and error band) on chain ${chainId}` });
    const kinds = new Set((params.series ?? [{ isCall: true }]).map((x) => (x.isCall ? "call" : "put")));
    if (kinds.size > 1) throw new InvalidValueError({ field: "model.option", value: undefined, allowed: "option terms; calls and puts need separate models" });
    m.option = { kind: [...kinds][0] as "call" | "put", ...DEV_OPTION_TERMS };
    log(`  model option terms: ${m.option.kind}, development error band 1% of strike`);
  }
  await send("registerModel", registry.registerModel(m.modelId, verifier, m.numOutputs, m.outputDecimals, m.inputs));
  {
    await send("setOptionTerms", registry.setOptionTerms(m.modelId, m.option.kind === "call" ? 1 : 2, m.option.quantizationBound, m.option.referenceError));
  }

  let riskVerifier: string | undefined;
  if (params.risk) {
    const rv = params.risk.verifier;
    riskVerifier = "address" in rv ? rv.address : await deploy("riskVerifier", new ContractFactory(rv.abi as never, rv.bytecode, signer));
    await send("registerRiskCircuit", registry.registerRiskCircuit(m.modelId, { verifier: riskVerifier, ...params.risk.layout }));
  }

  // Feed + series
  const seq = params.sequencer;
  if (seq && (!Number.isInteger(seq.gracePeriod) || seq.gracePeriod < 0)) {
    throw new InvalidValueError({ field: "sequencer.gracePeriod", value: seq.gracePeriod, allowed: "a non-negative integer number of seconds" });
  }
  const feedAddress = await named("feed", "OptionPriceFeed", [deployer, registryAddress, seq?.address ?? "0x0000000000000000000000000000000000000000", seq?.gracePeriod ?? 0]);
  const feed = await ethers.getContractAt("OptionPriceFeed", feedAddress, signer);
  const oracle = async (label: string, source: OracleSource): Promise<string> => {
    if ("address" in source) return source.address;
    requireMocks(label);
    const address = await named(label, "MockV3Aggregator", [source.mock.decimals, source.mock.answer, source.mock.description ?? label]);
    mocks[label] = address;
    return address;
  };
  let seriesParams = params.series;
  if (!seriesParams) {
    if (allowMocks) {
      const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
      seriesParams = [
        {
          spotOracle: { mock: { decimals: 8, answer: 2_000n * 10n ** 8n, description: "mock spot" } },
          volOracle: { mock: { decimals: 8, answer: 80_000_000n, description: "mock implied volatility" } },
          strike: 2_000n * 10n ** 18n,
          expiry: now + 30n * 86_400n,
          isCall: true,
          risk: DEFAULT_FEED_RISK,
        },
      ];
    } else {
      seriesParams = [];
    }
  }
  const series: DeployedSeries[] = [];
  for (const [i, s] of seriesParams.entries()) {
    const kind = s.isCall ? "call" : "put";
    if (m.option.kind !== kind) {
      throw new InvalidValueError({ field: `series.${i}.isCall`, value: s.isCall, allowed: `${m.option.kind === "call"} (the model prices ${m.option.kind}s)` });
    }
    const spotOracle = await oracle(`spotOracle${i + 1}`, s.spotOracle);
    const volOracle = await oracle(`volOracle${i + 1}`, s.volOracle);
    await send(`createSeries${i + 1}`, feed.createSeries({ spotOracle, volOracle, strike: s.strike, expiry: s.expiry, isCall: s.isCall, modelId: m.modelId, risk: s.risk }));
    const seriesId = BigInt(await feed.seriesCount());
    const aggregator = String(await feed.aggregatorOf(seriesId));
    log(`  series ${seriesId}: ${s.isCall ? "call" : "put"} strike ${s.strike} expiry ${s.expiry}, aggregator ${aggregator}`);
    series.push({ seriesId, aggregator, spotOracle, volOracle, strike: s.strike, expiry: s.expiry, isCall: s.isCall });
  }

  // Collateral + engine
  let collateral: string;
  const c = params.collateral ?? (allowMocks ? { mock: { decimals: 6 } } : undefined);
  if (!c) {
    throw new InvalidValueError({ field: "collateral", value: undefined, allowed: `an ERC-20 address (required on chain ${chainId})` });
  }
  if ("address" in c) {
    collateral = c.address;
  } else {
    requireMocks("collateral");
    collateral = await named("collateral", "MockERC20", [c.mock.name ?? "Mock USD", c.mock.symbol ?? "mUSD", c.mock.decimals]);
    mocks.collateral = collateral;
  }
  const engine = await named("engine", "MarginEngine", [deployer, collateral, feedAddress, params.engineRisk ?? DEFAULT_ENGINE_RISK]);

  // Ownership
  const owner = params.owner ?? deployer;
  const ownershipPending = owner.toLowerCase() !== deployer.toLowerCase();
  if (ownershipPending) {
    for (const [label, address, name] of [
      ["registry", registryAddress, "ModelRegistry"],
      ["feed", feedAddress, "OptionPriceFeed"],
      ["engine", engine, "MarginEngine"],
    ] as const) {
      const contract = await ethers.getContractAt(name, address, signer);
      await send(`transferOwnership.${label}`, contract.transferOwnership(owner));
    }
    log(`  ownership transfer to ${owner} pending: it must call acceptOwnership() on registry, feed and engine`);
  }

  return {
    chainId,
    deployer,
    owner,
    ownershipPending,
    model: m,
    contracts: { registry: registryAddress, feed: feedAddress, engine, verifier, collateral, ...(riskVerifier ? { riskVerifier } : {}) },
    series,
    mocks,
    startBlock,
    gasUsed,
  };
}
