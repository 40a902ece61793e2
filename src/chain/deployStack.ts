import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { ArgumentType, Artifact, ExecutionEventListener, Future } from "@nomicfoundation/ignition-core";
import { BaseError, InvalidValueError } from "../errors.js";
import { contractArtifact } from "./contractArtifacts.js";
import {
  DEFAULT_ENGINE_RISK,
  DEFAULT_FEED_RISK,
  DEFAULT_PORTFOLIO,
  type CollateralSource,
  type EnginePortfolioParams,
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
   * The model's risk-vector circuit, registered after the model (`registerRiskCircuit`) and
   * before the first series: its verifier (address or abi + bytecode) and layout
   * (`riskLayoutFromSpec(q, spec)`). Optional.
   */
  risk?: { verifier: VerifierSource; layout: RiskCircuitLayout };
  /**
   * The engine's margin rule. Default: with `risk`, portfolio margin from the proven grid
   * (`DEFAULT_PORTFOLIO`), which replaces the flat rule; without, the flat rule of
   * `engineRisk` (a price-only model proves no grid to margin from). `false`: the flat rule.
   */
  portfolio?: EnginePortfolioParams | false;
  log?: (line: string) => void;
  /**
   * Where Hardhat Ignition keeps the deployment's journal, so that an interrupted deployment
   * resumes there (the same folder and parameters) instead of starting over. Default: none
   * (the journal is kept in memory).
   */
  ignitionDir?: string;
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

/** The portfolio-margin parameters a deployment sets, or undefined for the flat rule. */
function portfolioOf(params: Pick<DeployStackParameters, "risk" | "portfolio">): EnginePortfolioParams | undefined {
  if (params.portfolio === false) return undefined;
  if (params.portfolio) return params.portfolio;
  return params.risk ? DEFAULT_PORTFOLIO : undefined;
}

export class MockNotAllowedError extends InvalidValueError {
  override name = "MockNotAllowedError";
}

/**
 * Hardhat Ignition, loaded when a deployment starts: it is an optional peer dependency, so
 * `import "zkinfer"` works without it.
 */
async function loadIgnition() {
  try {
    const [helpers, core, layers] = await Promise.all([
      import("@nomicfoundation/hardhat-ignition/helpers"),
      import("@nomicfoundation/ignition-core"),
      import("../ignition/modules.js"),
    ]);
    return { errorMessage: helpers.errorDeploymentResultToExceptionMessage, ...core, ...layers };
  } catch (cause) {
    throw new BaseError("deployStack needs Hardhat Ignition (@nomicfoundation/hardhat-ignition and @nomicfoundation/ignition-core), which is not installed", {
      details: "Install it in the project: npm install --save-dev @nomicfoundation/hardhat-ignition @nomicfoundation/hardhat-ignition-ethers",
      cause,
    });
  }
}

/** Hardhat Ignition did not complete the deployment (a reverted or failed transaction, a timeout, …). */
export class DeploymentFailedError extends BaseError {
  override name = "DeploymentFailedError";
}

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
/** Gas labels of the layers' contract futures (calls and mocks are labelled by their ids). */
const CONTRACT_LABELS: Record<string, string> = { Verifier: "verifier", RiskVerifier: "riskVerifier", ModelRegistry: "registry", OptionPriceFeed: "feed", MarginEngine: "engine" };

/**
 * Deploy a model's verifier (unless given), the registry (model registered), the price feed
 * (series created), and the margin engine, with mocks for what is missing on a
 * development chain. It builds one Hardhat Ignition module from the same layers as the
 * public modules (`zkinferModules`, src/ignition/modules.ts), with the values below as
 * literals, and deploys it with Ignition. Everything is checked before the first
 * transaction; returns all addresses and the gas of every transaction.
 */
export async function deployStack(ethers: HardhatEthers, params: DeployStackParameters): Promise<DeployStackReturnType> {
  const log = params.log ?? (() => {});
  const [signer] = await ethers.getSigners();
  const deployer = await signer.getAddress();
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const allowMocks = params.allowMocks ?? DEV_CHAIN_IDS.includes(chainId);
  const startBlock = (await ethers.provider.getBlockNumber()) + 1;

  const requireMocks = (what: string) => {
    if (!allowMocks) {
      throw new MockNotAllowedError({ field: what, value: "mock", allowed: `an existing contract address on chain ${chainId} (mocks only on development chains)` });
    }
  };

  // ---- everything checked before the first transaction
  const m: ModelFacts = { ...params.model };
  if (!m.option) {
    // Development chains: the kind of the series to create (calls by default), a 1% band.
    if (!allowMocks) throw new InvalidValueError({ field: "model.option", value: undefined, allowed: `option terms (kind and error band) on chain ${chainId}` });
    const kinds = new Set((params.series ?? [{ isCall: true }]).map((x) => (x.isCall ? "call" : "put")));
    if (kinds.size > 1) throw new InvalidValueError({ field: "model.option", value: undefined, allowed: "option terms; calls and puts need separate models" });
    m.option = { kind: [...kinds][0] as "call" | "put", ...DEV_OPTION_TERMS };
    log(`  model option terms: ${m.option.kind}, development error band 1% of strike`);
  }
  const option = m.option;
  const seq = params.sequencer;
  if (seq && (!Number.isInteger(seq.gracePeriod) || seq.gracePeriod < 0)) {
    throw new InvalidValueError({ field: "sequencer.gracePeriod", value: seq.gracePeriod, allowed: "a non-negative integer number of seconds" });
  }
  let seriesParams = params.series;
  if (!seriesParams) {
    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    seriesParams = allowMocks
      ? [
          {
            spotOracle: { mock: { decimals: 8, answer: 2_000n * 10n ** 8n, description: "mock spot" } },
            volOracle: { mock: { decimals: 8, answer: 80_000_000n, description: "mock implied volatility" } },
            strike: 2_000n * 10n ** 18n,
            expiry: now + 30n * 86_400n,
            isCall: true,
            risk: DEFAULT_FEED_RISK,
          },
        ]
      : [];
  }
  for (const [i, s] of seriesParams.entries()) {
    const kind = s.isCall ? "call" : "put";
    if (option.kind !== kind) {
      throw new InvalidValueError({ field: `series.${i}.isCall`, value: s.isCall, allowed: `${option.kind === "call"} (the model prices ${option.kind}s)` });
    }
    if (!("address" in s.spotOracle)) requireMocks(`spotOracle${i + 1}`);
    if (!("address" in s.volOracle)) requireMocks(`volOracle${i + 1}`);
  }
  const c = params.collateral ?? (allowMocks ? { mock: { decimals: 6 } } : undefined);
  if (!c) {
    throw new InvalidValueError({ field: "collateral", value: undefined, allowed: `an ERC-20 address (required on chain ${chainId})` });
  }
  if (!("address" in c)) requireMocks("collateral");
  const owner = params.owner ?? deployer;
  const ownershipPending = owner.toLowerCase() !== deployer.toLowerCase();

  // ---- one Ignition module: future ids are the gas labels
  const { buildModule, deploy, DeploymentResultType, ExecutionEventType, errorMessage, asIgnition, layers } = await loadIgnition();
  const mockIds: string[] = [];
  const stack = buildModule("ZkinferStack", (b) => {
    const results: Record<string, ReturnType<typeof layers.verifier>> = {};
    const verifier = layers.verifier(b, "address" in params.verifier ? params.verifier : { contractName: "Verifier", ...params.verifier });
    const { registry, calls } = layers.registry(b, verifier, {
      owner: deployer,
      modelId: m.modelId,
      numOutputs: m.numOutputs,
      outputDecimals: m.outputDecimals,
      inputs: m.inputs.map((x) => ({ decimals: x.decimals, min: x.min, max: x.max })),
      optionKind: option.kind === "call" ? 1 : 2,
      quantizationBound: option.quantizationBound,
      referenceError: option.referenceError,
    });
    const feed = layers.feed(b, registry, { owner: deployer, sequencerUptimeFeed: seq?.address ?? ZERO_ADDRESS, sequencerGracePeriod: seq?.gracePeriod ?? 0 });
    const oracleArtifact = () => asIgnition(contractArtifact("MockV3Aggregator"));
    const oracle = (id: string, source: OracleSource): ArgumentType => {
      if ("address" in source) return source.address;
      const mock = b.contract("MockV3Aggregator", oracleArtifact(), [source.mock.decimals, source.mock.answer, source.mock.description ?? id], { id });
      results[id] = mock;
      mockIds.push(id);
      return mock as unknown as ArgumentType;
    };
    let previous: Future[] = [...calls];
    if (params.risk) {
      const rv = params.risk.verifier;
      const { riskVerifier, call } = layers.riskCircuit(b, registry, { modelId: m.modelId, verifier: "address" in rv ? rv : { contractName: "RiskVerifier", ...rv }, layout: { ...params.risk.layout } }, calls);
      results.riskVerifier = riskVerifier;
      previous = [call];
    }
    for (const [i, s] of seriesParams.entries()) {
      const created = layers.series(b, feed, `createSeries${i + 1}`, {
        spotOracle: oracle(`spotOracle${i + 1}`, s.spotOracle),
        volOracle: oracle(`volOracle${i + 1}`, s.volOracle),
        strike: s.strike,
        expiry: s.expiry,
        isCall: s.isCall,
        modelId: m.modelId,
        spotHeartbeat: s.risk.spotHeartbeat,
        volHeartbeat: s.risk.volHeartbeat,
        rate: s.risk.rate,
      }, previous);
      previous = [created];
    }
    let collateral: ArgumentType = "address" in c ? c.address : "";
    if (!("address" in c)) {
      const token = b.contract("MockERC20", asIgnition(contractArtifact("MockERC20")), [c.mock.name ?? "Mock USD", c.mock.symbol ?? "mUSD", c.mock.decimals], { id: "collateral" });
      results.collateral = token;
      mockIds.push("collateral");
      collateral = token as unknown as ArgumentType;
    }
    const engine = layers.engine(b, feed, { owner: deployer, collateral, risk: { ...(params.engineRisk ?? DEFAULT_ENGINE_RISK) } });
    const portfolio = portfolioOf(params);
    const engineCalls: Future[] = portfolio ? [layers.portfolio(b, engine, { ...portfolio })] : [];
    if (ownershipPending) {
      b.call(registry, "transferOwnership", [owner], { id: "transferOwnership_registry", after: calls });
      b.call(feed, "transferOwnership", [owner], { id: "transferOwnership_feed", after: previous });
      b.call(engine, "transferOwnership", [owner], { id: "transferOwnership_engine", after: engineCalls });
    }
    return { ...results, verifier, registry, feed, engine };
  });

  const hashes = new Map<string, string[]>();
  const listener = Object.fromEntries(
    Object.values(ExecutionEventType).map((type) => [
      type.toLowerCase().replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase()),
      async (event: { futureId?: string; hash?: string }) => {
        if (type === ExecutionEventType.TRANSACTION_CONFIRM && event.futureId && event.hash) hashes.set(event.futureId, [...(hashes.get(event.futureId) ?? []), event.hash]);
      },
    ]),
  ) as unknown as ExecutionEventListener;
  const provider = { request: ({ method, params: p }: { method: string; params?: unknown[] | object }) => ethers.provider.send(method, (p as unknown[] | undefined) ?? []) };
  const result = await deploy({
    ignitionModule: stack,
    deploymentParameters: {},
    provider,
    accounts: [deployer],
    defaultSender: deployer,
    artifactResolver: {
      loadArtifact: async (name: string) => contractArtifact(name as never) as unknown as Artifact,
      getBuildInfo: async () => undefined,
    },
    executionEventListener: listener,
    ...(params.ignitionDir ? { deploymentDir: params.ignitionDir } : {}),
  });
  if (result.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT) {
    throw new DeploymentFailedError(`deployment failed: ${errorMessage(result).split("\n").slice(0, 4).join(" ")}`, {
      details: params.ignitionDir ? `Ignition's journal is in ${params.ignitionDir}: re-run with the same parameters to resume.` : undefined,
    });
  }
  const address = (key: string) => {
    const future = (stack.results as Record<string, { id: string } | undefined>)[key];
    const deployed = future && result.contracts[future.id];
    if (!deployed) throw new DeploymentFailedError(`Ignition returned no contract "${key}" (it returned ${Object.keys(result.contracts).join(", ")})`);
    return deployed.address;
  };

  // ---- gas per transaction (label: the future id), series read back
  const gasUsed: Record<string, bigint> = {};
  for (const [futureId, txs] of hashes) {
    const id = futureId.slice(futureId.indexOf("#") + 1);
    const label = CONTRACT_LABELS[id] ?? id.replace(/^transferOwnership_/, "transferOwnership.");
    for (const hash of txs.slice(-1)) gasUsed[label] = (await ethers.provider.getTransactionReceipt(hash))!.gasUsed;
  }
  const mocks: Record<string, string> = Object.fromEntries(mockIds.map((id) => [id, address(id)]));
  const contracts = {
    registry: address("registry"),
    feed: address("feed"),
    engine: address("engine"),
    verifier: address("verifier"),
    collateral: "address" in c ? c.address : address("collateral"),
    ...(params.risk ? { riskVerifier: address("riskVerifier") } : {}),
  };
  for (const [label, key] of [["verifier", "verifier"], ...(params.risk ? [["riskVerifier", "riskVerifier"]] : []), ["registry", "registry"], ["feed", "feed"], ...mockIds.map((id) => [id, id]), ["engine", "engine"]] as const) {
    if (key === "verifier" && "address" in params.verifier) continue;
    if (key === "riskVerifier" && params.risk && "address" in params.risk.verifier) continue;
    log(`  ${label}: ${address(key)}`);
  }
  const feedContract = await ethers.getContractAt(contractArtifact("OptionPriceFeed").abi as never, contracts.feed, signer);
  const series: DeployedSeries[] = [];
  for (const [i, s] of seriesParams.entries()) {
    const seriesId = BigInt(i + 1);
    const aggregator = String(await feedContract.aggregatorOf(seriesId));
    const spotOracle = "address" in s.spotOracle ? s.spotOracle.address : mocks[`spotOracle${i + 1}`];
    const volOracle = "address" in s.volOracle ? s.volOracle.address : mocks[`volOracle${i + 1}`];
    log(`  series ${seriesId}: ${s.isCall ? "call" : "put"} strike ${s.strike} expiry ${s.expiry}, aggregator ${aggregator}`);
    series.push({ seriesId, aggregator, spotOracle, volOracle, strike: s.strike, expiry: s.expiry, isCall: s.isCall });
  }
  if (BigInt(await feedContract.seriesCount()) !== BigInt(series.length)) {
    throw new DeploymentFailedError(`the feed at ${contracts.feed} holds ${await feedContract.seriesCount()} series, expected ${series.length}`);
  }
  if (ownershipPending) log(`  ownership transfer to ${owner} pending: it must call acceptOwnership() on registry, feed and engine`);

  return { chainId, deployer, owner, ownershipPending, model: m, contracts, series, mocks, startBlock, gasUsed };
}
