/**
 * `zkinfer demo`: the whole pipeline in one command — data → train → quantize → compile →
 * setup → on a fresh in-process chain: deploy, prove and submit a price, open a short option
 * position against collateral, move the spot, prove again and liquidate — then a summary
 * with gas. Artifacts go to build/demo/ (replaced on every run).
 */
import type { Command } from "commander";
import type { Contract } from "ethers";
import { toDeploymentRecord } from "../../chain/record.js";
import { fromRawUnits } from "../../quantize/decimal.js";
import { verifyGroth16 } from "../../zk/groth16.js";
import { modelPaths } from "../../manifest/paths.js";
import { readProof } from "../../prove/proofFolder.js";
import { loadProvingArtifacts, openProver } from "../../prove/proving.js";
import { type ChainConnection, connectChain, contractAt, send } from "../chain.js";
import { type CliRuntime, action, examples, parseInteger } from "../command.js";
import { type CliContext, seconds, stopwatch } from "../context.js";
import { VerificationFailedError } from "../errors.js";
import { compileCommand } from "./compile.js";
import { deployModel } from "./deploy.js";
import { quantizeCommand } from "./quantize.js";
import { setupCommand } from "./setup.js";
import { proveAndSubmitCli, setMockAnswer } from "./submit.js";
import { trainCommand } from "./train.js";

export interface DemoOptions {
  rows: number;
  epochs?: number;
  fast?: boolean;
  name: string;
}

const WAD = 10n ** 18n;
const USD = 10n ** 6n; // one unit of the 6-decimal mock collateral
const SPOT = 2_000;
const SPOT_MOVED = 2_200;
const SERIES = { strike: 2_000, expiryDays: 30, spot: SPOT, vol: 0.5, rate: 0.05 } as const;

const usd = (wad: bigint) => `${Number(fromRawUnits(wad, 18)).toFixed(2)}`;

