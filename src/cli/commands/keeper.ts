/**
 * `zkinfer keeper`: keep every series of a deployed feed marked (prove each new statement —
 * a single price or a risk vector, per series — and submit it), with warm prover pools
 * in-process or BullMQ workers on Redis.
 * `zkinfer prover-worker`: a keyless prover that takes jobs from the Redis queue.
 */
import os from "node:os";
import type { Command } from "commander";
import { createRedisQueue, parseRedisUrl, runRedisWorker } from "../../keeper/bullmqQueue.js";
import { Option } from "commander";
import { createFeedAdapter, withBackoff } from "../../keeper/chain.js";
import { type ProveJobFn, type StatementKind, proverByKind } from "../../keeper/job.js";
import { type KeeperEvent, startKeeper } from "../../keeper/keeper.js";
import { optionCoverage, poolJobProver, poolRiskJobProver } from "../../keeper/modelProver.js";
import { type ProverPool, type WorkerStats, createProverPool } from "../../keeper/pool.js";
import { createInProcessQueue } from "../../keeper/queue.js";
import { startStatusServer } from "../../keeper/status.js";
import { assertOptionLayout } from "../../chain/optionLayout.js";
import { riskGridHash } from "../../chain/risk.js";
import { readManifest } from "../../manifest/manifest.js";
import { type ModelPaths, resolveModel, riskCircuitFiles, riskKeyFiles } from "../../manifest/paths.js";
import { loadProvingArtifacts } from "../../prove/proving.js";
import { type RiskArtifacts, loadRiskArtifacts } from "../../prove/risk.js";
import { contractAt, connectChain, readDeployment } from "../chain.js";
import { type CliRuntime, action, examples, parseChoice, parseInteger } from "../command.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { assertDeploymentCurrent } from "./submit.js";

export interface KeeperCommandOptions {
  model?: string;
  network?: string;
  series?: string;
  queue?: string;
  workers?: number;
  pollMs?: number;
  statusPort?: number;
  settle?: boolean;
  liquidate?: boolean;
  once?: boolean;
  duration?: number;
  kind?: KeeperKind;
}

/** `--kind`: per series by artifacts and registry (auto), or one kind for every series. */
export const KEEPER_KINDS = ["auto", "price", "risk"] as const;
export type KeeperKind = (typeof KEEPER_KINDS)[number];

/**
 * The model folder's risk artifacts (`zkinfer compile --risk`, then `zkinfer setup --risk`),
 * checked fresh; or, when the folder has none, which file is missing and the command that
 * makes it. Artifacts present but stale or modified are an error (naming the step to re-run).
 */
export async function folderRiskArtifacts(paths: ModelPaths, modelName: string): Promise<{ art: RiskArtifacts } | { missing: string }> {
  const stages = (await readManifest(paths))?.stages ?? {};
  if (!stages.riskCircuit) {
    return { missing: `the model folder has no risk circuit (${riskCircuitFiles(paths, modelName).wasm}): run \`zkinfer compile --risk --model ${paths.name}\`, then \`zkinfer setup --risk --model ${paths.name}\`` };
  }
  if (!stages.riskKeys) return { missing: `the model folder has no risk proving key (${riskKeyFiles(paths, modelName).zkey}): run \`zkinfer setup --risk --model ${paths.name}\`` };
  return { art: await loadRiskArtifacts(paths) };
}

type RiskAvailability = { ok: true } | { ok: false; reason: string; mismatch: boolean };

/**
 * Which statement each series is proven with, decided once per series when the keeper first
 * sees it: "risk" when the folder has risk artifacts and the registry holds a risk circuit for
 * the series' model with the folder's grid; else "price". `--kind risk` makes a series without
 * one an error; `--kind price` proves every series' price.
 */
