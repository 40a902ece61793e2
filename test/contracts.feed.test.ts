import hre from "hardhat";
import { describe, expect, it } from "vitest";
import { timeToExpiryWad } from "../src/chain/optionStatement.js";
import { FIELD_ORDER } from "../src/zk/field.js";
import {
  deployTestStack,
  expectRevert,
  FEED_RISK,
  INPUT_SPECS,
  latestTimestamp,
  MODEL_ID,
  newSpotRound,
  SPOT_ANSWER,
  statementFor,
  STRIKE,
  submitPrice,
  VOL_ANSWER,
  WAD,
  ZERO_PROOF,
  type StatementOverrides,
  type TestStack,
} from "./helpers/contracts.js";

const { ethers, networkHelpers } = await hre.network.connect();
const { a, b, c } = ZERO_PROOF;

async function stackFixture() {
  return deployTestStack(ethers);
}
async function putFixture() {
  return deployTestStack(ethers, { isCall: false });
}

/** Submit the statement of the oracles' latest rounds for series 1, changed by `o`. */
async function trySubmit(stack: TestStack, o: StatementOverrides & { observedAt?: bigint; signals?: bigint[] } = {}) {
  const st = await statementFor(stack, 1n, o);
  return stack.feed.submit(1n, o.observedAt ?? st.observedAt, a, b, c, o.signals ?? st.signals);
}

