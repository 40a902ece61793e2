import { readFile } from "node:fs/promises";
import { z } from "zod";
import { ArtifactError, BaseError } from "../errors.js";
import { analyzeBounds, outputRawInterval } from "./quantize.js";
import { checkQuantizedPayoff } from "../layers/payoff.js";
import { type NoArbitrageSpec, noArbitrageSpec } from "./noArbitrage.js";
import { computeModelId } from "./modelId.js";
import type { QuantizedModel } from "./types.js";
import { activationOps } from "../layers/registry.js";

const int = z.string().regex(/^-?[0-9]+$/, "an integer as a decimal string");
const bound = z.object({ accMin: int, accMax: int, bits: z.number().int().min(0).max(252) });
const feature = z.object({ name: z.string(), unit: z.string(), decimals: z.number().int().min(0).max(36), min: z.number(), max: z.number() });

const activation = z.object({ kind: z.string().min(1), params: z.array(z.number().int()).optional() });

const schema = z.object({
  format: z.literal("zkinfer-qmodel"),
  version: z.union([z.literal(1), z.literal(2)]),
  name: z.string().min(1),
  sourceModelHash: z.string(),
  actBits: z.number().int().min(1).max(40),
  weightBits: z.number().int().min(1).max(40),
  inputs: z
    .array(
      z.object({
        name: z.string().min(1),
        unit: z.string(),
        decimals: z.number().int().min(0).max(36),
        minRaw: int,
        maxRaw: int,
        rangeBits: z.number().int().min(1).max(252),
        shift: z.number().int().min(0),
      }),
    )
    .min(1),
  layers: z
    .array(
      z.object({
        weight: z.array(z.array(int).min(1)).min(1),
        bias: z.array(int).min(1),
        /** Version 1. */
        relu: z.boolean().optional(),
        /** Version 2. */
        activation: activation.optional(),
        shift: z.number().int().min(0),
        bounds: z.array(bound),
      }),
    )
    .min(1),
  output: z.object({
    name: z.string().min(1),
    unit: z.string(),
    decimals: z.number().int().min(0).max(36),
    clampMin: int.optional(),
    clampMax: int.optional(),
    clampBits: z.tuple([z.number().int().min(0), z.number().int().min(0)]).optional(),
    shift: z.number().int().min(0),
    factor: int,
    bound,
    skip: z
      .object({
        kind: z.literal("payoff"),
        option: z.enum(["call", "put"]),
        input: z.number().int().min(0),
        strikeRaw: int,
        factor: int,
        bits: z.number().int().min(1),
      })
      .optional(),
    noArbitrage: z
      .object({
        kind: z.enum(["call", "put"]),
        moneyness: z.number().int().min(0),
        timeToExpiry: z.number().int().min(0),
        rate: z.number().int().min(0),
        degree: z.number().int(),
        fracBits: z.number().int(),
        rateTimeBits: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
        discountBits: z.tuple([z.number().int(), z.number().int()]),
        clampBits: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
      })
      .optional(),
  }),
  publicSignals: z.array(z.string()),
  modelId: int,
  features: z.array(feature),
  target: z.object({ name: z.string(), unit: z.string(), decimals: z.number().int(), min: z.number().optional(), max: z.number().optional() }),
});

export class QuantizedModelFileError extends BaseError {
  override name = "QuantizedModelFileError";
}

/** Deterministic JSON of a quantized model (same model → same bytes). */
export function serializeQuantizedModel(q: QuantizedModel): string {
  return `${JSON.stringify(q, null, 2)}\n`;
}

/**
 * Parse and check a quantized model (version 1 files are migrated): schema, shapes, and — because the circuit trusts
 * them — the bit widths are recomputed by the bound analysis and the model id by Poseidon.
 */
