/**
 * `zkinfer demo`: the whole pipeline in one command — data → train → quantize → compile →
 * setup → on a fresh in-process chain: deploy, prove and submit a price, open a short option
 * position against collateral, move the spot, prove again and liquidate; then proven risk:
 * the model's risk-vector circuit (mark, 15 stress scenarios, Δ, Γ in one proof), risk
 * vectors of two strikes submitted with `submitRisk`, portfolio margin of a call spread next
 * to a naked short, a spot move, new risk proofs, and the naked short liquidated — then a
 * summary with gas. Artifacts go to build/demo/ (replaced on every run).
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { type Contract, ContractFactory } from "ethers";
import { decodeRiskSignals } from "../../circuit/risk/reference.js";
import { riskLayoutFromSpec } from "../../chain/risk.js";
import { proveAndSubmitRisk } from "../../chain/submit.js";
import { DEFAULT_FEED_RISK, DEFAULT_PORTFOLIO } from "../../chain/types.js";
import { compareGreeks, loadRiskArtifacts, openRiskProver } from "../../prove/risk.js";
import { compileSolidity } from "../../zk/solidity.js";
import type { DeployStackReturnType } from "../../chain/deployStack.js";
import { toDeploymentRecord } from "../../chain/record.js";
import { fromRawUnits } from "../../quantize/decimal.js";
import { verifyGroth16 } from "../../zk/groth16.js";
import { modelPaths } from "../../manifest/paths.js";
import { readProof } from "../../prove/proofFolder.js";
import { loadProvingArtifacts, openProver } from "../../prove/proving.js";
import { type ChainConnection, connectChain, contractAt, revertError, send } from "../chain.js";
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
/**
 * Proven risk, after the price flow (the spot is at SPOT_MOVED then): two calls of the same
 * expiry on the same oracles, at the money and 100 above. The spot then moves +3.6 %; both marks
 * stay inside the risk circuit's mark range (every ±15 % spot shock inside the model's declared
 * domain), so both are proven again with their risk vectors.
 */
const RISK_STRIKES = [2_200, 2_300] as const;
const RISK_SPOT_MOVED = 2_280;
/**
 * Portfolio margin for the demo: IM = 1.1 × the worst scenario loss, MM = 1 ×, plus per-short
 * floors max(10 % − OTM/S, 5 %)·S (IM) and max(7.5 % − OTM/S, 3.75 %)·S (MM).
 */

/**
 * The demo's network: 4 → 12 → 12 → 1 with batch norm, smaller than the reference
 * 4 → 32 → 32 → 1. The reference model's risk circuit (about 37,000 constraints) needs a power-16
 * ptau, whose INSECURE development file alone takes about a minute to write on 2 cores and its
 * Groth16 setup about two more: over the demo's 3 minutes. This one's (about 15,000) fits power
 * 14: a few seconds for the file, well under a minute for the setup.
 */
const DEMO_HIDDEN = [12, 12];

const usd = (wad: bigint) => `${Number(fromRawUnits(wad, 18)).toFixed(2)}`;