export async function demoCommand(ctx: CliContext, opts: DemoOptions) {
  const total = stopwatch();
  const timings: Record<string, number> = {};
  const gas: Record<string, bigint> = {};
  const rows = opts.fast ? Math.min(opts.rows, 5_000) : opts.rows;
  const epochs = opts.epochs ?? (opts.fast ? 30 : undefined);
  const step = async <T>(n: number, title: string, fn: () => Promise<T>): Promise<T> => {
    ctx.progress(`\n[${n}/7] ${title}`);
    const t = stopwatch();
    const out = await fn();
    timings[title] = t();
    return out;
  };

  // Connect first: a missing Hardhat project or a contract build error fails before training.
  const c = await connectChain(ctx, { fresh: true });
  const sample = rows < 50_000 || epochs !== undefined ? ` (smaller than the reference run: ${rows.toLocaleString("en-US")} rows${epochs ? `, ${epochs} epochs` : ""})` : "";
  const trained = await step(1, `train the reference model 4 → 32 → 32 → 1 with batch norm on Black–Scholes call prices${sample}`, () =>
    trainCommand(ctx, { folder: opts.name, rows, seed: 1, kind: "call", force: true, progressEvery: 25, ...(epochs ? { epochs } : {}) }),
  );
  const quantized = await step(2, "quantize to fixed point (16 fractional bits)", () => quantizeCommand(ctx, { model: opts.name, bits: 16, samples: 2_000 }));
  const compiled = await step(3, "generate and compile the circuit", () => compileCommand(ctx, { model: opts.name }));
  const keys = await step(4, "Groth16 setup (bundled development powers of tau)", () => setupCommand(ctx, { model: opts.name }));

  const art = await loadProvingArtifacts(modelPaths(ctx.root, opts.name));
  const result = await step(5, "deploy verifier, registry, price feed and margin engine on the in-process chain", async () => {
    const { result: deployed } = await deployModel(ctx, c, art, { ...SERIES, kind: "call", force: true });
    Object.assign(gas, deployed.gasUsed);
    return deployed;
  });
  const [owner, alice, bob] = await c.ethers.getSigners();
  const feed = await contractAt(c, "OptionPriceFeed", result.contracts.feed);
  const engine = await contractAt(c, "MarginEngine", result.contracts.engine);
  const token = await contractAt(c, "MockERC20", result.contracts.collateral);
  const as = (contract: Contract, signer: unknown) => contract.connect(signer as never) as Contract;
  const tx = async (label: string, fn: () => Promise<{ wait(): Promise<unknown> }>) => {
    const r = await send(c, label, fn);
    gas[label] = r.gasUsed;
    return r;
  };
  const seriesId = result.series[0].seriesId;
  const size = 1n * WAD; // one unit of underlying
  const prover = await openProver(art);

  let firstPrice: bigint;
  let after: { price: bigint };
  let liquidation: { bonus: bigint; equity: bigint; mm: bigint };
  try {
    firstPrice = await step(6, `prove the price of series ${seriesId} (call, strike ${SERIES.strike}, ${SERIES.expiryDays} days, spot ${SPOT}), submit it, open a short`, async () => {
      const sub = await proveAndSubmitCli(ctx, c, art, feed, seriesId, prover);
      const proof = await readProof(sub.proofDir);
      if (!(await verifyGroth16({ vkey: art.vkey, proof: proof.proof, publicSignals: proof.publicSignals }))) {
        throw new VerificationFailedError("the demo's proof does not verify off-chain");
      }
      gas["OptionPriceFeed.submit"] = sub.gasUsed;
      ctx.progress(`  verified off-chain and by the feed on chain: price ${usd(sub.price)} per unit (submit gas ${sub.gasUsed.toLocaleString("en-US")})`);
      // The engine's pool is the counterparty of every trade: fund it, then Alice posts collateral.
      await tx("MockERC20.mint", () => token.mint(owner.address, 100_000n * USD));
      await tx("MockERC20.approve", () => token.approve(result.contracts.engine, 100_000n * USD));
      await tx("MarginEngine.fundPool", () => engine.fundPool(100_000n * USD));
      // The short sells at the bid (mark − spread, the spread covering the model's error band)
      // and pays the fee; the deposit leaves equity 10 above initial margin after that.
      const m = await feed.mark(seriesId);
      const bid = sub.price > m.spread ? sub.price - m.spread : 0n;
      const fee = (BigInt(m.spot) * BigInt((await engine.riskParams()).feeBps)) / 10_000n;
      const deposit = 310n * USD + (2n * BigInt(m.spread) + fee + 10n ** 12n - 1n) / 10n ** 12n;
      await tx("MockERC20.mint", () => token.mint(alice.address, deposit));
      await tx("MockERC20.approve", () => as(token, alice).approve(result.contracts.engine, deposit));
      await tx("MarginEngine.deposit", () => as(engine, alice).deposit(deposit));
      ctx.progress(`  Alice deposits ${deposit / USD} USD of collateral`);
      // limitPrice: the least Alice accepts per unit (slippage protection): the bid.
      await tx("MarginEngine.openPosition", () => as(engine, alice).openPosition(seriesId, false, size, bid));
      ctx.progress(`  Alice sells 1 call at the bid, proven price − spread (premium ${usd(bid)} credited, fee ${usd(fee)} to the pool)`);
      const h = await health(engine, alice.address);
      ctx.progress(`  margin: equity ${usd(h.equity)}, initial ${usd(h.im)}, maintenance ${usd(h.mm)} → ${h.liquidatable ? "LIQUIDATABLE" : "healthy"}`);
      return sub.price;
    });

    after = await step(7, `the spot moves +${((SPOT_MOVED / SPOT - 1) * 100).toFixed(0)}% to ${SPOT_MOVED}: prove again, then liquidate`, async () => {
      await advance(c, 60);
      await setMockAnswer(c, toDeploymentRecord(c.networkName, result), "spot", SPOT_MOVED);
      const [usable] = await engine.markStatus(seriesId);
      ctx.progress(`  spot oracle ${SPOT} → ${SPOT_MOVED}: the proven price is ${usable ? "still" : "no longer"} current; until the new round is proven the engine blocks trading and liquidation in the series`);
      const sub = await proveAndSubmitCli(ctx, c, art, feed, seriesId, prover);
      gas["OptionPriceFeed.submit (2nd)"] = sub.gasUsed;
      ctx.progress(`  new proven price ${usd(sub.price)} per unit (was ${usd(firstPrice)})`);
      const h = await health(engine, alice.address);
      ctx.progress(`  margin: equity ${usd(h.equity)}, maintenance ${usd(h.mm)} → ${h.liquidatable ? "LIQUIDATABLE" : "healthy"}`);
      const before = BigInt(await token.balanceOf(bob.address));
      await tx("MarginEngine.liquidate", () => as(engine, bob).liquidate(alice.address));
      const bonus = BigInt(await token.balanceOf(bob.address)) - before;
      liquidation = { bonus, equity: h.equity, mm: h.mm };
      ctx.progress(`  Bob liquidates Alice: her short is closed at the proven mark, Bob earns ${fromRawUnits(bonus, 6)} USD; Alice keeps ${usd(BigInt(await engine.collateralOf(alice.address)))} USD of collateral`);
      return { price: sub.price };
    });
  } finally {
    await prover.close();
  }

  const elapsed = total();
  ctx.info("\nSummary");
  ctx.info(`  model      ${trained.epochs} epochs; test MAE ${trained.metrics.test.mae.toExponential(2)} (price/strike)`);
  ctx.info(`  quantized  max |float − quantized| ${quantized.report.maxAbsErr.toExponential(2)} on ${quantized.report.n} rows, guaranteed ≤ ${quantized.report.guaranteedBound.toExponential(2)}`);
  ctx.info(`  circuit    ${compiled.constraints.toLocaleString("en-US")} constraints, ${compiled.publicSignals.length} public signals${keys.ptau.development ? "; keys from a DEVELOPMENT ptau (not secure)" : ""}`);
  ctx.info(`  prices     ${usd(firstPrice)} → ${usd(after.price)} per unit after the spot move; liquidation bonus ${fromRawUnits(liquidation!.bonus, 6)} USD`);
  const fmtGas = (keys: string[]) => keys.filter((k) => gas[k] !== undefined).map((k) => `${k.replace(/^[A-Za-z0-9]+\./, "")} ${gas[k].toLocaleString("en-US")}`).join(", ");
  ctx.info(`  gas deploy ${fmtGas(["verifier", "registry", "registerModel", "feed", "createSeries1", "engine"])}`);
  ctx.info(`  gas use    ${fmtGas(["OptionPriceFeed.submit", "OptionPriceFeed.submit (2nd)", "MarginEngine.deposit", "MarginEngine.openPosition", "MarginEngine.liquidate"])}`);
  const names = ["train", "quantize", "compile", "setup", "deploy", "prove+trade", "liquidate"];
  ctx.info(`  time       ${Object.values(timings).map((t, i) => `${names[i]} ${seconds(t)}`).join(", ")}; total ${seconds(elapsed)}`);
  return {
    model: opts.name,
    rows,
    epochs: trained.epochs,
    metrics: trained.metrics,
    quantization: quantized.report,
    constraints: compiled.constraints,
    developmentPtau: keys.ptau.development,
    prices: { first: firstPrice.toString(), afterSpotMove: after.price.toString() },
    liquidation: { bonus: liquidation!.bonus.toString(), equity: liquidation!.equity.toString(), maintenanceMargin: liquidation!.mm.toString() },
    gasUsed: Object.fromEntries(Object.entries(gas).map(([k, v]) => [k, v.toString()])),
    seconds: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, v / 1000])),
    totalSeconds: elapsed / 1000,
  };
}