export async function parseQuantizedModel(text: string, source = "quantized model"): Promise<QuantizedModel> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new QuantizedModelFileError(`${source}: not valid JSON`, { cause });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new QuantizedModelFileError(`${source}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  const q = migrate(parsed.data, source);
  let width = q.inputs.length;
  q.layers.forEach((l, li) => {
    l.weight.forEach((row, i) => {
      if (row.length !== width) throw new QuantizedModelFileError(`${source}: layers.${li}.weight.${i} has ${row.length} entries, expected ${width}`);
    });
    if (l.bias.length !== l.weight.length || l.bounds.length !== l.weight.length) {
      throw new QuantizedModelFileError(`${source}: layers.${li}: bias/bounds length must equal the ${l.weight.length} neurons`);
    }
    const hidden = li < q.layers.length - 1;
    if ((l.activation.kind !== "none") !== hidden) {
      throw new QuantizedModelFileError(`${source}: layers.${li}.activation.kind is "${l.activation.kind}"; ${hidden ? "a hidden layer needs an activation" : 'the output layer has "none"'}`);
    }
    if (hidden) {
      try {
        const ops = activationOps(l.activation, `layers.${li}.activation.kind`);
        ops.check(l.activation, `layers.${li}.activation`);
      } catch (cause) {
        throw new QuantizedModelFileError(`${source}: ${(cause as Error).message}`, { cause });
      }
    }
    width = l.weight.length;
  });
  if (width !== 1) throw new QuantizedModelFileError(`${source}: the last layer must have exactly 1 output, has ${width}`);
  const analysis = analyzeBounds(
    q.inputs,
    q.layers.map((l) => ({ weight: l.weight.map((r) => r.map(BigInt)), bias: l.bias.map(BigInt), activation: l.activation, shift: l.shift })),
    {
      shift: q.output.shift,
      clampMin: q.output.clampMin === undefined ? undefined : BigInt(q.output.clampMin),
      clampMax: q.output.clampMax === undefined ? undefined : BigInt(q.output.clampMax),
    },
  );
  const same = JSON.stringify([analysis.layerBounds, analysis.outputBound, analysis.clampBits]) === JSON.stringify([q.layers.map((l) => l.bounds), q.output.bound, q.output.clampBits]);
  if (!same) throw new QuantizedModelFileError(`${source}: recorded bounds differ from the bound analysis (edited file?)`);
  if (q.output.skip) {
    try {
      checkQuantizedPayoff(q.output.skip, q.inputs);
    } catch (cause) {
      throw new QuantizedModelFileError(`${source}: ${(cause as Error).message}`, { cause });
    }
  }
  if (q.output.noArbitrage) {
    // The clamp's layout and widths follow from the inputs and the output bound: recompute them.
    let expected: NoArbitrageSpec;
    try {
      expected = noArbitrageSpec(q.output.noArbitrage.kind, q.inputs, { decimals: q.output.decimals, raw: outputRawInterval(q.output, q.inputs) });
    } catch (cause) {
      throw new QuantizedModelFileError(`${source}: output.noArbitrage: ${(cause as Error).message}`, { cause });
    }
    if (JSON.stringify(expected) !== JSON.stringify(q.output.noArbitrage)) {
      throw new QuantizedModelFileError(`${source}: output.noArbitrage differs from the one the inputs and bounds give (edited file?)`);
    }
  }
  const id = await computeModelId(q);
  if (id !== q.modelId) throw new QuantizedModelFileError(`${source}: modelId ${q.modelId} does not match the model's integers (expected ${id})`);
  return q;
}

type ParsedModel = z.output<typeof schema>;

/**
 * Version 1 → 2: `relu: true` becomes activation "relu", `relu: false` "none" (the model id
 * encodes both the same way, so it is unchanged). A layer must use its version's field.
 */
function migrate(p: ParsedModel, source: string): QuantizedModel {
  const layers = p.layers.map((l, li) => {
    const { relu, activation, ...rest } = l;
    if (p.version === 1) {
      if (relu === undefined || activation !== undefined) throw new QuantizedModelFileError(`${source}: layers.${li}: a version 1 file has "relu" (a boolean) and no "activation"`);
      return { ...rest, activation: relu ? { kind: "relu" } : { kind: "none" } };
    }
    if (activation === undefined || relu !== undefined) throw new QuantizedModelFileError(`${source}: layers.${li}: a version 2 file has "activation" and no "relu"`);
    return { ...rest, activation };
  });
  return { ...p, version: 2, layers } as QuantizedModel;
}

export async function loadQuantizedModel(file: string): Promise<QuantizedModel> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new ArtifactError({ path: file, problem: "quantized model not found", details: "Run `zkinfer quantize` first.", cause });
  }
  return parseQuantizedModel(text, file);
}