export async function demoCommand(ctx: CliContext, opts: DemoOptions) {
  const total = stopwatch();
  const timings: Record<string, number> = {};
  const gas: Record<string, bigint> = {};
  const rows = opts.fast ? Math.min(opts.rows, 5_000) : opts.rows;
  const epochs = opts.epochs ?? (opts.fast ? 30 : undefined);
  const STEPS = 10;
  const step = async <T>(n: number, title: string, fn: () => Promise<T>): Promise<T> => {
    ctx.progress(`\n[${n}/${STEPS}] ${title}`);
    const t = stopwatch();
    const out = await fn();
    timings[title] = t();
    return out;
  };

  // Connect first: a missing Hardhat project or a contract build error fails before training.
  const c = await connectChain(ctx, { fresh: true });
  const sample = rows < 50_000 || epochs !== undefined ? ` (smaller than the reference run: ${rows.toLocaleString("en-US")} rows${epochs ? `, ${epochs} epochs` : ""})` : "";
  const trained = await step(1, `train the demo model 4 → ${DEMO_HIDDEN.join(" → ")} → 1 with batch norm on Black–Scholes call prices${sample}`, () =>
    trainCommand(ctx, { folder: opts.name, rows, seed: 1, kind: "call", force: true, progressEvery: 25, hidden: DEMO_HIDDEN, ...(epochs ? { epochs } : {}) }),
  );
  const quantized = await step(2, "quantize to fixed point (16 fractional bits)", () => quantizeCommand(ctx, { model: opts.name, bits: 16, samples: 2_000 }));
  const compiled = await step(3, "generate and compile the circuit", () => compileCommand(ctx, { model: opts.name }));
  const keys = await step(4, "Groth16 setup (bundled development powers of tau)", () => setupCommand(ctx, { model: opts.name }));

  const art = await loadProvingArtifacts(modelPaths(ctx.root, opts.name));
  const result = await step(5, "deploy verifier, registry, price feed and margin engine on the in-process chain", async () => {
    const { result: deployed } = await deployModel(ctx, c, art, { ...SERIES, kind: "call", force: true, risk: false });
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
  let proven: Awaited<ReturnType<typeof provenRisk>>;
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

    proven = await provenRisk(ctx, c, { step, gas, tx, as, name: opts.name, result, feed, engine, token });
  } finally {
    await prover.close();
  }

  const elapsed = total();
  ctx.info("\nSummary");
  ctx.info(`  model      ${trained.epochs} epochs; test MAE ${trained.metrics.test.mae.toExponential(2)} (price/strike)`);
  ctx.info(`  quantized  max |float − quantized| ${quantized.report.maxAbsErr.toExponential(2)} on ${quantized.report.n} rows, guaranteed ≤ ${quantized.report.guaranteedBound.toExponential(2)}`);
  ctx.info(`  circuit    ${compiled.constraints.toLocaleString("en-US")} constraints, ${compiled.publicSignals.length} public signals${keys.ptau.development ? "; keys from a DEVELOPMENT ptau (not secure)" : ""}`);
  ctx.info(`  prices     ${usd(firstPrice)} → ${usd(after.price)} per unit after the spot move; liquidation bonus ${fromRawUnits(liquidation!.bonus, 6)} USD`);
  ctx.info(
    `  risk       ${proven!.constraints.toLocaleString("en-US")} constraints (power-${proven!.ptauPower} ptau${proven!.ptauGenerated ? ", written this run" : ""}), ${proven!.scenarios} scenarios; ` +
      proven!.greeks.map((g) => `${g.strike}C Δ ${g.delta.toFixed(3)} (BS ${g.bsDelta.toFixed(3)})`).join(", "),
  );
  ctx.info(`  margin     IM call spread ${usd(proven!.margins.spread.im)} < long leg alone ${usd(proven!.margins.longLeg.im)} + naked short ${usd(proven!.margins.nakedShort.im)}; naked short liquidated after the spot move (bonus ${fromRawUnits(proven!.liquidation.bonus, 6)} USD)`);
  const fmtGas = (keys: string[]) => keys.filter((k) => gas[k] !== undefined).map((k) => `${k.replace(/^[A-Za-z0-9]+\./, "")} ${gas[k].toLocaleString("en-US")}`).join(", ");
  ctx.info(`  gas deploy ${fmtGas(["verifier", "registry", "registerModel", "feed", "createSeries1", "engine"])}`);
  ctx.info(`  gas use    ${fmtGas(["OptionPriceFeed.submit", "OptionPriceFeed.submit (2nd)", "MarginEngine.deposit", "MarginEngine.openPosition", "MarginEngine.liquidate"])}`);
  ctx.info(`  gas risk   ${fmtGas(["ModelRegistry.registerRiskCircuit", "OptionPriceFeed.submitRisk", "MarginEngine.openPosition (spread leg)", "MarginEngine.liquidate (naked short)"])}`);
  const names = ["train", "quantize", "compile", "setup", "deploy", "prove+trade", "liquidate", "risk circuit", "risk+margin", "risk liquidate"];
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
    risk: {
      constraints: proven!.constraints,
      scenarios: proven!.scenarios,
      ptauPower: proven!.ptauPower,
      greeks: proven!.greeks,
      margins: Object.fromEntries(Object.entries(proven!.margins).map(([k, v]) => [k, { initialMargin: v.im.toString(), maintenanceMargin: v.mm.toString(), equity: v.equity.toString() }])),
      liquidation: { bonus: proven!.liquidation.bonus.toString(), equity: proven!.liquidation.equity.toString(), maintenanceMargin: proven!.liquidation.mm.toString() },
      spreadAfterMove: { equity: proven!.spreadAfter.equity.toString(), maintenanceMargin: proven!.spreadAfter.mm.toString(), liquidatable: proven!.spreadAfter.liquidatable },
    },
    gasUsed: Object.fromEntries(Object.entries(gas).map(([k, v]) => [k, v.toString()])),
    seconds: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, v / 1000])),
    totalSeconds: elapsed / 1000,
  };
}

