/**
 * `zkinfer demo --fast` end to end (5,000 rows, 30 epochs; the rest exactly as `npm run demo`):
 * train → quantize → compile → setup → deploy → prove/submit → short → spot move → liquidation.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { cliIn, expectOk } from "./helpers/cli.js";

let tmp: string | undefined;
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

it("runs the whole demo and liquidates the short after the spot move", async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "zkinfer-demo-"));
  const cli = cliIn(tmp);
  // --json: progress on stderr, the result as one JSON document on stdout.
  const result = await cli("--json", "demo", "--fast");
  const progress = result.stderr;
  expect(progress).toMatch(/\[1\/7\] train the reference model .*smaller than the reference run: 5,000 rows, 30 epochs/);
  expect(progress).toMatch(/DEVELOPMENT powers-of-tau/);
  expect(progress).toMatch(/margin: equity [\d.]+, initial [\d.]+, maintenance [\d.]+ → healthy/);
  expect(progress).toMatch(/→ LIQUIDATABLE/);
  expect(progress).toMatch(/Bob liquidates Alice/);
  const json = expectOk(result) as {
    constraints: number;
    developmentPtau: boolean;
    prices: { first: string; afterSpotMove: string };
    liquidation: { bonus: string; equity: string; maintenanceMargin: string };
    gasUsed: Record<string, string>;
  };
  expect(json.constraints).toBeLessThan(4096);
  expect(json.developmentPtau).toBe(true);
  expect(BigInt(json.prices.afterSpotMove)).toBeGreaterThan(BigInt(json.prices.first));
  expect(BigInt(json.liquidation.equity)).toBeLessThan(BigInt(json.liquidation.maintenanceMargin));
  expect(BigInt(json.liquidation.bonus)).toBeGreaterThan(0n);
  expect(Number(json.gasUsed["OptionPriceFeed.submit"])).toBeLessThan(350_000);
});
