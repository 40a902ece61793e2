import type { FeatureSpec, TargetSpec } from "../model/types.js";
import type { QuantizedActivation } from "../layers/kind.js";
import type { NoArbitrageSpec } from "./noArbitrage.js";
import type { QuantizedPayoff } from "../layers/payoff.js";

export type { QuantizedActivation } from "../layers/kind.js";

/**
 * A quantized model: exact integers plus the bit widths the bound analysis proved.
 * Big integers are decimal strings in the JSON artifact.
 *
 * Integer semantics (bit-exact with the circuit):
 *   inputs:  X_j raw on-chain integer, minRaw_j <= X_j <= maxRaw_j (enforced);
 *            u_j = floor((X_j - minRaw_j) / 2^shift_j)      (the scaler's fixed-point input)
 *   hidden:  acc = Σ W·u + b;  h = act(acc, s), the activation kind's integer function
 *            including the rescale by 2^s (relu: max(0, floor((acc + 2^(s-1)) / 2^s)))
 *   output:  acc = Σ W·h + b;  acc' = clamp(acc, clampMin, clampMax) if declared;
 *            q = floor((acc' + 2^(S-1)) / 2^S);  out = q · outputFactor   (raw on-chain units)
 *            plus, if declared, the payoff skip relu(±(X_m − K)) · skipFactor (exact, raw units)
 *            then, if declared, the no-arbitrage clamp of out (noArbitrage.ts)
 */
export interface QuantizedInput {
  name: string;
  unit: string;
  decimals: number;
  /** Inclusive raw range (decimal strings). */
  minRaw: string;
  maxRaw: string;
  /** Bits of maxRaw - minRaw: the range check decomposes into this many bits. */
  rangeBits: number;
  /** u = (X - minRaw) >> shift. */
  shift: number;
}

/** Proven bounds of one neuron's accumulator and the decomposition width they give. */
export interface NeuronBound {
  /** Inclusive accumulator interval (decimal strings). */
  accMin: string;
  accMax: string;
  /** Bits of the rescale decomposition (0 when the neuron is provably constant). */
  bits: number;
}

export interface QuantizedLayer {
  /** [outDim][inDim] integer weights as decimal strings. */
  weight: string[][];
  bias: string[];
  /**
   * Hidden layers: the activation kind (src/layers/) applied with the rescale; the last layer
   * has kind "none". Version 1 files had `relu: boolean` instead (migrated on load).
   */
  activation: QuantizedActivation;
  /** Right shift of the accumulator inside the activation (hidden layers; 0 for the last). */
  shift: number;
  bounds: NeuronBound[];
}

export interface QuantizedOutput {
  name: string;
  unit: string;
  decimals: number;
  /** Optional clamp of the output accumulator (decimal strings). */
  clampMin?: string;
  clampMax?: string;
  /** Bit widths of the clamp gadgets (lower, upper), when clamping. */
  clampBits?: [number, number];
  /** Right shift S of the (clamped) accumulator, round-half-up. */
  shift: number;
  /** out = q · factor, factor = 10^decimals / 2^(fracBits - shift) (an integer). */
  factor: string;
  /** Bounds of the value that is rescaled (after clamping). */
  bound: NeuronBound;
  /**
   * Opt-in no-arbitrage clamp of the public output (see noArbitrage.ts): the proven
   * price/strike lies in [max(m − D, 0), m] (call) or [max(D − m, 0), 1] (put).
   */
  noArbitrage?: NoArbitrageSpec;
  /** Optional exact payoff skip added to q · factor (src/layers/payoff.ts). */
  skip?: QuantizedPayoff;
}

export interface QuantizedModel {
  format: "zkinfer-qmodel";
  /** 2: layers carry `activation` (version 1: `relu: boolean`, still read). */
  version: 2;
  name: string;
  /** Hash of the float model file this came from. */
  sourceModelHash: string;
  /** Activations are fixed point at 2^actBits, weights at 2^weightBits. */
  actBits: number;
  weightBits: number;
  inputs: QuantizedInput[];
  layers: QuantizedLayer[];
  output: QuantizedOutput;
  /** Public signals in circuit order: the output, then the raw inputs. */
  publicSignals: string[];
  /** Poseidon hash of the model's integers (decimal string), see modelId.ts. */
  modelId: string;
  /** Float features/target as declared, kept for reports and the CLI. */
  features: FeatureSpec[];
  target: TargetSpec;
}

/** Largest decomposition the bound analysis accepts: far below the 254-bit field. */
export const MAX_DECOMPOSITION_BITS = 200;
