/**
 * `zkinfer keeper`: keep every series of a deployed feed marked (prove each new statement
 * and submit it), with a warm prover pool in-process or BullMQ workers on Redis.
 * `zkinfer prover-worker`: a keyless prover that takes jobs from the Redis queue.
 */
import os from "node:os";
import type { Command } from "commander";
import { createRedisQueue, parseRedisUrl, runRedisWorker } from "../../keeper/bullmqQueue.js";
import { createFeedAdapter } from "../../keeper/chain.js";
import { proverByKind } from "../../keeper/job.js";
import { type KeeperEvent, startKeeper } from "../../keeper/keeper.js";
import { optionCoverage, poolJobProver } from "../../keeper/modelProver.js";
import { createProverPool } from "../../keeper/pool.js";
import { createInProcessQueue } from "../../keeper/queue.js";
import { startStatusServer } from "../../keeper/status.js";
import { assertOptionLayout } from "../../chain/optionLayout.js";
import { resolveModel } from "../../manifest/paths.js";
import { loadProvingArtifacts } from "../../prove/proving.js";
import { connectChain, readDeployment } from "../chain.js";
import { type CliRuntime, action, examples, parseInteger } from "../command.js";
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
}

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
  const pool = opts.queue ? undefined : await createProverPool({ wasmPath: art.wasm, zkeyPath: art.zkey, size: opts.workers });
  const keeper = await startKeeper({
    feed,
    series,
    pollMs: opts.pollMs,
    settle: opts.settle,
    coverage: optionCoverage(art.q),
    log,
    makeQueue: (handlers) =>
      opts.queue
        ? createRedisQueue({ connection: parseRedisUrl(opts.queue), handlers })
        : Promise.resolve(createInProcessQueue({ prove: proverByKind({ price: poolJobProver(pool!, art.q) }), concurrency: pool!.size, handlers })),
  });
  const status = opts.statusPort !== undefined ? await startStatusServer(keeper.metrics, opts.statusPort, () => ({ workers: pool?.stats() ?? [] })) : undefined;
  if (status) ctx.progress(`status on http://127.0.0.1:${status.port}/status and /metrics`);
  const memory = setInterval(() => {
    for (const w of pool?.stats() ?? []) keeper.metrics.workerMemory(`local/${w.worker}`, w.rssMb);
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
  await pool?.close();
  await status?.close();
  if (tty) process.stdout.write("\n");
  const m = keeper.metrics.toJSON();
  ctx.info(`keeper stopped: ${m.submissions} marks, ${m.proofs} proofs, ${m.settlements} settlements; failures ${JSON.stringify(m.failures)}`);
  return { network: chain.networkName, feed: record.contracts.feed, queue: opts.queue ? "redis" : "in-process", ...m, provers: pool?.stats() ?? [] };
}

export interface ProverWorkerOptions {
  model?: string;
  queue?: string;
  workers?: number;
  lockMs?: number;
}

export async function proverWorkerCommand(ctx: CliContext, opts: ProverWorkerOptions) {
  if (!opts.queue) throw new CliError("prover-worker needs --queue redis://host:port", { details: "The keeper and its workers share one Redis (`zkinfer keeper --queue redis://…`)." });
  const connection = parseRedisUrl(opts.queue);
  const paths = await resolveModel(ctx.root, opts.model);
  const art = await loadProvingArtifacts(paths);
  assertOptionLayout(art.q);
  const pool = await createProverPool({ wasmPath: art.wasm, zkeyPath: art.zkey, size: opts.workers });
  const worker = await runRedisWorker({
    connection,
    // Price jobs only: a risk job (a series configured for the risk circuit) fails naming its kind.
    prove: proverByKind({ price: poolJobProver(pool, art.q) }),
    concurrency: pool.size,
    lockDurationMs: opts.lockMs,
    stalledIntervalMs: opts.lockMs,
    onEvent: (e) => ctx.progress(JSON.stringify({ time: new Date().toISOString(), ...e })),
  });
  ctx.progress(JSON.stringify({ time: new Date().toISOString(), type: "ready", worker: worker.id, provers: pool.size, host: os.hostname(), queue: `${connection.host}:${connection.port}` }));
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  // BullMQ's close waits for the running jobs; a job cut off here is retried elsewhere.
  await worker.close();
  const stats = pool.stats();
  await pool.close();
  return { worker: worker.id, provers: stats };
}

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("keeper")
    .summary("keep every series of the deployed feed marked: prove each new oracle round and submit it")
    .description(
      "Watches the feed's series (oracle events and polling), proves each series' current statement on a warm prover pool (one process per core) and submits it with the network's first account, in order. A proof whose oracle moved before inclusion is dropped and the new statement proven; a round the chain already holds is never sent again. Series outside the model's ranges are skipped with the reason; expired series are settled; after each mark, accounts of that series below maintenance in the margin engine are liquidated (the bonus goes to the submitter).\n" +
        "With --queue redis://host:port, jobs go to BullMQ on Redis (≥ 6.2) for `zkinfer prover-worker` processes on any machine; this process stays the only submitter.\n" +
        "SIGINT/SIGTERM: in-flight proofs finish and are submitted (in-process) or stay queued in Redis. Progress: a status line on a terminal, JSON lines otherwise.",
    )
    .option("--model <name>", "model folder (default: the only one)")
    .option("--network <name>", "Hardhat network (default: the in-process chain)")
    .option("--series <ids>", "only these series, comma-separated (default: all, including new ones)")
    .option("--queue <url>", "BullMQ queue on Redis, redis://host:port (default: in-process)")
    .option("--workers <n>", "local prover processes (default: one per core)", parseInteger(1, 256))
    .option("--poll-ms <ms>", "poll interval (default 2000)", parseInteger(50))
    .option("--status-port <port>", "serve /status (JSON) and /metrics (Prometheus) on 127.0.0.1:<port> (0: any free port)", parseInteger(0, 65_535))
    .option("--no-settle", "do not settle expired series")
    .option("--no-liquidate", "do not liquidate accounts below maintenance in the margin engine")
    .option("--once", "exit once the current statements are marked")
    .option("--duration <s>", "exit after this many seconds", parseInteger(1))
    .addHelpText("after", examples("zkinfer keeper --network localhost --status-port 9464", "zkinfer keeper --network localhost --queue redis://10.0.0.5:6379 --series 1,2,3"))
    .action(action(runtime, keeperCommand));
  program
    .command("prover-worker")
    .summary("prove keeper jobs from a Redis queue (holds no keys)")
    .description("Takes prove jobs from the BullMQ queue at --queue, proves them on a warm prover pool (one process per core) with the model's artifacts, and returns the proofs to the keeper. Needs only the model folder (circuit and proving key), no chain access and no keys. A job whose worker dies is retried by another after --lock-ms.")
    .option("--model <name>", "model folder (default: the only one)")
    .requiredOption("--queue <url>", "redis://host:port of the keeper's queue")
    .option("--workers <n>", "prover processes (default: one per core)", parseInteger(1, 256))
    .option("--lock-ms <ms>", "job lock; a dead worker's job is retried after this (default 30000)", parseInteger(500))
    .addHelpText("after", examples("zkinfer prover-worker --queue redis://10.0.0.5:6379"))
    .action(action(runtime, proverWorkerCommand));
}
