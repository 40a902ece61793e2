/**
 * Hardhat Ignition modules for the stack, one per layer, each using the one before:
 *
 *   verifier ─▶ registry (+ model registered) ─▶ feed (+ one series) ─▶ engine
 *
 * The verifier is the model's own contract (its artifact comes from `zkinfer export` or
 * `setup`), so the modules are made for it by `zkinferModules(verifier)`. Everything else is
 * a module parameter (ids `ZkinferRegistry`, `ZkinferFeed`, `ZkinferEngine`), and the
 * contracts come from the package's compiled artifacts: a consumer project compiles none
 * of zkinfer's Solidity.
 *
 *   const { feed, aggregator } = await ignition.deploy(modules.feed, { parameters: { ZkinferRegistry: {…}, ZkinferFeed: {…} } });
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { contractArtifact } from "../chain/contractArtifacts.js";
import type { ArgumentType, CallableContractFuture, Future, IgnitionModule, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";
import type { RiskCircuitLayout } from "../chain/risk.js";
import { DEFAULT_ENGINE_RISK, DEFAULT_FEED_RISK, DEFAULT_PORTFOLIO, type EnginePortfolioParams, type EngineRiskParams, type ModelFacts } from "../chain/types.js";

/** The fields of `ModelRegistry.RiskLayout` besides the verifier, in struct order. */
const RISK_LAYOUT_FIELDS = ["shockBits", "spotShocks", "volShocks", "deltaStep", "spotInput", "volInput", "priceWidth", "factor", "spotMarkMin", "spotMarkMax", "volMarkMin", "volMarkMax", "payoffKind", "payoffInput", "payoffStrike", "payoffFactor"] as const satisfies readonly (keyof RiskCircuitLayout)[];

/** The registry module's parameter of a risk-layout field: `shockBits` → `riskShockBits`. */
const riskParameter = (field: string) => `risk${field[0].toUpperCase()}${field.slice(1)}`;

/** A compiled verifier: what `zkinfer export` writes to verifier.json. */
export interface VerifierArtifact {
  contractName: string;
  abi: readonly unknown[];
  bytecode: string;
}

type Artifact = Parameters<Parameters<typeof buildModule>[1]>[0] extends infer M
  ? M extends { contract(name: string, artifact: infer A, ...rest: never[]): unknown }
    ? A
    : never
  : never;

export const asIgnition = (a: { contractName: string; abi: readonly unknown[]; bytecode: string; sourceName?: string }) =>
  ({ _format: "hh3-artifact-1", sourceName: a.sourceName ?? `${a.contractName}.sol`, deployedBytecode: "0x", linkReferences: {}, deployedLinkReferences: {}, ...a }) as unknown as Artifact;

type Builder = IgnitionModuleBuilder;
type Contract = CallableContractFuture<string>;
/** A literal or a module parameter (`m.getParameter(…)`). */
type Arg = ArgumentType;

/**
 * The layers of the stack, as futures added to a module builder. The public modules below
 * pass module parameters; `deployStack` passes literal values into one module. Either way
 * each contract is deployed and wired the same way.
 */
