import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { Contract } from "ethers";
import type { OptionModelVerifier } from "./optionModelVerifier.js";
import { readOptionInputs, WAD } from "./optionStatement.js";
import { contractArtifact } from "./contractArtifacts.js";
import { deployStack } from "./deployStack.js";

/** Gas used by the stack's hot paths with a real Groth16 verifier (5 public signals). */
export interface ContractGasReport {
  /** Transaction gas of calling the verifier's `verifyProof` directly (incl. 21,000 intrinsic and calldata). */
  verifyProofTx: number;
  /** `submit` of the first price of a series (a zero storage slot becomes non-zero). */
  submitFirst: number;
  /** `submit` of a later price (steady state). */
  submit: number;
  deposit: number;
  /** Opening the account's first short position (1 open series) in a series that already has
   * open interest (another account's), spread and fee included. */
  openPosition: number;
  /** The same in a series without any open interest yet (its open-interest slot is written first). */
  openPositionColdSeries: number;
  /** Opening a short in an 8th series (the account holds 7 others: 8 marks valued). */
  openPosition8: number;
  /** Closing the whole short of an account with 1 open series. */
  closePosition: number;
  /** Closing one of 8 open shorts (only the closed series is valued). */
  closePosition8: number;
  withdraw: number;
  /** Liquidating an account with one short position (incl. the bonus transfer). */
  liquidate: number;
  /** Liquidating an account with 8 short positions. */
  liquidate8: number;
  /** Proven prices (wad per unit) at opening and at liquidation. */
  prices: { open: string; liquidation: string };
  /** Deployment of the verifier, registry, feed, engine. */
  deploy: Record<string, number>;
  /** Wall-clock proving time of the last proof, ms. */
  proveMs: number;
  constraints: number;
}

/** Moneyness the spot is moved to before the liquidation (inside every option model's range). */
const STRESS_MONEYNESS = (115n * WAD) / 100n;
/** Series measured with 8 open positions: the same oracles, strikes 2,000 ± 1%…3%. */
const STRIKE_OFFSETS_BPS = [0n, 100n, -100n, 200n, -200n, 300n, -300n, 150n];

/**
 * Deploy the stack with `verifier` (a generated model's or the option-layout test
 * circuit's), registered under its model id and input ranges, on the connected chain (mock
 * oracles and token: a development chain), with the default engine risk parameters (fee 25
 * bps, development error band 1% of strike), and measure submit, open, close, withdraw and
 * liquidate with 1 and with 8 open series. Every price is a real proof. The liquidation
 * follows a stress move inside the model's declared ranges: spot to 1.15 × strike (capped at
 * the moneyness range) and the volatility oracle to the top of the volatility range. Oracle
 * gas is that of `MockV3Aggregator`; a production oracle (e.g. a proxy in front of an
 * aggregator) costs a few thousand gas more per read.
 */
