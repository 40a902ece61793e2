/**
 * The Ignition modules deploy the same stack as deployStack: verifier → registry (model
 * registered with its input ranges) → feed (one series, its aggregator) → engine, from module
 * parameters alone, with the package's shipped artifacts.
 */
import hre from "hardhat";
import { describe, expect, it } from "vitest";
import { OPTION_INPUT_SPECS } from "../src/chain/types.js";
import { ZkinferDevMocksModule, zkinferModules } from "../src/exports/ignition.js";
import { MODEL_ID } from "./helpers/contracts.js";

describe("Ignition modules", () => {
  it("deploy verifier, registry, feed + series and engine from parameters", async () => {
    const connection = await hre.network.create();
    const { ignition, ethers } = connection as unknown as { ignition: { deploy: (m: unknown, o?: unknown) => Promise<Record<string, { getAddress(): Promise<string> } & Record<string, (...a: unknown[]) => Promise<unknown>>>> }; ethers: typeof import("ethers") & { provider: { getBlock(t: string): Promise<{ timestamp: number }> } } };
    const verifierArtifact = await hre.artifacts.readArtifact("MockVerifier");
    const modules = zkinferModules({ contractName: "MockVerifier", abi: verifierArtifact.abi, bytecode: verifierArtifact.bytecode });

    const mocks = await ignition.deploy(ZkinferDevMocksModule, { parameters: { ZkinferDevMocks: { spot: 2_000n * 10n ** 8n } } });
    const now = BigInt((await ethers.provider.getBlock("latest")).timestamp);
    const expiry = now + 30n * 86_400n;
    const deployed = await ignition.deploy(modules.engine, {
      parameters: {
        ZkinferRegistry: { modelId: MODEL_ID, inputs: OPTION_INPUT_SPECS, optionKind: 1, quantizationBound: 6n * 10n ** 13n, referenceError: 10n ** 15n },
        ZkinferFeed: { modelId: MODEL_ID, spotOracle: await mocks.spotOracle.getAddress(), volOracle: await mocks.volOracle.getAddress(), strike: 2_000n * 10n ** 18n, expiry, rate: 5n * 10n ** 16n },
        ZkinferEngine: { collateral: await mocks.collateral.getAddress() },
      },
    });
    const { registry, feed, engine, aggregator, verifier } = deployed;
    expect(await registry.isActive(MODEL_ID)).toBe(true);
    expect(await feed.registry()).toBe(await registry.getAddress());
    expect(await feed.seriesCount()).toBe(1n);
    expect(await feed.aggregatorOf(1n)).toBe(await aggregator.getAddress());
    const series = (await feed.getSeries(1n)) as { strike: bigint; expiry: bigint; isCall: boolean; spotOracle: string };
    expect(series.strike).toBe(2_000n * 10n ** 18n);
    expect(series.expiry).toBe(expiry);
    expect(series.isCall).toBe(true);
    expect(series.spotOracle).toBe(await mocks.spotOracle.getAddress());
    expect(await engine.feed()).toBe(await feed.getAddress());
    expect(await engine.collateralToken()).toBe(await mocks.collateral.getAddress());
    const terms = (await registry.optionTermsOf(MODEL_ID)) as { kind: bigint; quantizationBound: bigint; referenceError: bigint };
    expect([terms.kind, terms.quantizationBound, terms.referenceError]).toEqual([1n, 6n * 10n ** 13n, 10n ** 15n]);
    const model = (await registry.getModel(MODEL_ID)) as { verifier: string };
    expect(model.verifier).toBe(await verifier.getAddress());
  });
});
