/**
 * The keeper's one adapter to the chain: everything it reads from and sends to the feed goes
 * through `FeedAdapter`, written against today's `OptionPriceFeed` (contracts/
 * OptionPriceFeed.sol) and the statement rules of src/chain/optionStatement.ts.
 *
 * The feed keys a mark by (spot round, volatility round): `observedAt` is the spot round's
 * updatedAt (non-decreasing per series) and the stored price records its volatility round
 * (`lastVolRound`); only the oracles' latest rounds are accepted. So:
 * - a series is marked for (spot round, vol round) when the feed's last `observedAt` is after
 *   the spot round's updatedAt, or equal to it with the same volatility round (`isMarked`);
 *   a new volatility round on the same spot round is proven and submitted again;
 * - a proof is stale as soon as either oracle has a newer round (`ObservationNotLatestRound`,
 *   `VolatilityMismatch`), and while an L2 sequencer is down or in its grace period
 *   (`SequencerDown`, `SequencerGracePeriod`: the next poll proves again).
 */
import { Contract, type ContractRunner, Interface, type InterfaceAbi, type Provider, type Signer } from "ethers";
import { contractArtifact } from "../chain/contractArtifacts.js";
import { expectedOptionInputs, type OptionInputs } from "../chain/optionStatement.js";
import { revertData } from "../chain/revertData.js";
import type { MarkKey, ProveResult, StatementKind } from "./job.js";

/**
 * The shipped contracts' ABIs (src/chain/contractArtifacts.ts): in step with contracts/ by
 * construction. Read on first use, not at import: the CLI imports the keeper for its command
 * list, and in a fresh clone the artifacts exist only once the chain commands built them.
 */
function lazy<T>(load: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= load());
}
export const feedAbi = lazy(() => contractArtifact("OptionPriceFeed").abi as InterfaceAbi);
export const engineAbi = lazy(() => contractArtifact("MarginEngine").abi as InterfaceAbi);
/**
 * The oracle reads: AggregatorV3Interface's functions (from the shipped MockV3Aggregator, which
 * implements it), plus Chainlink's `AnswerUpdated` event of OCR aggregators. The mock emits no
 * event, and a Chainlink proxy does not either (its aggregator does): there, polling finds the
 * new rounds.
 */
export const oracleAbi = lazy(
  (): InterfaceAbi =>
    [
      ...(contractArtifact("MockV3Aggregator").abi as { type: string; name?: string }[]).filter((f) => f.type === "function" && ["decimals", "description", "version", "getRoundData", "latestRoundData"].includes(f.name ?? "")),
      "event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt)",
    ] as InterfaceAbi,
);

/** Reverts of a mark that mean "someone already marked this round" (do not send it again). */
export const DONE_ERRORS: ReadonlySet<string> = new Set(["ObservationNotNewer", "AlreadySettled"]);
/** Reverts that mean "the sequencer is not usable now: retry later" (not stale, not done). */
export const RETRY_ERRORS: ReadonlySet<string> = new Set(["SequencerDown", "SequencerGracePeriod", "SequencerUnusable"]);
/** Reverts that mean "the oracle moved on: this proof is stale" (prove the new statement). */
export const STALE_ERRORS: ReadonlySet<string> = new Set(["ObservationNotLatestRound", "VolatilityMismatch", "MoneynessMismatch", "TimeToExpiryMismatch", "StaleOracle"]);

export interface SeriesInfo {
  seriesId: bigint;
  spotOracle: string;
  volOracle: string;
  strike: bigint;
  expiry: bigint;
  rate: bigint;
  isCall: boolean;
  spotHeartbeat: bigint;
  volHeartbeat: bigint;
}

/** The series' statement now: what a proof must carry, and its replay key. */
export interface SeriesStatement {
  key: MarkKey;
  inputs: OptionInputs;
  /** updatedAt of the newer of the two rounds (unix s). */
  roundAt: number;
  /** The chain's latest block time (unix s). */
  now: bigint;
}

export interface Marked {
  observedAt: bigint;
  /** Volatility round id of the stored price (the feed's `lastVolRound`). */
  volRound: bigint;
  settled: boolean;
}