describe("OptionPriceFeed: accepted submissions", () => {
  it("stores price = priceOverStrike · strike / 1e18 with the proven spot, emits, and serves reads", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    const pos = 51_234_567_890_123_457n; // 0.0512… of strike
    const { observedAt: t, signals } = await statementFor(stack, 1n, { priceOverStrike: pos });
    expect(t).toBe(BigInt(await stack.spotOracle.updatedAt()));
    expect(await stack.feed.isCurrent(1n)).toBe(false);
    const tx = await (stack.feed.connect(stack.alice) as typeof stack.feed).submit(1n, t, a, b, c, signals);
    const receipt = await tx.wait();
    const expectedPrice = (pos * STRIKE) / WAD;
    const log = receipt!.logs.map((l: { topics: string[]; data: string }) => stack.feed.interface.parseLog(l)).find((l: { name: string } | null) => l?.name === "PriceSubmitted");
    expect(log!.args.seriesId).toBe(1n);
    expect(log!.args.price).toBe(expectedPrice);
    expect(log!.args.spot).toBe(2_000n * WAD);
    expect(log!.args.observedAt).toBe(t);
    expect(log!.args.submitter).toBe(stack.alice.address);

    // The round id is the observation time; the price is current until the next spot round.
    expect([...(await stack.feed.latestObservation(1n))]).toEqual([expectedPrice, 2_000n * WAD, t, t, false]);
    expect(await stack.feed.isCurrent(1n)).toBe(true);
    expect([...(await stack.feed.priceNoOlderThan(1n, 60n))]).toEqual([expectedPrice, t]);

    const aggregator = await ethers.getContractAt("OptionSeriesAggregator", await stack.feed.aggregatorOf(1n));
    expect(await aggregator.decimals()).toBe(18n);
    expect(await aggregator.version()).toBe(1n);
    expect(await aggregator.description()).toBe("zkinfer proven option price, series 1");
    expect([...(await aggregator.latestRoundData())]).toEqual([t, expectedPrice, t, t, t]);
    expect([...(await aggregator.getRoundData(t))]).toEqual([t, expectedPrice, t, t, t]);
    await expectRevert(aggregator.getRoundData(t - 1n), aggregator, "RoundNotAvailable", [t - 1n]);
  });

  it("accepts strictly newer observations; round ids increase", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    const t1 = await submitPrice(stack);
    await networkHelpers.time.increase(30);
    const t2 = await submitPrice(stack, { priceOverStrike: 6n * 10n ** 16n });
    expect(t2).toBeGreaterThan(t1);
    const [price, , at, round] = await stack.feed.latestObservation(1n);
    expect([price, at, round]).toEqual([(6n * 10n ** 16n * STRIKE) / WAD, t2, t2]);
  });

  it("a new spot round makes the stored price non-current; at most one price per round", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    const t1 = await submitPrice(stack);
    expect(await stack.feed.isCurrent(1n)).toBe(true);
    await newSpotRound(stack, 2_010n * 10n ** 8n);
    expect(await stack.feed.isCurrent(1n)).toBe(false);
    const t2 = await submitPrice(stack, { newRound: false });
    expect(t2).toBeGreaterThan(t1);
    expect(await stack.feed.isCurrent(1n)).toBe(true);
    expect((await stack.feed.latestObservation(1n))[1]).toBe(2_010n * WAD);
    // The same round again: not newer.
    const again = await statementFor(stack, 1n);
    await expectRevert(stack.feed.submit(1n, again.observedAt, a, b, c, again.signals), stack.feed, "ObservationNotNewer", [t2, t2]);
  });

  it("expectedInputs returns exactly what the TypeScript mirror computes", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    // An awkward spot: 2,013.37000123 (8 decimals) against strike 2,000.
    await newSpotRound(stack, 201_337_000_123n);
    const { observedAt, signals } = await statementFor(stack, 1n);
    expect([...(await stack.feed.expectedInputs(1n))]).toEqual([observedAt, ...signals.slice(1)]);
    await submitPrice(stack, { newRound: false });
  });

  it("binds timeToExpiry to observedAt: one second is ≈3.17e10 wad apart", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    const t = await latestTimestamp(ethers.provider);
    expect(await stack.feed.expectedTimeToExpiry(1n, t)).toBe(timeToExpiryWad(stack.expiry, t));
    const step = timeToExpiryWad(stack.expiry, t - 1n) - timeToExpiryWad(stack.expiry, t);
    expect(step === 31_709_791_983n || step === 31_709_791_984n).toBe(true);
  });

  it("a put's price is clamped to its strike, a call's to spot (at the money)", async () => {
    const put = await networkHelpers.loadFixture(putFixture);
    await submitPrice(put, { priceOverStrike: WAD + 1n });
    expect((await put.feed.latestObservation(1n))[0]).toBe(STRIKE);
    const call = await networkHelpers.loadFixture(stackFixture);
    await submitPrice(call, { priceOverStrike: WAD + 1n });
    expect((await call.feed.latestObservation(1n))[0]).toBe(STRIKE); // spot = strike here
  });

  it("accepts a submission one second before expiry, none at or after it", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    await networkHelpers.time.increaseTo(stack.expiry - 100n);
    await (await stack.volOracle.updateAnswer(VOL_ANSWER)).wait();
    await newSpotRound(stack);
    await networkHelpers.time.setNextBlockTimestamp(stack.expiry - 1n);
    await (await trySubmit(stack)).wait();
    await newSpotRound(stack); // mined at expiry
    const st = await statementFor(stack, 1n).catch((e: unknown) => e);
    expect(st).toBeInstanceOf(Error); // no time to expiry left: no statement to prove
    await expectRevert(stack.feed.submit(1n, stack.expiry, a, b, c, [WAD / 20n, WAD, 0n, (8n * WAD) / 10n, FEED_RISK.rate]), stack.feed, "SeriesExpired", [1n, stack.expiry]);
    await expectRevert(stack.feed.expectedInputs(1n), stack.feed, "SeriesExpired", [1n, stack.expiry]);
  });
});