function seriesKinds(args: {
  choice: KeeperKind;
  risk?: RiskArtifacts;
  feed: { getSeries(id: bigint): Promise<{ modelId: bigint }> };
  registry: { hasRiskCircuit(id: bigint): Promise<boolean>; riskCircuitOf(id: bigint): Promise<{ gridHash: string; priceWidth: bigint | number }>; target: unknown };
  retry: <T>(what: string, fn: () => Promise<T>) => Promise<T>;
  warn: (line: string) => void;
}): { kindOf: (id: bigint) => Promise<StatementKind>; kinds: Map<bigint, StatementKind> } {
  const { choice, risk } = args;
  const kinds = new Map<bigint, StatementKind>();
  const bySeries = new Map<bigint, Promise<StatementKind>>();
  const byModel = new Map<bigint, Promise<RiskAvailability>>();
  const availability = (modelId: bigint): Promise<RiskAvailability> => {
    let p = byModel.get(modelId);
    if (!p) {
      p = (async (): Promise<RiskAvailability> => {
        const where = `the registry at ${String(args.registry.target)}`;
        if (!risk) return { ok: false, reason: "no risk artifacts", mismatch: false };
        if (modelId !== BigInt(risk.q.modelId)) return { ok: false, reason: `the series' model ${modelId} is not this folder's model ${risk.q.modelId}`, mismatch: true };
        if (!(await args.retry(`hasRiskCircuit(${modelId})`, () => args.registry.hasRiskCircuit(modelId)))) {
          return {
            ok: false,
            mismatch: false,
            reason: `${where} has no risk circuit for model ${modelId}: deploy the risk verifier (${risk.verifier}) and register it with ModelRegistry.registerRiskCircuit(${modelId}, layout) as the registry's owner, or redeploy with \`zkinfer deploy --force\` after \`zkinfer setup --risk\` (it registers the risk circuit when its keys exist)`,
          };
        }
        const rc = await args.retry(`riskCircuitOf(${modelId})`, () => args.registry.riskCircuitOf(modelId));
        const local = riskGridHash(risk.spec.grid);
        if (rc.gridHash !== local || Number(rc.priceWidth) !== risk.spec.priceWidth) {
          return { ok: false, mismatch: true, reason: `the risk circuit registered for model ${modelId} (grid ${rc.gridHash}, price width ${rc.priceWidth}) is not the folder's (grid ${local}, price width ${risk.spec.priceWidth}): re-run \`zkinfer compile --risk\` with the registered grid` };
        }
        return { ok: true };
      })();
      byModel.set(modelId, p);
      p.catch(() => byModel.delete(modelId)); // an RPC failure: ask again at the next scan
    }
    return p;
  };
  const decide = async (id: bigint): Promise<StatementKind> => {
    if (choice === "price") return "price";
    if (choice === "auto" && !risk) return "price";
    const { modelId } = await args.retry(`getSeries(${id})`, () => args.feed.getSeries(id));
    const a = await availability(BigInt(modelId));
    if (a.ok) return "risk";
    if (choice === "risk") throw new CliError(`series ${id}: --kind risk, but ${a.reason}`, { details: "Or run the keeper with --kind auto (risk where possible, else price) or --kind price." });
    if (a.mismatch) args.warn(`series ${id}: proven as a price (${a.reason})`);
    return "price";
  };
  return {
    kinds,
    kindOf(id) {
      let p = bySeries.get(id);
      if (!p) {
        p = decide(id).then((k) => (kinds.set(id, k), k));
        bySeries.set(id, p);
        p.catch(() => bySeries.delete(id));
      }
      return p;
    },
  };
}

/** Warm pools per statement kind, each started on first use (or up front with `start`). */
function lazyPools(specs: Partial<Record<StatementKind, { wasmPath: string; zkeyPath: string; size?: number }>>) {
  const pools = new Map<StatementKind, Promise<ProverPool>>();
  const started = new Map<StatementKind, ProverPool>();
  const get = (kind: StatementKind): Promise<ProverPool> => {
    let p = pools.get(kind);
    if (!p) {
      const spec = specs[kind];
      if (!spec) return Promise.reject(new Error(`no ${kind} circuit here`));
      p = createProverPool(spec).then((pool) => (started.set(kind, pool), pool));
      pools.set(kind, p);
      p.catch(() => pools.delete(kind));
    }
    return p;
  };
  return {
    get,
    /** Stats of the started pools, each worker labelled with its circuit. */
    stats(): (WorkerStats & { circuit: StatementKind })[] {
      return [...started].flatMap(([circuit, pool]) => pool.stats().map((w) => ({ circuit, ...w })));
    },
    async close(): Promise<void> {
      await Promise.all([...pools.values()].map((p) => p.then((pool) => pool.close(), () => {})));
    },
  };
}