export type SubmitOutcome =
  | { status: "included"; txHash: string; blockNumber: number; gasUsed: bigint }
  | { status: "stale"; reason: string }
  | { status: "already-marked"; reason: string }
  | { status: "retry-later"; reason: string };

export class RpcError extends Error {
  override name = "RpcError";
}

/** Retry policy for reads and sends when the RPC fails (not when the contract reverts). */
export interface Backoff {
  attempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { attempts: 8, firstDelayMs: 100, maxDelayMs: 5_000 };

// The feed's and the engine's errors in one interface (same-signature duplicates collapse).
const feedErrors = lazy(() => new Interface([...(feedAbi() as readonly unknown[]), ...(engineAbi() as { type: string }[]).filter((f) => f.type === "error")] as InterfaceAbi));

/** The custom error a call reverted with, if it reverted (undefined for RPC failures). */
export function revertName(e: unknown): string | undefined {
  const data = revertData(e);
  if (!data) return undefined;
  try {
    return feedErrors().parseError(data)?.name ?? "unknown revert";
  } catch {
    return "unknown revert";
  }
}

/**
 * What a reverted mark means for the keeper (static call or send alike): done, stale or retry
 * later; undefined for a revert it does not handle, and for RPC failures (no revert data).
 */
export function markRevertOutcome(e: unknown): Exclude<SubmitOutcome, { status: "included" }> | undefined {
  const name = revertName(e);
  if (name === undefined) return undefined;
  if (DONE_ERRORS.has(name)) return { status: "already-marked", reason: name };
  if (RETRY_ERRORS.has(name)) return { status: "retry-later", reason: name };
  if (STALE_ERRORS.has(name)) return { status: "stale", reason: name };
  return undefined;
}

/** Call `fn`, retrying with exponential backoff while it fails without revert data. */
export async function withBackoff<T>(what: string, fn: () => Promise<T>, b: Backoff = DEFAULT_BACKOFF, onRetry?: (e: unknown, attempt: number) => void): Promise<T> {
  let delay = b.firstDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (revertData(e) !== undefined || attempt >= b.attempts) {
        if (revertData(e) === undefined) throw new RpcError(`${what}: RPC failed ${attempt} times: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`, { cause: e });
        throw e;
      }
      onRetry?.(e, attempt);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(b.maxDelayMs, delay * 2);
    }
  }
}

export interface FeedAdapter {
  readonly address: string;
  seriesIds(): Promise<bigint[]>;
  series(seriesId: bigint): Promise<SeriesInfo>;
  /** Whether this feed can take marks of `kind` (its ABI has the function that submits them). */
  supports(kind: StatementKind): boolean;
  /** The statement of now for a series proven as `kind` (default "price"). */
  statement(seriesId: bigint, kind?: StatementKind): Promise<SeriesStatement>;
  marked(seriesId: bigint): Promise<Marked>;
  /** Whether the chain already holds a mark for `key` (the feed's replay rule). */
  isMarked(key: MarkKey, marked: Marked, statement: SeriesStatement): boolean;
  /** Submit a proof of `key.kind` (see `MARK_FUNCTIONS`). */
  submit(key: MarkKey, observedAt: bigint, proof: ProveResult): Promise<SubmitOutcome>;
  /** Settle an expired series with the first spot round at or after expiry, if there is one. */
  settle(seriesId: bigint): Promise<SubmitOutcome | { status: "no-round"; reason: string }>;
  /** Accounts that ever opened a position in `seriesId` (the margin engine's event log). */
  accountsIn?(seriesId: bigint): Promise<string[]>;
  /** Liquidate `account` if it is below maintenance now; undefined if healthy. */
  liquidate?(account: string): Promise<SubmitOutcome | undefined>;
  /** Call `cb` on every new oracle round of these oracles (events; the keeper also polls). */
  watchOracles(oracles: string[], cb: (oracle: string) => void): () => void;
}

/**
 * The feed function that takes a mark of each kind; all take (seriesId, observedAt, a, b, c,
 * publicSignals). `submitRisk` is the risk statement's entry point (its public signals: the
 * packed risk outputs, then the same 4 raw inputs as the price statement; the model needs a
 * registered risk circuit); a feed whose ABI lacks it cannot take risk marks
 * (`supports("risk")` is false and the keeper refuses such series at start).
 */
