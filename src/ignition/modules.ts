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
import type { RiskCircuitLayout } from "../chain/risk.js";
import { DEFAULT_ENGINE_RISK, DEFAULT_FEED_RISK, type ModelFacts } from "../chain/types.js";

/** The fields of `ModelRegistry.RiskLayout` besides the verifier, in struct order. */
const RISK_LAYOUT_FIELDS = ["shockBits", "spotShocks", "volShocks", "deltaStep", "spotInput", "volInput", "priceWidth", "factor", "spotMarkMin", "spotMarkMax", "volMarkMin", "volMarkMax"] as const satisfies readonly (keyof RiskCircuitLayout)[];

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

const asIgnition = (a: { contractName: string; abi: readonly unknown[]; bytecode: string; sourceName?: string }) =>
  ({ _format: "hh3-artifact-1", sourceName: a.sourceName ?? `${a.contractName}.sol`, deployedBytecode: "0x", linkReferences: {}, deployedLinkReferences: {}, ...a }) as unknown as Artifact;

/**
 * The stack's modules for one model verifier.
 *
 * Parameters (bigints as bigint, or "123n" strings in a parameters file):
 * - `ZkinferRegistry`: `modelId`, `inputs` ([{ decimals, min, max }] in the model's input
 *   order), `outputDecimals` (18), `numOutputs` (1), and the model's option terms:
 *   `optionKind` (1 call, 2 put), `quantizationBound`, `referenceError` (wad fractions of the
 *   strike; the engine's spread is at least their sum). With `options.riskVerifier` the
 *   module also deploys it and calls `registerRiskCircuit` with the parameters `risk<Field>` (e.g. `riskShockBits`)
 *   of `ModelRegistry.RiskLayout` (`zkinferParameters({ riskLayout })` fills them).
 * - `ZkinferFeed`: `spotOracle`, `volOracle` (AggregatorV3 addresses), `strike` (wad),
 *   `expiry` (unix s), `isCall` (true), `rate` (wad/year), `spotHeartbeat`, `volHeartbeat` (s),
 *   `sequencerUptimeFeed` (L2 only; zero address = none), `sequencerGracePeriod` (s).
 * - `ZkinferEngine`: `collateral` (ERC-20 address) and the engine's `RiskParams` fields
 *   (`imBps`, `mmBps`, `liquidationBonusBps`, `maxPriceAge`, `feeBps`, `seriesCapBps`,
 *   `accountCapBps`, `reduceOnlyWindow`, `minTick`; defaults `DEFAULT_ENGINE_RISK`).
 * Owner of every contract: the first account (transfer with Ownable2Step afterwards).
 */
