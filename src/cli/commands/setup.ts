/** `zkinfer setup`: Groth16 keys (zkey, verification key) and the Solidity verifier of the circuit. */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { loadQuantizedModel } from "../../quantize/file.js";
import { setupGroth16 } from "../../zk/groth16.js";
import { isPtauWarning, requiredPower, resolvePtau } from "../../zk/ptau.js";
import { type ModelPaths, circuitFiles, resolveModel } from "../../manifest/paths.js";
import { type Manifest, recordStage, requireStages } from "../../manifest/manifest.js";
import { CliError } from "../errors.js";
import { setupModelRisk } from "../../prove/risk.js";
import { type CliRuntime, action, examples } from "../command.js";
import { type CliContext, seconds, stopwatch } from "../context.js";

export interface SetupOptions {
  model?: string;
  ptau?: string;
  force?: boolean;
  risk?: boolean;
}

function ptauLog(ctx: CliContext, elapsed: () => number): (line: string) => void {
  return (line: string) => {
    if (isPtauWarning(line)) {
      const bar = "!".repeat(78);
      ctx.warn(`${bar}\n${line}\n${bar}`);
    } else {
      ctx.progress(`${line.replace(/^\s+/, "  ")}  [${seconds(elapsed())}]`);
    }
  };
}

/** `setup --risk`: keys and verifier of the risk circuit into build/<model>/risk/keys. */
async function setupRisk(ctx: CliContext, opts: SetupOptions) {
  const paths = await resolveModel(ctx.root, opts.model);
  const manifest = await requireStages(paths, "riskCircuit");
  await assertNoDeployedVerifier(paths, manifest, opts.force ?? false, "risk");
  const elapsed = stopwatch();
  ctx.progress(`risk circuit: powers of tau ${opts.ptau ? opts.ptau : "(development file)"}`);
  const r = await setupModelRisk(paths, { ptauPath: opts.ptau === undefined ? undefined : ctx.resolve(opts.ptau), log: ptauLog(ctx, elapsed) });
  const zkeyBytes = (await stat(r.zkey)).size;
  ctx.info(`risk setup done in ${seconds(r.setupMs)} (power-${r.ptau.power} ptau${r.ptau.development ? ", DEVELOPMENT" : ""}): proving key ${(zkeyBytes / 1e6).toFixed(1)} MB, verification key, Solidity verifier ${r.verifierContract}`);
  ctx.info(`wrote ${ctx.show(paths.riskKeysDir)}/`);
  if (r.ptau.development) ctx.warn("note: these keys come from a development ptau: fine for testing, NOT for anything that holds value.");
  return { model: paths.name, kind: "risk" as const, zkey: r.zkey, vkey: r.vkey, verifier: r.verifier, verifierContract: r.verifierContract, ptau: r.ptau, setupSeconds: r.setupMs / 1000 };
}

/**
 * New keys orphan every deployed verifier of the current keys (its proofs can no longer be
 * made). Refuse unless forced, naming each such verifier; in-process deployments are gone anyway.
 * `kind` "risk": the risk circuit's keys and the deployments whose risk verifier they made.
 */
async function assertNoDeployedVerifier(paths: ModelPaths, manifest: Manifest, force: boolean, kind: "price" | "risk" = "price"): Promise<void> {
  const current = kind === "risk" ? manifest.stages.riskKeys?.hash : manifest.stages.keys?.hash;
  if (current === undefined || force) return;
  const live = Object.entries(manifest.deployments ?? {}).filter(([, d]) => !d.inProcess && (kind === "risk" ? d.riskKeysHash : d.keysHash) === current);
  if (live.length === 0) return;
  const named: string[] = [];
  for (const [network, d] of live) {
    let verifier = "(address in the record)";
    try {
      const contracts = (JSON.parse(await readFile(path.join(paths.dir, d.record), "utf8")) as { contracts: { verifier: string; riskVerifier?: string } }).contracts;
      verifier = (kind === "risk" ? contracts.riskVerifier : contracts.verifier) ?? verifier;
    } catch {
      // the record is missing: the entry still names the network
    }
    named.push(`${verifier} on "${network}"`);
  }
  const keysDir = kind === "risk" ? paths.riskKeysDir : paths.keysDir;
  throw new CliError(`new keys would orphan the deployed ${kind === "risk" ? "risk " : ""}verifier ${named.join(", ")}`, {
    details: `Its proving key (${path.relative(paths.dir, keysDir)}/) would be replaced and no proof could be made for it again. Pass --force to set up anyway (then redeploy), or back up ${path.relative(paths.dir, keysDir)}/ first.`,
  });
}

