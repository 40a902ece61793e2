/** `zkinfer submit`: prove the current statement of a feed series and submit it on chain. */
import path from "node:path";
import type { Command } from "commander";
import type { Contract } from "ethers";
import type { DeploymentRecord } from "../../chain/record.js";
import { fromRawUnits, toRawUnits } from "../../quantize/decimal.js";
import { toSolidityCalldata, type Prover } from "../../zk/groth16.js";
import { resolveModel } from "../artifacts.js";
import { type ChainConnection, assertOptionLayout, chainStatement, connectChain, readDeployment, send } from "../chain.js";
import { type CliRuntime, action, examples, parseInteger, parsePositiveNumber } from "../command.js";
import type { CliContext } from "../context.js";
import { CliError, StaleArtifactError } from "../errors.js";
import { describeInputs } from "../inputs.js";
import { type ProvingArtifacts, formatOutput, loadProvingArtifacts, openProver, proveRaw, readProof, writeProof } from "../proving.js";

export interface SubmitOptions {
  model?: string;
  network?: string;
  series?: number;
  proof?: string;
  observedAt?: number;
  spot?: number;
}

export interface SubmitReturnType {
  seriesId: bigint;
  observedAt: bigint;
  /** Stored price, wad per unit of underlying. */
  price: bigint;
  /** Spot implied by the proof, wad. */
  spot: bigint;
  roundId: bigint;
  gasUsed: bigint;
  publicSignals: string[];
}

/** The deployment must hold the verifier of the current proving key. */
export function assertDeploymentCurrent(art: ProvingArtifacts, chain: ChainConnection): void {
  const entry = art.manifest.deployments?.[chain.networkName];
  if (!entry || entry.keysHash !== art.keysHash) {
    throw new StaleArtifactError({
      artifact: `the verifier deployed on "${chain.networkName}"`,
      reason: "it belongs to an older proving key (setup was re-run since)",
      step: `zkinfer deploy --model ${art.paths.name} --network ${chain.networkName} --force`,
    });
  }
}

/** Set a mock oracle's answer (development chains only). */
export async function setMockAnswer(chain: ChainConnection, record: DeploymentRecord, which: "spot" | "vol", value: number): Promise<bigint> {
  const label = Object.keys(record.mocks).find((k) => k.startsWith(`${which}Oracle`));
  if (!label) throw new CliError(`the ${which} oracle of this deployment is not a mock`, { details: "Only mock oracles (development chains) can be set from the CLI." });
  const oracle = await chain.ethers.getContractAt("MockV3Aggregator", record.mocks[label]);
  const answer = toRawUnits(String(value), Number(await oracle.decimals()), `--${which}`);
  await send(chain, "MockV3Aggregator.updateAnswer", () => oracle.updateAnswer(answer));
  return answer;
}

/** Attempts of `proveAndSubmit` when an oracle updates between proving and inclusion. */
const MAX_PROVE_ATTEMPTS = 3;

/**
 * Prove the series' current statement (the oracles' latest rounds) with `prover` and submit
 * it. The feed accepts only the statement of the latest rounds: if an oracle updated while
 * proving (the submission reverts and the statement read again differs), prove again.
 */
export async function proveAndSubmit(
  ctx: CliContext,
  chain: ChainConnection,
  art: ProvingArtifacts,
  feed: Contract,
  seriesId: bigint,
  prover: Prover,
  proofDir?: string,
): Promise<SubmitReturnType> {
  for (let attempt = 1; ; attempt++) {
    const st = await chainStatement(chain, feed, seriesId, art.q);
    ctx.progress(`proving series ${seriesId} for the spot round of t=${st.observedAt}: ${describeInputs(art.q, st.inputs)}…`);
    const proved = await proveRaw(art, prover, st.inputs);
    ctx.progress(`  ${formatOutput(art.q, proved.output)} (proof ${proved.proveMs.toFixed(0)} ms)`);
    if (proofDir) await writeProof(proofDir, art, proved, st.observedAt);
    try {
      return await submitSignals(chain, feed, seriesId, st.observedAt, proved.calldata, proved.publicSignals);
    } catch (error) {
      if (attempt >= MAX_PROVE_ATTEMPTS) throw error;
      const now = await chainStatement(chain, feed, seriesId, art.q);
      const changed = now.observedAt !== st.observedAt || now.inputs.some((v, i) => v !== st.inputs[i]);
      if (!changed) throw error;
      ctx.progress("  an oracle updated before inclusion: proving the new statement");
    }
  }
}