describe("OptionPriceFeed: model checks", () => {
  it("rejects a series for an unregistered model", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    const series = await stack.feed.getSeries(1n);
    await expectRevert(
      stack.feed.createSeries({ spotOracle: series.spotOracle, volOracle: series.volOracle, strike: STRIKE, expiry: stack.expiry, isCall: true, modelId: 42n, risk: FEED_RISK }),
      stack.registry,
      "ModelNotRegistered",
      [42n],
    );
    await expectRevert(stack.registry.requireValidProof(42n, a, b, c, [1n, 2n, 3n, 4n, 5n]), stack.registry, "ModelNotRegistered", [42n]);
  });

  it("rejects proofs of a retired model", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    await submitPrice(stack);
    await expect(stack.registry.retireModel(MODEL_ID)).resolves.toBeDefined();
    expect(await stack.registry.isActive(MODEL_ID)).toBe(false);
    await newSpotRound(stack);
    await expectRevert(trySubmit(stack), stack.registry, "RetiredModel", [MODEL_ID]);
  });

  it("rejects a model whose layout is not the option layout", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    const other = 7n;
    await (await stack.registry.registerModel(other, await stack.verifier.getAddress(), 1, 6, INPUT_SPECS)).wait();
    const series = await stack.feed.getSeries(1n);
    await expectRevert(
      stack.feed.createSeries({ spotOracle: series.spotOracle, volOracle: series.volOracle, strike: STRIKE, expiry: stack.expiry, isCall: true, modelId: other, risk: FEED_RISK }),
      stack.feed,
      "ModelLayoutMismatch",
      [other],
    );
  });

  it("rejects inputs outside the registered ranges", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    await (await stack.feed.setRiskParams(1n, { ...FEED_RISK, rate: 3n * 10n ** 17n })).wait();
    await expectRevert(trySubmit(stack, { rate: 3n * 10n ** 17n }), stack.registry, "InputOutOfRange", [3n, 3n * 10n ** 17n, 0n, WAD / 5n]);
  });

  it("rejects a public signal at or above the BN254 field order", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    const good = (await statementFor(stack, 1n)).signals;
    await expectRevert(trySubmit(stack, { signals: [FIELD_ORDER, ...good.slice(1)] }), stack.registry, "SignalNotInField", [0n, FIELD_ORDER]);
    const aliased = [...good];
    aliased[1] = good[1] + FIELD_ORDER; // same field element as the honest moneyness
    await expectRevert(trySubmit(stack, { signals: aliased }), stack.registry, "SignalNotInField", [1n, aliased[1]]);
  });

  it("rejects a wrong number of public signals", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    const good = (await statementFor(stack, 1n)).signals;
    await expectRevert(trySubmit(stack, { signals: good.slice(0, 4) }), stack.feed, "SignalCountMismatch", [5n, 4n]);
    await expectRevert(trySubmit(stack, { signals: [...good, 0n] }), stack.feed, "SignalCountMismatch", [5n, 6n]);
  });
});

describe("OptionPriceFeed: the verifier's answer", () => {
  it("reverts InvalidProof when the verifier returns false", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    await (await stack.verifier.setResult(false)).wait();
    await expectRevert(trySubmit(stack), stack.feed, "InvalidProof");
    expect((await stack.feed.latestObservation(1n))[3]).toBe(0n);
  });

  it("treats a reverting verifier and malformed return data as invalid", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    for (const mode of [1, 2, 3]) {
      await (await stack.verifier.setMode(mode)).wait();
      await expectRevert(trySubmit(stack), stack.feed, "InvalidProof");
    }
  });
});

