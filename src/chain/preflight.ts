/**
 * Checks before the first transaction of a deployment on a real chain, so a user never pays
 * for contracts that a later step would orphan: every address the stack needs is given and
 * holds code, and the deployer has funds.
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { BaseError } from "../errors.js";

export interface PreflightParameters {
  /** Contract addresses the deployment will use, by what they are (e.g. "spot oracle"). Undefined = not configured. */
  contracts: Record<string, string | undefined>;
}

/** The deployment cannot start: lists every problem found. */
export class PreflightError extends BaseError {
  override name = "PreflightError";
  readonly problems: string[];
  constructor(chainId: bigint, problems: string[]) {
    super(`deployment preflight on chain ${chainId} failed: ${problems.join("; ")}`, { details: "Nothing was sent. Fix the configuration (addresses of existing contracts on this chain) and fund the deployer, then deploy again." });
    this.problems = problems;
  }
}

/** Throws `PreflightError` naming every missing address, address without code, and an unfunded deployer. */
export async function preflightDeploy(ethers: HardhatEthers, params: PreflightParameters): Promise<{ deployer: string; balance: bigint }> {
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const problems: string[] = [];
  for (const [what, address] of Object.entries(params.contracts)) {
    if (address === undefined) problems.push(`no ${what} configured`);
    else if ((await ethers.provider.getCode(address)) === "0x") problems.push(`the ${what} ${address} has no code`);
  }
  const [signer] = await ethers.getSigners();
  if (!signer) throw new PreflightError(chainId, [...problems, "no deployer account configured"]);
  const deployer = await signer.getAddress();
  const balance = await ethers.provider.getBalance(deployer);
  if (balance === 0n) problems.push(`the deployer ${deployer} has no funds`);
  if (problems.length > 0) throw new PreflightError(chainId, problems);
  return { deployer, balance };
}