export async function setupCommand(ctx: CliContext, opts: SetupOptions) {
  if (opts.risk) return setupRisk(ctx, opts);
  const paths = await resolveModel(ctx.root, opts.model);
  const manifest = await requireStages(paths, "circuit");
  await assertNoDeployedVerifier(paths, manifest, opts.force ?? false);
  const q = await loadQuantizedModel(paths.qmodel);
  const circuit = circuitFiles(paths, q.name);
  const constraints = Number(manifest.stages.circuit!.info?.constraints);
  const power = requiredPower(constraints, q.publicSignals.length);
  const elapsed = stopwatch();
  const log = ptauLog(ctx, elapsed);
  ctx.progress(`powers of tau: ${opts.ptau ? opts.ptau : "development file"} (circuit needs power >= ${power})`);
  const ptau = await resolvePtau({ ptauPath: opts.ptau === undefined ? undefined : ctx.resolve(opts.ptau), power, constraints, log });
  ctx.progress(`  using ${ctx.show(ptau.path)} (power ${ptau.power}${ptau.development ? ", DEVELOPMENT" : ""})`);
  const keys = await setupGroth16({ r1csPath: circuit.r1cs, ptauPath: ptau.path, outDir: paths.keysDir, name: path.basename(circuit.r1cs, ".r1cs"), log });
  await recordStage(paths, manifest, "keys", {
    files: [keys.zkeyPath, keys.vkeyPath, keys.verifierPath],
    input: manifest.stages.circuit!.hash,
    info: { ptau: { path: ptau.path, power: ptau.power, development: ptau.development }, verifierContract: keys.verifierContractName },
  });
  const zkeyBytes = (await stat(keys.zkeyPath)).size;
  ctx.info(`setup done in ${seconds(keys.setupMs)}: proving key ${(zkeyBytes / 1e6).toFixed(1)} MB, verification key, Solidity verifier ${keys.verifierContractName}`);
  ctx.info(`wrote ${ctx.show(paths.keysDir)}/`);
  if (ptau.development) ctx.warn("note: these keys come from a development ptau: fine for testing, NOT for anything that holds value.");
  return {
    model: paths.name,
    zkey: keys.zkeyPath,
    vkey: keys.vkeyPath,
    verifier: keys.verifierPath,
    verifierContract: keys.verifierContractName,
    ptau: { path: ptau.path, power: ptau.power, development: ptau.development, generated: ptau.generated },
    setupSeconds: keys.setupMs / 1000,
  };
}

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("setup")
    .summary("Groth16 setup: proving key, verification key, Solidity verifier")
    .description(
      "Circuit-specific Groth16 setup from a powers-of-tau file. Pass --ptau with a public ceremony's prepared file for anything that protects value.\n" +
        "Without --ptau a DEVELOPMENT file is used (the bundled circuits/ptau/dev-pot12.ptau, or dev-pot<N>-insecure.ptau written once from a known random τ and cached): it is NOT secure, and a warning says so.",
    )
    .option("--model <name>", "model folder (default: the only one)")
    .option("--ptau <file>", "prepared powers-of-tau file (production path)")
    .option("--force", "set up new keys even when a deployed verifier uses the current ones (it is orphaned)")
    .option("--risk", "keys of the risk-vector circuit (after `compile --risk`; build/<model>/risk/keys)")
    .addHelpText("after", examples("zkinfer setup", "zkinfer setup --ptau powersOfTau28_hez_final_12.ptau", "zkinfer setup --risk"))
    .action(action(runtime, setupCommand));
}
