import type { ModelFacts } from "./types.js";
import type { SolidityCalldata } from "../zk/groth16.js";
import type { CompiledContract } from "../zk/solidity.js";
import type { OptionStatement } from "./optionStatement.js";

/** The inputs of an option-pricing statement (wad): everything but the proven price. */
export type OptionInputs = Omit<OptionStatement, "priceOverStrike">;

/**
 * A circuit with the option feed's public-signal layout
 * `[priceOverStrike, moneyness, timeToExpiry, volatility, rate]`, its compiled snarkjs
 * verifier and a prover. Implemented by the hand-written test circuit
 * (`buildOptionLayoutVerifier`) and by generated model circuits
 * (`buildGeneratedModelVerifier`), so contract tests and gas measurements can use either.
 */
export interface OptionModelVerifier {
  /** The exported Groth16 verifier, compiled. */
  verifier: CompiledContract;
  verifierSource: string;
  constraints: number;
  /** What the registry records for this verifier: model id, one output, input decimals and ranges. */
  model: ModelFacts;
  /** The priceOverStrike (wad) the circuit proves for `inputs` (its integer reference). */
  expectedPrice(inputs: OptionInputs): bigint;
  /** Prove the statement for the inputs; returns Solidity calldata (signals in layout order). */
  prove(inputs: OptionInputs): Promise<SolidityCalldata & { proveMs: number }>;
  /** Release the prover's curve workers. */
  close(): Promise<void>;
}
