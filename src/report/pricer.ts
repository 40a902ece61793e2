/**
 * The exact pricer a model is judged against, chosen from what the model file says about
 * its data: Black–Scholes (narrow or wide domain, calls or puts) or Heston calls with the
 * built-in constants. Prices are per unit of strike; rows are (moneyness, timeToExpiry,
 * volatility, rate) in real units.
 */
import type { ModelFile } from "../model/schema.js";
import type { OptionKind } from "../data/blackScholes.js";
import { blackScholesPriceToExpiry } from "../data/wideDomain.js";
import { hestonPriceCos } from "../data/heston.js";

export interface ReferencePricer {
  /** e.g. "Black–Scholes call" or "Heston call (κ = 1.5768, …)". */
  label: string;
  price: (row: readonly number[]) => number;
}

const OPTION_FEATURES = "moneyness,timeToExpiry,volatility,rate";

/** Whether a model file prices calls or puts: from its dataset source or its name (default call). */
export function optionKindOf(file: ModelFile): OptionKind {
  const source = file.dataset?.source ?? "";
  return /(^|[:-])put([:-]|$)/.test(source) || /\bput\b|-put$/.test(file.model.name) ? "put" : "call";
}

/** The reference pricer of `file`, or undefined when its features are not the option features. */
export function referencePricer(file: ModelFile): ReferencePricer | undefined {
  if (file.model.features.map((f) => f.name).join(",") !== OPTION_FEATURES) return undefined;
  const source = file.dataset?.source ?? "";
  const kind = optionKindOf(file);
  if (source.startsWith("heston")) {
    return {
      label: "Heston call (COS method, built-in κ, θ, ξ, ρ)",
      price: (r) => (r[1] === 0 ? Math.max(r[0] - 1, 0) : hestonPriceCos({ kind: "call", moneyness: r[0], timeToExpiry: r[1], v0: r[2] * r[2], rate: r[3] })),
    };
  }
  if (source.startsWith("black-scholes") || source === "") {
    return { label: `Black–Scholes ${kind}`, price: (r) => blackScholesPriceToExpiry(kind, r[0], r[1], r[2], r[3]) };
  }
  return undefined;
}
