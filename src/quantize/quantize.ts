import { InvalidValueError } from "../errors.js";
import type { FloatModel } from "../model/types.js";
import { affineInterval, decompositionBits, roundShift, toBound, type Interval } from "./bounds.js";
import { activationOps } from "../layers/registry.js";
import { bitLength, toRawUnits } from "./decimal.js";
import { foldBatchNorm, type FoldedModel } from "./foldBatchNorm.js";
import { computeModelId } from "./modelId.js";
import { type OptionKind, noArbitrageSpec } from "./noArbitrage.js";
import { payoffInterval, quantizePayoff } from "../layers/payoff.js";
import type { NeuronBound, QuantizedActivation, QuantizedInput, QuantizedLayer, QuantizedModel, QuantizedOutput } from "./types.js";

export interface QuantizeOptions {
  /** Fractional bits of activations (default 16). */
  actBits?: number;
  /** Fractional bits of weights (default: actBits). */
  weightBits?: number;
  /** Hash of the source model file, recorded for provenance. */
  sourceModelHash?: string;
  /**
   * Clamp the proven price to the no-arbitrage interval of this option kind (needs the
   * option layout: inputs moneyness, timeToExpiry, rate and an 18-decimal price/strike).
   */
  noArbitrage?: OptionKind;
}

const MAX_FRAC_BITS = 40;

/**
 * Quantize a float model to exact fixed-point integers.
 *
 * Granularity: one activation scale 2^actBits and one weight scale 2^weightBits for the whole
 * network (power-of-two, so every rescale is a shift). The input scaler is affine, so it is
 * folded exactly into the first layer: the circuit range-checks each raw input X and keeps
 * u = (X − min) >> shift, whose unit is at most 2^−actBits in scaled-feature space; the
 * scaler's offset and the truncation's midpoint go into the first layer's bias. A payoff skip
 * (model.skip) becomes its exact integer form (src/layers/payoff.ts), added to the rescaled
 * output in raw units.
 */
export async function quantize(model: FloatModel, options: QuantizeOptions = {}): Promise<QuantizedModel> {
  const actBits = options.actBits ?? 16;
  const weightBits = options.weightBits ?? actBits;
  for (const [field, v] of [["actBits", actBits], ["weightBits", weightBits]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > MAX_FRAC_BITS) {
      throw new InvalidValueError({ field, value: v, allowed: `an integer in [1, ${MAX_FRAC_BITS}]` });
    }
  }
  const folded = foldBatchNorm(model);
  const inputs = quantizeInputs(model, actBits);
  const accScale = 2 ** (actBits + weightBits);

  const qLayers = folded.layers.map((layer, li) => {
    const weight = layer.weight.map((row, i) =>
      row.map((w, j) => {
        const scaled = li === 0 ? w * inputUnit(model, inputs, j) * accScale : w * 2 ** weightBits;
        return toInteger(scaled, `layers[${li}].weight[${i}][${j}]`);
      }),
    );
    const bias = layer.bias.map((b, i) => {
      const real = li === 0 ? b + layer.weight[i].reduce((s, w, j) => s + w * inputMidpoint(model, inputs, j), 0) : b;
      return toInteger(real * accScale, `layers[${li}].bias[${i}]`);
    });
    const hidden = layer.activation.kind !== "none";
    return { weight, bias, activation: layer.activation, shift: hidden ? weightBits : 0 };
  });

  const target = model.target;
  const g = Math.min(target.decimals, actBits + weightBits);
  const outShift = actBits + weightBits - g;
  const factor = 5n ** BigInt(target.decimals) * 2n ** BigInt(target.decimals - g);
  const clamp = clampThresholds(model, actBits + weightBits);

  const analysis = analyzeBounds(inputs, qLayers, { shift: outShift, ...clamp });
  const layers: QuantizedLayer[] = qLayers.map((l, li) => ({
    weight: l.weight.map((r) => r.map(String)),
    bias: l.bias.map(String),
    activation: l.activation,
    shift: l.shift,
    bounds: analysis.layerBounds[li],
  }));
  const output: QuantizedOutput = {
    name: target.name,
    unit: target.unit,
    decimals: target.decimals,
    ...(clamp.clampMin !== undefined ? { clampMin: clamp.clampMin.toString() } : {}),
    ...(clamp.clampMax !== undefined ? { clampMax: clamp.clampMax.toString() } : {}),
    ...(analysis.clampBits ? { clampBits: analysis.clampBits } : {}),
    shift: outShift,
    factor: factor.toString(),
    bound: analysis.outputBound,
  };
  if (model.skip) output.skip = quantizePayoff(model.skip, inputs, target.decimals);
  if (options.noArbitrage !== undefined) {
    output.noArbitrage = noArbitrageSpec(options.noArbitrage, inputs, { decimals: target.decimals, raw: outputRawInterval(output, inputs) });
  }
  const base = {
    format: "zkinfer-qmodel" as const,
    version: 2 as const,
    name: model.name,
    sourceModelHash: options.sourceModelHash ?? "",
    actBits,
    weightBits,
    inputs,
    layers,
    output,
    publicSignals: [target.name, ...inputs.map((i) => i.name)],
    features: model.features,
    target: model.target,
  };
  return { ...base, modelId: await computeModelId({ ...base, modelId: "" }) };
}