export const MARK_FUNCTIONS: Readonly<Record<StatementKind, string>> = { price: "submit", risk: "submitRisk" };

export class UnsupportedKindError extends Error {
  override name = "UnsupportedKindError";
}

export interface FeedAdapterOptions {
  feedAddress: string;
  /** The margin engine to liquidate in (the liquidator role; omit to leave it to others). */
  engineAddress?: string;
  /** The submitter's signer (holds the key); reads go through its provider. */
  signer: Signer;
  backoff?: Backoff;
  /** How often oracle event logs are read (ms, default 1 000). */
  eventPollMs?: number;
  onRetry?: (what: string, e: unknown) => void;
}

export async function createFeedAdapter(o: FeedAdapterOptions): Promise<FeedAdapter> {
  const provider = o.signer.provider as Provider;
  if (!provider) throw new Error("the submitter's signer has no provider");
  const feed = new Contract(o.feedAddress, feedAbi(), o.signer);
  const backoff = o.backoff ?? DEFAULT_BACKOFF;
  const retry = <T>(what: string, fn: () => Promise<T>) => withBackoff(what, fn, backoff, (e) => o.onRetry?.(what, e));
  const oracle = (a: string, runner: ContractRunner = provider) => new Contract(a, oracleAbi(), runner);
  const infoCache = new Map<bigint, SeriesInfo>();
  const decimalsCache = new Map<string, number>();
  const from = await o.signer.getAddress();
  // Nonces: one signer, transactions sent in order by one submitter. The next nonce is kept
  // here and re-read from the chain only after a send failed (it may or may not have landed).
  let nonce: number | undefined;

  async function decimals(a: string): Promise<number> {
    let d = decimalsCache.get(a);
    if (d === undefined) {
      d = Number(await retry("oracle decimals", () => oracle(a).decimals()));
      decimalsCache.set(a, d);
    }
    return d;
  }

  async function series(seriesId: bigint): Promise<SeriesInfo> {
    const hit = infoCache.get(seriesId);
    if (hit) return hit;
    const s = await retry(`getSeries(${seriesId})`, () => feed.getSeries(seriesId));
    const info: SeriesInfo = {
      seriesId,
      spotOracle: s.spotOracle,
      volOracle: s.volOracle,
      strike: BigInt(s.strike),
      expiry: BigInt(s.expiry),
      rate: BigInt(s.rate),
      isCall: s.isCall,
      spotHeartbeat: BigInt(s.spotHeartbeat),
      volHeartbeat: BigInt(s.volHeartbeat),
    };
    infoCache.set(seriesId, info);
    return info;
  }

  async function latestRound(a: string) {
    const [roundId, answer, , updatedAt] = await retry("latestRoundData", () => oracle(a).latestRoundData());
    return { roundId: BigInt(roundId), answer: BigInt(answer), updatedAt: BigInt(updatedAt), decimals: await decimals(a) };
  }

  async function sendWithNonce(what: string, send: (nonce: number) => Promise<{ hash: string; wait(): Promise<unknown> }>) {
    for (let attempt = 1; ; attempt++) {
      nonce ??= await retry("nonce", () => provider.getTransactionCount(from, "pending"));
      const n = nonce;
      try {
        const tx = await send(n);
        nonce = n + 1;
        const receipt = (await retry(`${what} receipt`, async () => {
          const r = await provider.getTransactionReceipt(tx.hash);
          if (r) return r;
          return (await tx.wait()) as Awaited<ReturnType<Provider["getTransactionReceipt"]>>;
        }))!;
        return { tx, receipt };
      } catch (e) {
        if (revertData(e) !== undefined) throw e; // the contract refused: the caller decides
        nonce = undefined; // unknown whether it landed: re-read the chain's nonce
        if (attempt >= backoff.attempts) throw new RpcError(`${what}: RPC failed ${attempt} times: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`, { cause: e });
        o.onRetry?.(what, e);
        await new Promise((r) => setTimeout(r, Math.min(backoff.maxDelayMs, backoff.firstDelayMs * 2 ** attempt)));
      }
    }
  }

  const engine = o.engineAddress ? new Contract(o.engineAddress, engineAbi(), o.signer) : undefined;
  // Accounts per series, from PositionOpened logs read incrementally (block after the last read).
  const accounts = new Map<bigint, Set<string>>();
  let accountsFromBlock = 0;
  let accountsRead: Promise<void> | undefined;
  async function readAccounts(): Promise<void> {
    const to = await retry("block number", () => provider.getBlockNumber());
    if (to < accountsFromBlock) return;
    const logs = await retry("PositionOpened logs", () => engine!.queryFilter(engine!.filters.PositionOpened(), accountsFromBlock, to));
    for (const l of logs) {
      const [account, seriesId] = (l as unknown as { args: [string, bigint] }).args;
      const set = accounts.get(BigInt(seriesId)) ?? new Set<string>();
      set.add(account);
      accounts.set(BigInt(seriesId), set);
    }
    accountsFromBlock = to + 1;
  }

  /** The one place a statement kind meets the chain: the feed function that marks it. */
  function markFunction(kind: StatementKind) {
    const name = Object.hasOwn(MARK_FUNCTIONS, kind) ? MARK_FUNCTIONS[kind] : undefined;
    if (!name) throw new UnsupportedKindError(`kind = ${JSON.stringify(kind)}: not a statement kind (${Object.keys(MARK_FUNCTIONS).join(", ")})`);
    if (!feed.interface.getFunction(name)) {
      throw new UnsupportedKindError(`kind = ${JSON.stringify(kind)}: the feed's ABI has no ${name}(seriesId, observedAt, a, b, c, publicSignals); supported: ${supportedKinds().join(", ")}`);
    }
    return feed.getFunction(name);
  }
  const supportedKinds = () => (Object.keys(MARK_FUNCTIONS) as StatementKind[]).filter((k) => feed.interface.getFunction(MARK_FUNCTIONS[k]) !== null);

  const adapter: FeedAdapter = {
    address: o.feedAddress,
    supports: (kind) => supportedKinds().includes(kind),
    async seriesIds() {
      const n = Number(await retry("seriesCount", () => feed.seriesCount()));
      return Array.from({ length: n }, (_, i) => BigInt(i + 1));
    },
    series,
    async statement(seriesId, kind = "price") {
      const s = await series(seriesId);
      const [spot, vol, block] = await Promise.all([latestRound(s.spotOracle), latestRound(s.volOracle), retry("latest block", () => provider.getBlock("latest"))]);
      return {
        key: { seriesId, spotRound: spot.roundId, volRound: vol.roundId, kind },
        inputs: expectedOptionInputs({ strike: s.strike, expiry: s.expiry, rate: s.rate }, spot, vol),
        roundAt: Number(spot.updatedAt > vol.updatedAt ? spot.updatedAt : vol.updatedAt),
        now: BigInt(block!.timestamp),
      };
    },
    async marked(seriesId) {
      // Read fresh every time: the volatility round of the stored price changes with each mark.
      // Marks of either kind are read here: `submitRisk` stores its mark through the same
      // replay rule and storage as `submit` (observedAt, lastVolRound; PriceSubmitted too).
      const [[, , observedAt, , settled], s] = await Promise.all([
        retry(`latestObservation(${seriesId})`, () => feed.latestObservation(seriesId)),
        retry(`getSeries(${seriesId})`, () => feed.getSeries(seriesId)),
      ]);
      return { observedAt: BigInt(observedAt), volRound: BigInt(s.lastVolRound), settled: Boolean(settled) };
    },
    isMarked(key, marked, st) {
      // The feed's replay key: (spot round's updatedAt, volatility round). A newer spot round
      // on chain, or the same spot round with this volatility round, means already marked.
      if (marked.settled || marked.observedAt > st.inputs.observedAt) return true;
      return marked.observedAt === st.inputs.observedAt && marked.volRound === key.volRound;
    },
    async submit(key, observedAt, p) {
      const args = [key.seriesId, observedAt, p.a, p.b, p.c, p.publicSignals] as const;
      const mark = markFunction(key.kind);
      const what = MARK_FUNCTIONS[key.kind];
      // A static call first: a stale or duplicate proof is refused without spending a nonce.
      try {
        await retry(`${what} (static call)`, () => mark.staticCall(...args));
        const { tx, receipt } = await sendWithNonce(what, (nonce) => mark(...args, { nonce }));
        if (receipt.status !== 1) return { status: "stale", reason: "reverted on inclusion" };
        return { status: "included", txHash: tx.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed };
      } catch (e) {
        const outcome = markRevertOutcome(e);
        if (outcome) return outcome;
        throw e;
      }
    },
    async settle(seriesId) {
      const s = await series(seriesId);
      const spot = await latestRound(s.spotOracle);
      if (spot.updatedAt < s.expiry) return { status: "no-round", reason: `no spot round at or after expiry ${s.expiry} yet` };
      // Walk back over the rounds at or after expiry (round ids sequential, as the feed
      // assumes) and take the first VALID one: answer > 0 and not future-dated.
      const now = BigInt((await retry("latest block", () => provider.getBlock("latest")))!.timestamp);
      let r: bigint | undefined;
      for (let id = spot.roundId, i = 0; i < 1_000 && id >= 1n; i++, id--) {
        const [, answer, , updated] = await retry("getRoundData", () => oracle(s.spotOracle).getRoundData(id));
        if (BigInt(updated) < s.expiry) break;
        if (BigInt(answer) > 0n && BigInt(updated) <= now) r = id;
      }
      if (r === undefined) return { status: "no-round", reason: `no valid spot round at or after expiry ${s.expiry} yet` };
      const round = r;
      try {
        await retry("settle (static call)", () => feed.settle.staticCall(seriesId, round));
        const { tx, receipt } = await sendWithNonce("settle", (nonce) => feed.settle(seriesId, round, { nonce }));
        return { status: "included", txHash: tx.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed };
      } catch (e) {
        const name = revertName(e);
        if (name === "AlreadySettled") return { status: "already-marked", reason: name };
        if (name && RETRY_ERRORS.has(name)) return { status: "retry-later", reason: name };
        // The walk raced a new round or hit the feed's skip limit: say so, try at the next scan.
        if (name === "SettlementRoundNotFirst" || name === "SettlementTooManyRounds") return { status: "no-round", reason: name };
        throw e;
      }
    },
    ...(engine
      ? {
          async accountsIn(seriesId: bigint) {
            accountsRead ??= readAccounts().finally(() => (accountsRead = undefined));
            await accountsRead;
            return [...(accounts.get(seriesId) ?? [])];
          },
          async liquidate(account: string): Promise<SubmitOutcome | undefined> {
            if (!(await retry("isLiquidatable", () => engine.isLiquidatable(account)))) return undefined;
            try {
              await retry("liquidate (static call)", () => engine.liquidate.staticCall(account));
            } catch (e) {
              const name = revertName(e);
              if (name) return { status: "stale", reason: name };
              throw e;
            }
            const { tx, receipt } = await sendWithNonce("liquidate", (nonce) => engine.liquidate(account, { nonce }));
            return { status: "included", txHash: tx.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed };
          },
        }
      : {}),
    watchOracles(oracles, cb) {
      // The oracles' AnswerUpdated logs, read block range by block range (one eth_getLogs per
      // interval; no node-side filters to leak when the RPC drops or the keeper stops).
      const topic = new Interface(oracleAbi()).getEvent("AnswerUpdated")!.topicHash;
      let from: number | undefined;
      let stopped = false;
      let timer: NodeJS.Timeout | undefined;
      const tick = async () => {
        try {
          const to = await provider.getBlockNumber();
          if (from === undefined) from = to + 1;
          else if (to >= from) {
            const logs = await provider.getLogs({ address: oracles, topics: [topic], fromBlock: from, toBlock: to });
            from = to + 1;
            for (const a of new Set(logs.map((l) => l.address))) cb(oracles.find((x) => x.toLowerCase() === a.toLowerCase()) ?? a);
          }
        } catch {
          // an RPC failure: the next tick reads the same range again; polling covers the rest
        }
        if (!stopped) timer = setTimeout(tick, o.eventPollMs ?? 1_000);
      };
      void tick();
      return () => {
        stopped = true;
        if (timer) clearTimeout(timer);
      };
    },
  };
  return adapter;
}