export async function measureContractGas(ethers: HardhatEthers, args: { verifier: OptionModelVerifier }): Promise<ContractGasReport> {
  const facts = args.verifier.model;
  const stack = await deployStack(ethers, { verifier: args.verifier.verifier, model: facts, allowMocks: true });
  const [owner, alice, liquidator, bob, carol, dave] = await ethers.getSigners();
  const feed = (await ethers.getContractAt(contractArtifact("OptionPriceFeed").abi as never, stack.contracts.feed)) as unknown as Contract;
  const engine = (await ethers.getContractAt(contractArtifact("MarginEngine").abi as never, stack.contracts.engine)) as unknown as Contract;
  const token = (await ethers.getContractAt(contractArtifact("MockERC20").abi as never, stack.contracts.collateral)) as unknown as Contract;
  const spot = (await ethers.getContractAt(contractArtifact("MockV3Aggregator").abi as never, stack.series[0].spotOracle)) as unknown as Contract;
  const vol = (await ethers.getContractAt(contractArtifact("MockV3Aggregator").abi as never, stack.series[0].volOracle)) as unknown as Contract;
  const verifier = new ethers.Contract(stack.contracts.verifier, args.verifier.verifier.abi as never, owner);
  const { seriesId, strike, expiry } = stack.series[0];
  const base = await feed.getSeries(seriesId);
  const ids = [seriesId];
  for (const off of STRIKE_OFFSETS_BPS.slice(1)) {
    await (await feed.createSeries({ spotOracle: stack.series[0].spotOracle, volOracle: stack.series[0].volOracle, strike: (strike * (10_000n + off)) / 10_000n, expiry, isCall: stack.series[0].isCall, modelId: facts.modelId, risk: { spotHeartbeat: base.spotHeartbeat, volHeartbeat: base.volHeartbeat, rate: base.rate } })).wait();
    ids.push(BigInt(await feed.seriesCount()));
  }

  const gas = async (tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) => Number((await (await tx).wait())!.gasUsed);
  let proveMs = 0;
  /** Prove the statement of the oracles' latest rounds for `id` and submit it. */
  const submitNow = async (id: bigint = seriesId) => {
    const { observedAt, ...inputs } = await readOptionInputs(feed as never, id);
    const p = await args.verifier.prove(inputs);
    proveMs = p.proveMs;
    return { p, used: await gas(feed.submit(id, observedAt, p.a, p.b, p.c, p.publicSignals)) };
  };
  const submitAll = async () => {
    for (const id of ids) await submitNow(id);
  };

  const first = await submitNow();
  const verifyProofTx = Number(await verifier.verifyProof.estimateGas(first.p.a, first.p.b, first.p.c, first.p.publicSignals));
  await ethers.provider.send("evm_increaseTime", [60]);
  await ethers.provider.send("evm_mine", []);
  await (await spot.updateAnswer(await spot.answer())).wait();
  await (await vol.updateAnswer(await vol.answer())).wait();
  const second = await submitNow();
  for (const id of ids.slice(1)) await submitNow(id);

  // Shorts of 10 units with equity just above initial margin (15% of spot, 3,000, plus the
  // spreads and fees of the open), then a stress move in the model's ranges makes them
  // liquidatable (maintenance: ask + 10% of spot).
  const openPrice = (await feed.latestObservation(seriesId))[0] as bigint;
  const unit = 10n ** BigInt(Number(await token.decimals()));
  await (await token.mint(owner.address, 10_000_000n * unit)).wait();
  await (await token.approve(stack.contracts.engine, 10_000_000n * unit)).wait();
  await (await engine.fundPool(10_000_000n * unit)).wait();
  const size = 10n * 10n ** 18n;
  const bidOf = async (id: bigint) => {
    const k = await feed.mark(id);
    return BigInt(k.price) > BigInt(k.spread) ? BigInt(k.price) - BigInt(k.spread) : 0n;
  };
  const fund = async (who: typeof alice, amount: bigint) => {
    await (await token.mint(who.address, amount * unit)).wait();
    await (await (token.connect(who) as Contract).approve(stack.contracts.engine, amount * unit)).wait();
  };
  for (const who of [alice, bob, carol, dave]) await fund(who, 40_000n);
  // Bob: the series' first short (cold open interest), closed whole at the end.
  const b = engine.connect(bob) as Contract;
  await (await b.deposit(20_000n * unit)).wait();
  const openPositionColdSeries = await gas(b.openPosition(seriesId, false, size, 0n));
  const e = engine.connect(alice) as Contract;
  const deposit = await gas(e.deposit(3_700n * unit));
  // A short sells at the bid or better: limit = the bid (the least it accepts per unit).
  const openPosition = await gas(e.openPosition(seriesId, false, size, await bidOf(seriesId)));
  const withdraw = await gas(e.withdraw(100n * unit));
  const closePosition = await gas(b.closePosition(seriesId, size, 2n ** 256n - 1n));
  // Carol: 8 shorts, the 8th open measured, then one of them closed.
  const cc = engine.connect(carol) as Contract;
  await (await cc.deposit(40_000n * unit)).wait();
  for (const id of ids.slice(1)) await (await cc.openPosition(id, false, size, 0n)).wait();
  const openPosition8 = await gas(cc.openPosition(seriesId, false, size, await bidOf(seriesId)));
  const closePosition8 = await gas(cc.closePosition(ids[1], size, 2n ** 256n - 1n));
  // Dave: 8 shorts at the margin edge, liquidated after the stress move.
  const d = engine.connect(dave) as Contract;
  await (await d.deposit(40_000n * unit)).wait();
  for (const id of ids) await (await d.openPosition(id, false, size, 0n)).wait();
  const [equity, im] = await engine.accountHealth(dave.address);
  const spare = (BigInt(equity) - BigInt(im)) / 10n ** 12n;
  if (spare > 0n) await (await d.withdraw(spare)).wait();

  const [moneynessRange, , volRange] = facts.inputs;
  const stressMoneyness = STRESS_MONEYNESS < moneynessRange.max ? STRESS_MONEYNESS : moneynessRange.max;
  const spotDecimals = BigInt(Number(await spot.decimals()));
  const volDecimals = BigInt(Number(await vol.decimals()));
  await (await spot.updateAnswer((stressMoneyness * strike) / WAD / 10n ** (18n - spotDecimals))).wait();
  await (await vol.updateAnswer(volRange.max / 10n ** (18n - volDecimals))).wait();
  await submitAll();
  const liquidationPrice = (await feed.latestObservation(seriesId))[0] as bigint;
  for (const who of [alice, dave]) {
    if (!(await engine.isLiquidatable(who.address))) {
      throw new Error(`the stress move did not make ${who.address} liquidatable (proven price ${openPrice} -> ${liquidationPrice} wad per unit)`);
    }
  }
  const l = engine.connect(liquidator) as Contract;
  const liquidate = await gas(l.liquidate(alice.address));
  const liquidate8 = await gas(l.liquidate(dave.address));

  return {
    verifyProofTx,
    submitFirst: first.used,
    submit: second.used,
    deposit,
    openPosition,
    openPositionColdSeries,
    openPosition8,
    closePosition,
    closePosition8,
    withdraw,
    liquidate,
    liquidate8,
    prices: { open: openPrice.toString(), liquidation: liquidationPrice.toString() },
    deploy: Object.fromEntries(["verifier", "registry", "registerModel", "setOptionTerms", "feed", "createSeries1", "engine"].map((k) => [k, Number(stack.gasUsed[k] ?? 0n)])),
    proveMs: Math.round(proveMs),
    constraints: args.verifier.constraints,
  };
}
