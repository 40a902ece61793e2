/**
 * The statement a series' price proof must carry now, as the model's raw input vector: read
 * from the feed and its oracles (`readOptionInputs`), checked against the model's declared
 * input ranges, so an unprovable state fails before the prover runs.
 */
import { BaseError, InputOutOfRangeError } from "../errors.js";
import { fromRawUnits } from "../quantize/decimal.js";
import { checkRawInputs } from "../quantize/forward.js";
import type { QuantizedModel } from "../quantize/types.js";
import { OPTION_DECIMALS } from "./optionLayout.js";
import { type FeedReader, type OptionInputs, readOptionInputs } from "./optionStatement.js";

export interface ChainStatement {
  /** updatedAt of the spot oracle's latest round, unix seconds (the `observedAt` to submit). */
  observedAt: bigint;
  /** Raw inputs in the model's order (wad). */
  inputs: bigint[];
  /** Spot oracle answer, wad. */
  spot: bigint;
}

/** The model cannot price the series in its current on-chain state. */
export class StatementOutOfRangeError extends BaseError {
  override name = "StatementOutOfRangeError";
}

/** The model's raw input vector (its feature order) from the feed's option inputs. */
function modelInputs(q: Pick<QuantizedModel, "inputs">, st: OptionInputs): bigint[] {
  return q.inputs.map((inp) => {
    const v = st[inp.name as keyof OptionInputs];
    if (typeof v !== "bigint") throw new BaseError(`model input "${inp.name}" is not one of the option feed's inputs`, { details: "Check the model's layout with assertOptionLayout." });
    return v;
  });
}

/**
 * The only statement the feed accepts for `seriesId` now (the oracles' latest rounds, see
 * `readOptionInputs`). If an oracle updates before the proof is included, the feed rejects it
 * and the statement must be read and proven again.
 */
export async function chainStatement(feed: FeedReader, seriesId: bigint, q: QuantizedModel): Promise<ChainStatement> {
  const st = await readOptionInputs(feed, seriesId);
  const inputs = modelInputs(q, st);
  try {
    checkRawInputs(q, inputs);
  } catch (error) {
    if (error instanceof InputOutOfRangeError) {
      const inp = q.inputs.find((i) => i.name === error.feature)!;
      const real = (v: string | bigint) => fromRawUnits(BigInt(v), OPTION_DECIMALS);
      throw new StatementOutOfRangeError(
        `series ${seriesId} now has ${inp.name} = ${real(error.value)}, outside the model's declared range [${real(inp.minRaw)}, ${real(inp.maxRaw)}]`,
        { details: "The model cannot price the series in this state (e.g. the spot moved too far); use a model trained for a wider range.", cause: error },
      );
    }
    throw error;
  }
  return { observedAt: st.observedAt, inputs, spot: st.spot };
}
