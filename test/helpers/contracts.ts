/**
 * Shared helpers of the contract test suites: revert decoding, a fresh deployment of the
 * registry / feed / engine with mocks, and statement builders for option submissions.
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";
import { Interface, id, type Contract, type Provider } from "ethers";
import { expect } from "vitest";
import { readOptionInputs, WAD } from "../../src/chain/optionStatement.js";
import { FIELD_ORDER } from "../../src/zk/field.js";
import { revertData } from "../../src/chain/revertData.js";

export { WAD };
export const DAY = 86_400n;

/** A model id: a field element, as a Poseidon hash would be. */
export const MODEL_ID = BigInt(id("zkinfer test option model")) % FIELD_ORDER;
/** A put model with the same verifier and ranges (the registry binds a model to one kind). */
export const PUT_MODEL_ID = BigInt(id("zkinfer test put model")) % FIELD_ORDER;
export const KIND_CALL = 1;
export const KIND_PUT = 2;

export const STRIKE = 2_000n * WAD;
export const SPOT_DECIMALS = 8;
export const SPOT_ANSWER = 2_000n * 10n ** 8n; // 2,000 quote per unit
export const VOL_DECIMALS = 8;
export const VOL_ANSWER = 80_000_000n; // 80%
export const RATE = 5n * 10n ** 16n; // 5%

export interface FeedRisk {
  spotHeartbeat: number;
  volHeartbeat: number;
  rate: bigint;
}

export const FEED_RISK: FeedRisk = {
  spotHeartbeat: 3_600,
  volHeartbeat: 3_600,
  rate: RATE,
};

/** Declared input ranges of the option model: moneyness, timeToExpiry, volatility, rate. */
export const INPUT_SPECS = [
  { decimals: 18, min: WAD / 2n, max: 2n * WAD },
  { decimals: 18, min: 0n, max: 2n * WAD },
  { decimals: 18, min: WAD / 20n, max: 3n * WAD },
  { decimals: 18, min: 0n, max: WAD / 5n },
];

/**
 * Engine risk parameters of the tests: no fee, caps at the whole free pool, no reduce-only
 * window and a 1-wei tick, so that the margin arithmetic tests see exact marks; the economic
 * tests set fee, caps and spread explicitly.
 */
export const ENGINE_RISK = {
  imBps: 1_500,
  mmBps: 1_000,
  liquidationBonusBps: 500,
  maxPriceAge: 3_600,
  feeBps: 0,
  seriesCapBps: 10_000,
  accountCapBps: 10_000,
  reduceOnlyWindow: 0,
  minTick: 1n,
};
export type EngineRisk = typeof ENGINE_RISK;

// ------------------------------------------------------------------ reverts


type HasInterface = Interface | { interface: Interface };

/** Await `p`, expect it to revert with the custom error `name` (decoded with `source`'s ABI). */
export async function expectRevert(p: Promise<unknown>, source: HasInterface, name: string, args?: unknown[]): Promise<void> {
  const iface = source instanceof Interface ? source : source.interface;
  let error: unknown;
  try {
    await p;
  } catch (e) {
    error = e;
  }
  expect(error, `expected a revert with ${name}`).toBeDefined();
  const data = revertData(error);
  expect(data, `no revert data in: ${String(error)}`).toBeDefined();
  const parsed = iface.parseError(data!);
  expect(parsed?.name, `revert data ${data} decoded as ${parsed?.name ?? "nothing"}`).toBe(name);
  if (args) expect([...parsed!.args]).toEqual(args);
}

// ------------------------------------------------------------------ deployment

export interface TestStack {
  owner: Awaited<ReturnType<HardhatEthers["getSigners"]>>[number];
  alice: TestStack["owner"];
  bob: TestStack["owner"];
  carol: TestStack["owner"];
  registry: Contract;
  verifier: Contract;
  spotOracle: Contract;
  volOracle: Contract;
  feed: Contract;
  token: Contract;
  engine: Contract;
  seriesId: bigint;
  expiry: bigint;
}

export interface DeployTestStackOptions {
  tokenDecimals?: number;
  /** Deploy a ReentrantERC20 instead of a MockERC20. */
  reentrantToken?: boolean;
  isCall?: boolean;
  /** An already deployed verifier to register instead of a MockVerifier. */
  verifierAddress?: string;
  modelId?: bigint;
  /** Error band recorded for the models (wad fractions of the strike; default 0 and 0). */
  band?: { quantizationBound: bigint; referenceError: bigint };
  /** Input ranges of the models (default INPUT_SPECS). */
  inputSpecs?: typeof INPUT_SPECS;
  /** Sequencer-uptime feed of the price feed (default none) and its grace period. */
  sequencer?: { feed: string; grace: number };
  engineRisk?: Partial<EngineRisk>;
}

export async function latestTimestamp(provider: Provider): Promise<bigint> {
  const block = await provider.getBlock("latest");
  return BigInt(block!.timestamp);
}

