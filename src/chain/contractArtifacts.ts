/**
 * Compiled artifacts (abi + bytecode, Hardhat's format) of the contracts the package deploys.
 * The package ships them in dist/artifacts/ (scripts/export-artifacts.mjs), so a project that
 * installs zkinfer deploys the stack without compiling its Solidity; inside this repository
 * they are read from Hardhat's build output.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ArtifactError } from "../errors.js";

/** Contracts with a shipped artifact, and their source files. */
export const CONTRACT_SOURCES = {
  ModelRegistry: "contracts/ModelRegistry.sol",
  OptionPriceFeed: "contracts/OptionPriceFeed.sol",
  OptionSeriesAggregator: "contracts/OptionSeriesAggregator.sol",
  MarginEngine: "contracts/MarginEngine.sol",
  MockV3Aggregator: "contracts/test/MockV3Aggregator.sol",
  MockERC20: "contracts/test/MockERC20.sol",
} as const;
export type ShippedContract = keyof typeof CONTRACT_SOURCES;

export interface ContractArtifact {
  _format: string;
  contractName: string;
  sourceName: string;
  abi: readonly unknown[];
  bytecode: string;
  deployedBytecode: string;
  linkReferences: Record<string, unknown>;
  deployedLinkReferences: Record<string, unknown>;
}

const cache = new Map<string, ContractArtifact>();

/** The artifact of one of the package's contracts (read once, synchronously, for Ignition modules). */
export function contractArtifact(name: ShippedContract): ContractArtifact {
  const hit = cache.get(name);
  if (hit) return hit;
  // In a clone, Hardhat's own build output (artifacts/, absent from the package) is the
  // freshest; an installed package has only the shipped copies in dist/artifacts/.
  const candidates = [
    fileURLToPath(new URL(`../../artifacts/${CONTRACT_SOURCES[name]}/${name}.json`, import.meta.url)),
    fileURLToPath(new URL(`../artifacts/${name}.json`, import.meta.url)),
  ];
  const file = candidates.find((f) => existsSync(f));
  if (!file) throw new ArtifactError({ path: candidates.join(" or "), problem: `no compiled artifact of ${name}`, details: "Run `npm run build` in the zkinfer package (it copies the contracts' artifacts to dist/artifacts/)." });
  const artifact = JSON.parse(readFileSync(file, "utf8")) as ContractArtifact;
  cache.set(name, artifact);
  return artifact;
}