/**
 * Raw-unit interval of the public output before the no-arbitrage clamp:
 * round(bound / 2^S) · factor, plus the payoff skip's interval over the declared inputs.
 */
export function outputRawInterval(o: Pick<QuantizedOutput, "bound" | "shift" | "factor" | "skip">, inputs: readonly QuantizedInput[]): Interval {
  const f = BigInt(o.factor);
  const p = o.skip ? payoffInterval(o.skip, inputs) : { lo: 0n, hi: 0n };
  return { lo: roundShift(BigInt(o.bound.accMin), o.shift) * f + p.lo, hi: roundShift(BigInt(o.bound.accMax), o.shift) * f + p.hi };
}

/** The folded float network, for error reports next to the quantized one. */
export function foldedFloat(model: FloatModel): FoldedModel {
  return foldBatchNorm(model);
}

function quantizeInputs(model: FloatModel, actBits: number): QuantizedInput[] {
  return model.features.map((f, j) => {
    for (const key of ["min", "max"] as const) {
      if (typeof f[key] !== "number" || !Number.isFinite(f[key])) {
        throw new InvalidValueError({
          field: `features[${j}] (${f.name}).${key}`,
          value: f[key],
          allowed: "a finite number: every input needs a declared range, which the circuit enforces",
        });
      }
    }
    if (!Number.isInteger(f.decimals) || f.decimals < 0 || f.decimals > 36) {
      throw new InvalidValueError({ field: `features[${j}] (${f.name}).decimals`, value: f.decimals, allowed: "an integer in [0, 36]" });
    }
    const minRaw = toRawUnits(f.min, f.decimals, `features[${j}] (${f.name}).min`);
    const maxRaw = toRawUnits(f.max, f.decimals, `features[${j}] (${f.name}).max`);
    if (minRaw >= maxRaw) {
      throw new InvalidValueError({ field: `features[${j}] (${f.name}) range`, value: [f.min, f.max], allowed: "min < max" });
    }
    if (minRaw < 0n) {
      throw new InvalidValueError({ field: `features[${j}] (${f.name}).min`, value: f.min, allowed: ">= 0 (on-chain inputs are unsigned integers)" });
    }
    const rangeBits = bitLength(maxRaw - minRaw);
    const unitsPerScaled = model.scaler.scale[j] * 10 ** f.decimals;
    const ideal = Math.floor(Math.log2(unitsPerScaled) - actBits);
    const shift = Math.max(0, Math.min(ideal, rangeBits - 1));
    return { name: f.name, unit: f.unit, decimals: f.decimals, minRaw: minRaw.toString(), maxRaw: maxRaw.toString(), rangeBits, shift };
  });
}

/** Scaled-feature value of one unit of u_j: 2^shift / (scale · 10^decimals). */
function inputUnit(model: FloatModel, inputs: QuantizedInput[], j: number): number {
  return 2 ** inputs[j].shift / (model.scaler.scale[j] * 10 ** inputs[j].decimals);
}

/** Scaled-feature value when u_j = 0, at the midpoint of the truncated interval. */
function inputMidpoint(model: FloatModel, inputs: QuantizedInput[], j: number): number {
  const { decimals, shift } = inputs[j];
  const raw = Number(inputs[j].minRaw) + (2 ** shift - 1) / 2;
  return (raw - model.scaler.offset[j] * 10 ** decimals) / (model.scaler.scale[j] * 10 ** decimals);
}

