/**
 * Development mocks for the Ignition modules (not for real chains). Kept apart from
 * modules.ts: this module is built when it is imported, so it reads the mocks' artifacts then.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { contractArtifact } from "../chain/contractArtifacts.js";
import { asIgnition } from "./modules.js";

/**
 * Development mocks (not for real chains): an 8-decimal spot oracle, an 8-decimal volatility
 * oracle and a 6-decimal collateral token. Parameters `ZkinferDevMocks`: `spot`, `vol`
 * (answers in 8 decimals).
 */
export const ZkinferDevMocksModule = buildModule("ZkinferDevMocks", (m) => {
  const oracle = asIgnition(contractArtifact("MockV3Aggregator"));
  const spotOracle = m.contract("MockV3Aggregator", oracle, [8, m.getParameter("spot", 2_000n * 10n ** 8n), "mock spot"], { id: "SpotOracle" });
  const volOracle = m.contract("MockV3Aggregator", oracle, [8, m.getParameter("vol", 50_000_000n), "mock implied volatility"], { id: "VolOracle" });
  const collateral = m.contract("MockERC20", asIgnition(contractArtifact("MockERC20")), ["Mock USD", "mUSD", 6], { id: "Collateral" });
  return { spotOracle, volOracle, collateral };
});
