import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { Contract } from "ethers";
import type { OptionLayoutVerifier } from "../contracts/optionLayoutCircuit.js";
import { OPTION_LAYOUT_TEST_MODEL_ID } from "../contracts/optionLayoutCircuit.js";
import { moneynessWad, timeToExpiryWad, toWad } from "../contracts/optionStatement.js";
import { deployStack } from "./deployStack.js";
import { OPTION_INPUT_SPECS } from "./types.js";

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
  /** Deployment of the verifier, registry, feed, engine. */
  deploy: Record<string, number>;
  /** Wall-clock proving time of the last proof, ms. */
  proveMs: number;
  constraints: number;
}

/**
 * Deploy the stack with `verifier` (the option-layout test circuit's) on the connected
 * chain (mock oracles and token: a development chain), and measure submit, open,
 * withdraw and liquidate. Oracle gas is that of `MockV3Aggregator`; a production oracle
 * (e.g. a proxy in front of an aggregator) costs a few thousand gas more per read.
 */
export async function measureContractGas(ethers: HardhatEthers, args: { verifier: OptionLayoutVerifier }): Promise<ContractGasReport> {
  const stack = await deployStack(ethers, {
    verifier: args.verifier.verifier,
    model: { modelId: OPTION_LAYOUT_TEST_MODEL_ID, numOutputs: 1, outputDecimals: 18, inputs: OPTION_INPUT_SPECS },
    allowMocks: true,
  });
  const [owner, alice, liquidator] = await ethers.getSigners();
  const feed = (await ethers.getContractAt("OptionPriceFeed", stack.contracts.feed)) as unknown as Contract;
  const engine = (await ethers.getContractAt("MarginEngine", stack.contracts.engine)) as unknown as Contract;
  const token = (await ethers.getContractAt("MockERC20", stack.contracts.collateral)) as unknown as Contract;
  const spot = (await ethers.getContractAt("MockV3Aggregator", stack.series[0].spotOracle)) as unknown as Contract;
  const vol = (await ethers.getContractAt("MockV3Aggregator", stack.series[0].volOracle)) as unknown as Contract;
  const verifier = new ethers.Contract(stack.contracts.verifier, args.verifier.verifier.abi as never, owner);
  const { seriesId, strike, expiry } = stack.series[0];
  const series = await feed.getSeries(seriesId);

  const gas = async (tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) => Number((await (await tx).wait())!.gasUsed);
  let proveMs = 0;
  const submitNow = async () => {
    const t = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const inputs = {
      moneyness: moneynessWad(toWad(BigInt(await spot.answer()), Number(await spot.decimals())), strike),
      timeToExpiry: timeToExpiryWad(expiry, t),
      volatility: toWad(BigInt(await vol.answer()), Number(await vol.decimals())),
      rate: BigInt(series.rate),
    };
    const p = await args.verifier.prove(inputs);
    proveMs = p.proveMs;
    return { p, used: await gas(feed.submit(seriesId, t, p.a, p.b, p.c, p.publicSignals)) };
  };

  const first = await submitNow();
  const verifyProofTx = Number(await verifier.verifyProof.estimateGas(first.p.a, first.p.b, first.p.c, first.p.publicSignals));
  await ethers.provider.send("evm_increaseTime", [60]);
  await ethers.provider.send("evm_mine", []);
  await (await spot.updateAnswer(await spot.answer())).wait();
  await (await vol.updateAnswer(await vol.answer())).wait();
  const second = await submitNow();

  // A short of 10 units at vol 80% (price ≈ 53), then vol 300% (price ≈ 197): liquidatable.
  const unit = 10n ** BigInt(Number(await token.decimals()));
  await (await token.mint(owner.address, 100_000n * unit)).wait();
  await (await token.approve(stack.contracts.engine, 100_000n * unit)).wait();
  await (await engine.fundPool(100_000n * unit)).wait();
  await (await token.mint(alice.address, 3_100n * unit)).wait();
  await (await (token.connect(alice) as Contract).approve(stack.contracts.engine, 3_100n * unit)).wait();
  const e = engine.connect(alice) as Contract;
  const deposit = await gas(e.deposit(3_100n * unit));
  const openPosition = await gas(e.openPosition(seriesId, false, 10n * 10n ** 18n));
  const withdraw = await gas(e.withdraw(100n * unit));
  await (await vol.updateAnswer(300_000_000n)).wait();
  await submitNow();
  const liquidate = await gas((engine.connect(liquidator) as Contract).liquidate(alice.address));

  return {
    verifyProofTx,
    submitFirst: first.used,
    submit: second.used,
    deposit,
    openPosition,
    withdraw,
    liquidate,
    deploy: Object.fromEntries(["verifier", "registry", "registerModel", "feed", "createSeries1", "engine"].map((k) => [k, Number(stack.gasUsed[k] ?? 0n)])),
    proveMs: Math.round(proveMs),
    constraints: args.verifier.constraints,
  };
}