describe("OptionPriceFeed: the statement is exactly the oracle state", () => {
  it("rejects any moneyness but floor(oracle spot · 1e18 / strike): no mark within a band", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    // Before: any moneyness within 0.5% was accepted, so a submitter could pick the mark.
    for (const m of [WAD - 1n, WAD + 1n, (2_010n * WAD) / 2_000n, (1_990n * WAD) / 2_000n]) {
      await expectRevert(trySubmit(stack, { moneyness: m }), stack.feed, "MoneynessMismatch", [WAD, m]);
    }
    await submitPrice(stack);
  });

  it("rejects a volatility or rate one wei off its source", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    const vol = (8n * WAD) / 10n;
    for (const v of [vol - 1n, vol + 1n, (84n * WAD) / 100n]) {
      await expectRevert(trySubmit(stack, { volatility: v }), stack.feed, "VolatilityMismatch", [vol, v]);
    }
    for (const r of [FEED_RISK.rate - 1n, FEED_RISK.rate + 1n]) {
      await expectRevert(trySubmit(stack, { rate: r }), stack.feed, "RateMismatch", [FEED_RISK.rate, r]);
    }
  });

  it("rejects an observedAt other than the spot oracle's latest round's updatedAt", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    const { observedAt: t0, signals: old } = await statementFor(stack, 1n);
    // A statement for a time between rounds (its timeToExpiry consistent with it).
    const between = t0 + 1n;
    const signals = [...old];
    signals[2] = timeToExpiryWad(stack.expiry, between);
    await expectRevert(stack.feed.submit(1n, between, a, b, c, signals), stack.feed, "ObservationNotLatestRound", [between, t0]);
    // A proof made for a round that is no longer the latest: the prover must prove again.
    await newSpotRound(stack, 2_100n * 10n ** 8n);
    const t1 = BigInt(await stack.spotOracle.updatedAt());
    await expectRevert(stack.feed.submit(1n, t0, a, b, c, old), stack.feed, "ObservationNotLatestRound", [t0, t1]);
    await submitPrice(stack, { newRound: false });
  });

  it("a submitter cannot push a low mark then a high mark within one oracle round", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    // The only degree of freedom left is the proven output itself, which the proof fixes
    // (the mock verifier stands for it here); ordering allows one price per round.
    await submitPrice(stack, { priceOverStrike: 4n * 10n ** 16n });
    await expectRevert(trySubmit(stack, { priceOverStrike: 6n * 10n ** 16n }), stack.feed, "ObservationNotNewer");
  });

  it("rejects a timeToExpiry that is not the series' expiry minus observedAt", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    const { observedAt: t } = await statementFor(stack, 1n);
    const expected = timeToExpiryWad(stack.expiry, t);
    // A statement proven for one second earlier, submitted as `t`.
    const shifted = timeToExpiryWad(stack.expiry, t - 1n);
    await expectRevert(trySubmit(stack, { timeToExpiry: shifted }), stack.feed, "TimeToExpiryMismatch", [expected, shifted]);
    await expectRevert(trySubmit(stack, { timeToExpiry: expected + 1n }), stack.feed, "TimeToExpiryMismatch", [expected, expected + 1n]);
  });

  it("rejects a statement made for another series (other strike or expiry)", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    const s1 = await stack.feed.getSeries(1n);
    const base = { spotOracle: s1.spotOracle, volOracle: s1.volOracle, isCall: true, modelId: MODEL_ID, risk: FEED_RISK };
    await (await stack.feed.createSeries({ ...base, strike: 2_500n * WAD, expiry: stack.expiry })).wait();
    await (await stack.feed.createSeries({ ...base, strike: STRIKE, expiry: stack.expiry + 86_400n })).wait();
    const { observedAt: t, signals: forSeries1 } = await statementFor(stack, 1n);
    // Moneyness 1.0 is for strike 2,000; for strike 2,500 the oracle spot gives 0.8.
    await expectRevert(stack.feed.submit(2n, t, a, b, c, forSeries1), stack.feed, "MoneynessMismatch", [(8n * WAD) / 10n, WAD]);
    // Same strike, one day later expiry: the time to expiry differs.
    await expectRevert(stack.feed.submit(3n, t, a, b, c, forSeries1), stack.feed, "TimeToExpiryMismatch", [timeToExpiryWad(stack.expiry + 86_400n, t), forSeries1[2]]);
  });

  it("rejects stale, non-positive and future-dated oracle answers", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    const spot = await stack.spotOracle.getAddress();
    const now = await latestTimestamp(ethers.provider);
    await (await stack.spotOracle.updateRoundData(SPOT_ANSWER, now - 3_601n)).wait();
    await expectRevert(trySubmit(stack), stack.feed, "StaleOracle", [spot, now - 3_601n, 3_600n]);
    await (await stack.spotOracle.updateRoundData(SPOT_ANSWER, now + 1_000n)).wait();
    await expectRevert(trySubmit(stack), stack.feed, "StaleOracle", [spot, now + 1_000n, 3_600n]);
    await newSpotRound(stack, SPOT_ANSWER);
    const good = await statementFor(stack, 1n);
    await (await stack.volOracle.updateAnswer(0n)).wait();
    await expectRevert(stack.feed.submit(1n, good.observedAt, a, b, c, good.signals), stack.feed, "InvalidOracleAnswer", [await stack.volOracle.getAddress(), 0n]);
    // The volatility oracle's heartbeat applies too.
    await (await stack.volOracle.updateRoundData(VOL_ANSWER, now - 3_601n)).wait();
    await expectRevert(stack.feed.submit(1n, good.observedAt, a, b, c, good.signals), stack.feed, "StaleOracle", [await stack.volOracle.getAddress(), now - 3_601n, 3_600n]);
    await (await stack.volOracle.updateAnswer(VOL_ANSWER)).wait();
    await submitPrice(stack);
  });

  it("after setOracles the stored mark is not current, even for a new volatility oracle whose round ids repeat the old one's; a proof for the new oracles is accepted", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    await submitPrice(stack);
    const s = await stack.feed.getSeries(1n);
    // A freshly deployed IV oracle at the same answer, its latest round id equal to the stored one.
    const vol2 = await ethers.deployContract("MockV3Aggregator", [8, VOL_ANSWER, "IV2"]);
    while (BigInt((await vol2.latestRoundData())[0]) < BigInt(s.lastVolRound)) await (await vol2.updateAnswer(VOL_ANSWER)).wait();
    expect(BigInt((await vol2.latestRoundData())[0])).toBe(BigInt(s.lastVolRound));
    expect(await stack.feed.isCurrent(1n)).toBe(true);
    await (await stack.feed.setOracles(1n, s.spotOracle, await vol2.getAddress())).wait();
    expect(await stack.feed.isCurrent(1n)).toBe(false);
    // The same spot round proven again for the new volatility oracle: accepted, current.
    const { observedAt, signals } = await statementFor(stack, 1n);
    expect(observedAt).toBe(BigInt((await stack.feed.latestObservation(1n))[2]));
    await (await stack.feed.submit(1n, observedAt, a, b, c, signals)).wait();
    expect(await stack.feed.isCurrent(1n)).toBe(true);
  });

  it("scales oracle answers of any decimals to wad", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    // Replace the spot oracle with a 24-decimal one reporting the same 2,000.
    const o24 = await ethers.deployContract("MockV3Aggregator", [24, 2_000n * 10n ** 24n, "SPOT24"]);
    await (await stack.feed.setOracles(1n, await o24.getAddress(), await stack.volOracle.getAddress())).wait();
    const { observedAt, signals } = await statementFor(stack, 1n);
    await (await stack.feed.submit(1n, observedAt, a, b, c, signals)).wait();
    expect((await stack.feed.latestObservation(1n))[1]).toBe(2_000n * WAD);
  });
});

