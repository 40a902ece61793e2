/**
 * The npm package: what `npm pack` ships (dist entry points, Solidity sources at stable
 * paths, circom gadgets, the development ptau; no tests, no mocks' sources, no file over
 * 5 MB), and that every entry point imports in plain Node ESM by the package's name.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "..");
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  private?: boolean;
  bin: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
let files: { path: string; size: number }[];

beforeAll(async () => {
  // `npm ci` builds dist/ (the `prepare` script); without it there is nothing to check.
  if (!existsSync(path.join(ROOT, "dist", "index.js"))) throw new Error("dist/ is missing: run `npm run build` first");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const { stdout } = await run(npm, ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, maxBuffer: 32 << 20 });
  files = (JSON.parse(stdout) as { files: { path: string; size: number }[] }[])[0].files;
});

describe("npm pack", () => {
  it("ships no tests, no mock sources, no file over 5 MB", () => {
    const paths = files.map((f) => f.path);
    expect(paths.filter((p) => /(^|\/)test\/|\.test\.|\.t\.sol$|^scripts\/|^bench\//.test(p))).toEqual([]);
    expect(paths.filter((p) => p.startsWith("contracts/test/"))).toEqual([]);
    expect(paths.filter((p) => p.startsWith("src/") || p.endsWith(".ts") && !p.endsWith(".d.ts"))).toEqual([]);
    const big = files.filter((f) => f.size > 5 * 1024 * 1024);
    expect(big, big.map((f) => `${f.path} ${f.size}`).join(", ")).toEqual([]);
  });

  it("ships every entry point, the bin, the Solidity sources, the gadgets and the artifacts", () => {
    const paths = new Set(files.map((f) => f.path));
    for (const [key, target] of Object.entries(pkg.exports)) {
      if (key.includes("*") || key === "./package.json") continue;
      const t = target as { types: string; default: string };
      expect(paths, key).toContain(t.default.replace(/^\.\//, ""));
      expect(paths, key).toContain(t.types.replace(/^\.\//, ""));
    }
    expect(paths).toContain(pkg.bin.zkinfer.replace(/^\.\//, ""));
    for (const sol of ["ModelRegistry", "OptionPriceFeed", "OptionSeriesAggregator", "MarginEngine", "interfaces/AggregatorV3Interface", "interfaces/IOptionPriceFeed", "interfaces/IZkinferErrors", "libraries/MarginMath"]) {
      expect(paths).toContain(`contracts/${sol}.sol`);
    }
    expect(paths).toContain("circuits/lib/zkinfer.circom");
    // setup without --ptau (the demo) needs the development ptau at run time.
    expect(paths).toContain("circuits/ptau/dev-pot12.ptau");
    for (const name of ["ModelRegistry", "OptionPriceFeed", "OptionSeriesAggregator", "MarginEngine", "MockV3Aggregator", "MockERC20"]) {
      expect(paths).toContain(`dist/artifacts/${name}.json`);
    }
  });

  it("is a public package whose run-time imports are dependencies", () => {
    expect(pkg.private).toBeUndefined();
    expect(pkg.dependencies["@openzeppelin/contracts"]).toBeDefined();
    expect(pkg.dependencies.solc).toBeDefined();
    expect(pkg.dependencies.tsx).toBeUndefined();
    expect(pkg.devDependencies.tsx).toBeDefined();
    expect(pkg.bin.zkinfer).toMatch(/^\.\/dist\/.*\.js$/);
  });
});

describe("npm ci", () => {
  it("has an allowScripts decision for every locked package with an install script (npm 11 asks about none)", () => {
    const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { hasInstallScript?: boolean }> };
    const withScripts = Object.entries(lock.packages)
      .filter(([, p]) => p.hasInstallScript)
      .map(([key]) => key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length));
    expect(withScripts.length).toBeGreaterThan(0);
    const allow = (pkg as unknown as { allowScripts?: Record<string, boolean> }).allowScripts ?? {};
    expect(withScripts.filter((name) => !(name in allow))).toEqual([]);
  });
});

describe("entry points", () => {
  it("import by the package's name in plain Node ESM", async () => {
    const script = `
      const root = await import("zkinfer");
      const subs = await Promise.all(["train", "quantize", "circuit", "zk", "chain", "ignition"].map((s) => import("zkinfer/" + s)));
      console.log(JSON.stringify({ root: typeof root.train + typeof root.quantize + typeof root.proveAndSubmit, subs: subs.map((m) => Object.keys(m).length) }));
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT });
    const out = JSON.parse(stdout) as { root: string; subs: number[] };
    expect(out.root).toBe("functionfunctionfunction");
    for (const n of out.subs) expect(n).toBeGreaterThan(1);
  });

  it("loads no optional peer dependency (Hardhat, Ignition) when the root entry is imported", () => {
    const optional = Object.keys((pkg as { peerDependenciesMeta?: Record<string, unknown> }).peerDependenciesMeta ?? {});
    expect(optional).toContain("@nomicfoundation/ignition-core");
    // Follow the static imports of dist/index.js through the package's own files.
    const seen = new Set<string>();
    const offending: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const src = readFileSync(file, "utf8");
      for (const m of src.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"|^\s*import\s+"([^"]+)"/gm)) {
        const spec = m[1] ?? m[2];
        if (spec.startsWith(".")) visit(path.resolve(path.dirname(file), spec));
        else if (optional.some((o) => spec === o || spec.startsWith(`${o}/`))) offending.push(`${path.relative(ROOT, file)} imports ${spec}`);
      }
    };
    visit(path.join(ROOT, "dist", "index.js"));
    expect(seen.size).toBeGreaterThan(10);
    expect(offending).toEqual([]);
  });

  it("runs the compiled CLI", async () => {
    const { stdout } = await run(process.execPath, [path.join(ROOT, pkg.bin.zkinfer), "--help"], { cwd: ROOT });
    expect(stdout).toMatch(/Usage: zkinfer/);
  });
});