export async function deployTestStack(ethers: HardhatEthers, options: DeployTestStackOptions = {}): Promise<TestStack> {
  const [owner, alice, bob, carol] = await ethers.getSigners();
  const verifier = (await ethers.deployContract("MockVerifier")) as unknown as Contract;
  const registry = (await ethers.deployContract("ModelRegistry", [owner.address])) as unknown as Contract;
  const isCall = options.isCall ?? true;
  const modelId = options.modelId ?? (isCall ? MODEL_ID : PUT_MODEL_ID);
  const band = options.band ?? { quantizationBound: 0n, referenceError: 0n };
  const specs = options.inputSpecs ?? INPUT_SPECS;
  const verifierAddress = options.verifierAddress ?? (await verifier.getAddress());
  await (await registry.registerModel(modelId, verifierAddress, 1, 18, specs)).wait();
  await (await registry.setOptionTerms(modelId, isCall ? KIND_CALL : KIND_PUT, band.quantizationBound, band.referenceError)).wait();
  // The other kind, for tests that add series of the other kind.
  const otherId = isCall ? PUT_MODEL_ID : MODEL_ID;
  if (otherId !== modelId) {
    await (await registry.registerModel(otherId, await verifier.getAddress(), 1, 18, specs)).wait();
    await (await registry.setOptionTerms(otherId, isCall ? KIND_PUT : KIND_CALL, band.quantizationBound, band.referenceError)).wait();
  }
  const spotOracle = (await ethers.deployContract("MockV3Aggregator", [SPOT_DECIMALS, SPOT_ANSWER, "SPOT / QUOTE"])) as unknown as Contract;
  const volOracle = (await ethers.deployContract("MockV3Aggregator", [VOL_DECIMALS, VOL_ANSWER, "IV"])) as unknown as Contract;
  const feed = (await ethers.deployContract("OptionPriceFeed", [
    owner.address,
    await registry.getAddress(),
    options.sequencer?.feed ?? "0x0000000000000000000000000000000000000000",
    options.sequencer?.grace ?? 0,
  ])) as unknown as Contract;
  const expiry = (await latestTimestamp(ethers.provider)) + 30n * DAY;
  await (
    await feed.createSeries({
      spotOracle: await spotOracle.getAddress(),
      volOracle: await volOracle.getAddress(),
      strike: STRIKE,
      expiry,
      isCall,
      modelId,
      risk: FEED_RISK,
    })
  ).wait();
  const token = (
    options.reentrantToken
      ? await ethers.deployContract("ReentrantERC20")
      : await ethers.deployContract("MockERC20", ["Test USD", "TUSD", options.tokenDecimals ?? 6])
  ) as unknown as Contract;
  const engine = (await ethers.deployContract("MarginEngine", [
    owner.address,
    await token.getAddress(),
    await feed.getAddress(),
    { ...ENGINE_RISK, ...options.engineRisk },
  ])) as unknown as Contract;
  return { owner, alice, bob, carol, registry, verifier, spotOracle, volOracle, feed, token, engine, seriesId: 1n, expiry };
}

// ------------------------------------------------------------------ statements

export interface StatementOverrides {
  priceOverStrike?: bigint;
  moneyness?: bigint;
  timeToExpiry?: bigint;
  volatility?: bigint;
  rate?: bigint;
}

/**
 * The statement the feed accepts now (the oracles' latest rounds): `observedAt` and the public
 * signals, with `o` replacing any of them (priceOverStrike defaults to 0.05).
 */
export async function statementFor(stack: Pick<TestStack, "feed">, seriesId: bigint, o: StatementOverrides = {}): Promise<{ observedAt: bigint; signals: bigint[] }> {
  const st = await readOptionInputs(stack.feed as never, seriesId);
  return {
    observedAt: st.observedAt,
    signals: [
      o.priceOverStrike ?? 5n * 10n ** 16n,
      o.moneyness ?? st.moneyness,
      o.timeToExpiry ?? st.timeToExpiry,
      o.volatility ?? st.volatility,
      o.rate ?? st.rate,
    ],
  };
}

/** A new spot-oracle round updated now, with `answer` (default: the current answer). */
export async function newSpotRound(stack: Pick<TestStack, "spotOracle">, answer?: bigint): Promise<void> {
  await (await stack.spotOracle.updateAnswer(answer ?? BigInt(await stack.spotOracle.answer()))).wait();
}

export const ZERO_PROOF = {
  a: [1n, 2n] as [bigint, bigint],
  b: [
    [3n, 4n],
    [5n, 6n],
  ] as [[bigint, bigint], [bigint, bigint]],
  c: [7n, 8n] as [bigint, bigint],
};

export interface SubmitOptions extends StatementOverrides {
  seriesId?: bigint;
  /** Spot oracle answer of the new round (default: unchanged). */
  spot?: bigint;
  /** Open a new spot round first (default true); false: prove the current latest round. */
  newRound?: boolean;
}

/**
 * Submit a (mock-verified) price for the oracles' latest rounds, by default after opening a
 * new spot round updated now (so that the observation is newer than the last one and the
 * price is current). Returns `observedAt`.
 */
export async function submitPrice(stack: TestStack, o: SubmitOptions = {}): Promise<bigint> {
  const seriesId = o.seriesId ?? stack.seriesId;
  if (o.newRound ?? true) await newSpotRound(stack, o.spot);
  const { observedAt, signals } = await statementFor(stack, seriesId, o);
  await (await stack.feed.submit(seriesId, observedAt, ZERO_PROOF.a, ZERO_PROOF.b, ZERO_PROOF.c, signals)).wait();
  return observedAt;
}

export type { NetworkHelpers };
