import { createRequire } from "node:module";
import { BaseError } from "../errors.js";

const require = createRequire(import.meta.url);

export interface CompiledContract {
  abi: unknown[];
  bytecode: string;
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts?: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
}

/**
 * Compile one standalone Solidity source with the WebAssembly solc from the `solc`
 * package (no download), optimizer on. Used for generated verifiers, which are made
 * after Hardhat has built the project's own contracts.
 */
export function compileSolidity(source: string, contractName: string, fileName = `${contractName}.sol`): CompiledContract {
  const solc = require("solc") as { compile(input: string): string };
  const input = {
    language: "Solidity",
    sources: { [fileName]: { content: source } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) {
    throw new BaseError(`solc failed to compile ${fileName}`, { details: errors.map((e) => e.formattedMessage).join("\n") });
  }
  const contract = output.contracts?.[fileName]?.[contractName];
  if (!contract) throw new BaseError(`solc output has no contract ${contractName} in ${fileName}`);
  return { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
}