describe("OptionPriceFeed: timestamps and replay", () => {
  it("rejects a replay of the same proof and of an older proof", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    const { observedAt: t0, signals: old } = await statementFor(stack, 1n);
    const t1 = await submitPrice(stack);
    const again = await statementFor(stack, 1n);
    await expectRevert(stack.feed.submit(1n, t1, a, b, c, again.signals), stack.feed, "ObservationNotNewer", [t1, t1]);
    await expectRevert(stack.feed.submit(1n, t0, a, b, c, old), stack.feed, "ObservationNotNewer", [t0, t1]);
  });

  it("priceNoOlderThan reverts before the first price and when stale", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    await expectRevert(stack.feed.priceNoOlderThan(1n, 60n), stack.feed, "NoPrice", [1n]);
    const aggregator = await ethers.getContractAt("OptionSeriesAggregator", await stack.feed.aggregatorOf(1n));
    await expectRevert(aggregator.latestRoundData(), aggregator, "NoDataPresent");
    const t = await submitPrice(stack);
    await networkHelpers.time.increase(120);
    await expectRevert(stack.feed.priceNoOlderThan(1n, 60n), stack.feed, "StalePrice", [1n, t, 60n]);
    expect((await stack.feed.priceNoOlderThan(1n, 10_000n))[1]).toBe(t);
  });

  it("rejects an unknown series", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    const { observedAt, signals } = await statementFor(stack, 1n);
    await expectRevert(stack.feed.submit(9n, observedAt, a, b, c, signals), stack.feed, "UnknownSeries", [9n]);
  });
});