/** The metrics name of a local pool worker: local/<index> (price), local/risk/<index>. */
const localWorker = (w: { circuit: StatementKind; worker: number }) => (w.circuit === "price" ? `local/${w.worker}` : `local/${w.circuit}/${w.worker}`);

/** "1,2,5" → [1n, 2n, 5n]. */
export function parseSeriesList(value: string): bigint[] {
  const parts = value.split(",").map((s) => s.trim());
  if (parts.some((p) => !/^[1-9]\d*$/.test(p))) throw new CliError(`--series must be comma-separated series ids ≥ 1, got "${value}"`, { details: "Example: --series 1,2,5" });
  return parts.map(BigInt);
}

/** Progress: a status line on a TTY; JSON lines otherwise (on stderr with --json). */
function eventPrinter(ctx: CliContext, tty: boolean) {
  let line = "";
  const counts = { queued: 0, proved: 0, marked: 0, dropped: 0, errors: 0 };
  return (e: KeeperEvent) => {
    if (e.event === "queued") counts.queued++;
    if (e.event === "proved") counts.proved++;
    if (e.event === "marked") counts.marked++;
    if (e.event === "dropped") counts.dropped++;
    if (e.event === "error") counts.errors++;
    if (ctx.options.quiet) return;
    if (!tty || ctx.options.json) {
      ctx.progress(JSON.stringify({ time: new Date().toISOString(), ...e }));
      return;
    }
    const important = e.event === "error" || e.event === "skipped" || e.event === "settled" || e.event === "started" || e.event === "stopped";
    if (important) {
      process.stdout.write(`\r${" ".repeat(line.length)}\r`);
      ctx.progress(e.event === "error" ? `error (${e.reason}) ${e.job ?? e.seriesId ?? ""}: ${e.message}` : e.event === "skipped" ? `skipped series ${e.seriesId}: ${e.reason}` : JSON.stringify(e));
    }
    line = `queued ${counts.queued} · proved ${counts.proved} · marked ${counts.marked} · dropped ${counts.dropped} · errors ${counts.errors}`;
    process.stdout.write(`\r${line}`);
  };
}

