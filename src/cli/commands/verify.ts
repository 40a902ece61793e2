/** `zkinfer verify`: check a proof off-chain against the model's verification key. */
import path from "node:path";
import type { Command } from "commander";
import { decodePublicSignals } from "../../circuit/inputs.js";
import { fromRawUnits } from "../../quantize/decimal.js";
import { loadQuantizedModel } from "../../quantize/file.js";
import { verifyGroth16 } from "../../zk/groth16.js";
import { keyFiles, resolveModel } from "../../manifest/paths.js";
import { requireStages } from "../../manifest/manifest.js";
import { type CliRuntime, action, examples } from "../command.js";
import type { CliContext } from "../context.js";
import { CliError, VerificationFailedError } from "../errors.js";
import { readProof } from "../../prove/proofFolder.js";

export interface VerifyOptions {
  model?: string;
  proof?: string;
}

export async function verifyCommand(ctx: CliContext, opts: VerifyOptions) {
  const paths = await resolveModel(ctx.root, opts.model);
  const manifest = await requireStages(paths, "keys");
  const q = await loadQuantizedModel(paths.qmodel);
  const dir = opts.proof === undefined ? paths.proofDir : ctx.resolve(opts.proof);
  const { proof, publicSignals, statement } = await readProof(dir);
  if (publicSignals.length !== q.publicSignals.length) {
    throw new CliError(`the proof has ${publicSignals.length} public signals but model "${paths.name}" has ${q.publicSignals.length} (${q.publicSignals.join(", ")})`, {
      details: "It was made for another model: pass the right --model, or re-run `zkinfer prove`.",
    });
  }
  const decoded = decodePublicSignals(q, publicSignals);
  const vkey = keyFiles(paths, q.name).vkey;
  const valid = await verifyGroth16({ vkey, proof, publicSignals });
  const rel = ctx.show(dir);
  if (!valid) {
    const otherKeys = statement?.keysHash !== undefined && statement.keysHash !== manifest.stages.keys!.hash;
    throw new VerificationFailedError(
      `the proof in ${rel} does NOT verify against ${ctx.show(vkey)}`,
      otherKeys ? "It was made with older keys (setup was re-run since): re-run `zkinfer prove`." : "The proof or its public signals were altered, or it belongs to other keys: re-run `zkinfer prove`.",
    );
  }
  const inputs = q.inputs.map((inp) => `${inp.name}=${fromRawUnits(decoded.inputs[inp.name], inp.decimals)}`).join(", ");
  ctx.info(`valid: ${q.output.name} = ${fromRawUnits(decoded.output, q.output.decimals)} ${q.output.unit} for ${inputs}`);
  return {
    model: paths.name,
    valid: true,
    output: { name: q.output.name, raw: decoded.output.toString(), value: fromRawUnits(decoded.output, q.output.decimals) },
    inputs: Object.fromEntries(Object.entries(decoded.inputs).map(([k, v]) => [k, v.toString()])),
  };
}

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command("verify")
    .summary("verify a proof off-chain (exit code 2 if it does not verify)")
    .description("Check proof.json + public.json of a proof folder against the model's verification key, and print the proven statement in real units.")
    .option("--model <name>", "model folder (default: the only one)")
    .option("--proof <dir>", "proof folder (default build/<model>/proof)")
    .addHelpText("after", examples("zkinfer verify", "zkinfer verify --proof proofs/today --json"))
    .action(action(runtime, verifyCommand));
}
