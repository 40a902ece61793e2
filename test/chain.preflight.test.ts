/** Deployment preflight: every missing address, address without code and an unfunded deployer is named before any transaction. */
import hre from "hardhat";
import { expect, it } from "vitest";
import { PreflightError, preflightDeploy } from "../src/chain/preflight.js";

it("names every problem before the first transaction, and passes a complete configuration", async () => {
  const { ethers } = await hre.network.create();
  const token = await ethers.deployContract("MockERC20", ["Mock USD", "mUSD", 6]);
  const blockBefore = await ethers.provider.getBlockNumber();
  const error = await preflightDeploy(ethers, {
    contracts: { "spot oracle": undefined, "volatility oracle": "0x00000000000000000000000000000000000000aa", collateral: await token.getAddress() },
  }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PreflightError);
  expect((error as PreflightError).problems).toEqual(["no spot oracle configured", "the volatility oracle 0x00000000000000000000000000000000000000aa has no code"]);
  expect(await ethers.provider.getBlockNumber()).toBe(blockBefore);

  const ok = await preflightDeploy(ethers, { contracts: { collateral: await token.getAddress() } });
  expect(ok.balance).toBeGreaterThan(0n);

  // An account without funds is refused.
  const [, empty] = await ethers.getSigners();
  await ethers.provider.send("hardhat_setBalance", [empty.address, "0x0"]);
  const poor = { ...ethers, getSigners: async () => [empty] } as unknown as typeof ethers;
  const unfunded = await preflightDeploy(poor, { contracts: {} }).catch((e: unknown) => e);
  expect((unfunded as PreflightError).problems).toEqual([`the deployer ${empty.address} has no funds`]);
});