export function zkinferModules(verifier: VerifierArtifact, options: { riskVerifier?: VerifierArtifact } = {}) {
  const verifierModule = buildModule("ZkinferVerifier", (m) => {
    const contract = m.contract(verifier.contractName, asIgnition(verifier), [], { id: "Verifier" });
    return { verifier: contract };
  });

  const registry = buildModule("ZkinferRegistry", (m) => {
    const { verifier: v } = m.useModule(verifierModule);
    const owner = m.getAccount(0);
    const registry = m.contract("ModelRegistry", asIgnition(contractArtifact("ModelRegistry")), [owner]);
    m.call(registry, "registerModel", [m.getParameter("modelId"), v, m.getParameter("numOutputs", 1), m.getParameter("outputDecimals", 18), m.getParameter("inputs")]);
    m.call(registry, "setOptionTerms", [m.getParameter("modelId"), m.getParameter("optionKind", 1), m.getParameter("quantizationBound"), m.getParameter("referenceError")]);
    const risk = options.riskVerifier;
    if (risk) {
      // Optional: the model's risk-vector circuit, its verifier and layout (parameters `risk<Field>` (e.g. `riskShockBits`)).
      const rv = m.contract(risk.contractName, asIgnition(risk), [], { id: "RiskVerifier" });
      const layout = Object.fromEntries(RISK_LAYOUT_FIELDS.map((f) => [f, m.getParameter(riskParameter(f))]));
      m.call(registry, "registerRiskCircuit", [m.getParameter("modelId"), { verifier: rv, ...layout }]);
    }
    return { verifier: v, registry };
  });

  const feed = buildModule("ZkinferFeed", (m) => {
    const { verifier: v, registry: r } = m.useModule(registry);
    const owner = m.getAccount(0);
    const feed = m.contract("OptionPriceFeed", asIgnition(contractArtifact("OptionPriceFeed")), [
      owner,
      r,
      m.getParameter("sequencerUptimeFeed", "0x0000000000000000000000000000000000000000"),
      m.getParameter("sequencerGracePeriod", 3_600),
    ]);
    const created = m.call(feed, "createSeries", [
      {
        spotOracle: m.getParameter("spotOracle"),
        volOracle: m.getParameter("volOracle"),
        strike: m.getParameter("strike"),
        expiry: m.getParameter("expiry"),
        isCall: m.getParameter("isCall", true),
        modelId: m.getParameter("modelId"),
        risk: {
          spotHeartbeat: m.getParameter("spotHeartbeat", DEFAULT_FEED_RISK.spotHeartbeat),
          volHeartbeat: m.getParameter("volHeartbeat", DEFAULT_FEED_RISK.volHeartbeat),
          rate: m.getParameter("rate", DEFAULT_FEED_RISK.rate),
        },
      },
    ]);
    const seriesId = m.readEventArgument(created, "SeriesCreated", "seriesId");
    const aggregatorAddress = m.staticCall(feed, "aggregatorOf", [seriesId], 0, { after: [created] });
    const aggregator = m.contractAt("OptionSeriesAggregator", asIgnition(contractArtifact("OptionSeriesAggregator")), aggregatorAddress);
    return { verifier: v, registry: r, feed, aggregator };
  });

  const engine = buildModule("ZkinferEngine", (m) => {
    const deployed = m.useModule(feed);
    const owner = m.getAccount(0);
    const engine = m.contract("MarginEngine", asIgnition(contractArtifact("MarginEngine")), [
      owner,
      m.getParameter("collateral"),
      deployed.feed,
      {
        imBps: m.getParameter("imBps", DEFAULT_ENGINE_RISK.imBps),
        mmBps: m.getParameter("mmBps", DEFAULT_ENGINE_RISK.mmBps),
        liquidationBonusBps: m.getParameter("liquidationBonusBps", DEFAULT_ENGINE_RISK.liquidationBonusBps),
        maxPriceAge: m.getParameter("maxPriceAge", DEFAULT_ENGINE_RISK.maxPriceAge),
        feeBps: m.getParameter("feeBps", DEFAULT_ENGINE_RISK.feeBps),
        seriesCapBps: m.getParameter("seriesCapBps", DEFAULT_ENGINE_RISK.seriesCapBps),
        accountCapBps: m.getParameter("accountCapBps", DEFAULT_ENGINE_RISK.accountCapBps),
        reduceOnlyWindow: m.getParameter("reduceOnlyWindow", DEFAULT_ENGINE_RISK.reduceOnlyWindow),
        minTick: m.getParameter("minTick", DEFAULT_ENGINE_RISK.minTick),
      },
    ]);
    return { ...deployed, engine };
  });

  return { verifier: verifierModule, registry, feed, engine };
}

/**
 * Development mocks (not for real chains): an 8-decimal spot oracle, an 8-decimal volatility
 * oracle and a 6-decimal collateral token. Parameters `ZkinferDevMocks`: `spot`, `vol`
 * (answers in 8 decimals).
 */
export const ZkinferDevMocksModule = buildModule("ZkinferDevMocks", (m) => {
  const oracle = asIgnition(contractArtifact("MockV3Aggregator"));
  const spotOracle = m.contract("MockV3Aggregator", oracle, [8, m.getParameter("spot", 2_000n * 10n ** 8n), "mock spot"], { id: "SpotOracle" });
  const volOracle = m.contract("MockV3Aggregator", oracle, [8, m.getParameter("vol", 50_000_000n), "mock implied volatility"], { id: "VolOracle" });
  const collateral = m.contract("MockERC20", asIgnition(contractArtifact("MockERC20")), ["Mock USD", "mUSD", 6], { id: "Collateral" });
  return { spotOracle, volOracle, collateral };
});

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
