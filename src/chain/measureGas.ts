import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { Contract } from "ethers";
import type { OptionModelVerifier } from "./optionModelVerifier.js";
import { readOptionInputs, WAD } from "./optionStatement.js";
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
  /** Opening the account's first short position. */
  openPosition: number;
  withdraw: number;
  /** Liquidating an account with one short position (incl. the bonus transfer). */
  liquidate: number;
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

/**
 * Deploy the stack with `verifier` (a generated model's or the option-layout test
 * circuit's), registered under its model id and input ranges, on the connected chain (mock
 * oracles and token: a development chain), and measure submit, open, withdraw and
 * liquidate. Every price is a real proof. The liquidation follows a stress move inside the
 * model's declared ranges: spot to 1.15 × strike (capped at the moneyness range) and the
 * volatility oracle to the top of the volatility range. Oracle gas is that of
 * `MockV3Aggregator`; a production oracle (e.g. a proxy in front of an aggregator) costs a
 * few thousand gas more per read.
 */
export async function measureContractGas(ethers: HardhatEthers, args: { verifier: OptionModelVerifier }): Promise<ContractGasReport> {
  const facts = args.verifier.model;
  const stack = await deployStack(ethers, { verifier: args.verifier.verifier, model: facts, allowMocks: true });
  const [owner, alice, liquidator] = await ethers.getSigners();
  const feed = (await ethers.getContractAt("OptionPriceFeed", stack.contracts.feed)) as unknown as Contract;
  const engine = (await ethers.getContractAt("MarginEngine", stack.contracts.engine)) as unknown as Contract;
  const token = (await ethers.getContractAt("MockERC20", stack.contracts.collateral)) as unknown as Contract;
  const spot = (await ethers.getContractAt("MockV3Aggregator", stack.series[0].spotOracle)) as unknown as Contract;
  const vol = (await ethers.getContractAt("MockV3Aggregator", stack.series[0].volOracle)) as unknown as Contract;
  const verifier = new ethers.Contract(stack.contracts.verifier, args.verifier.verifier.abi as never, owner);
  const { seriesId, strike } = stack.series[0];

  const gas = async (tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) => Number((await (await tx).wait())!.gasUsed);
  let proveMs = 0;
  /** Prove the statement of the oracles' latest rounds and submit it. */
  const submitNow = async () => {
    const { observedAt, ...inputs } = await readOptionInputs(feed as never, seriesId);
    const p = await args.verifier.prove(inputs);
    proveMs = p.proveMs;
    return { p, used: await gas(feed.submit(seriesId, observedAt, p.a, p.b, p.c, p.publicSignals)) };
  };

  const first = await submitNow();
  const verifyProofTx = Number(await verifier.verifyProof.estimateGas(first.p.a, first.p.b, first.p.c, first.p.publicSignals));
  await ethers.provider.send("evm_increaseTime", [60]);
  await ethers.provider.send("evm_mine", []);
  await (await spot.updateAnswer(await spot.answer())).wait();
  await (await vol.updateAnswer(await vol.answer())).wait();
  const second = await submitNow();

  // A short of 10 units with equity just above initial margin (15% of spot, 3,000), then a
  // stress move in the model's ranges makes it liquidatable (maintenance: price + 10% of spot).
  const openPrice = (await feed.latestObservation(seriesId))[0] as bigint;
  const unit = 10n ** BigInt(Number(await token.decimals()));
  await (await token.mint(owner.address, 100_000n * unit)).wait();
  await (await token.approve(stack.contracts.engine, 100_000n * unit)).wait();
  await (await engine.fundPool(100_000n * unit)).wait();
  await (await token.mint(alice.address, 3_200n * unit)).wait();
  await (await (token.connect(alice) as Contract).approve(stack.contracts.engine, 3_200n * unit)).wait();
  const e = engine.connect(alice) as Contract;
  const deposit = await gas(e.deposit(3_200n * unit));
  // A short sells at the mark or better: limit = the mark (the least it accepts per unit).
  const openPosition = await gas(e.openPosition(seriesId, false, 10n * 10n ** 18n, openPrice));
  const withdraw = await gas(e.withdraw(100n * unit));

  const [moneynessRange, , volRange] = facts.inputs;
  const stressMoneyness = STRESS_MONEYNESS < moneynessRange.max ? STRESS_MONEYNESS : moneynessRange.max;
  const spotDecimals = BigInt(Number(await spot.decimals()));
  const volDecimals = BigInt(Number(await vol.decimals()));
  await (await spot.updateAnswer((stressMoneyness * strike) / WAD / 10n ** (18n - spotDecimals))).wait();
  await (await vol.updateAnswer(volRange.max / 10n ** (18n - volDecimals))).wait();
  await submitNow();
  const liquidationPrice = (await feed.latestObservation(seriesId))[0] as bigint;
  if (!(await engine.isLiquidatable(alice.address))) {
    throw new Error(`the stress move did not make the account liquidatable (proven price ${openPrice} -> ${liquidationPrice} wad per unit)`);
  }
  const liquidate = await gas((engine.connect(liquidator) as Contract).liquidate(alice.address));

  return {
    verifyProofTx,
    submitFirst: first.used,
    submit: second.used,
    deposit,
    openPosition,
    withdraw,
    liquidate,
    prices: { open: openPrice.toString(), liquidation: liquidationPrice.toString() },
    deploy: Object.fromEntries(["verifier", "registry", "registerModel", "feed", "createSeries1", "engine"].map((k) => [k, Number(stack.gasUsed[k] ?? 0n)])),
    proveMs: Math.round(proveMs),
    constraints: args.verifier.constraints,
  };
}