async function health(engine: Contract, account: string) {
  const [equity, im, mm] = await engine.accountHealth(account);
  return { equity: BigInt(equity), im: BigInt(im), mm: BigInt(mm), liquidatable: Boolean(await engine.isLiquidatable(account)) };
}

/** Move the in-process chain's clock forward (the feed needs strictly newer observations). */
async function advance(chain: ChainConnection, secondsToAdd: number): Promise<void> {
  await chain.ethers.provider.send("evm_increaseTime", [secondsToAdd]);
  await chain.ethers.provider.send("evm_mine", []);
}

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("demo")
    .summary("run the whole pipeline end to end on the in-process chain")
    .description(
      "Generate Black–Scholes data, train the reference model (4 → 32 → 32 → 1, batch norm), quantize, compile, set up Groth16 (development ptau), deploy the contracts on a fresh in-process chain, " +
        "prove and submit an option price, open a short position against collateral, move the spot, prove again and liquidate. Ends with a summary including gas. Artifacts: build/<name>/ (replaced each run).",
    )
    .option("--rows <n>", "rows of the dataset", parseInteger(100, 10_000_000), 50_000)
    .option("--epochs <n>", "training epochs (default: the reference config)", parseInteger(1, 100_000))
    .option("--fast", "small sample (5,000 rows, 30 epochs) for a quick look")
    .option("--name <name>", "model folder", "demo")
    .addHelpText("after", examples("zkinfer demo", "zkinfer demo --fast", "npm run demo"))
    .action(action(runtime, demoCommand));
}
