import { copyFile, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArtifactError } from "../src/errors.js";
import { DEV_PTAU_WARNING, PtauTooSmallError, bundledPtauDir, generateDevPtau, readPtauInfo, requiredPower, resolvePtau } from "../src/zk/ptau.js";

const bundled = path.join(bundledPtauDir(), "dev-pot12.ptau");

describe("powers of tau", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-ptau-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("requiredPower follows snarkjs's domain rule: constraints + public signals < 2^power", () => {
    expect(requiredPower(1, 2)).toBe(2);
    expect(requiredPower(4090, 5)).toBe(12);
    expect(requiredPower(4091, 5)).toBe(13);
    expect(requiredPower(65_000, 5)).toBe(16);
  });

  it("reads the bundled development file's header", async () => {
    const info = await readPtauInfo(bundled);
    expect(info.power).toBe(12);
    expect(info.prepared).toBe(true);
  });

  it("uses a supplied ptau that is large enough, as a production file", async () => {
    const r = await resolvePtau({ ptauPath: bundled, power: 10, log: () => {} });
    expect(r.development).toBe(false);
    expect(r.power).toBe(12);
  });

  it("refuses a supplied ptau that is too small and says which power is needed", async () => {
    const err = await resolvePtau({ ptauPath: bundled, power: 14, constraints: 9000, log: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PtauTooSmallError);
    expect((err as Error).message).toMatch(/has power 12.*needs power 14/);
  });

  it("refuses a missing file and a file that is not a ptau", async () => {
    await expect(resolvePtau({ ptauPath: path.join(dir, "nope.ptau"), power: 4 })).rejects.toBeInstanceOf(ArtifactError);
    await expect(readPtauInfo(path.resolve("package.json"))).rejects.toThrow(/not a \.ptau file/);
  });

  it("finds the cached/bundled development file without generating, and warns loudly", async () => {
    const lines: string[] = [];
    const r = await resolvePtau({ power: 9, cacheDir: path.join(dir, "empty-cache"), log: (l) => lines.push(l) });
    expect(r.generated).toBe(false);
    expect(r.development).toBe(true);
    expect(r.power).toBe(12);
    expect(lines).toContain(DEV_PTAU_WARNING);
  });

  it("generates a development ptau once, then reuses it from the cache", async () => {
    const cache = path.join(dir, "cache");
    const file = await generateDevPtau({ power: 4, outDir: cache });
    const info = await readPtauInfo(file);
    expect(info).toMatchObject({ power: 4, prepared: true });
    const mtime = (await stat(file)).mtimeMs;
    const again = await generateDevPtau({ power: 4, outDir: cache });
    expect(again).toBe(file);
    expect((await stat(file)).mtimeMs).toBe(mtime);
    expect((await readdir(cache)).filter((n) => n.startsWith(".tmp"))).toEqual([]);
  });

  it("prefers the smallest cached development file that fits", async () => {
    const cache = path.join(dir, "cache2");
    await generateDevPtau({ power: 5, outDir: cache });
    await copyFile(bundled, path.join(cache, "dev-pot12.ptau"));
    const r = await resolvePtau({ power: 5, cacheDir: cache, log: () => {} });
    expect(r.power).toBe(5);
    const r2 = await resolvePtau({ power: 6, cacheDir: cache, log: () => {} });
    expect(r2.power).toBe(12);
  });
});
