/** `zkinfer submit`: prove the current statement of a feed series and submit it on chain. */
import path from "node:path";
import type { Command } from "commander";
import type { Contract } from "ethers";
import { assertOptionLayout } from "../../chain/optionLayout.js";
import type { DeploymentRecord } from "../../chain/record.js";
import { type SubmitProofReturnType, proveAndSubmit, proveAndSubmitRisk, submitProof } from "../../chain/submit.js";
import { loadRiskArtifacts, openRiskProver } from "../../prove/risk.js";
import { resolveModel } from "../../manifest/paths.js";
import { readProof, writeProof } from "../../prove/proofFolder.js";
import { type ProvingArtifacts, loadProvingArtifacts, openProver } from "../../prove/proving.js";
import { fromRawUnits, toRawUnits } from "../../quantize/decimal.js";
import { toSolidityCalldata, type Prover } from "../../zk/groth16.js";
import { type ChainConnection, connectChain, contractAt, readDeployment, revertError, send } from "../chain.js";
import { type CliRuntime, action, examples, parseInteger, parsePositiveNumber } from "../command.js";
import type { CliContext } from "../context.js";
import { CliError, StaleArtifactError } from "../errors.js";
import { describeInputs, formatOutput } from "../inputs.js";

export interface SubmitOptions {
  model?: string;
  network?: string;
  series?: number;
  proof?: string;
  observedAt?: number;
  spot?: number;
  /** Prove and submit the series' risk vector (`submitRisk`) instead of its price. */
  risk?: boolean;
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
  const oracle = await contractAt(chain, "MockV3Aggregator", record.mocks[label]);
  const answer = toRawUnits(String(value), Number(await oracle.decimals()), `--${which}`);
  await send(chain, "MockV3Aggregator.updateAnswer", () => oracle.updateAnswer(answer));
  return answer;
}

/** The folder of one submitted statement: submissions/<network>-s<series>-<observedAt>/. */
function submissionDir(art: ProvingArtifacts, network: string, seriesId: bigint, observedAt: bigint): string {
  return path.join(art.paths.submissionsDir, `${network}-s${seriesId}-${observedAt}`);
}

/**
 * The library's `proveAndSubmit` with the CLI's progress lines, revert decoding, and every
 * proof saved in its own submissions/ folder (never over the folder of \`zkinfer prove\`).
 */
export async function proveAndSubmitCli(ctx: CliContext, chain: ChainConnection, art: ProvingArtifacts, feed: Contract, seriesId: bigint, prover: Prover) {
  let lastDir: string | undefined;
  try {
    const result = await proveAndSubmit({
      feed,
      seriesId,
      q: art.q,
      prover,
      log: (line) => ctx.progress(line),
      onProof: async (proved, st) => {
        ctx.progress(`  ${describeInputs(art.q, st.inputs)} → ${formatOutput(art.q, proved.output)}`);
        lastDir = submissionDir(art, chain.networkName, seriesId, st.observedAt);
        await writeProof(lastDir, art, proved, st.observedAt);
      },
    });
    return { ...result, proofDir: lastDir! };
  } catch (error) {
    throw revertError(chain, "OptionPriceFeed.submit", error);
  }
}

/** The deployment's feed and the series to submit for (checked), after setting the mock spot if asked. */
async function seriesToSubmit(ctx: CliContext, chain: ChainConnection, record: DeploymentRecord, opts: SubmitOptions): Promise<{ feed: Contract; seriesId: bigint }> {
  const feed = await contractAt(chain, "OptionPriceFeed", record.contracts.feed);
  const seriesId = BigInt(opts.series ?? record.series[0]?.seriesId ?? 1);
  if (seriesId < 1n || seriesId > BigInt(await feed.seriesCount())) {
    throw new CliError(`no series ${seriesId} in the feed at ${record.contracts.feed}`, { details: `Series ids are 1..${await feed.seriesCount()}.` });
  }
  if (opts.spot !== undefined) {
    await setMockAnswer(chain, record, "spot", opts.spot);
    ctx.progress(`mock spot oracle set to ${opts.spot}`);
  }
  return { feed, seriesId };
}

