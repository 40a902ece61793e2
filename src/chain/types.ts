/**
 * Plain-data parameters of the on-chain stack (registry, feed, engine), mirroring the
 * contracts' structs. Amounts are bigint in the contracts' raw units (wad where stated).
 */

/** `ModelRegistry.InputSpec`: decimals and inclusive raw range of one model input. */
export interface InputSpec {
  decimals: number;
  min: bigint;
  max: bigint;
}

/**
 * `ModelRegistry.setOptionTerms`: the only option kind the model may price and its error band,
 * wad fractions of the strike (the unit of priceOverStrike). The engine's spread is at least
 * `quantizationBound + referenceError` times the strike.
 */
export interface OptionTerms {
  kind: "call" | "put";
  /** Guaranteed |float − quantized| over the declared domain (quantize report `guaranteedBound`), wad. */
  quantizationBound: bigint;
  /** Measured worst |model − reference price| (e.g. against Black–Scholes), wad. */
  referenceError: bigint;
}

/** The registry's facts of a model. */
export interface ModelFacts {
  /** Poseidon hash of the quantized model (a BN254 field element). */
  modelId: bigint;
  numOutputs: number;
  outputDecimals: number;
  inputs: InputSpec[];
  /** Option kind and error band; without it no series can be created on the model. */
  option?: OptionTerms;
}

/** Chainlink L2 sequencer-uptime feed of the price feed (optional, per deployment). */
export interface SequencerParameters {
  address: string;
  /** Seconds after the sequencer is back up before prices are usable (Chainlink: 3600). */
  gracePeriod: number;
}

/**
 * `OptionPriceFeed.RiskParams`. The statement must equal the oracles' latest rounds and the
 * series' rate exactly; these bound how old those rounds may be.
 */
export interface FeedRiskParams {
  /** Max age of the spot oracle's latest round at submission, seconds. */
  spotHeartbeat: number;
  /** Max age of the volatility oracle's latest round at submission, seconds. */
  volHeartbeat: number;
  /** Series rate, wad per year (the rate signal must equal it). */
  rate: bigint;
}

/** `MarginEngine.RiskParams` (see the contract's NatSpec for units). */
export interface EngineRiskParams {
  imBps: number;
  mmBps: number;
  liquidationBonusBps: number;
  maxPriceAge: number;
  /** Fee per unit traded, bps of spot, to the pool (0..1,000). */
  feeBps: number;
  /** Open interest per series and side × unitReserve, bps of the free pool (1..10,000). */
  seriesCapBps: number;
  /** One account's position in one series × unitReserve, bps of the free pool (1..10,000). */
  accountCapBps: number;
  /** Seconds before the model's coverage ends from which a series is reduce-only. */
  reduceOnlyWindow: number;
  /** Least price per unit a buyer pays, wad (> 0). */
  minTick: bigint;
}

/**
 * `MarginEngine.PortfolioParams`: scenario margin from the proven risk grid (see the contract's
 * NatSpec). IM = imFactor · worst loss + Σ_short max(imFloorA · S − OTM, imFloorB · S), MM the
 * same with the mm fields; factors in bps of the worst loss (10,000 = 1×), floors in bps of spot.
 */
export interface EnginePortfolioParams {
  enabled: boolean;
  /** >= mmFactorBps, <= 100,000. */
  imFactorBps: number;
  /** 10,000..100,000: at least the whole worst loss. */
  mmFactorBps: number;
  imFloorABps: number;
  imFloorBBps: number;
  /** <= imFloorABps. */
  mmFloorABps: number;
  /** <= imFloorBBps. */
  mmFloorBBps: number;
}

/**
 * The margin rule of a stack deployed with a risk circuit (deployStack, the Ignition modules,
 * `zkinfer deploy`, the demo): portfolio margin replaces the flat rule. IM 1.1× and MM 1× the
 * worst loss over the proven grid (scenario prices moved by the spread against the account),
 * plus per-short floors in the style of Deribit's and Aevo's minimums: IM max(10 % S − OTM,
 * 5 % S), MM max(7.5 % S − OTM, 3.75 % S).
 */
export const DEFAULT_PORTFOLIO: EnginePortfolioParams = {
  enabled: true,
  imFactorBps: 11_000,
  mmFactorBps: 10_000,
  imFloorABps: 1_000,
  imFloorBBps: 500,
  mmFloorABps: 750,
  mmFloorBBps: 375,
};

/** An existing contract, or a mock oracle to deploy (dev chains only). */
export type OracleSource = { address: string } | { mock: { decimals: number; answer: bigint; description?: string } };

export interface SeriesParameters {
  spotOracle: OracleSource;
  volOracle: OracleSource;
  /** Strike, wad. */
  strike: bigint;
  /** Expiry, unix seconds. */
  expiry: bigint;
  isCall: boolean;
  risk: FeedRiskParams;
}

/** The model's verifier: already deployed, or compiled (abi + creation bytecode) to deploy. */
export type VerifierSource = { address: string } | { abi: readonly unknown[]; bytecode: string };

export type CollateralSource = { address: string } | { mock: { decimals: number; name?: string; symbol?: string } };

/** Default ranges of the option layout (moneyness, timeToExpiry, volatility, rate), wad. */
export const OPTION_INPUT_SPECS: InputSpec[] = [
  { decimals: 18, min: 5n * 10n ** 17n, max: 2n * 10n ** 18n },
  { decimals: 18, min: 0n, max: 2n * 10n ** 18n },
  { decimals: 18, min: 5n * 10n ** 16n, max: 3n * 10n ** 18n },
  { decimals: 18, min: 0n, max: 2n * 10n ** 17n },
];

export const DEFAULT_FEED_RISK: FeedRiskParams = {
  spotHeartbeat: 3_600,
  volHeartbeat: 3_600,
  rate: 5n * 10n ** 16n,
};

/**
 * Defaults: the fee (25 bps of spot per unit and trade) pays for a front-run of one 0.5%
 * spot-oracle deviation step (see contracts/README.md, "Economics"); a series may use 20% of
 * the free pool per side, an account 5%; reduce-only one day before coverage ends.
 */
export const DEFAULT_ENGINE_RISK: EngineRiskParams = {
  imBps: 1_500,
  mmBps: 1_000,
  liquidationBonusBps: 500,
  maxPriceAge: 3_600,
  feeBps: 25,
  seriesCapBps: 2_000,
  accountCapBps: 500,
  reduceOnlyWindow: 86_400,
  minTick: 10n ** 12n,
};

/** Wad from a real fraction, rounded UP (a band is never understated). */
export function fractionToWadUp(value: number, field: string): bigint {
  if (!Number.isFinite(value) || value < 0 || value >= 1) {
    throw new RangeError(`${field}: ${value} is not a fraction in [0, 1)`);
  }
  return BigInt(Math.ceil(value * 1e18));
}
