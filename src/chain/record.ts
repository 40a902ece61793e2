import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { BaseError } from "../errors.js";
import { exists } from "../util/fs.js";
import type { DeployStackReturnType } from "./deployStack.js";

/** The deployment record written to `deployments/<network>.json` (big integers as decimal strings). */
export interface DeploymentRecord {
  format: "zkinfer-deployment";
  version: 1;
  network: string;
  chainId: string;
  createdAt: string;
  deployer: string;
  owner: string;
  ownershipPending: boolean;
  startBlock: number;
  contracts: DeployStackReturnType["contracts"];
  model: { modelId: string; numOutputs: number; outputDecimals: number; inputs: { decimals: number; min: string; max: string }[] };
  series: { seriesId: string; aggregator: string; spotOracle: string; volOracle: string; strike: string; expiry: string; isCall: boolean }[];
  mocks: Record<string, string>;
  /** Free-form notes, e.g. that the verifier is a test circuit's. */
  notes: string[];
}

export class DeploymentRecordExistsError extends BaseError {
  override name = "DeploymentRecordExistsError";
  readonly path: string;
  constructor(args: { path: string }) {
    super(`deployment record ${args.path} already exists`, {
      details: "Refusing to overwrite it. Move it away, choose another directory, or pass --force to replace it.",
    });
    this.path = args.path;
  }
}

export function deploymentRecordPath(dir: string, network: string): string {
  return path.join(dir, `${network}.json`);
}

/** Throw `DeploymentRecordExistsError` if the record exists and `force` is not set (call before deploying). */
export async function assertRecordWritable(file: string, options: { force?: boolean } = {}): Promise<void> {
  if (!options.force && (await exists(file))) throw new DeploymentRecordExistsError({ path: file });
}

export function toDeploymentRecord(network: string, result: DeployStackReturnType, notes: string[] = [], now = new Date()): DeploymentRecord {
  return {
    format: "zkinfer-deployment",
    version: 1,
    network,
    chainId: result.chainId.toString(),
    createdAt: now.toISOString(),
    deployer: result.deployer,
    owner: result.owner,
    ownershipPending: result.ownershipPending,
    startBlock: result.startBlock,
    contracts: result.contracts,
    model: {
      modelId: result.model.modelId.toString(),
      numOutputs: result.model.numOutputs,
      outputDecimals: result.model.outputDecimals,
      inputs: result.model.inputs.map((i) => ({ decimals: i.decimals, min: i.min.toString(), max: i.max.toString() })),
    },
    series: result.series.map((s) => ({
      seriesId: s.seriesId.toString(),
      aggregator: s.aggregator,
      spotOracle: s.spotOracle,
      volOracle: s.volOracle,
      strike: s.strike.toString(),
      expiry: s.expiry.toString(),
      isCall: s.isCall,
    })),
    mocks: result.mocks,
    notes,
  };
}

/**
 * Write the record as JSON. Without `force` the file is created exclusively: an existing
 * record is never overwritten silently (`DeploymentRecordExistsError`).
 */
export async function writeDeploymentRecord(file: string, record: DeploymentRecord, options: { force?: boolean } = {}): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  try {
    await writeFile(file, `${JSON.stringify(record, null, 2)}\n`, { flag: options.force ? "w" : "wx" });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "EEXIST") throw new DeploymentRecordExistsError({ path: file });
    throw cause;
  }
}
