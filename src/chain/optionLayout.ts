/**
 * The option feed's model layout: `OptionPriceFeed` verifies proofs whose public signals are
 * `[priceOverStrike, moneyness, timeToExpiry, volatility, rate]` (see optionStatement.ts), so
 * a model it can serve has exactly these four inputs in this order and one output, all with
 * 18 decimals (wad). Any other feature set can still be proven and verified on chain with a
 * verifier-only deployment (verifier + registry), just not priced by the feed.
 */
import { BaseError } from "../errors.js";
import type { QuantizedModel } from "../quantize/types.js";
import { OPTION_SIGNAL_NAMES } from "./optionStatement.js";

/** The feed's model inputs, in order. */
export const OPTION_INPUT_NAMES = OPTION_SIGNAL_NAMES.slice(1) as readonly string[];
/** Decimals of every feed signal (wad). */
export const OPTION_DECIMALS = 18;

/** What a model needs to declare about itself for this check (a float model or a quantized one). */
export interface LayoutFacts {
  name: string;
  inputs: readonly { name: string; decimals: number }[];
  output: { decimals: number };
}

/** Why `m` cannot be served by the option feed, or undefined if it can. */
export function optionLayoutProblem(m: LayoutFacts): string | undefined {
  const names = m.inputs.map((i) => i.name);
  const decimals = m.inputs.map((i) => i.decimals);
  if (names.join(",") === OPTION_INPUT_NAMES.join(",") && decimals.every((d) => d === OPTION_DECIMALS) && m.output.decimals === OPTION_DECIMALS) return undefined;
  return `inputs ${names.join(", ")} (decimals ${decimals.join(", ")}), output decimals ${m.output.decimals}`;
}

/** The model cannot be served by the option price feed. */
export class OptionLayoutError extends BaseError {
  override name = "OptionLayoutError";
  readonly model: string;
  constructor(args: { model: string; problem: string }) {
    super(`model "${args.model}" does not have the price feed's layout: ${args.problem}`, { details: optionLayoutNote() });
    this.model = args.model;
  }
}

/** One sentence for users: what the feed accepts, and what to do otherwise. */
export function optionLayoutNote(): string {
  return `The option price feed accepts only models with inputs ${OPTION_INPUT_NAMES.join(", ")} (in this order) and one output, all with ${OPTION_DECIMALS} decimals (the built-in dataset's layout); other models can be verified on chain with \`zkinfer deploy --verifier-only\`.`;
}

/** Throws `OptionLayoutError` unless the option feed can serve `q`. */
export function assertOptionLayout(q: Pick<QuantizedModel, "name" | "inputs" | "output">): void {
  const problem = optionLayoutProblem(q);
  if (problem !== undefined) throw new OptionLayoutError({ model: q.name, problem });
}
