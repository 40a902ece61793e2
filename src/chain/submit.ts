/**
 * Prove a series' current statement and submit it to `OptionPriceFeed`: the one call an app,
 * a keeper or the CLI needs to turn the oracles' latest rounds into a proven price on chain.
 */
import type { Contract } from "ethers";
import { proveRaw, type ProvedStatement } from "../prove/proving.js";
import type { QuantizedModel } from "../quantize/types.js";
import { type Prover, type SolidityCalldata } from "../zk/groth16.js";
import { type ChainStatement, chainStatement } from "./statement.js";

export interface SubmitProofParameters {
  seriesId: bigint;
  /** The spot round's updatedAt the statement was made for, unix seconds. */
  observedAt: bigint;
  calldata: SolidityCalldata;
}

export interface SubmitProofReturnType {
  seriesId: bigint;
  observedAt: bigint;
  /** Stored price, wad per unit of underlying. */
  price: bigint;
  /** Spot implied by the proof, wad. */
  spot: bigint;
  roundId: bigint;
  gasUsed: bigint;
}

/** Send `OptionPriceFeed.submit` for a proof and wait; returns the feed's new observation. Reverts are thrown as ethers errors. */
export async function submitProof(feed: Contract, params: SubmitProofParameters): Promise<SubmitProofReturnType> {
  const cd = params.calldata;
  const tx = await feed.submit(params.seriesId, params.observedAt, cd.a, cd.b, cd.c, cd.publicSignals);
  const receipt = (await tx.wait()) as { gasUsed: bigint };
  const [price, spot, at, roundId] = await feed.latestObservation(params.seriesId);
  return { seriesId: params.seriesId, observedAt: BigInt(at), price: BigInt(price), spot: BigInt(spot), roundId: BigInt(roundId), gasUsed: receipt.gasUsed };
}

export interface ProveAndSubmitParameters {
  /** `OptionPriceFeed`, connected to the signer that submits. */
  feed: Contract;
  seriesId: bigint;
  /** The quantized model whose circuit `prover` proves. */
  q: QuantizedModel;
  prover: Prover;
  /** Called with every proof before it is sent (e.g. to save it). */
  onProof?: (proved: ProvedStatement, statement: ChainStatement) => Promise<void> | void;
  log?: (line: string) => void;
  /** Proofs to try when oracles keep updating before inclusion; default 3. */
  maxAttempts?: number;
}

export interface ProveAndSubmitReturnType extends SubmitProofReturnType {
  proved: ProvedStatement;
  statement: ChainStatement;
}

/**
 * Prove the series' current statement (the oracles' latest rounds) and submit it. The feed
 * accepts only the statement of the latest rounds: if an oracle updated while proving (the
 * submission reverts and the statement read again differs), prove again.
 */
export async function proveAndSubmit(params: ProveAndSubmitParameters): Promise<ProveAndSubmitReturnType> {
  const { feed, seriesId, q, prover } = params;
  const log = params.log ?? (() => {});
  const maxAttempts = params.maxAttempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const statement = await chainStatement(feed as never, seriesId, q);
    log(`proving series ${seriesId} for the spot round of t=${statement.observedAt}…`);
    const proved = await proveRaw({ q }, prover, statement.inputs);
    log(`  proof ${proved.proveMs.toFixed(0)} ms`);
    await params.onProof?.(proved, statement);
    try {
      const result = await submitProof(feed, { seriesId, observedAt: statement.observedAt, calldata: proved.calldata });
      return { ...result, proved, statement };
    } catch (error) {
      if (attempt >= maxAttempts) throw error;
      const now = await chainStatement(feed as never, seriesId, q);
      const changed = now.observedAt !== statement.observedAt || now.inputs.some((v, i) => v !== statement.inputs[i]);
      if (!changed) throw error;
      log("  an oracle updated before inclusion: proving the new statement");
    }
  }
}
