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

  it("names a missing or non-JSON file", async () => {
    await expect(loadDeployConfig(path.join(dir, "nope.json"))).rejects.toBeInstanceOf(ArtifactError);
    await expect(loadDeployConfig(await write("bad.json", "{"))).rejects.toThrow(/not JSON/);
  });
});
