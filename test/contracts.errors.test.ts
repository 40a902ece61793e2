/**
 * Shared Solidity errors are declared once (contracts/interfaces/IZkinferErrors.sol) and
 * every contract that raises one lists it in its ABI with the same selector.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Interface } from "ethers";
import { describe, expect, it } from "vitest";
import { contractArtifact, CONTRACT_SOURCES, type ShippedContract } from "../src/chain/contractArtifacts.js";

const ROOT = path.resolve(import.meta.dirname, "..");
const CONTRACTS = path.join(ROOT, "contracts");

function shippedSources(dir = CONTRACTS): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "test" ? [] : shippedSources(full);
    return e.name.endsWith(".sol") ? [full] : [];
  });
}

const SHARED: Record<string, ShippedContract[]> = {
  SignalCountMismatch: ["ModelRegistry", "OptionPriceFeed"],
  InvalidProof: ["ModelRegistry", "OptionPriceFeed"],
  UnknownSeries: ["OptionPriceFeed", "MarginEngine"],
  SeriesExpired: ["OptionPriceFeed", "MarginEngine"],
  NoPrice: ["OptionPriceFeed", "MarginEngine"],
  StalePrice: ["OptionPriceFeed", "MarginEngine"],
  InvalidRiskParams: ["OptionPriceFeed", "MarginEngine"],
};

describe("shared Solidity errors", () => {
  it("every error name is declared in exactly one shipped source file", () => {
    const declaredIn = new Map<string, string[]>();
    for (const file of shippedSources()) {
      for (const m of readFileSync(file, "utf8").matchAll(/^\s*error\s+(\w+)\s*\(/gm)) {
        declaredIn.set(m[1], [...(declaredIn.get(m[1]) ?? []), path.relative(ROOT, file)]);
      }
    }
    const twice = [...declaredIn].filter(([, files]) => files.length > 1);
    expect(twice).toEqual([]);
    for (const name of Object.keys(SHARED)) expect(declaredIn.get(name), name).toEqual(["contracts/interfaces/IZkinferErrors.sol"]);
  });

  it("each contract that raises a shared error has it in its ABI, with one selector", () => {
    for (const [name, contracts] of Object.entries(SHARED)) {
      const selectors = contracts.map((c) => {
        expect(readFileSync(path.join(ROOT, CONTRACT_SOURCES[c]), "utf8"), `${c} raises ${name}`).toMatch(new RegExp(`revert ${name}\\(`));
        const fragment = new Interface(contractArtifact(c).abi as never).getError(name);
        expect(fragment, `${name} in the ABI of ${c}`).not.toBeNull();
        return fragment!.selector;
      });
      expect(new Set(selectors).size, name).toBe(1);
    }
  });
});