function toInteger(x: number, field: string): bigint {
  const r = Math.round(x);
  if (!Number.isSafeInteger(r)) {
    throw new InvalidValueError({ field, value: x, allowed: `|value| < 2^53 at this precision; lower actBits/weightBits` });
  }
  return BigInt(r);
}

function clampThresholds(model: FloatModel, accBits: number): { clampMin?: bigint; clampMax?: bigint } {
  const t = model.target;
  const scale = 1n << BigInt(accBits);
  const one = 10n ** BigInt(t.decimals);
  // round(v · 2^accBits) computed exactly from the declared decimal value
  const at = (v: number, field: string) => {
    const raw = toRawUnits(v, t.decimals, field) * scale;
    return raw >= 0n ? (raw + one / 2n) / one : -((-raw + one / 2n) / one);
  };
  const out: { clampMin?: bigint; clampMax?: bigint } = {};
  if (t.min !== undefined) out.clampMin = at(t.min, "target.min");
  if (t.max !== undefined) out.clampMax = at(t.max, "target.max");
  if (out.clampMin !== undefined && out.clampMax !== undefined && out.clampMin >= out.clampMax) {
    throw new InvalidValueError({ field: "target range", value: [t.min, t.max], allowed: "min < max" });
  }
  return out;
}

export interface BoundAnalysis {
  layerBounds: NeuronBound[][];
  clampBits?: [number, number];
  outputBound: NeuronBound;
}

/** A layer as the bound analysis needs it: integer weights, activation, shift. */
export interface IntegerLayer {
  weight: bigint[][];
  bias: bigint[];
  activation: QuantizedActivation;
  shift: number;
}

/**
 * Static bound analysis by interval arithmetic over the declared input ranges and the
 * integer weights: the accumulator interval of every neuron and the decomposition width
 * B its activation gadget needs (from the activation kind). Any width above
 * MAX_DECOMPOSITION_BITS is refused.
 */
export function analyzeBounds(
  inputs: readonly QuantizedInput[],
  layers: readonly IntegerLayer[],
  output: { shift: number; clampMin?: bigint; clampMax?: bigint },
): BoundAnalysis {
  let current: Interval[] = inputs.map((inp) => ({ lo: 0n, hi: (BigInt(inp.maxRaw) - BigInt(inp.minRaw)) >> BigInt(inp.shift) }));
  const layerBounds: NeuronBound[][] = [];
  layers.forEach((layer, li) => {
    const accs = layer.weight.map((row, i) => affineInterval(row, layer.bias[i], current));
    if (layer.activation.kind !== "none") {
      const ops = activationOps(layer.activation, `layers[${li}].activation`);
      layerBounds.push(accs.map((iv, i) => toBound(iv, ops.bits(layer.activation, iv, layer.shift, `layer ${li} neuron ${i}`))));
      current = accs.map((iv) => ops.outInterval(layer.activation, iv, layer.shift));
    } else {
      layerBounds.push(accs.map((iv) => toBound(iv, 0)));
      current = accs;
    }
  });
  let acc = current[0];
  let clampBits: [number, number] | undefined;
  if (output.clampMin !== undefined || output.clampMax !== undefined) {
    clampBits = [0, 0];
    if (output.clampMin !== undefined && acc.lo < output.clampMin) {
      const v = { lo: acc.lo - output.clampMin, hi: acc.hi - output.clampMin };
      clampBits[0] = decompositionBits(v, 0, "output lower clamp");
      acc = { lo: output.clampMin, hi: acc.hi > output.clampMin ? acc.hi : output.clampMin };
    }
    if (output.clampMax !== undefined && acc.hi > output.clampMax) {
      const w = { lo: output.clampMax - acc.hi, hi: output.clampMax - acc.lo };
      clampBits[1] = decompositionBits(w, 0, "output upper clamp");
      acc = { lo: acc.lo < output.clampMax ? acc.lo : output.clampMax, hi: output.clampMax };
    }
  }
  return { layerBounds, clampBits, outputBound: toBound(acc, decompositionBits(acc, output.shift, "output")) };
}