describe("OptionPriceFeed: settlement at expiry", () => {
  it("settles at the FIRST spot round at or after expiry, once; the caller cannot pick a later one", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    await submitPrice(stack);
    await expectRevert(stack.feed.settle(1n, 1n), stack.feed, "NotExpired", [1n, stack.expiry]);
    await networkHelpers.time.increaseTo(stack.expiry + 5n);
    // A round from before expiry is not a settlement spot.
    await (await stack.spotOracle.updateRoundData(2_150n * 10n ** 8n, stack.expiry - 1n)).wait();
    const before = BigInt(await stack.spotOracle.roundId());
    await expectRevert(stack.feed.settle(1n, before), stack.feed, "SettlementSpotBeforeExpiry", [stack.expiry - 1n, stack.expiry]);
    await newSpotRound(stack, 2_150n * 10n ** 8n);
    const first = BigInt(await stack.spotOracle.roundId());
    const firstAt = BigInt(await stack.spotOracle.updatedAt());
    // A later, more favourable round (for the call's holders) cannot be chosen instead.
    await newSpotRound(stack, 2_400n * 10n ** 8n);
    await expectRevert(stack.feed.settle(1n, first + 1n), stack.feed, "SettlementRoundNotFirst", [first + 1n, first, firstAt]);
    await expectRevert(stack.feed.settle(1n, first + 2n), stack.spotOracle, "NoDataPresent", [first + 2n]);
    const receipt = await (await stack.feed.connect(stack.bob).getFunction("settle")(1n, first)).wait();
    const ev = stack.feed.interface.parseLog(receipt!.logs[0]);
    expect([ev!.name, ev!.args.price, ev!.args.spot, ev!.args.roundId, ev!.args.spotUpdatedAt]).toEqual(["SeriesSettled", 150n * WAD, 2_150n * WAD, first, firstAt]);
    expect([...(await stack.feed.latestObservation(1n))]).toEqual([150n * WAD, 2_150n * WAD, stack.expiry, stack.expiry, true]);
    expect(await stack.feed.isCurrent(1n)).toBe(false);
    await expectRevert(stack.feed.settle(1n, first), stack.feed, "AlreadySettled", [1n]);
    // Final: never stale for priceNoOlderThan.
    await networkHelpers.time.increase(10 * 86_400);
    expect([...(await stack.feed.priceNoOlderThan(1n, 1n))]).toEqual([150n * WAD, stack.expiry]);
  });

  it("a round updated exactly at expiry is the settlement round", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    await networkHelpers.time.increaseTo(stack.expiry - 10n);
    await (await stack.spotOracle.updateRoundData(2_100n * 10n ** 8n, stack.expiry)).wait();
    await networkHelpers.time.increaseTo(stack.expiry + 10n);
    await (await stack.feed.settle(1n, await stack.spotOracle.roundId())).wait();
    expect((await stack.feed.latestObservation(1n))[0]).toBe(100n * WAD);
  });

  it("an out-of-the-money put settles at zero", async () => {
    const stack = await networkHelpers.loadFixture(putFixture);
    await networkHelpers.time.increaseTo(stack.expiry);
    await newSpotRound(stack, 2_150n * 10n ** 8n);
    await (await stack.feed.settle(1n, await stack.spotOracle.roundId())).wait();
    expect((await stack.feed.latestObservation(1n))[0]).toBe(0n);
  });
});

describe("OptionPriceFeed: governance", () => {
  it("only the owner creates series and changes parameters", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    const f = stack.feed.connect(stack.alice) as typeof stack.feed;
    await expectRevert(f.setRiskParams(1n, FEED_RISK), stack.feed, "OwnableUnauthorizedAccount", [stack.alice.address]);
    await expectRevert(f.setSeriesModel(1n, MODEL_ID), stack.feed, "OwnableUnauthorizedAccount", [stack.alice.address]);
    await expectRevert(stack.feed.setRiskParams(1n, { ...FEED_RISK, spotHeartbeat: 0 }), stack.feed, "InvalidRiskParams");
    await expectRevert(stack.feed.setRiskParams(1n, { ...FEED_RISK, volHeartbeat: 0 }), stack.feed, "InvalidRiskParams");
  });

  it("validates new series", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    const s = await stack.feed.getSeries(1n);
    const base = { spotOracle: s.spotOracle, volOracle: s.volOracle, strike: STRIKE, expiry: stack.expiry, isCall: true, modelId: MODEL_ID, risk: FEED_RISK };
    await expectRevert(stack.feed.createSeries({ ...base, strike: 0n }), stack.feed, "InvalidStrike", [0n]);
    await expectRevert(stack.feed.createSeries({ ...base, strike: 2n ** 96n }), stack.feed, "InvalidStrike", [2n ** 96n]);
    const now = await latestTimestamp(ethers.provider);
    await expectRevert(stack.feed.createSeries({ ...base, expiry: now }), stack.feed, "InvalidExpiry", [now]);
    // Expiry is stored in 32 bits (seconds until 2106): one second beyond is refused, not truncated.
    await expectRevert(stack.feed.createSeries({ ...base, expiry: 2n ** 32n }), stack.feed, "InvalidExpiry", [2n ** 32n]);
    await expectRevert(stack.feed.createSeries({ ...base, spotOracle: stack.alice.address }), stack.feed, "OracleHasNoCode", [stack.alice.address]);
    await (await stack.feed.createSeries(base)).wait();
    expect(await stack.feed.seriesCount()).toBe(2n);
    expect(await stack.feed.seriesExpiry(2n)).toBe(stack.expiry);
  });

  it("moves a series to a new model; old proofs stay ordered out", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    const t = await submitPrice(stack);
    const v2 = await ethers.deployContract("MockVerifier");
    await (await stack.registry.registerModel(MODEL_ID + 1n, await v2.getAddress(), 1, 18, INPUT_SPECS)).wait();
    await (await stack.registry.setOptionTerms(MODEL_ID + 1n, 1, 0n, 0n)).wait();
    await (await stack.registry.retireModel(MODEL_ID)).wait();
    await (await stack.feed.setSeriesModel(1n, MODEL_ID + 1n)).wait();
    await expectRevert(stack.feed.submit(1n, t, a, b, c, (await statementFor(stack, 1n)).signals), stack.feed, "ObservationNotNewer", [t, t]);
    const t2 = await submitPrice(stack);
    expect((await stack.feed.latestObservation(1n))[2]).toBe(t2);
  });
});

