/**
 * `zkinfer demo --fast` end to end (5,000 rows, 30 epochs; the rest exactly as `npm run demo`):
 * train → quantize → compile → setup → deploy → prove/submit → short → spot move → liquidation,
 * then proven risk: risk circuit → setup → risk vectors of two strikes (submitRisk) → portfolio
 * margin of a call spread and a naked short → spot move → new risk proofs → the naked short
 * liquidated.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { blackScholesGreeks } from "../src/data/blackScholes.js";
import { cliIn, expectOk } from "./helpers/cli.js";

let tmp: string | undefined;
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

it("runs the whole demo: liquidates the short after the spot move, then margins a call spread below a naked short from proven risk vectors and liquidates the naked short", { timeout: 900_000 }, async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "zkinfer-demo-"));
  const cli = cliIn(tmp);
  // --json: progress on stderr, the result as one JSON document on stdout.
  const result = await cli("--json", "demo", "--fast");
  const progress = result.stderr;
  expect(progress).toMatch(/\[1\/10\] train the .*model .*smaller than the reference run: 5,000 rows, 30 epochs/);
  expect(progress).toMatch(/DEVELOPMENT powers-of-tau/);
  expect(progress).toMatch(/margin: equity [\d.]+, initial [\d.]+, maintenance [\d.]+ → healthy/);
  expect(progress).toMatch(/→ LIQUIDATABLE/);
  expect(progress).toMatch(/Bob liquidates Alice/);
  // Proven risk: Δ next to Black–Scholes for both strikes, the margins side by side, liquidation.
  expect(progress).toMatch(/\[8\/10\] risk-vector circuit/);
  expect(progress.match(/\d+C: mark [\d.]+, Δ [\d.]+ \(Black–Scholes [\d.]+;.*Γ -?[\d.]+ per \(S\/K\)² \(Black–Scholes [\d.]+/g)).toHaveLength(2);
  expect(progress).toMatch(/initial margin \(IM\)\s+[\d.]+\s+[\d.]+\s+[\d.]+/);
  expect(progress).toMatch(/the spread's IM [\d.]+ is below its legs' sum [\d.]+ and below the naked short's alone/);
  expect(progress).toMatch(/naked short: equity [\d.]+, maintenance [\d.]+ → LIQUIDATABLE/);
  expect(progress).toMatch(/call spread: equity [\d.]+, maintenance [\d.]+ → healthy/);
  expect(progress).toMatch(/Bob liquidates Dave/);
  const json = expectOk(result) as {
    constraints: number;
    developmentPtau: boolean;
    prices: { first: string; afterSpotMove: string };
    liquidation: { bonus: string; equity: string; maintenanceMargin: string };
    gasUsed: Record<string, string>;
    risk: {
      scenarios: number;
      greeks: { strike: number; delta: number; bsDelta: number; gamma: number; bsGamma: number }[];
      margins: Record<"spread" | "longLeg" | "nakedShort", { initialMargin: string; maintenanceMargin: string; equity: string }>;
      liquidation: { bonus: string; equity: string; maintenanceMargin: string };
      spreadAfterMove: { equity: string; maintenanceMargin: string; liquidatable: boolean };
    };
  };
  expect(json.constraints).toBeLessThan(4096);
  expect(json.developmentPtau).toBe(true);
  expect(BigInt(json.prices.afterSpotMove)).toBeGreaterThan(BigInt(json.prices.first));
  expect(BigInt(json.liquidation.equity)).toBeLessThan(BigInt(json.liquidation.maintenanceMargin));
  expect(BigInt(json.liquidation.bonus)).toBeGreaterThan(0n);
  expect(Number(json.gasUsed["OptionPriceFeed.submit"])).toBeLessThan(350_000);
  // Proven risk.
  const r = json.risk;
  expect(r.scenarios).toBe(15);
  expect(r.greeks.map((g) => g.strike)).toEqual([2_200, 2_300]);
  for (const g of r.greeks) {
    // The comparison printed is exact Black–Scholes at the series' inputs (S 2,200, σ 50 %,
    // r 5 %, about 30 days: the clock moved a few minutes since the deployment).
    const bs = blackScholesGreeks({ kind: "call", moneyness: 2_200 / g.strike, timeToExpiry: 30 / 365, volatility: 0.5, rate: 0.05 });
    expect(g.bsDelta).toBeCloseTo(bs.delta, 3);
    expect(g.bsGamma).toBeCloseTo(bs.gamma, 1);
    // A call's proven Δ lies in (0, 1) and, even after the short --fast training, within 0.25 of
    // Black–Scholes' (README shows a full run's).
    expect(g.delta, `Δ of the ${g.strike} call`).toBeGreaterThan(0);
    expect(g.delta).toBeLessThan(1);
    expect(Math.abs(g.delta - g.bsDelta), `Δ of the ${g.strike} call vs Black–Scholes`).toBeLessThan(0.25);
  }
  const im = (k: "spread" | "longLeg" | "nakedShort") => BigInt(r.margins[k].initialMargin);
  expect(im("spread")).toBeLessThan(im("longLeg") + im("nakedShort"));
  expect(im("spread")).toBeLessThan(im("nakedShort"));
  expect(BigInt(r.liquidation.equity)).toBeLessThan(BigInt(r.liquidation.maintenanceMargin));
  expect(BigInt(r.liquidation.bonus)).toBeGreaterThan(0n);
  expect(r.spreadAfterMove.liquidatable).toBe(false);
  expect(BigInt(r.spreadAfterMove.equity)).toBeGreaterThanOrEqual(BigInt(r.spreadAfterMove.maintenanceMargin));
  // The target: the demo model has a payoff skip, which the registry adds once per
  // shock of the spot axis (measured 428,207 gas; the same layout's test model 429,181,
  // BENCHMARKS.md "Risk vector").
  expect(Number(json.gasUsed["OptionPriceFeed.submitRisk"])).toBeLessThanOrEqual(450_000);
  expect(Number(json.gasUsed["OptionPriceFeed.submitRisk (2nd)"])).toBeLessThanOrEqual(450_000);
});