interface RiskDemoEnv {
  step: <T>(n: number, title: string, fn: () => Promise<T>) => Promise<T>;
  gas: Record<string, bigint>;
  tx: (label: string, fn: () => Promise<{ wait(): Promise<unknown> }>) => Promise<{ gasUsed: bigint }>;
  as: (contract: Contract, signer: unknown) => Contract;
  name: string;
  result: DeployStackReturnType;
  feed: Contract;
  engine: Contract;
  token: Contract;
}

type RiskCompiled = Extract<Awaited<ReturnType<typeof compileCommand>>, { kind: "risk" }>;
type RiskKeys = Extract<Awaited<ReturnType<typeof setupCommand>>, { kind: "risk" }>;

/**
 * Steps 8–10: the model's risk-vector circuit, risk vectors of two strikes on chain, portfolio
 * margin of a call spread next to a naked short, a spot move, new risk proofs, liquidation.
 */
async function provenRisk(ctx: CliContext, c: ChainConnection, env: RiskDemoEnv) {
  const { step, gas, tx, as, feed, engine, token, result } = env;
  const paths = modelPaths(ctx.root, env.name);
  const built = await step(8, "risk-vector circuit: the network at the mark and at 15 stress scenarios (spot −15/−5/+5/+15 %, vol ±25 %) with Δ and Γ, in one proof; compile and Groth16 setup", async () => {
    const compiled = (await compileCommand(ctx, { model: env.name, risk: true })) as RiskCompiled;
    const keys = (await setupCommand(ctx, { model: env.name, risk: true })) as RiskKeys;
    return { compiled, keys };
  });
  const art = await loadRiskArtifacts(paths);
  const { q, spec } = art;
  const [owner, , , carol, dave, erin] = await c.ethers.getSigners();
  const first = result.series[0];
  const strikes = RISK_STRIKES.map((k) => BigInt(k) * WAD);
  const prover = await openRiskProver(art);
  try {
    const opened = await step(9, `prove risk vectors of calls ${RISK_STRIKES.join(" and ")} (spot ${SPOT_MOVED}), submitRisk, portfolio margin: a call spread next to a naked short`, async () => {
      // Register the risk circuit (its verifier and grid) for the model, then create the two
      // series on the first series' oracles: one underlying, so their risk vectors offset.
      const rv = compileSolidity(await readFile(art.verifier, "utf8"), art.verifierContract);
      const verifier = await new ContractFactory(rv.abi as never, rv.bytecode, owner).deploy();
      await verifier.waitForDeployment();
      gas["risk verifier"] = (await verifier.deploymentTransaction()!.wait())!.gasUsed;
      const registry = await contractAt(c, "ModelRegistry", result.contracts.registry);
      await tx("ModelRegistry.registerRiskCircuit", () => registry.registerRiskCircuit(q.modelId, { verifier: String(verifier.target), ...riskLayoutFromSpec(q, spec) }));
      const expiry = BigInt((await feed.mark(first.seriesId)).expiry);
      const ids: bigint[] = [];
      for (const strike of strikes) {
        await tx("OptionPriceFeed.createSeries", () =>
          feed.createSeries({ spotOracle: first.spotOracle, volOracle: first.volOracle, strike, expiry, isCall: true, modelId: q.modelId, risk: DEFAULT_FEED_RISK }),
        );
        ids.push(BigInt(await feed.seriesCount()));
      }
      await tx("MarginEngine.setPortfolioParams", () => engine.setPortfolioParams(DEFAULT_PORTFOLIO));
      ctx.progress(
        `  risk circuit registered (verifier ${art.verifierContract}); series ${ids.join(" and ")} created; portfolio margin on: IM ${DEFAULT_PORTFOLIO.imFactorBps / 10_000}× / MM ${DEFAULT_PORTFOLIO.mmFactorBps / 10_000}× the worst scenario loss + per-short floors`,
      );
      const greeks: { strike: number; delta: number; gamma: number; bsDelta: number; bsGamma: number; bsStepDelta: number }[] = [];
      for (const [i, id] of ids.entries()) {
        const sub = await submitRiskCli(ctx, c, { feed, seriesId: id, q, spec, prover });
        gas["OptionPriceFeed.submitRisk"] = sub.gasUsed;
        const g = compareGreeks(q, art.kind, decodeRiskSignals(q, spec, sub.proved.publicSignals));
        greeks.push({ strike: RISK_STRIKES[i], delta: g.proven.delta, gamma: g.proven.gamma, bsDelta: g.blackScholes.delta, bsGamma: g.blackScholes.gamma, bsStepDelta: g.blackScholesFiniteDifference.delta });
        ctx.progress(
          `  ${RISK_STRIKES[i]}C: mark ${usd(sub.risk.mark)}, Δ ${g.proven.delta.toFixed(4)} (Black–Scholes ${g.blackScholes.delta.toFixed(4)}; its ±${(g.step * 100).toFixed(0)} % difference ${g.blackScholesFiniteDifference.delta.toFixed(4)}), ` +
            `Γ ${g.proven.gamma.toFixed(2)} per (S/K)² (Black–Scholes ${g.blackScholes.gamma.toFixed(2)}; difference ${g.blackScholesFiniteDifference.gamma.toFixed(2)}); ` +
            `${sub.risk.scenarios.length} scenario prices ${usd(min(sub.risk.scenarios))} … ${usd(max(sub.risk.scenarios))} (submitRisk gas ${sub.gasUsed.toLocaleString("en-US")})`,
        );
      }
      // Carol: bull call spread (long 2200C, short 2300C). Dave: the same short, naked. Erin: the
      // long leg alone (for the legs' sum).
      const size = WAD;
      for (const [who, amount] of [[carol, 2_000n], [dave, 2_000n], [erin, 2_000n]] as const) {
        await tx("MockERC20.mint", () => token.mint(who.address, amount * USD));
        await tx("MockERC20.approve", () => as(token, who).approve(result.contracts.engine, amount * USD));
        await tx("MarginEngine.deposit", () => as(engine, who).deposit(amount * USD));
      }
      const MAX = 2n ** 256n - 1n;
      await tx("MarginEngine.openPosition (spread leg)", () => as(engine, carol).openPosition(ids[0], true, size, MAX));
      await tx("MarginEngine.openPosition (spread leg)", () => as(engine, carol).openPosition(ids[1], false, size, 0n));
      await tx("MarginEngine.openPosition", () => as(engine, dave).openPosition(ids[1], false, size, 0n));
      await tx("MarginEngine.openPosition", () => as(engine, erin).openPosition(ids[0], true, size, MAX));
      // Dave keeps only his initial margin (whole USD above it withdrawn).
      const d0 = await health(engine, dave.address);
      const excess = (d0.equity - d0.im) / 10n ** 12n;
      if (excess > 0n) await tx("MarginEngine.withdraw", () => as(engine, dave).withdraw(excess));
      const margins = { spread: await health(engine, carol.address), longLeg: await health(engine, erin.address), nakedShort: await health(engine, dave.address) };
      ctx.progress(`  Carol: call spread, long 1 × ${RISK_STRIKES[0]}C + short 1 × ${RISK_STRIKES[1]}C; Dave: naked short 1 × ${RISK_STRIKES[1]}C (at his initial margin); Erin: long 1 × ${RISK_STRIKES[0]}C alone`);
      ctx.progress(`                         ${"call spread".padStart(12)}${"long leg".padStart(12)}${"naked short".padStart(13)}`);
      ctx.progress(`  initial margin (IM)    ${usd(margins.spread.im).padStart(12)}${usd(margins.longLeg.im).padStart(12)}${usd(margins.nakedShort.im).padStart(13)}`);
      ctx.progress(`  maintenance (MM)       ${usd(margins.spread.mm).padStart(12)}${usd(margins.longLeg.mm).padStart(12)}${usd(margins.nakedShort.mm).padStart(13)}`);
      ctx.progress(`  equity                 ${usd(margins.spread.equity).padStart(12)}${usd(margins.longLeg.equity).padStart(12)}${usd(margins.nakedShort.equity).padStart(13)}`);
      const legs = margins.longLeg.im + margins.nakedShort.im;
      ctx.progress(
        `  the spread's IM ${usd(margins.spread.im)} is ${margins.spread.im < legs ? "below" : "NOT below"} its legs' sum ${usd(legs)} and ${margins.spread.im < margins.nakedShort.im ? "below" : "NOT below"} the naked short's alone: the long leg's gains offset the short's losses in every scenario`,
      );
      return { ids, greeks, margins };
    });

    const moved = await step(10, `the spot moves +${((RISK_SPOT_MOVED / SPOT_MOVED - 1) * 100).toFixed(1)}% to ${RISK_SPOT_MOVED}: prove both risk vectors again, then liquidate the naked short`, async () => {
      await advance(c, 60);
      await setMockAnswer(c, toDeploymentRecord(c.networkName, result), "spot", RISK_SPOT_MOVED);
      const pending = !(await engine.isLiquidatable(dave.address)) && !(await feed.risk(opened.ids[1])).current;
      ctx.progress(`  spot oracle ${SPOT_MOVED} → ${RISK_SPOT_MOVED}: the risk vectors are ${pending ? "no longer current; until they are proven again the engine values neither account (PENDING: no liquidation)" : "STILL current"}`);
      for (const id of opened.ids) {
        const sub = await submitRiskCli(ctx, c, { feed, seriesId: id, q, spec, prover });
        gas["OptionPriceFeed.submitRisk (2nd)"] = sub.gasUsed;
        ctx.progress(`  series ${id}: new proven mark ${usd(sub.risk.mark)}, Δ ${(Number(sub.risk.delta) / 1e18).toFixed(4)}`);
      }
      const naked = await health(engine, dave.address);
      const spread = await health(engine, carol.address);
      ctx.progress(`  naked short: equity ${usd(naked.equity)}, maintenance ${usd(naked.mm)} → ${naked.liquidatable ? "LIQUIDATABLE" : "healthy"}`);
      ctx.progress(`  call spread: equity ${usd(spread.equity)}, maintenance ${usd(spread.mm)} → ${spread.liquidatable ? "LIQUIDATABLE" : "healthy"}`);
      const [, , bob] = await c.ethers.getSigners();
      const before = BigInt(await token.balanceOf(bob.address));
      await tx("MarginEngine.liquidate (naked short)", () => as(engine, bob).liquidate(dave.address));
      const bonus = BigInt(await token.balanceOf(bob.address)) - before;
      ctx.progress(`  Bob liquidates Dave: the naked short is closed at the proven mark, Bob earns ${fromRawUnits(bonus, 6)} USD; Carol's hedged spread stays open`);
      return { liquidation: { bonus, equity: naked.equity, mm: naked.mm }, spreadAfter: spread };
    });
    return {
      constraints: built.compiled.constraints,
      scenarios: built.compiled.scenarios,
      ptauPower: built.keys.ptau.power,
      ptauGenerated: built.keys.ptau.generated,
      greeks: opened.greeks,
      margins: opened.margins,
      ...moved,
    };
  } finally {
    await prover.close();
  }
}