async function submitSignals(
  chain: ChainConnection,
  feed: Contract,
  seriesId: bigint,
  observedAt: bigint,
  cd: ReturnType<typeof toSolidityCalldata>,
  publicSignals: string[],
): Promise<SubmitReturnType> {
  const receipt = await send(chain, "OptionPriceFeed.submit", () => feed.submit(seriesId, observedAt, cd.a, cd.b, cd.c, cd.publicSignals));
  const [price, spot, at, roundId] = await feed.latestObservation(seriesId);
  return { seriesId, observedAt: BigInt(at), price: BigInt(price), spot: BigInt(spot), roundId: BigInt(roundId), gasUsed: receipt.gasUsed, publicSignals };
}

export async function submitCommand(ctx: CliContext, opts: SubmitOptions) {
  const paths = await resolveModel(ctx.root, opts.model);
  const art = await loadProvingArtifacts(paths);
  assertOptionLayout(art.q);
  if (opts.observedAt !== undefined && opts.proof === undefined) {
    throw new CliError("--observed-at goes with --proof (an existing proof)", { details: "Without --proof, submit proves the statement of the oracles' latest rounds itself." });
  }
  const chain = await connectChain(ctx, { network: opts.network });
  const record = await readDeployment(ctx, paths, chain);
  assertDeploymentCurrent(art, chain);
  const feed = await chain.ethers.getContractAt("OptionPriceFeed", record.contracts.feed);
  const seriesId = BigInt(opts.series ?? record.series[0]?.seriesId ?? 1);
  if (seriesId < 1n || seriesId > BigInt(await feed.seriesCount())) {
    throw new CliError(`no series ${seriesId} in the feed at ${record.contracts.feed}`, { details: `Series ids are 1..${await feed.seriesCount()}.` });
  }
  if (opts.spot !== undefined) {
    await setMockAnswer(chain, record, "spot", opts.spot);
    ctx.progress(`mock spot oracle set to ${opts.spot}`);
  }

  let result: SubmitReturnType;
  if (opts.proof !== undefined) {
    const dir = ctx.resolve(opts.proof);
    const { proof, publicSignals, statement } = await readProof(dir);
    const at = opts.observedAt !== undefined ? BigInt(opts.observedAt) : statement?.observedAt !== undefined ? BigInt(statement.observedAt) : undefined;
    if (at === undefined) {
      throw new CliError(`the proof in ${opts.proof} has no observation time`, { details: "Pass --observed-at <unix seconds> (the spot round's updatedAt its timeToExpiry was computed for)." });
    }
    result = await submitSignals(chain, feed, seriesId, at, toSolidityCalldata(proof, publicSignals), publicSignals);
  } else {
    const prover = await openProver(art);
    try {
      result = await proveAndSubmit(ctx, chain, art, feed, seriesId, prover, paths.proofDir);
    } finally {
      await prover.close();
    }
  }
  ctx.info(`accepted: series ${seriesId} round ${result.roundId}: price ${fromRawUnits(result.price, 18)} per unit (spot ${fromRawUnits(result.spot, 18)}), observed at ${result.observedAt}`);
  ctx.info(`gas used by submit: ${result.gasUsed.toLocaleString("en-US")}${opts.proof === undefined ? `; proof saved in ${ctx.show(paths.proofDir)}/` : ""}`);
  return {
    model: paths.name,
    network: chain.networkName,
    seriesId: seriesId.toString(),
    roundId: result.roundId.toString(),
    price: result.price.toString(),
    spot: result.spot.toString(),
    observedAt: result.observedAt.toString(),
    gasUsed: result.gasUsed.toString(),
  };
}

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("submit")
    .summary("prove a series' current price and submit it to the deployed feed")
    .description(
      "Read the series' statement from the chain (the spot oracle's latest round: its answer and updatedAt as the observation time; the volatility oracle's latest answer; strike, expiry, rate), prove the model's price for it and submit the proof to the price feed, which accepts exactly that statement. If an oracle updates before inclusion, the statement is proven again.\n" +
        "With --proof, submit an existing proof folder instead (its statement.json observation time, or --observed-at).\n" +
        "The in-process chain does not outlive a process: across commands use --network localhost (npx hardhat node).",
    )
    .option("--model <name>", "model folder (default: the only one)")
    .option("--network <name>", "Hardhat network (default: the in-process chain)")
    .option("--series <id>", "series id (default: the deployed one)", parseInteger(1))
    .option("--proof <dir>", "submit this proof folder instead of proving now")
    .option("--observed-at <unix>", "observation time of --proof", parseInteger(0))
    .option("--spot <price>", "first set the mock spot oracle to this price (development chains)", parsePositiveNumber)
    .addHelpText("after", examples("zkinfer submit --network localhost", "zkinfer submit --network localhost --spot 2100"))
    .action(action(runtime, submitCommand));
}