/** `submit --risk`: prove the series' current statement with the risk circuit and submit the vector. */
async function submitRiskCommand(ctx: CliContext, opts: SubmitOptions) {
  if (opts.proof !== undefined || opts.observedAt !== undefined) {
    throw new CliError("--risk proves the current statement itself: it does not take --proof or --observed-at", { details: "Drop --proof/--observed-at, or submit a price proof folder without --risk." });
  }
  const paths = await resolveModel(ctx.root, opts.model);
  const art = await loadRiskArtifacts(paths);
  const chain = await connectChain(ctx, { network: opts.network });
  const record = await readDeployment(ctx, paths, chain);
  const entry = art.manifest.deployments?.[chain.networkName];
  if (!record.contracts.riskVerifier || !entry?.riskKeysHash) {
    throw new CliError(`the deployment on "${chain.networkName}" has no risk verifier`, { details: `Deploy with the risk circuit: zkinfer deploy --model ${paths.name} --network ${chain.networkName} --force (risk keys exist, so it is included).` });
  }
  if (entry.riskKeysHash !== art.keysHash) {
    throw new StaleArtifactError({ artifact: `the risk verifier deployed on "${chain.networkName}"`, reason: "it belongs to older risk keys (setup --risk was re-run since)", step: `zkinfer deploy --model ${paths.name} --network ${chain.networkName} --force` });
  }
  const { feed, seriesId } = await seriesToSubmit(ctx, chain, record, opts);
  const prover = await openRiskProver(art);
  let result: Awaited<ReturnType<typeof proveAndSubmitRisk>>;
  try {
    result = await proveAndSubmitRisk({ feed, seriesId, q: art.q, spec: art.spec, prover, log: (line) => ctx.progress(line) });
  } catch (error) {
    throw revertError(chain, "OptionPriceFeed.submitRisk", error);
  } finally {
    await prover.close();
  }
  const r = result.risk;
  const wad = (v: bigint) => fromRawUnits(v, 18);
  ctx.info(`accepted: series ${seriesId} round ${result.roundId}: mark ${wad(r.mark)} per unit (spot ${wad(result.spot)}), Δ ${wad(r.delta)}, Γ ${wad(r.gamma)} per unit of spot, ${r.scenarios.length} scenario prices, observed at ${result.observedAt}`);
  ctx.info(`gas used by submitRisk: ${result.gasUsed.toLocaleString("en-US")}`);
  return {
    model: paths.name,
    network: chain.networkName,
    kind: "risk" as const,
    seriesId: seriesId.toString(),
    roundId: result.roundId.toString(),
    mark: r.mark.toString(),
    delta: r.delta.toString(),
    gamma: r.gamma.toString(),
    scenarios: r.scenarios.map(String),
    spot: result.spot.toString(),
    observedAt: result.observedAt.toString(),
    gasUsed: result.gasUsed.toString(),
  };
}

export async function submitCommand(ctx: CliContext, opts: SubmitOptions) {
  if (opts.risk) return submitRiskCommand(ctx, opts);
  const paths = await resolveModel(ctx.root, opts.model);
  const art = await loadProvingArtifacts(paths);
  assertOptionLayout(art.q);
  if (opts.observedAt !== undefined && opts.proof === undefined) {
    throw new CliError("--observed-at goes with --proof (an existing proof)", { details: "Without --proof, submit proves the statement of the oracles' latest rounds itself." });
  }
  const chain = await connectChain(ctx, { network: opts.network });
  const record = await readDeployment(ctx, paths, chain);
  assertDeploymentCurrent(art, chain);
  const { feed, seriesId } = await seriesToSubmit(ctx, chain, record, opts);

  let result: SubmitProofReturnType;
  let proofDir: string | undefined;
  if (opts.proof !== undefined) {
    const dir = ctx.resolve(opts.proof);
    const { proof, publicSignals, statement } = await readProof(dir);
    const at = opts.observedAt !== undefined ? BigInt(opts.observedAt) : statement?.observedAt !== undefined ? BigInt(statement.observedAt) : undefined;
    if (at === undefined) {
      throw new CliError(`the proof in ${opts.proof} has no observation time`, { details: "Pass --observed-at <unix seconds> (the spot round's updatedAt its timeToExpiry was computed for)." });
    }
    const calldata = toSolidityCalldata(proof, publicSignals);
    try {
      result = await submitProof(feed, { seriesId, observedAt: at, calldata });
    } catch (error) {
      throw revertError(chain, "OptionPriceFeed.submit", error);
    }
  } else {
    const prover = await openProver(art);
    try {
      ({ proofDir, ...result } = await proveAndSubmitCli(ctx, chain, art, feed, seriesId, prover));
    } finally {
      await prover.close();
    }
  }
  ctx.info(`accepted: series ${seriesId} round ${result.roundId}: price ${fromRawUnits(result.price, 18)} per unit (spot ${fromRawUnits(result.spot, 18)}), observed at ${result.observedAt}`);
  ctx.info(`gas used by submit: ${result.gasUsed.toLocaleString("en-US")}${proofDir ? `; proof saved in ${ctx.show(proofDir)}/` : ""}`);
  return {
    model: paths.name,
    network: chain.networkName,
    seriesId: seriesId.toString(),
    roundId: result.roundId.toString(),
    price: result.price.toString(),
    spot: result.spot.toString(),
    observedAt: result.observedAt.toString(),
    gasUsed: result.gasUsed.toString(),
    ...(proofDir ? { proofDir } : {}),
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
    .option("--risk", "prove and submit the series' risk vector (mark, stress scenarios, Δ, Γ) with the risk circuit (`submitRisk`)")
    .addHelpText("after", examples("zkinfer submit --network localhost", "zkinfer submit --network localhost --spot 2100", "zkinfer submit --network localhost --risk"))
    .action(action(runtime, submitCommand));
}
