import { createRequire } from "node:module";
import hardhatIgnitionEthers from "@nomicfoundation/hardhat-ignition-ethers";
import { defineConfig } from "hardhat/config";

// solc from npm (a dependency of zkinfer), so the build needs no compiler download.
const require = createRequire(import.meta.url);

export default defineConfig({
  plugins: [hardhatIgnitionEthers],
  solidity: { version: require("solc/package.json").version, path: require.resolve("solc/soljson.js") },
});
