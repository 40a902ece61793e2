/**
 * Prove a series' current statement and submit it to `OptionPriceFeed`: the one call an app,
 * a keeper or the CLI needs to turn the oracles' latest rounds into a proven price on chain.
 */
import type { Contract } from "ethers";
import { proveRaw, type ProvedStatement } from "../prove/proving.js";
import type { QuantizedModel } from "../quantize/types.js";
import { type Prover, type SolidityCalldata } from "../zk/groth16.js";
import type { RiskSpec } from "../circuit/risk/spec.js";
import { type ChainRisk, type ProvedRisk, proveRiskRaw, readRisk, riskChainStatement } from "./risk.js";
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
  return withFreshStatement({
    read: () => chainStatement(feed as never, seriesId, q),
    seriesId,
    log: params.log,
    maxAttempts: params.maxAttempts,
    async attempt(statement) {
      const proved = await proveRaw({ q }, prover, statement.inputs);
      params.log?.(`  proof ${proved.proveMs.toFixed(0)} ms`);
      await params.onProof?.(proved, statement);
      return { proved, send: async () => ({ ...(await submitProof(feed, { seriesId, observedAt: statement.observedAt, calldata: proved.calldata })), proved, statement }) };
    },
  });
}

/**
 * Prove the statement `read` returns and send it; if the send fails and the statement read
 * again differs (an oracle updated before inclusion), prove the new one, up to `maxAttempts`
 * (default 3). Shared by the price and the risk path.
 */
async function withFreshStatement<P, R>(args: {
  read: () => Promise<ChainStatement>;
  seriesId: bigint;
  log?: (line: string) => void;
  maxAttempts?: number;
  attempt: (statement: ChainStatement) => Promise<{ proved: P; send: () => Promise<R> }>;
}): Promise<R> {
  const log = args.log ?? (() => {});
  const maxAttempts = args.maxAttempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const statement = await args.read();
    log(`proving series ${args.seriesId} for the spot round of t=${statement.observedAt}…`);
    const { send } = await args.attempt(statement);
    try {
      return await send();
    } catch (error) {
      if (attempt >= maxAttempts) throw error;
      const now = await args.read();
      const changed = now.observedAt !== statement.observedAt || now.inputs.some((v, i) => v !== statement.inputs[i]);
      if (!changed) throw error;
      log("  an oracle updated before inclusion: proving the new statement");
    }
  }
}

export interface SubmitRiskReturnType extends SubmitProofReturnType {
  /** The feed's stored risk vector after the submission. */
  risk: ChainRisk;
}

/** Send `OptionPriceFeed.submitRisk` for a risk proof and wait; returns the new observation and risk vector. Reverts are thrown as ethers errors. */
export async function submitRiskProof(feed: Contract, params: SubmitProofParameters): Promise<SubmitRiskReturnType> {
  const cd = params.calldata;
  const tx = await feed.submitRisk(params.seriesId, params.observedAt, cd.a, cd.b, cd.c, cd.publicSignals);
  const receipt = (await tx.wait()) as { gasUsed: bigint };
  const [price, spot, at, roundId] = await feed.latestObservation(params.seriesId);
  const risk = await readRisk(feed, params.seriesId);
  return { seriesId: params.seriesId, observedAt: BigInt(at), price: BigInt(price), spot: BigInt(spot), roundId: BigInt(roundId), gasUsed: receipt.gasUsed, risk };
}

export interface ProveAndSubmitRiskParameters extends Omit<ProveAndSubmitParameters, "onProof" | "prover"> {
  /** The model's risk spec (`<name>_risk.json`). */
  spec: RiskSpec;
  /** Prover of the model's risk circuit. */
  prover: Prover;
  onProof?: (proved: ProvedRisk, statement: ChainStatement) => Promise<void> | void;
}

export interface ProveAndSubmitRiskReturnType extends SubmitRiskReturnType {
  proved: ProvedRisk;
  statement: ChainStatement;
}

/**
 * Prove the series' current statement with the risk circuit and submit it (`submitRisk`),
 * proving again if an oracle updated before inclusion. A mark outside the risk circuit's
 * mark range is refused before proving (`StatementOutOfRangeError`).
 */
export async function proveAndSubmitRisk(params: ProveAndSubmitRiskParameters): Promise<ProveAndSubmitRiskReturnType> {
  const { feed, seriesId, q, spec, prover } = params;
  return withFreshStatement({
    read: () => riskChainStatement(feed as never, seriesId, q, spec),
    seriesId,
    log: params.log,
    maxAttempts: params.maxAttempts,
    async attempt(statement) {
      const proved = await proveRiskRaw(q, spec, prover, statement.inputs);
      params.log?.(`  risk proof ${proved.proveMs.toFixed(0)} ms`);
      await params.onProof?.(proved, statement);
      return { proved, send: async () => ({ ...(await submitRiskProof(feed, { seriesId, observedAt: statement.observedAt, calldata: proved.calldata })), proved, statement }) };
    },
  });
}
