// Copies the compiled artifacts (abi + bytecode, Hardhat's format) of the contracts a consumer
// deploys into dist/artifacts/<Name>.json, so the package's Ignition modules and deployStack
// work in a project that never compiles zkinfer's Solidity (no npmFilesToBuild, no name
// clash with the project's own mocks). Run after `hardhat build` and `tsc`: node scripts/export-artifacts.mjs
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";

// The one list of shipped contracts (src/chain/contractArtifacts.ts), from the build `tsc` just wrote.
const { CONTRACT_SOURCES: CONTRACTS } = await import("../dist/chain/contractArtifacts.js");

const root = new URL("../", import.meta.url);
const out = new URL("dist/artifacts/", root);
mkdirSync(out, { recursive: true });
for (const [name, source] of Object.entries(CONTRACTS)) {
  const a = JSON.parse(readFileSync(new URL(`artifacts/${source}/${name}.json`, root), "utf8"));
  const slim = {
    _format: a._format,
    contractName: a.contractName,
    sourceName: a.sourceName,
    abi: a.abi,
    bytecode: a.bytecode,
    deployedBytecode: a.deployedBytecode,
    linkReferences: a.linkReferences,
    deployedLinkReferences: a.deployedLinkReferences,
  };
  writeFileSync(new URL(`${name}.json`, out), `${JSON.stringify(slim)}\n`);
}
console.log(`exported ${Object.keys(CONTRACTS).length} contract artifacts to dist/artifacts/`);