export async function keeperCommand(ctx: CliContext, opts: KeeperCommandOptions) {
  const paths = await resolveModel(ctx.root, opts.model);
  const art = await loadProvingArtifacts(paths);
  assertOptionLayout(art.q);
  const choice = opts.kind ?? "auto";
  const folderRisk = choice === "price" ? undefined : await folderRiskArtifacts(paths, art.q.name);
  if (choice === "risk" && folderRisk && "missing" in folderRisk) throw new CliError(`--kind risk, but ${folderRisk.missing}`, { details: "Or run the keeper with --kind auto or --kind price." });
  const risk = folderRisk && "art" in folderRisk ? folderRisk.art : undefined;
  const chain = await connectChain(ctx, { network: opts.network });
  const record = await readDeployment(ctx, paths, chain);
  assertDeploymentCurrent(art, chain);
  const [signer] = await chain.ethers.getSigners();
  if (!signer) throw new CliError(`network "${chain.networkName}" has no account to submit with`, { details: "Configure the submitter's key for this network (npx hardhat keystore)." });
  const series = opts.series !== undefined ? parseSeriesList(opts.series) : undefined;
  const tty = Boolean(process.stdout.isTTY) && !ctx.options.json;
  const log = eventPrinter(ctx, tty);

  const feed = await createFeedAdapter({
    feedAddress: record.contracts.feed,
    ...(opts.liquidate === false ? {} : { engineAddress: record.contracts.engine }),
    signer,
    onRetry: (what, e) => log({ event: "retry", what, message: e instanceof Error ? e.message.split("\n")[0] : String(e) }),
  });
  const feedContract = await contractAt(chain, "OptionPriceFeed", record.contracts.feed);
  const registry = await contractAt(chain, "ModelRegistry", String(await feedContract.registry()));
  const warned = new Set<string>();
  const { kindOf, kinds } = seriesKinds({
    choice,
    risk,
    feed: feedContract as never,
    registry: registry as never,
    retry: (what, fn) => withBackoff(what, fn, undefined, (e) => log({ event: "retry", what, message: e instanceof Error ? e.message.split("\n")[0] : String(e) })),
    warn: (line) => {
      if (!warned.has(line)) ctx.warn(`warning: ${line}`);
      warned.add(line);
    },
  });
  // Local pools (in-process queue): the price pool and, when a series is proven as a risk
  // vector, a second pool on the risk circuit. Each starts when the series at start need it,
  // else on its first job (a series added later).
  const local = opts.queue
    ? undefined
    : lazyPools({ price: { wasmPath: art.wasm, zkeyPath: art.zkey, size: opts.workers }, ...(risk ? { risk: { wasmPath: risk.wasm, zkeyPath: risk.zkey, size: opts.workers } } : {}) });
  const prove = (kind: StatementKind, make: (pool: ProverPool) => ProveJobFn): ProveJobFn => {
    let fn: ProveJobFn | undefined;
    return async (job) => (fn ??= make(await local!.get(kind)))(job);
  };
  let keeper: Awaited<ReturnType<typeof startKeeper>>;
  try {
    if (local) {
      const ids = series ?? (await feed.seriesIds());
      const needed = new Set(await Promise.all(ids.map((id) => kindOf(id))));
      if (ids.length === 0) needed.add("price");
      await Promise.all([...needed].map((k) => local.get(k)));
    }
    keeper = await startKeeper({
      feed,
      series,
      kindOf,
      pollMs: opts.pollMs,
      settle: opts.settle,
      coverage: optionCoverage(art.q, risk?.spec),
      log,
      makeQueue: (handlers) =>
        opts.queue
          ? createRedisQueue({ connection: parseRedisUrl(opts.queue), handlers })
          : Promise.resolve(
              createInProcessQueue({
                prove: proverByKind({ price: prove("price", (p) => poolJobProver(p, art.q)), ...(risk ? { risk: prove("risk", (p) => poolRiskJobProver(p, risk.q, risk.spec)) } : {}) }),
                concurrency: opts.workers ?? Math.max(1, os.availableParallelism()),
                handlers,
              }),
            ),
    });
  } catch (e) {
    await local?.close();
    throw e;
  }
  const kindCounts = () => {
    const c: Record<string, number> = {};
    for (const k of kinds.values()) c[k] = (c[k] ?? 0) + 1;
    return c;
  };
  const counts = kindCounts();
  ctx.progress(tty ? `series kinds (--kind ${choice}): ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(", ") || "none yet"}` : JSON.stringify({ time: new Date().toISOString(), event: "kinds", choice, series: counts }));
  const status = opts.statusPort !== undefined ? await startStatusServer(keeper.metrics, opts.statusPort, () => ({ provers: local?.stats() ?? [], kinds: kindCounts() })) : undefined;
  if (status) ctx.progress(`status on http://127.0.0.1:${status.port}/status and /metrics`);
  const memory = setInterval(() => {
    for (const w of local?.stats() ?? []) keeper.metrics.workerMemory(localWorker(w), w.rssMb);
  }, 1_000);

  // Run until a signal (or --once: until the current statements are marked; --duration).
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
    if (opts.once) void keeper.idle().then(done);
    if (opts.duration !== undefined) setTimeout(done, opts.duration * 1000).unref();
  });
  clearInterval(memory);
  await keeper.stop();
  const provers = local?.stats() ?? [];
  await local?.close();
  await status?.close();
  if (tty) process.stdout.write("\n");
  const m = keeper.metrics.toJSON();
  ctx.info(`keeper stopped: ${m.submissions} marks, ${m.proofs} proofs, ${m.settlements} settlements; failures ${JSON.stringify(m.failures)}`);
  return {
    network: chain.networkName,
    feed: record.contracts.feed,
    queue: opts.queue ? "redis" : "in-process",
    kind: choice,
    kinds: Object.fromEntries([...kinds].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, k]) => [id.toString(), k])),
    ...m,
    provers,
  };
}

export interface ProverWorkerOptions {
  model?: string;
  queue?: string;
  workers?: number;
  lockMs?: number;
  kinds?: string;
}

/** "price,risk" → the statement kinds a prover-worker proves (each once). */
export function parseKindList(value: string): StatementKind[] {
  const parts = value.split(",").map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => p !== "price" && p !== "risk")) throw new CliError(`--kinds must be comma-separated statement kinds (price, risk), got "${value}"`, { details: "Example: --kinds price,risk" });
  return [...new Set(parts as StatementKind[])];
}

