import { createRequire } from "node:module";
import hardhatEthers from "@nomicfoundation/hardhat-ethers";
import hardhatIgnitionEthers from "@nomicfoundation/hardhat-ignition-ethers";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import { configVariable, defineConfig } from "hardhat/config";

// The Solidity compiler is the WebAssembly build shipped in the npm package `solc`,
// so Hardhat never downloads a compiler (builds work offline).
const require = createRequire(import.meta.url);
const solcJsPath = require.resolve("solc/soljson.js");
const solcVersion: string = require("solc/package.json").version;

export default defineConfig({
  plugins: [hardhatEthers, hardhatIgnitionEthers, hardhatNetworkHelpers],
  solidity: {
    version: solcVersion,
    path: solcJsPath,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
    },
  },
  paths: {
    sources: "./contracts",
  },
  networks: {
    // In-process EDR chain used by tests, the demo and benchmarks.
    hardhatMainnet: { type: "edr-simulated", chainType: "l1" },
    // A local `npx hardhat node` (start it in another terminal).
    localhost: { type: "http", chainType: "l1", url: "http://127.0.0.1:8545" },
    // Testnets: the RPC URL and deployer key come from Hardhat configuration variables, read
    // from environment variables of the same names (SEPOLIA_RPC_URL, ...), never from code.
    sepolia: {
      type: "http",
      chainType: "l1",
      url: configVariable("SEPOLIA_RPC_URL"),
      accounts: [configVariable("SEPOLIA_PRIVATE_KEY")],
    },
    baseSepolia: {
      type: "http",
      chainType: "op",
      url: configVariable("BASE_SEPOLIA_RPC_URL"),
      accounts: [configVariable("BASE_SEPOLIA_PRIVATE_KEY")],
    },
  },
});
