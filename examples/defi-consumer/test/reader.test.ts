// Deploys zkinfer's stack with its Ignition modules, proves a real price with the exported
// bundle (./bundle, from `zkinfer export`), submits it, and reads it through the consumer.
import assert from "node:assert/strict";
import { after, it } from "node:test";
import { network } from "hardhat";
import { loadBundle, proveAndSubmit } from "zkinfer";
import { ZkinferDevMocksModule, zkinferModules, zkinferParameters } from "zkinfer/ignition";
import { releaseCurves } from "zkinfer/zk";

after(releaseCurves);

it("reads a proven option price through the AggregatorV3 adapter", async () => {
  const { ethers, ignition } = await network.connect();

  // --- glue: deploy the stack for the bundle's model, prove and submit the current price
  const bundle = await loadBundle("bundle");
  const mocks = await ignition.deploy(ZkinferDevMocksModule);
  const expiry = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 30n * 86_400n;
  const parameters = zkinferParameters({
    model: bundle.modelFacts,
    spotOracle: await mocks.spotOracle.getAddress(),
    volOracle: await mocks.volOracle.getAddress(),
    strike: 2_000n * 10n ** 18n,
    expiry,
  });
  const { feed, aggregator } = await ignition.deploy(zkinferModules(bundle.verifier).feed, { parameters });
  const prover = await bundle.createProver();
  const submitted = await proveAndSubmit({ feed, seriesId: 1n, q: bundle.q, prover }).finally(() => prover.close());
  // --- end of glue

  const reader = await ethers.deployContract("OptionPriceReader", [aggregator, feed, 1n, 3_600n]);
  assert.ok(submitted.price > 0n);
  assert.equal(await reader.markPrice(), submitted.price);

  // A new spot round makes the proven price not current: the consumer refuses it.
  await mocks.spotOracle.updateAnswer(2_100n * 10n ** 8n);
  await assert.rejects(reader.markPrice(), /PriceNotCurrent/);
});
