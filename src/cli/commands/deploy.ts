/** `zkinfer deploy`: deploy the model's verifier, the registry, the price feed (one series) and the margin engine. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { Option } from "commander";
import { DEV_CHAIN_IDS, deployStack, type DeployStackReturnType } from "../../chain/deployStack.js";
import { deployVerifier } from "../../chain/deployVerifier.js";
import { preflightDeploy } from "../../chain/preflight.js";
import { writeFileAtomic } from "../../util/fs.js";
import { toJson } from "../../util/json.js";
import { CliError } from "../errors.js";
import { assertRecordWritable, deploymentRecordPath, toDeploymentRecord, writeDeploymentRecord } from "../../chain/record.js";
import { modelFactsFromQuantized } from "../../chain/modelFacts.js";
import { DEFAULT_FEED_RISK, DEFAULT_PORTFOLIO, type OracleSource } from "../../chain/types.js";
import { riskLayoutFromSpec } from "../../chain/risk.js";
import { loadRiskArtifacts } from "../../prove/risk.js";
import { fromRawUnits, toRawUnits } from "../../quantize/decimal.js";
import { compileSolidity } from "../../zk/solidity.js";
import { requireStages, writeManifest } from "../../manifest/manifest.js";
import { resolveModel } from "../../manifest/paths.js";
import { assertOptionLayout } from "../../chain/optionLayout.js";
import { type ProvingArtifacts, loadProvingArtifacts } from "../../prove/proving.js";
import { loadQuantizedModel } from "../../quantize/file.js";
import { type ChainConnection, connectChain, revertError } from "../chain.js";
import { type CliRuntime, action, examples, parseChoice, parseInteger, parseNumber, parsePositiveNumber } from "../command.js";
import { type CliContext, seconds, stopwatch } from "../context.js";

export interface DeployOptions {
  model?: string;
  network?: string;
  strike: number;
  expiryDays: number;
  kind?: "call" | "put";
  spot: number;
  vol: number;
  rate: number;
  spotOracle?: string;
  volOracle?: string;
  collateral?: string;
  owner?: string;
  force?: boolean;
  verifierOnly?: boolean;
  /** false (`--no-risk`): leave the model's risk circuit out even if its keys exist. */
  risk?: boolean;
  /** `--flat-margin`: keep the engine's flat rule even with a risk circuit. */
  flatMargin?: boolean;
}

const ORACLE_DECIMALS = 8;