/** `proveAndSubmitRisk` with the demo's progress lines and revert decoding. */
async function submitRiskCli(ctx: CliContext, c: ChainConnection, p: Omit<Parameters<typeof proveAndSubmitRisk>[0], "log">) {
  try {
    return await proveAndSubmitRisk({ ...p, log: (line) => ctx.progress(line) });
  } catch (error) {
    throw revertError(c, "OptionPriceFeed.submitRisk", error);
  }
}

const min = (xs: bigint[]) => xs.reduce((a, b) => (b < a ? b : a));
const max = (xs: bigint[]) => xs.reduce((a, b) => (b > a ? b : a));

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
      "Generate Black–Scholes data, train the demo model (4 → 12 → 12 → 1, batch norm; the reference config otherwise), quantize, compile, set up Groth16 (development ptau), deploy the contracts on a fresh in-process chain, " +
        "prove and submit an option price, open a short position against collateral, move the spot, prove again and liquidate. " +
        "Then proven risk: compile and set up the model's risk-vector circuit (mark, 15 stress scenarios, Δ, Γ; an INSECURE development ptau of power 14 is written once if none is cached), " +
        "prove and submitRisk two strikes, print Δ and Γ next to Black–Scholes', margin a call spread next to a naked short (portfolio margin), move the spot, prove again and liquidate the naked short. " +
        "Ends with a summary including gas. Artifacts: build/<name>/ (replaced each run).",
    )
    .option("--rows <n>", "rows of the dataset", parseInteger(100, 10_000_000), 50_000)
    .option("--epochs <n>", "training epochs (default: the reference config's)", parseInteger(1, 100_000))
    .option("--fast", "small sample (5,000 rows, 30 epochs) for a quick look")
    .option("--name <name>", "model folder", "demo")
    .addHelpText("after", examples("zkinfer demo", "zkinfer demo --fast", "npm run demo"))
    .action(action(runtime, demoCommand));
}
