/**
 * The keeper with a series proven as a risk vector: a 4 → 4 → 1 option model with its price
 * circuit and its risk circuit (default 15-scenario grid) on the bundled power-12 ptau,
 * deployed with `deployStack` (risk circuit registered). Series 1 is configured "risk" (proven
 * with the risk circuit, submitted with `OptionPriceFeed.submitRisk`), series 2 "price". Real
 * proofs on warm pools; every new round of each series is marked exactly once, with its kind.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import type { Contract } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCircuit } from "../src/circuit/build.js";
import { buildRiskCircuit } from "../src/circuit/risk/build.js";
import { defaultGrid, riskSpec, type RiskSpec } from "../src/circuit/risk/spec.js";
import { deployStack } from "../src/chain/deployStack.js";
import { generatedModelVerifier, type GeneratedModelVerifier } from "../src/chain/generatedModelVerifier.js";
import { riskLayoutFromSpec } from "../src/chain/risk.js";
import { DEFAULT_FEED_RISK } from "../src/chain/types.js";
import { createFeedAdapter } from "../src/keeper/chain.js";
import { proverByKind } from "../src/keeper/job.js";
import { type Keeper, type KeeperEvent, startKeeper } from "../src/keeper/keeper.js";
import { optionCoverage, poolJobProver, poolRiskJobProver } from "../src/keeper/modelProver.js";
import { createProverPool, type ProverPool } from "../src/keeper/pool.js";
import { createInProcessQueue } from "../src/keeper/queue.js";
import { quantize } from "../src/quantize/quantize.js";
import type { QuantizedModel } from "../src/quantize/types.js";
import { setupGroth16 } from "../src/zk/groth16.js";
import { bundledPtauDir } from "../src/zk/ptau.js";
import { compileSolidity } from "../src/zk/solidity.js";
import { WAD } from "./helpers/contracts.js";
import { marksByRound, waitFor } from "./helpers/keeper.js";
import { randomModel } from "./helpers/randomModel.js";

const connection = await hre.network.create();
const { ethers } = connection;
const RISK_SERIES = 1n;
const PRICE_SERIES = 2n;

let dir: string;
let q: QuantizedModel;
let spec: RiskSpec;
let price: GeneratedModelVerifier;
let pricePool: ProverPool;
let riskPool: ProverPool;
let feed: Contract;
let spotOracle: Contract;
let volOracle: Contract;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-keeper-risk-"));
  q = await quantize(randomModel({ seed: 21, hidden: [4], name: "keeper-risk" }), { actBits: 10 });
  spec = riskSpec(q, defaultGrid());
  const ptau = path.join(bundledPtauDir(), "dev-pot12.ptau");
  const risk = await buildRiskCircuit(q, defaultGrid(), { outDir: path.join(dir, "risk") });
  const rkeys = await setupGroth16({ r1csPath: risk.r1csPath, ptauPath: ptau, outDir: path.join(dir, "risk"), name: "risk", entropy: "keeper risk test" });
  const built = await buildCircuit(q, { outDir: path.join(dir, "price") });
  const pkeys = await setupGroth16({ r1csPath: built.r1csPath, ptauPath: ptau, outDir: path.join(dir, "price"), name: "price", entropy: "keeper risk test" });
  price = await generatedModelVerifier({ q, wasmPath: built.wasmPath, zkeyPath: pkeys.zkeyPath, verifierPath: pkeys.verifierPath, verifierContractName: pkeys.verifierContractName, constraints: built.constraints });
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const expiry = now + 30n * 86_400n;
  // Spot 2,000, volatility 50 %: inside the risk circuit's mark range (S/K 0.941–1.043, σ 0.133–0.64).
  const first = await deployStack(ethers, {
    verifier: price.verifier,
    model: price.model,
    allowMocks: true,
    risk: { verifier: compileSolidity(await readFile(rkeys.verifierPath, "utf8"), rkeys.verifierContractName), layout: riskLayoutFromSpec(q, spec) },
    series: [{ spotOracle: { mock: { decimals: 8, answer: 2_000n * 10n ** 8n } }, volOracle: { mock: { decimals: 8, answer: 50_000_000n } }, strike: 2_000n * WAD, expiry, isCall: true, risk: DEFAULT_FEED_RISK }],
  });
  feed = (await ethers.getContractAt("OptionPriceFeed", first.contracts.feed)) as unknown as Contract;
  const s1 = first.series[0];
  spotOracle = (await ethers.getContractAt("MockV3Aggregator", s1.spotOracle)) as unknown as Contract;
  volOracle = (await ethers.getContractAt("MockV3Aggregator", s1.volOracle)) as unknown as Contract;
  // Series 2 on the same oracles, strike 2,010, proven as a single price.
  await (await feed.createSeries({ spotOracle: s1.spotOracle, volOracle: s1.volOracle, strike: 2_010n * WAD, expiry, isCall: true, modelId: price.model.modelId, risk: DEFAULT_FEED_RISK })).wait();
  expect(await feed.seriesCount()).toBe(2n);
  pricePool = await createProverPool({ wasmPath: built.wasmPath, zkeyPath: pkeys.zkeyPath, size: 1 });
  riskPool = await createProverPool({ wasmPath: risk.wasmPath, zkeyPath: rkeys.zkeyPath, size: 1 });
}, 300_000);

afterAll(async () => {
  await pricePool?.close();
  await riskPool?.close();
  await price?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function riskMarks(): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for (const l of await feed.queryFilter(feed.filters.RiskSubmitted())) {
    const [seriesId, observedAt] = (l as unknown as { args: [bigint, bigint] }).args;
    const k = `${seriesId}:${observedAt}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

describe("keeper, a series proven as a risk vector", () => {
  it("marks the risk series with submitRisk and the price series with submit, each new round exactly once", async () => {
    const [owner] = await ethers.getSigners();
    const adapter = await createFeedAdapter({ feedAddress: await feed.getAddress(), signer: owner, backoff: { attempts: 12, firstDelayMs: 20, maxDelayMs: 500 } });
    expect(adapter.supports("risk")).toBe(true);
    const prove = proverByKind({ price: poolJobProver(pricePool, q), risk: poolRiskJobProver(riskPool, q, spec) });
    const events: KeeperEvent[] = [];
    const keeper: Keeper = await startKeeper({
      feed: adapter,
      kindOf: (id) => (id === RISK_SERIES ? "risk" : "price"),
      coverage: optionCoverage(q, spec),
      makeQueue: async (handlers) => createInProcessQueue({ prove, concurrency: 2, handlers }),
      pollMs: 100,
      log: (e) => events.push(e),
    });
    const current = async () => (await feed.isCurrent(RISK_SERIES)) && (await feed.isCurrent(PRICE_SERIES)) && (await feed.risk(RISK_SERIES)).current;
    try {
      await waitFor("both series marked, the risk vector current", current, 120_000);
      await keeper.idle();
      // A new spot round, then a volatility-only round: each marked once more per series.
      await (await spotOracle.updateAnswer(2_005n * 10n ** 8n)).wait();
      await waitFor("the spot round marked", async () => (await current()) && (await feed.latestObservation(RISK_SERIES))[2] === BigInt(await spotOracle.updatedAt()), 120_000);
      await keeper.idle();
      await (await volOracle.updateAnswer(52_000_000n)).wait();
      const [volRound] = await volOracle.latestRoundData();
      await waitFor("the volatility round marked", async () => (await current()) && (await feed.getSeries(RISK_SERIES)).lastVolRound === volRound && (await feed.getSeries(PRICE_SERIES)).lastVolRound === volRound, 120_000);
      await keeper.scanAll();
      await keeper.idle();
    } finally {
      await keeper.stop();
    }
    // Three statements per series (initial, spot round, volatility round), each marked once.
    const marks = await marksByRound(feed);
    expect([...marks.values()].every((n) => n === 1)).toBe(true);
    expect([...marks.keys()].filter((k) => k.startsWith(`${RISK_SERIES}:`))).toHaveLength(3);
    expect([...marks.keys()].filter((k) => k.startsWith(`${PRICE_SERIES}:`))).toHaveLength(3);
    // Every mark of the risk series was a risk submission (RiskSubmitted carries no volatility
    // round: count per observedAt), and the price series has none.
    const risks = await riskMarks();
    const riskSeriesMarks = new Map<string, number>();
    for (const k of marks.keys()) {
      const [id, observedAt] = k.split(":");
      if (id === String(RISK_SERIES)) riskSeriesMarks.set(`${id}:${observedAt}`, (riskSeriesMarks.get(`${id}:${observedAt}`) ?? 0) + 1);
    }
    expect(risks).toEqual(riskSeriesMarks);
    expect([...risks.values()].reduce((a, b) => a + b, 0)).toBe(3);
    expect((await feed.risk(PRICE_SERIES)).current).toBe(false);
    const r = await feed.risk(RISK_SERIES);
    expect(r.observedAt).toBe((await feed.latestObservation(RISK_SERIES))[2]);
    expect(r.scenarios).toHaveLength(15);
    expect(keeper.metrics.submissions).toBe(6);
    const marked = events.filter((e): e is Extract<KeeperEvent, { event: "marked" }> => e.event === "marked").map((e) => e.job);
    expect(marked.filter((j) => j.startsWith(`s${RISK_SERIES}-`)).every((j) => j.endsWith("-risk"))).toBe(true);
    expect(marked.filter((j) => j.startsWith(`s${PRICE_SERIES}-`)).every((j) => j.endsWith("-price"))).toBe(true);
  }, 300_000);

  it("a risk series whose mark leaves the risk circuit's mark range is kept marked with its single price, and its risk vector resumes in range", async () => {
    const [owner] = await ethers.getSigners();
    const adapter = await createFeedAdapter({ feedAddress: await feed.getAddress(), signer: owner, backoff: { attempts: 12, firstDelayMs: 20, maxDelayMs: 500 } });
    const prove = proverByKind({ price: poolJobProver(pricePool, q), risk: poolRiskJobProver(riskPool, q, spec) });
    const events: KeeperEvent[] = [];
    const keeper: Keeper = await startKeeper({
      feed: adapter,
      kindOf: () => "risk",
      series: [RISK_SERIES],
      coverage: optionCoverage(q, spec),
      makeQueue: async (handlers) => createInProcessQueue({ prove, concurrency: 2, handlers }),
      pollMs: 100,
      log: (e) => events.push(e),
    });
    const strike = 2_000n;
    // S/K just above the risk circuit's mark range, inside the price circuit's moneyness range.
    const markMax = BigInt(spec.markRange.spot[1]);
    const outside = (markMax + 10n ** 16n) * strike / 10n ** 10n;
    expect(outside * 10n ** 10n / strike).toBeLessThan(BigInt(q.inputs[spec.spotInput].maxRaw));
    try {
      await (await spotOracle.updateAnswer(outside)).wait();
      const t = BigInt(await spotOracle.updatedAt());
      await waitFor("the out-of-range round marked by its price", async () => (await feed.latestObservation(RISK_SERIES))[2] === t && (await feed.isCurrent(RISK_SERIES)), 120_000);
      await keeper.idle();
      expect((await feed.risk(RISK_SERIES)).current).toBe(false);
      expect(events.some((e) => e.event === "skipped" && /^risk-fallback: proving the single price: /.test((e as { reason: string }).reason))).toBe(true);
      expect((await riskMarks()).has(`${RISK_SERIES}:${t}`)).toBe(false);
      // Back in range: the next round is a risk vector again.
      await (await spotOracle.updateAnswer(2_000n * 10n ** 8n)).wait();
      const t2 = BigInt(await spotOracle.updatedAt());
      await waitFor("the in-range round marked with its risk vector", async () => (await feed.risk(RISK_SERIES)).current && (await feed.risk(RISK_SERIES)).observedAt === t2, 120_000);
      await keeper.idle();
    } finally {
      await keeper.stop();
    }
    expect([...(await marksByRound(feed)).values()].every((n) => n === 1)).toBe(true);
  }, 300_000);
});