export const layers = {
  /** The model's verifier: deployed from its artifact, or an existing address. */
  verifier(m: Builder, verifier: VerifierArtifact | { address: string }): Contract {
    if ("address" in verifier) return m.contractAt("Verifier", asIgnition({ contractName: "Verifier", abi: [], bytecode: "0x" }), verifier.address, { id: "Verifier" });
    return m.contract(verifier.contractName, asIgnition(verifier), [], { id: "Verifier" });
  },
  /** The registry, with the model registered and its option terms recorded. */
  registry(
    m: Builder,
    verifier: Contract,
    p: { owner: Arg; modelId: Arg; numOutputs: Arg; outputDecimals: Arg; inputs: Arg; optionKind: Arg; quantizationBound: Arg; referenceError: Arg },
  ) {
    const registry = m.contract("ModelRegistry", asIgnition(contractArtifact("ModelRegistry")), [p.owner], { id: "ModelRegistry" });
    const registerModel = m.call(registry, "registerModel", [p.modelId, verifier, p.numOutputs, p.outputDecimals, p.inputs], { id: "registerModel" });
    const setOptionTerms = m.call(registry, "setOptionTerms", [p.modelId, p.optionKind, p.quantizationBound, p.referenceError], { id: "setOptionTerms", after: [registerModel] });
    return { registry, calls: [registerModel, setOptionTerms] };
  },
  /**
   * The model's risk-vector circuit: its verifier (deployed from its artifact, or an existing
   * address) registered with its layout after `after` (the model's registration). Series
   * created later get their risk slots, so this comes before the first `createSeries`.
   */
  riskCircuit(
    m: Builder,
    registry: Contract,
    p: { modelId: Arg; verifier: VerifierArtifact | { address: string }; layout: Record<(typeof RISK_LAYOUT_FIELDS)[number], Arg> },
    after: Future[],
  ) {
    const rv =
      "address" in p.verifier
        ? m.contractAt("RiskVerifier", asIgnition({ contractName: "RiskVerifier", abi: [], bytecode: "0x" }), p.verifier.address, { id: "RiskVerifier" })
        : m.contract(p.verifier.contractName, asIgnition(p.verifier), [], { id: "RiskVerifier" });
    const call = m.call(registry, "registerRiskCircuit", [p.modelId, { verifier: rv, ...p.layout }], { id: "registerRiskCircuit", after });
    return { riskVerifier: rv, call };
  },
  /** The price feed (no series). */
  feed(m: Builder, registry: Contract, p: { owner: Arg; sequencerUptimeFeed: Arg; sequencerGracePeriod: Arg }) {
    return m.contract("OptionPriceFeed", asIgnition(contractArtifact("OptionPriceFeed")), [p.owner, registry, p.sequencerUptimeFeed, p.sequencerGracePeriod], { id: "OptionPriceFeed" });
  },
  /** One series on the feed, after `after` (so that series ids follow the order of the calls). */
  series(
    m: Builder,
    feed: Contract,
    id: string,
    p: { spotOracle: Arg; volOracle: Arg; strike: Arg; expiry: Arg; isCall: Arg; modelId: Arg; spotHeartbeat: Arg; volHeartbeat: Arg; rate: Arg },
    after: (Future | IgnitionModule)[] = [],
  ) {
    const { spotHeartbeat, volHeartbeat, rate, ...terms } = p;
    return m.call(feed, "createSeries", [{ ...terms, risk: { spotHeartbeat, volHeartbeat, rate } }], { id, after });
  },
  /** The margin engine on the feed. */
  engine(m: Builder, feed: Contract, p: { owner: Arg; collateral: Arg; risk: Record<keyof EngineRiskParams, Arg> }) {
    return m.contract("MarginEngine", asIgnition(contractArtifact("MarginEngine")), [p.owner, p.collateral, feed, p.risk], { id: "MarginEngine" });
  },
  /** Portfolio margin on the engine (`setPortfolioParams`): the rule of a stack with a risk circuit. */
  portfolio(m: Builder, engine: Contract, params: Record<keyof EnginePortfolioParams, Arg>, after: (Future | IgnitionModule)[] = []) {
    return m.call(engine, "setPortfolioParams", [params], { id: "setPortfolioParams", after });
  },
};

