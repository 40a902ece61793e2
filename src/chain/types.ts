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

/** The registry's facts of a model. */
export interface ModelFacts {
  /** Poseidon hash of the quantized model (a BN254 field element). */
  modelId: bigint;
  numOutputs: number;
  outputDecimals: number;
  inputs: InputSpec[];
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

/** `MarginEngine.RiskParams`. */
export interface EngineRiskParams {
  imBps: number;
  mmBps: number;
  liquidationBonusBps: number;
  maxPriceAge: number;
}

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

export const DEFAULT_ENGINE_RISK: EngineRiskParams = { imBps: 1_500, mmBps: 1_000, liquidationBonusBps: 500, maxPriceAge: 3_600 };