/** Deploy the stack for a model on a connected chain and record it (shared with the demo). */
export async function deployModel(ctx: CliContext, chain: ChainConnection, art: ProvingArtifacts, opts: Omit<DeployOptions, "model" | "network">): Promise<{ result: DeployStackReturnType; recordFile: string }> {
  const { q, paths } = art;
  assertOptionLayout(q);
  const recordFile = deploymentRecordPath(paths.deploymentsDir, chain.networkName);
  await assertRecordWritable(recordFile, { force: (opts.force ?? false) || chain.inProcess });
  const elapsed = stopwatch();
  ctx.progress(`compiling ${art.verifierContract} (solc, WebAssembly)…`);
  const built = compileSolidity(await readFile(art.verifier, "utf8"), art.verifierContract);
  const modelKind = art.manifest.stages.model?.info?.optionKind as "call" | "put" | undefined;
  if (opts.kind !== undefined && modelKind !== undefined && opts.kind !== modelKind) {
    throw new CliError(`--kind ${opts.kind} contradicts model "${paths.name}", which prices ${modelKind}s`, { details: `Drop --kind (the model's kind is used), or train a ${opts.kind} model.` });
  }
  const kind = opts.kind ?? modelKind ?? "call";
  if (!DEV_CHAIN_IDS.includes(chain.chainId)) {
    ctx.progress(`preflight on chain ${chain.chainId}…`);
    await preflightDeploy(chain.ethers, { contracts: { "spot oracle (--spot-oracle)": opts.spotOracle, "volatility oracle (--vol-oracle)": opts.volOracle, "collateral token (--collateral)": opts.collateral } });
  }
  const now = BigInt((await chain.ethers.provider.getBlock("latest"))!.timestamp);
  const wad = (v: number, field: string) => toRawUnits(String(v), 18, field);
  const oracle = (address: string | undefined, value: number, description: string, field: string): OracleSource =>
    address ? { address } : { mock: { decimals: ORACLE_DECIMALS, answer: toRawUnits(String(value), ORACLE_DECIMALS, field), description } };
  // The risk circuit, when its keys exist (`zkinfer compile --risk` + `setup --risk`): its
  // verifier is deployed and registered, and portfolio margin replaces the flat rule.
  let risk: { verifier: { abi: readonly unknown[]; bytecode: string }; layout: ReturnType<typeof riskLayoutFromSpec> } | undefined;
  let riskKeysHash: string | undefined;
  if (opts.risk !== false && art.manifest.stages.riskKeys) {
    const ra = await loadRiskArtifacts(paths);
    riskKeysHash = ra.keysHash;
    ctx.progress(`compiling ${ra.verifierContract} (the risk circuit's verifier)…`);
    const rv = compileSolidity(await readFile(ra.verifier, "utf8"), ra.verifierContract);
    risk = { verifier: { abi: rv.abi, bytecode: rv.bytecode }, layout: riskLayoutFromSpec(ra.q, ra.spec) };
  }
  const portfolio = risk && !opts.flatMargin ? DEFAULT_PORTFOLIO : false;
  ctx.progress(
    risk
      ? `risk circuit included (${risk.layout.spotShocks.length * risk.layout.volShocks.length} scenarios); margin: ${portfolio ? `portfolio (IM ${DEFAULT_PORTFOLIO.imFactorBps / 10_000}× / MM ${DEFAULT_PORTFOLIO.mmFactorBps / 10_000}× the worst scenario loss + per-short floors)` : "flat rule (--flat-margin)"}`
      : "no risk circuit (price only: `zkinfer compile --risk` and `setup --risk` add one); margin: flat rule",
  );
  ctx.progress(`deploying on network "${chain.networkName}" (chain ${chain.chainId}${chain.inProcess ? ", in-process" : ""})…`);
  let result: DeployStackReturnType;
  try {
    result = await deployStack(chain.ethers, {
      verifier: { abi: built.abi, bytecode: built.bytecode },
      model: modelFactsFromQuantized(q),
      series: [
        {
          spotOracle: oracle(opts.spotOracle, opts.spot, "mock spot", "--spot"),
          volOracle: oracle(opts.volOracle, opts.vol, "mock implied volatility", "--vol"),
          strike: wad(opts.strike, "--strike"),
          expiry: now + BigInt(opts.expiryDays) * 86_400n,
          isCall: kind === "call",
          risk: { ...DEFAULT_FEED_RISK, rate: wad(opts.rate, "--rate") },
        },
      ],
      ...(risk ? { risk } : {}),
      portfolio,
      ...(opts.collateral ? { collateral: { address: opts.collateral } } : {}),
      ...(opts.owner ? { owner: opts.owner } : {}),
      log: (line) => ctx.progress(line),
    });
  } catch (error) {
    throw revertError(chain, "deployment", error);
  }
  const notes = chain.inProcess ? ["in-process chain: these contracts exist only inside the process that deployed them"] : [];
  await writeDeploymentRecord(recordFile, toDeploymentRecord(chain.networkName, result, notes), { force: true });
  art.manifest.deployments = {
    ...art.manifest.deployments,
    [chain.networkName]: { keysHash: art.keysHash, ...(riskKeysHash ? { riskKeysHash } : {}), modelId: q.modelId, record: path.relative(paths.dir, recordFile), inProcess: chain.inProcess },
  };
  await writeManifest(paths, art.manifest);
  ctx.progress(`  deployed in ${seconds(elapsed())}`);
  return { result, recordFile };
}

/** Verifier + registry for any feature set (no feed, no engine). */
async function deployVerifierOnly(ctx: CliContext, opts: DeployOptions) {
  const paths = await resolveModel(ctx.root, opts.model);
  const art = await loadProvingArtifacts(paths);
  const chain = await connectChain(ctx, { network: opts.network });
  const recordFile = path.join(paths.deploymentsDir, `${chain.networkName}.verifier.json`);
  await assertRecordWritable(recordFile, { force: (opts.force ?? false) || chain.inProcess });
  if (!DEV_CHAIN_IDS.includes(chain.chainId)) await preflightDeploy(chain.ethers, { contracts: {} });
  ctx.progress(`compiling ${art.verifierContract} (solc, WebAssembly)…`);
  const built = compileSolidity(await readFile(art.verifier, "utf8"), art.verifierContract);
  let result;
  try {
    result = await deployVerifier(chain.ethers, { verifier: { abi: built.abi, bytecode: built.bytecode }, model: modelFactsFromQuantized(art.q) });
  } catch (error) {
    throw revertError(chain, "deployment", error);
  }
  const record = { format: "zkinfer-verifier-deployment", version: 1, network: chain.networkName, chainId: chain.chainId.toString(), deployer: result.deployer, contracts: { verifier: result.verifier, registry: result.registry }, modelId: art.q.modelId, createdAt: new Date().toISOString() };
  await writeFileAtomic(recordFile, toJson(record));
  art.manifest.deployments = {
    ...art.manifest.deployments,
    [`${chain.networkName}:verifier`]: { keysHash: art.keysHash, modelId: art.q.modelId, record: path.relative(paths.dir, recordFile), inProcess: chain.inProcess },
  };
  await writeManifest(paths, art.manifest);
  ctx.info(`verifier ${result.verifier}  registry ${result.registry} (model ${art.q.modelId.slice(0, 12)}… registered with ${art.q.inputs.length} inputs)`);
  ctx.info(`record ${ctx.show(recordFile)}`);
  return { model: paths.name, network: chain.networkName, chainId: chain.chainId.toString(), contracts: record.contracts, gasUsed: Object.fromEntries(Object.entries(result.gasUsed).map(([k, v]) => [k, v.toString()])), record: recordFile };
}