export async function proverWorkerCommand(ctx: CliContext, opts: ProverWorkerOptions) {
  if (!opts.queue) throw new CliError("prover-worker needs --queue redis://host:port", { details: "The keeper and its workers share one Redis (`zkinfer keeper --queue redis://…`)." });
  const connection = parseRedisUrl(opts.queue);
  const paths = await resolveModel(ctx.root, opts.model);
  const asked = opts.kinds !== undefined ? parseKindList(opts.kinds) : undefined;
  const art = await loadProvingArtifacts(paths);
  assertOptionLayout(art.q);
  // Default: price, and risk when the folder has the risk circuit's artifacts.
  const folderRisk = asked && !asked.includes("risk") ? undefined : await folderRiskArtifacts(paths, art.q.name);
  if (asked?.includes("risk") && folderRisk && "missing" in folderRisk) throw new CliError(`--kinds ${opts.kinds}, but ${folderRisk.missing}`, { details: "Or leave out risk: --kinds price." });
  const risk = folderRisk && "art" in folderRisk ? folderRisk.art : undefined;
  const kinds: StatementKind[] = asked ?? ["price", ...(risk ? (["risk"] as const) : [])];
  const pools: Partial<Record<StatementKind, ProverPool>> = {};
  try {
    if (kinds.includes("price")) pools.price = await createProverPool({ wasmPath: art.wasm, zkeyPath: art.zkey, size: opts.workers });
    if (kinds.includes("risk") && risk) pools.risk = await createProverPool({ wasmPath: risk.wasm, zkeyPath: risk.zkey, size: opts.workers });
  } catch (e) {
    await Promise.all(Object.values(pools).map((p) => p.close()));
    throw e;
  }
  const provers: Partial<Record<StatementKind, ProveJobFn>> = {
    ...(pools.price ? { price: poolJobProver(pools.price, art.q) } : {}),
    ...(pools.risk && risk ? { risk: poolRiskJobProver(pools.risk, risk.q, risk.spec) } : {}),
  };
  const routed = proverByKind(provers);
  const why = (kind: StatementKind) =>
    kind === "risk" ? (folderRisk && "missing" in folderRisk ? folderRisk.missing : "started with --kinds without risk") : "started with --kinds without price";
  const worker = await runRedisWorker({
    connection,
    // A job of a kind this worker has no pool for fails naming its kind (BullMQ retries it,
    // possibly on another worker, and reports it to the keeper after the last attempt).
    prove: (job) => (provers[job.kind] ? routed(job) : Promise.reject(new Error(`job ${job.id}: kind = ${JSON.stringify(job.kind)}, but this prover-worker proves only ${Object.keys(provers).join(", ")} (${why(job.kind)})`))),
    concurrency: Math.max(...Object.values(pools).map((p) => p.size)),
    lockDurationMs: opts.lockMs,
    stalledIntervalMs: opts.lockMs,
    onEvent: (e) => ctx.progress(JSON.stringify({ time: new Date().toISOString(), ...e })),
  });
  const stats = () => (Object.entries(pools) as [StatementKind, ProverPool][]).flatMap(([circuit, p]) => p.stats().map((w) => ({ circuit, ...w })));
  ctx.progress(JSON.stringify({ time: new Date().toISOString(), type: "ready", worker: worker.id, kinds: Object.keys(provers), provers: Object.fromEntries(Object.entries(pools).map(([k, p]) => [k, p.size])), host: os.hostname(), queue: `${connection.host}:${connection.port}` }));
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  // BullMQ's close waits for the running jobs; a job cut off here is retried elsewhere.
  await worker.close();
  const final = stats();
  await Promise.all(Object.values(pools).map((p) => p.close()));
  return { worker: worker.id, kinds: Object.keys(provers), provers: final };
}

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("keeper")
    .summary("keep every series of the deployed feed marked: prove each new oracle round and submit it")
    .description(
      "Watches the feed's series (oracle events and polling), proves each series' current statement on a warm prover pool (one process per core) and submits it with the network's first account, in order. A proof whose oracle moved before inclusion is dropped and the new statement proven; a round the chain already holds is never sent again. Series outside the model's ranges are skipped with the reason; expired series are settled; after each mark, accounts of that series below maintenance in the margin engine are liquidated (the bonus goes to the submitter).\n" +
        "Statement per series (--kind auto, the default): a risk vector (mark, stress-grid prices, Δ, Γ; OptionPriceFeed.submitRisk) when the model folder has the risk circuit's artifacts (`zkinfer compile --risk`, `zkinfer setup --risk`) and the registry holds a risk circuit with that grid for the series' model; else a single price (submit). Decided when the keeper first sees a series. Risk series are proven on a second warm pool holding the risk circuit, started only when a series needs it. A risk series whose inputs leave the risk circuit's mark range (narrower than the model's) is marked with its single price until it is back in range (logged as risk-fallback). --kind risk makes a missing risk circuit (folder or registry) an error.\n" +
        "With --queue redis://host:port, jobs go to BullMQ on Redis (≥ 6.2) for `zkinfer prover-worker` processes on any machine; this process stays the only submitter.\n" +
        "SIGINT/SIGTERM: in-flight proofs finish and are submitted (in-process) or stay queued in Redis. Progress: a status line on a terminal, JSON lines otherwise.",
    )
    .option("--model <name>", "model folder (default: the only one)")
    .option("--network <name>", "Hardhat network (default: the in-process chain)")
    .option("--series <ids>", "only these series, comma-separated (default: all, including new ones)")
    .option("--queue <url>", "BullMQ queue on Redis, redis://host:port (default: in-process)")
    .option("--workers <n>", "local prover processes per pool, and proofs at once (default: one per core)", parseInteger(1, 256))
    .option("--poll-ms <ms>", "poll interval (default 2000)", parseInteger(50))
    .option("--status-port <port>", "serve /status (JSON) and /metrics (Prometheus) on 127.0.0.1:<port> (0: any free port)", parseInteger(0, 65_535))
    .option("--no-settle", "do not settle expired series")
    .option("--no-liquidate", "do not liquidate accounts below maintenance in the margin engine")
    .addOption(new Option("--kind <kind>", "statement per series: auto (risk vector where the folder and the registry have a risk circuit, else price), price, or risk").argParser(parseChoice(KEEPER_KINDS)).default("auto"))
    .option("--once", "exit once the current statements are marked")
    .option("--duration <s>", "exit after this many seconds", parseInteger(1))
    .addHelpText("after", examples("zkinfer keeper --network localhost --status-port 9464", "zkinfer keeper --network localhost --kind price --series 1,2", "zkinfer keeper --network localhost --queue redis://10.0.0.5:6379 --series 1,2,3"))
    .action(action(runtime, keeperCommand));
  program
    .command("prover-worker")
    .summary("prove keeper jobs from a Redis queue (holds no keys)")
    .description(
      "Takes prove jobs from the BullMQ queue at --queue, proves them on a warm prover pool (one process per core) with the model's artifacts, and returns the proofs to the keeper. Needs only the model folder (circuit and proving key), no chain access and no keys. A job whose worker dies is retried by another after --lock-ms.\n" +
        "Price jobs go to a pool on the price circuit; risk-vector jobs to a second pool on the risk circuit, loaded when the folder has its artifacts (`zkinfer compile --risk`, `zkinfer setup --risk`) or with --kinds. A job of a kind this worker has no pool for fails with a message naming the kind (BullMQ retries it, on any worker, then reports it to the keeper).",
    )
    .option("--model <name>", "model folder (default: the only one)")
    .requiredOption("--queue <url>", "redis://host:port of the keeper's queue")
    .option("--workers <n>", "prover processes per pool, and proofs at once (default: one per core)", parseInteger(1, 256))
    .option("--lock-ms <ms>", "job lock; a dead worker's job is retried after this (default 30000)", parseInteger(500))
    .option("--kinds <list>", "statement kinds to prove, comma-separated: price, risk (default: price, and risk when the folder has the risk circuit's artifacts)")
    .addHelpText("after", examples("zkinfer prover-worker --queue redis://10.0.0.5:6379", "zkinfer prover-worker --queue redis://10.0.0.5:6379 --kinds risk"))
    .action(action(runtime, proverWorkerCommand));
}
