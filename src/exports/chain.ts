/**
 * `zkinfer/chain`: the on-chain statement of the option feed, prove-and-submit, the stack's
 * deployment (registry, feed, engine) and TypeScript mirrors of the contracts' math.
 */
export { accountHealth, type MarginLeg, premium } from "../chain/marginMath.js";
export { modelFactsFromQuantized } from "../chain/modelFacts.js";
export { assertOptionLayout, OPTION_INPUT_NAMES, OptionLayoutError, optionLayoutProblem } from "../chain/optionLayout.js";
export {
  expectedOptionInputs,
  type FeedReader,
  moneynessWad,
  OPTION_SIGNAL_NAMES,
  type OptionInputs,
  type OracleRound,
  readLatestRound,
  readOptionInputs,
  storedPriceWad,
  timeToExpiryWad,
  toWad,
  WAD,
  YEAR_SECONDS,
} from "../chain/optionStatement.js";
export { type ChainStatement, chainStatement, StatementOutOfRangeError } from "../chain/statement.js";
export {
  type ProveAndSubmitParameters,
  type ProveAndSubmitReturnType,
  proveAndSubmit,
  type ProveAndSubmitRiskParameters,
  type ProveAndSubmitRiskReturnType,
  proveAndSubmitRisk,
  type SubmitProofParameters,
  type SubmitProofReturnType,
  submitProof,
  submitRiskProof,
  type SubmitRiskReturnType,
} from "../chain/submit.js";
export {
  type ChainRisk,
  decodeChainRisk,
  decodeMarksAndRisks,
  expectedChainRisk,
  type ExpectedRisk,
  type PackedMark,
  type PackedRisk,
  type ProvedRisk,
  proveRiskRaw,
  readRisk,
  registerRiskCircuit,
  riskChainStatement,
  type RiskCircuitLayout,
  riskGridHash,
  riskLayoutFromSpec,
  riskPackedSignalCount,
  SCENARIO_DIVISOR,
  SCENARIO_LANE_BITS,
  SCENARIO_UNIT,
  scenarioUnitOf,
} from "../chain/risk.js";
export { DEV_CHAIN_IDS, type DeployedSeries, deployStack, type DeployStackParameters, type DeployStackReturnType, MockNotAllowedError } from "../chain/deployStack.js";
export { type DeploymentRecord, toDeploymentRecord } from "../chain/record.js";
export {
  DEFAULT_ENGINE_RISK,
  DEFAULT_FEED_RISK,
  DEFAULT_PORTFOLIO,
  type EnginePortfolioParams,
  type EngineRiskParams,
  type FeedRiskParams,
  type InputSpec,
  type ModelFacts,
  type SeriesParameters,
} from "../chain/types.js";
export { revertData } from "../chain/revertData.js";