export async function deployCommand(ctx: CliContext, opts: DeployOptions) {
  if (opts.verifierOnly) return deployVerifierOnly(ctx, opts);
  const paths = await resolveModel(ctx.root, opts.model);
  await requireStages(paths, "qmodel");
  assertOptionLayout(await loadQuantizedModel(paths.qmodel));
  const art = await loadProvingArtifacts(paths);
  if (opts.kind === undefined && art.manifest.stages.model?.info?.optionKind === undefined) {
    ctx.warn('note: the model does not record an option kind; creating a call series (pass --kind put for puts)');
  }
  const chain = await connectChain(ctx, { network: opts.network });
  const { result, recordFile } = await deployModel(ctx, chain, art, opts);
  const s = result.series[0];
  const totalGas = Object.values(result.gasUsed).reduce((a, b) => a + b, 0n);
  ctx.info(`verifier ${result.contracts.verifier}  registry ${result.contracts.registry}`);
  ctx.info(`feed     ${result.contracts.feed}  engine   ${result.contracts.engine}`);
  if (result.contracts.riskVerifier) ctx.info(`risk verifier ${result.contracts.riskVerifier} (risk circuit registered; ${opts.flatMargin ? "flat margin" : "portfolio margin on"})`);
  ctx.info(`series ${s.seriesId}: ${s.isCall ? "call" : "put"}, strike ${fromRawUnits(s.strike, 18)}, expiry ${new Date(Number(s.expiry) * 1000).toISOString()}; model id registered`);
  ctx.info(`gas used: ${totalGas.toLocaleString("en-US")} in ${Object.keys(result.gasUsed).length} transactions; record ${ctx.show(recordFile)}`);
  if (chain.inProcess) ctx.warn("note: the in-process chain disappears when this process exits; for `zkinfer submit` in another process use --network localhost (npx hardhat node).");
  return {
    model: paths.name,
    network: chain.networkName,
    chainId: chain.chainId.toString(),
    contracts: result.contracts,
    series: result.series.map((x) => ({ ...x, seriesId: x.seriesId.toString(), strike: x.strike.toString(), expiry: x.expiry.toString() })),
    mocks: result.mocks,
    gasUsed: Object.fromEntries(Object.entries(result.gasUsed).map(([k, v]) => [k, v.toString()])),
    record: recordFile,
  };
}

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("deploy")
    .summary("deploy verifier, registry, price feed and margin engine")
    .description(
      "Deploy the model's Groth16 verifier, the model registry (the model id and its input ranges registered), the proven option-price feed with one series, and the margin engine.\n" +
        "If the model has risk-circuit keys (`zkinfer compile --risk`, `setup --risk`), the risk verifier is deployed and registered with its grid, and the engine uses portfolio margin from the proven grid (IM 1.1×, MM 1× the worst scenario loss, plus per-short floors) instead of the flat rule.\n" +
        "On a development chain (the default in-process chain, or localhost) mock spot/volatility oracles and a mock 6-decimal collateral token are deployed unless addresses are given.\n" +
        "The record goes to build/<model>/deployments/<network>.json.",
    )
    .option("--model <name>", "model folder (default: the only one)")
    .option("--network <name>", "Hardhat network (default: the in-process chain)")
    .option("--strike <price>", "strike of the series, quote units", parsePositiveNumber, 2000)
    .option("--expiry-days <n>", "days to expiry of the series", parseInteger(1, 3650), 30)
    .addOption(new Option("--kind <kind>", "call or put (default: the model's dataset kind)").argParser(parseChoice(["call", "put"] as const)))
    .option("--spot <price>", "initial answer of the mock spot oracle", parsePositiveNumber, 2000)
    .option("--vol <v>", "initial answer of the mock volatility oracle (0.5 = 50%)", parsePositiveNumber, 0.5)
    .option("--rate <r>", "risk-free rate of the series (0.05 = 5%)", parseNumber, 0.05)
    .option("--spot-oracle <address>", "existing AggregatorV3 spot oracle")
    .option("--vol-oracle <address>", "existing AggregatorV3 volatility oracle")
    .option("--collateral <address>", "existing ERC-20 collateral token")
    .option("--owner <address>", "final owner (two-step transfer)")
    .option("--force", "overwrite an existing deployment record of this network")
    .option("--no-risk", "leave the model's risk circuit out (default: included when `setup --risk` was run)")
    .option("--flat-margin", "keep the engine's flat margin rule (default with a risk circuit: portfolio margin)")
    .option("--verifier-only", "deploy only the verifier and a registry with the model registered (any feature set; no feed, no engine)")
    .addHelpText("after", examples("zkinfer deploy", "zkinfer deploy --network localhost --strike 2000 --expiry-days 30"))
    .action(action(runtime, deployCommand));
}