describe("OptionPriceFeed: the model must cover the series", () => {
  const specs = (moneyness: [bigint, bigint], ttm: [bigint, bigint]) => [
    { ...INPUT_SPECS[0], min: moneyness[0], max: moneyness[1] },
    { ...INPUT_SPECS[1], min: ttm[0], max: ttm[1] },
    INPUT_SPECS[2],
    INPUT_SPECS[3],
  ];

  it("createSeries and setSeriesModel refuse a model without at-the-money or the series' time to expiry", async () => {
    const stack = await networkHelpers.loadFixture(stackFixture);
    const s = await stack.feed.getSeries(1n);
    const v = await stack.verifier.getAddress();
    const otm = MODEL_ID + 1n; // moneyness [1.05, 2]: no at-the-money price
    const short = MODEL_ID + 2n; // timeToExpiry up to 0.05 years (≈18 days) < 30 days
    const late = MODEL_ID + 3n; // timeToExpiry from 0.1 years (≈36 days) > 30 days
    await (await stack.registry.registerModel(otm, v, 1, 18, specs([(105n * WAD) / 100n, 2n * WAD], [0n, 2n * WAD]))).wait();
    await (await stack.registry.registerModel(short, v, 1, 18, specs([WAD / 2n, 2n * WAD], [0n, WAD / 20n]))).wait();
    await (await stack.registry.registerModel(late, v, 1, 18, specs([WAD / 2n, 2n * WAD], [WAD / 10n, 2n * WAD]))).wait();
    for (const id of [otm, short, late]) await (await stack.registry.setOptionTerms(id, 1, 0n, 0n)).wait();
    const base = { spotOracle: s.spotOracle, volOracle: s.volOracle, strike: STRIKE, expiry: stack.expiry, isCall: true, risk: FEED_RISK };
    await expectRevert(stack.feed.createSeries({ ...base, modelId: otm }), stack.feed, "ModelDoesNotCoverSeries", [otm, 0n, WAD, (105n * WAD) / 100n, 2n * WAD]);
    const ttmAt = async (next: bigint) => ((stack.expiry - next) * WAD) / 31_536_000n;
    let next = (await latestTimestamp(ethers.provider)) + 1n;
    await networkHelpers.time.setNextBlockTimestamp(next);
    await expectRevert(stack.feed.createSeries({ ...base, modelId: short }), stack.feed, "ModelDoesNotCoverSeries", [short, 1n, await ttmAt(next), 0n, WAD / 20n]);
    next += 1n;
    await networkHelpers.time.setNextBlockTimestamp(next);
    await expectRevert(stack.feed.setSeriesModel(1n, late), stack.feed, "ModelDoesNotCoverSeries", [late, 1n, await ttmAt(next), WAD / 10n, 2n * WAD]);
    // Honest path: a model covering both.
    await (await stack.feed.createSeries({ ...base, modelId: MODEL_ID })).wait();
    // Near expiry the short-horizon model covers the series.
    await networkHelpers.time.increaseTo(stack.expiry - 86_400n);
    await (await stack.feed.setSeriesModel(1n, short)).wait();
    expect((await stack.feed.getSeries(1n)).modelId).toBe(short);
  });
});