/**
 * The stack's modules for one model verifier.
 *
 * Parameters (bigints as bigint, or "123n" strings in a parameters file):
 * - `ZkinferRegistry`: `modelId`, `inputs` ([{ decimals, min, max }] in the model's input
 *   order), `outputDecimals` (18), `numOutputs` (1), and the model's option terms:
 *   `optionKind` (1 call, 2 put), `quantizationBound`, `referenceError` (wad fractions of the
 *   strike; the engine's spread is at least their sum). With `options.riskVerifier` the
 *   module also deploys it and calls `registerRiskCircuit` with the parameters `risk<Field>`
 *   (e.g. `riskShockBits`) of `ModelRegistry.RiskLayout` (`zkinferParameters({ riskLayout })`
 *   fills them).
 * - `ZkinferFeed`: `spotOracle`, `volOracle` (AggregatorV3 addresses), `strike` (wad),
 *   `expiry` (unix s), `isCall` (true), `rate` (wad/year), `spotHeartbeat`, `volHeartbeat` (s),
 *   `sequencerUptimeFeed` (L2 only; zero address = none), `sequencerGracePeriod` (s).
 * - `ZkinferEngine`: `collateral` (ERC-20 address) and the engine's `RiskParams` fields
 *   (`imBps`, `mmBps`, `liquidationBonusBps`, `maxPriceAge`, `feeBps`, `seriesCapBps`,
 *   `accountCapBps`, `reduceOnlyWindow`, `minTick`; defaults `DEFAULT_ENGINE_RISK`). With
 *   `options.riskVerifier`, portfolio margin replaces the flat rule: `setPortfolioParams` with
 *   `portfolioMargin` (true), `imFactorBps`, `mmFactorBps`, `imFloorABps`, `imFloorBBps`,
 *   `mmFloorABps`, `mmFloorBBps` (defaults `DEFAULT_PORTFOLIO`).
 * Owner of every contract: the first account (transfer with Ownable2Step afterwards).
 */
export function zkinferModules(verifier: VerifierArtifact, options: { riskVerifier?: VerifierArtifact } = {}) {
  const verifierModule = buildModule("ZkinferVerifier", (m) => ({ verifier: layers.verifier(m, verifier) }));

  const registry = buildModule("ZkinferRegistry", (m) => {
    const { verifier: v } = m.useModule(verifierModule);
    const { registry, calls } = layers.registry(m, v, {
      owner: m.getAccount(0),
      modelId: m.getParameter("modelId"),
      numOutputs: m.getParameter("numOutputs", 1),
      outputDecimals: m.getParameter("outputDecimals", 18),
      inputs: m.getParameter("inputs"),
      optionKind: m.getParameter("optionKind", 1),
      quantizationBound: m.getParameter("quantizationBound"),
      referenceError: m.getParameter("referenceError"),
    });
    if (options.riskVerifier) {
      const layout = Object.fromEntries(RISK_LAYOUT_FIELDS.map((f) => [f, m.getParameter(riskParameter(f))])) as Record<(typeof RISK_LAYOUT_FIELDS)[number], Arg>;
      layers.riskCircuit(m, registry, { modelId: m.getParameter("modelId"), verifier: options.riskVerifier, layout }, calls);
    }
    return { verifier: v, registry };
  });

  const feed = buildModule("ZkinferFeed", (m) => {
    const { verifier: v, registry: r } = m.useModule(registry);
    const feed = layers.feed(m, r, {
      owner: m.getAccount(0),
      sequencerUptimeFeed: m.getParameter("sequencerUptimeFeed", "0x0000000000000000000000000000000000000000"),
      sequencerGracePeriod: m.getParameter("sequencerGracePeriod", 3_600),
    });
    const created = layers.series(m, feed, "createSeries", {
      spotOracle: m.getParameter("spotOracle"),
      volOracle: m.getParameter("volOracle"),
      strike: m.getParameter("strike"),
      expiry: m.getParameter("expiry"),
      isCall: m.getParameter("isCall", true),
      modelId: m.getParameter("modelId"),
      spotHeartbeat: m.getParameter("spotHeartbeat", DEFAULT_FEED_RISK.spotHeartbeat),
      volHeartbeat: m.getParameter("volHeartbeat", DEFAULT_FEED_RISK.volHeartbeat),
      rate: m.getParameter("rate", DEFAULT_FEED_RISK.rate),
    }, [registry]);
    const seriesId = m.readEventArgument(created, "SeriesCreated", "seriesId");
    const aggregatorAddress = m.staticCall(feed, "aggregatorOf", [seriesId], 0, { after: [created] });
    const aggregator = m.contractAt("OptionSeriesAggregator", asIgnition(contractArtifact("OptionSeriesAggregator")), aggregatorAddress);
    return { verifier: v, registry: r, feed, aggregator };
  });

  const engine = buildModule("ZkinferEngine", (m) => {
    const deployed = m.useModule(feed);
    const risk = Object.fromEntries(Object.entries(DEFAULT_ENGINE_RISK).map(([k, v]) => [k, m.getParameter(k, v)])) as Record<keyof EngineRiskParams, Arg>;
    const engine = layers.engine(m, deployed.feed, { owner: m.getAccount(0), collateral: m.getParameter("collateral"), risk });
    // With a risk circuit, portfolio margin from the proven grid replaces the flat rule.
    if (options.riskVerifier) {
      const portfolio = Object.fromEntries(Object.entries(DEFAULT_PORTFOLIO).map(([k, v]) => [k, m.getParameter(k === "enabled" ? "portfolioMargin" : k, v)])) as Record<keyof EnginePortfolioParams, Arg>;
      layers.portfolio(m, engine, portfolio);
    }
    return { ...deployed, engine };
  });

  return { verifier: verifierModule, registry, feed, engine };
}

