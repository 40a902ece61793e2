import hre from "hardhat";
import { id } from "ethers";
import { describe, expect, it } from "vitest";
import { FIELD_ORDER } from "../src/zk/field.js";
import { expectRevert, INPUT_SPECS, MODEL_ID, WAD, ZERO_PROOF } from "./helpers/contracts.js";

const { ethers, networkHelpers } = await hre.network.connect();
const { a, b, c } = ZERO_PROOF;

async function registryFixture() {
  const [owner, alice] = await ethers.getSigners();
  const registry = await ethers.deployContract("ModelRegistry", [owner.address]);
  const verifier = await ethers.deployContract("MockVerifier");
  return { owner, alice, registry, verifier, verifierAddress: await verifier.getAddress() };
}

const SELECTOR_5 = id("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[5])").slice(0, 10);
const inRange = [3n, WAD, WAD / 10n, (8n * WAD) / 10n, WAD / 20n];

describe("ModelRegistry", () => {
  it("registers a model with its verifier selector and facts, and emits", async () => {
    const { registry, verifierAddress } = await networkHelpers.loadFixture(registryFixture);
    const tx = await registry.registerModel(MODEL_ID, verifierAddress, 1, 18, INPUT_SPECS);
    const receipt = await tx.wait();
    const log = registry.interface.parseLog(receipt!.logs[0]);
    expect(log!.name).toBe("ModelRegistered");
    expect(log!.args.modelId).toBe(MODEL_ID);
    expect(log!.args.selector).toBe(SELECTOR_5);
    const info = await registry.getModel(MODEL_ID);
    expect(info.verifier).toBe(verifierAddress);
    expect(info.selector).toBe(SELECTOR_5);
    expect([info.numOutputs, info.numInputs, info.outputDecimals, info.retired]).toEqual([1n, 4n, 18n, false]);
    expect(info.inputs.map((i: { decimals: bigint; min: bigint; max: bigint }) => [i.decimals, i.min, i.max])).toEqual(
      INPUT_SPECS.map((s) => [BigInt(s.decimals), s.min, s.max]),
    );
    expect(await registry.isActive(MODEL_ID)).toBe(true);
    expect(await registry.modelCount()).toBe(1n);
    expect(await registry.modelIdAt(0n)).toBe(MODEL_ID);
    expect([...(await registry.checkSignals(MODEL_ID, inRange))]).toEqual([verifierAddress, SELECTOR_5]);
    await registry.requireValidProof(MODEL_ID, a, b, c, inRange);
  });

  it("validates registrations", async () => {
    const { registry, verifierAddress, alice } = await networkHelpers.loadFixture(registryFixture);
    await expectRevert(registry.registerModel(0n, verifierAddress, 1, 18, INPUT_SPECS), registry, "InvalidModelId", [0n]);
    await expectRevert(registry.registerModel(FIELD_ORDER, verifierAddress, 1, 18, INPUT_SPECS), registry, "InvalidModelId", [FIELD_ORDER]);
    await expectRevert(registry.registerModel(MODEL_ID, alice.address, 1, 18, INPUT_SPECS), registry, "VerifierHasNoCode", [alice.address]);
    await expectRevert(registry.registerModel(MODEL_ID, verifierAddress, 0, 18, INPUT_SPECS), registry, "InvalidSignalLayout", [0n, 4n]);
    await expectRevert(registry.registerModel(MODEL_ID, verifierAddress, 1, 18, []), registry, "InvalidSignalLayout", [1n, 0n]);
    await expectRevert(registry.registerModel(MODEL_ID, verifierAddress, 1, 37, INPUT_SPECS), registry, "DecimalsTooLarge", [2n ** 256n - 1n, 37n]);
    const badRange = [...INPUT_SPECS];
    badRange[2] = { decimals: 18, min: 5n, max: 4n };
    await expectRevert(registry.registerModel(MODEL_ID, verifierAddress, 1, 18, badRange), registry, "InvalidInputRange", [2n, 5n, 4n]);
    // A verifier for 5 signals does not answer the selector for 4 (1 output + 3 inputs).
    const sel4 = id("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[4])").slice(0, 10);
    await expectRevert(registry.registerModel(MODEL_ID, verifierAddress, 1, 18, INPUT_SPECS.slice(0, 3)), registry, "VerifierProbeFailed", [verifierAddress, sel4]);
    await expectRevert(
      (registry.connect(alice) as typeof registry).registerModel(MODEL_ID, verifierAddress, 1, 18, INPUT_SPECS),
      registry,
      "OwnableUnauthorizedAccount",
      [alice.address],
    );
    await (await registry.registerModel(MODEL_ID, verifierAddress, 1, 18, INPUT_SPECS)).wait();
    await expectRevert(registry.registerModel(MODEL_ID, verifierAddress, 1, 18, INPUT_SPECS), registry, "ModelAlreadyRegistered", [MODEL_ID]);
  });

  it("retires a model permanently", async () => {
    const { registry, verifierAddress, alice } = await networkHelpers.loadFixture(registryFixture);
    await expectRevert(registry.retireModel(MODEL_ID), registry, "ModelNotRegistered", [MODEL_ID]);
    await (await registry.registerModel(MODEL_ID, verifierAddress, 1, 18, INPUT_SPECS)).wait();
    await expectRevert((registry.connect(alice) as typeof registry).retireModel(MODEL_ID), registry, "OwnableUnauthorizedAccount", [alice.address]);
    const receipt = await (await registry.retireModel(MODEL_ID)).wait();
    expect(registry.interface.parseLog(receipt!.logs[0])!.name).toBe("ModelRetired");
    expect((await registry.getModel(MODEL_ID)).retired).toBe(true);
    await expectRevert(registry.retireModel(MODEL_ID), registry, "RetiredModel", [MODEL_ID]);
    await expectRevert(registry.checkSignals(MODEL_ID, inRange), registry, "RetiredModel", [MODEL_ID]);
    await expectRevert(registry.registerModel(MODEL_ID, verifierAddress, 1, 18, INPUT_SPECS), registry, "ModelAlreadyRegistered", [MODEL_ID]);
  });

  it("checks count, field and ranges before asking the verifier", async () => {
    const { registry, verifier, verifierAddress } = await networkHelpers.loadFixture(registryFixture);
    await (await registry.registerModel(MODEL_ID, verifierAddress, 1, 18, INPUT_SPECS)).wait();
    await expectRevert(registry.checkSignals(MODEL_ID, inRange.slice(1)), registry, "SignalCountMismatch", [5n, 4n]);
    await expectRevert(registry.checkSignals(MODEL_ID, [FIELD_ORDER, ...inRange.slice(1)]), registry, "SignalNotInField", [0n, FIELD_ORDER]);
    const overField = [...inRange];
    overField[4] = 2n ** 256n - 1n;
    await expectRevert(registry.checkSignals(MODEL_ID, overField), registry, "SignalNotInField", [4n, 2n ** 256n - 1n]);
    const low = [...inRange];
    low[1] = WAD / 2n - 1n;
    await expectRevert(registry.checkSignals(MODEL_ID, low), registry, "InputOutOfRange", [0n, WAD / 2n - 1n, WAD / 2n, 2n * WAD]);
    const high = [...inRange];
    high[3] = 3n * WAD + 1n;
    await expectRevert(registry.checkSignals(MODEL_ID, high), registry, "InputOutOfRange", [2n, 3n * WAD + 1n, WAD / 20n, 3n * WAD]);
    // Range bounds are inclusive.
    await registry.checkSignals(MODEL_ID, [0n, WAD / 2n, 2n * WAD, 3n * WAD, 0n]);
    await (await verifier.setResult(false)).wait();
    await expectRevert(registry.requireValidProof(MODEL_ID, a, b, c, inRange), registry, "InvalidProof");
  });

  it("uses two-step ownership transfer", async () => {
    const { registry, owner, alice } = await networkHelpers.loadFixture(registryFixture);
    await (await registry.transferOwnership(alice.address)).wait();
    expect(await registry.owner()).toBe(owner.address);
    await (await (registry.connect(alice) as typeof registry).acceptOwnership()).wait();
    expect(await registry.owner()).toBe(alice.address);
  });
});
