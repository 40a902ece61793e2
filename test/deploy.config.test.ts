import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeployConfigError, loadDeployConfig } from "../src/chain/config.js";
import { ArtifactError } from "../src/errors.js";

describe("deployment config file", () => {
  let dir: string;
  const write = async (name: string, body: unknown) => {
    const file = path.join(dir, name);
    await writeFile(file, typeof body === "string" ? body : JSON.stringify(body));
    return file;
  };
  const series = { spotOracle: { mock: { decimals: 8, answer: "200000000000" } }, volOracle: { mock: { decimals: 8, answer: "50000000" } }, strike: "2000000000000000000000", expiresInSeconds: 2_592_000, isCall: true };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-deploycfg-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("accepts a valid config", async () => {
    const file = await write("ok.json", { series: [{ ...series, risk: { spotHeartbeat: 3600, volHeartbeat: 3600, rate: "50000000000000000" } }] });
    const { config } = await loadDeployConfig(file);
    expect(config.series?.[0].risk?.spotHeartbeat).toBe(3600);
  });

  it("refuses keys of older configs (deviation bands, maxAge) instead of ignoring them", async () => {
    const file = await write("old.json", { series: [{ ...series, risk: { spotHeartbeat: 3600, volHeartbeat: 3600, rate: "0", maxAge: 600, maxSpotDeviationBps: 50 } }] });
    const err = await loadDeployConfig(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployConfigError);
    expect((err as DeployConfigError).details).toMatch(/series\.0\.risk.*maxAge/);
  });

  it("engine risk: new parameters default, bad values are named; option terms become wad rounded up", async () => {
    const base = { imBps: 1500, mmBps: 1000, liquidationBonusBps: 500, maxPriceAge: 3600 };
    const ok = await loadDeployConfig(await write("risk.json", { engineRisk: base, model: { modelId: "7", option: { kind: "put", quantizationBound: 0.0001, referenceError: 0.008 } }, sequencer: { address: `0x${"11".repeat(20)}` } }));
    expect(ok.config.engineRisk).toMatchObject({ ...base, feeBps: 25, seriesCapBps: 2_000, accountCapBps: 500, reduceOnlyWindow: 86_400, minTick: 10n ** 12n });
    expect(ok.config.sequencer?.gracePeriod).toBe(3_600);
    const { toOptionTerms } = await import("../src/chain/config.js");
    expect(toOptionTerms({ kind: "call", quantizationBound: 0.0001, referenceError: 0.008 })).toEqual({ kind: "call", quantizationBound: 10n ** 14n, referenceError: 8n * 10n ** 15n });
    for (const [bad, field] of [
      [{ ...base, mmBps: 2000 }, /engineRisk\.mmBps/],
      [{ ...base, feeBps: 1001 }, /engineRisk\.feeBps/],
      [{ ...base, seriesCapBps: 0 }, /engineRisk\.seriesCapBps/],
      [{ ...base, minTick: "0" }, /engineRisk\.minTick/],
    ] as const) {
      const err = await loadDeployConfig(await write("bad-risk.json", { engineRisk: bad })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeployConfigError);
      expect((err as DeployConfigError).details).toMatch(field);
    }
    const err = await loadDeployConfig(await write("bad-kind.json", { model: { modelId: "7", option: { kind: "straddle", quantizationBound: 0, referenceError: 0 } } })).catch((e: unknown) => e);
    expect((err as DeployConfigError).details).toMatch(/^model/);
  });

  it("names a missing or non-JSON file", async () => {
    await expect(loadDeployConfig(path.join(dir, "nope.json"))).rejects.toBeInstanceOf(ArtifactError);
    await expect(loadDeployConfig(await write("bad.json", "{"))).rejects.toThrow(/not JSON/);
  });
});