/** An Ignition module parameter value (Ignition's SolidityParameterType). */
export type IgnitionParameter = bigint | number | string | boolean | IgnitionParameter[] | { [field: string]: IgnitionParameter };

export interface ZkinferParametersInput {
  /** The registry facts of the model (`bundle.modelFacts`, or `modelFactsFromQuantized(q)`). */
  model: ModelFacts;
  spotOracle: string;
  volOracle: string;
  /** Strike, wad. */
  strike: bigint;
  /** Expiry, unix seconds. */
  expiry: bigint;
  isCall?: boolean;
  /** Series rate, wad per year (default 5%). */
  rate?: bigint;
  /** Engine collateral (ERC-20); needed only for the engine module. */
  collateral?: string;
  /** The risk circuit's layout (`riskLayoutFromSpec`), for modules made with a `riskVerifier`. */
  riskLayout?: RiskCircuitLayout;
}

/** Development error band when a model's facts carry no option terms: 1% of the strike. */
const DEV_BAND = { quantizationBound: 0n, referenceError: 10n ** 16n };

/** The parameters of `zkinferModules(…)` for one model and one series, by module id. */
export function zkinferParameters(p: ZkinferParametersInput): Record<string, Record<string, IgnitionParameter>> {
  const modelId = p.model.modelId;
  const isCall = p.isCall ?? (p.model.option ? p.model.option.kind === "call" : true);
  const terms = p.model.option ?? { kind: isCall ? "call" : "put", ...DEV_BAND };
  if ((terms.kind === "call") !== isCall) {
    throw new RangeError(`isCall: ${isCall} contradicts the model's option kind "${terms.kind}" (a series must be of the kind its model prices)`);
  }
  return {
    ZkinferRegistry: {
      modelId,
      numOutputs: p.model.numOutputs,
      outputDecimals: p.model.outputDecimals,
      inputs: p.model.inputs.map((i) => ({ decimals: i.decimals, min: i.min, max: i.max })),
      optionKind: terms.kind === "call" ? 1 : 2,
      quantizationBound: terms.quantizationBound,
      referenceError: terms.referenceError,
      ...(p.riskLayout ? Object.fromEntries(Object.entries(p.riskLayout).map(([k, v]) => [riskParameter(k), v as IgnitionParameter])) : {}),
    },
    ZkinferFeed: {
      modelId,
      spotOracle: p.spotOracle,
      volOracle: p.volOracle,
      strike: p.strike,
      expiry: p.expiry,
      isCall,
      rate: p.rate ?? DEFAULT_FEED_RISK.rate,
    },
    ...(p.collateral ? { ZkinferEngine: { collateral: p.collateral } } : {}),
  };
}
