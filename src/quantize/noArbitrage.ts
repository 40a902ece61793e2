/**
 * The no-arbitrage clamp of an option model's proven price (opt-in per model:
 * `quantize(model, { noArbitrage: "call" | "put" })`, recorded in the quantized model and its
 * id, so the verifier of a clamped call model cannot be passed off as a put model's).
 *
 * Price/strike p is clamped to
 *   call: [max(m − D, 0), m]       with D ≥ e^{−rτ}  (an upper bound of the discount factor)
 *   put:  [max(D − m, 0), 1]       with D ≤ e^{−rτ}  (a lower bound)
 * (m = S/K), so the lower end is never above the true discounted intrinsic value
 * max(m − e^{−rτ}, 0) (call) or max(e^{−rτ} − m, 0) (put): the clamp can only move a mark
 * towards the no-arbitrage interval, never out of it. D is computed in the circuit from the
 * range-checked raw inputs (circuits/lib/noArbitrage.circom, `DiscountFactorBound`):
 *   P = R·T (wad·wad), y = ⌊P / (10^36 / 2^FB)⌋, t_lo = y/2^FB ≤ rτ < (y+1)/2^FB = t_hi,
 *   call: D = ⌈10^18 · S_4(t_lo)⌉,  put: D = ⌊10^18 · S_5(t_hi)⌋,
 * S_n the Taylor partial sum of e^{−t} (alternating: S_even ≥ e^{−t} ≥ S_odd for 0 ≤ t ≤ 1).
 * Slack: |D/10^18 − e^{−rτ}| ≤ 2^−FB + t_max^{n+1}/(n+1)! + 10^−18.
 *
 * The clamp acts on the public output in raw units (wad), after the model's own output rescale
 * and target clamp. `integerNoArbitrage` is the bit-exact integer reference.
 */
import { InvalidValueError } from "../errors.js";
import { bitLength } from "./decimal.js";
import { decompositionBits } from "./bounds.js";
import type { Interval } from "../layers/kind.js";
import type { QuantizedInput } from "./types.js";

export type OptionKind = "call" | "put";

/** Fraction bits of rτ inside the discount-factor gadget. */
export const DISCOUNT_FRAC_BITS = 24;

const WAD = 10n ** 18n;

/** Everything the gadgets need, derived from the declared input ranges (recomputed on load). */
export interface NoArbitrageSpec {
  kind: OptionKind;
  /** Input indices of moneyness S/K, time to expiry τ (years) and rate r (1/year). */
  moneyness: number;
  timeToExpiry: number;
  rate: number;
  /** Taylor degree n (4 for calls, 5 for puts) and fraction bits FB of rτ. */
  degree: number;
  fracBits: number;
  /** DivFloor widths: [PB, C1B, YB] of y = ⌊P / C1⌋ and [NB, KB] of D = ⌊A / K⌋. */
  rateTimeBits: [number, number, number];
  discountBits: [number, number];
  /** RescaleRelu widths of the lower end, the cap and the floor. */
  clampBits: [number, number, number];
}

const FACT = [1n, 1n, 2n, 6n, 24n, 120n, 720n];

function c1(fb: number): bigint {
  return 10n ** 36n / (1n << BigInt(fb));
}

/** n!·2^(FB·n)·S_n(y/2^FB), exactly. */
function taylorNumerator(y: bigint, n: number, fb: number): bigint {
  let acc = 0n;
  let pw = 1n;
  for (let k = 0; k <= n; k++) {
    const c = (FACT[n] / FACT[k]) * (1n << BigInt(fb * (n - k)));
    acc += (k % 2 === 0 ? c : -c) * pw;
    pw *= y;
  }
  return acc;
}

/** The discount bound D (wad) for raw wad rate R and time T, bit-exact with DiscountFactorBound. */
export function discountBound(spec: Pick<NoArbitrageSpec, "kind" | "degree" | "fracBits">, rate: bigint, time: bigint): bigint {
  const y = (rate * time) / c1(spec.fracBits);
  const upper = spec.kind === "call";
  const n = spec.degree;
  const K = FACT[n] * (1n << BigInt(spec.fracBits * n));
  const N = taylorNumerator(upper ? y : y + 1n, n, spec.fracBits);
  return (N * WAD + (upper ? K - 1n : 0n)) / K;
}

/** The clamp, bit-exact with NoArbitrageClamp: returns the clamped output and the lower end. */
export function integerNoArbitrage(spec: NoArbitrageSpec, raw: readonly bigint[], value: bigint): { out: bigint; lower: bigint; discount: bigint } {
  const m = raw[spec.moneyness];
  const d = discountBound(spec, raw[spec.rate], raw[spec.timeToExpiry]);
  const relu = (v: bigint) => (v > 0n ? v : 0n);
  const lower = relu(spec.kind === "call" ? m - d : d - m);
  const upper = spec.kind === "call" ? m : WAD;
  const capped = upper - relu(upper - value);
  return { out: lower + relu(capped - lower), lower, discount: d };
}

/** The float clamp with the exact discount factor (the reference the quantized model is compared with). */
export function floatNoArbitrage(kind: OptionKind, m: number, tau: number, r: number, value: number): number {
  const df = Math.exp(-r * tau);
  const lower = Math.max(kind === "call" ? m - df : df - m, 0);
  const upper = kind === "call" ? m : 1;
  return Math.max(Math.min(value, upper), lower);
}

/** Largest |D/10^18 − e^{−rτ}| over the domain (see the file comment). */
export function discountSlack(spec: NoArbitrageSpec, inputs: readonly QuantizedInput[]): number {
  const tMax = (Number(inputs[spec.rate].maxRaw) / 1e18) * (Number(inputs[spec.timeToExpiry].maxRaw) / 1e18) + 2 ** -spec.fracBits;
  let fact = 1;
  for (let k = 2; k <= spec.degree + 1; k++) fact *= k;
  return 2 ** -spec.fracBits + tMax ** (spec.degree + 1) / fact + 1e-18;
}

/** Width of a DivFloor divisor C: the CB with 2^(CB−1) < C ≤ 2^CB. */
const divisorBits = (c: bigint) => bitLength(c - 1n);

/**
 * The spec for a model: inputs named moneyness, timeToExpiry and rate with 18 decimals, an
 * 18-decimal output; widths from the declared ranges and the output's proven interval
 * (raw units). Errors name the field.
 */
export function noArbitrageSpec(kind: OptionKind, inputs: readonly QuantizedInput[], output: { decimals: number; raw: Interval }): NoArbitrageSpec {
  if (kind !== "call" && kind !== "put") throw new InvalidValueError({ field: "noArbitrage", value: kind, allowed: '"call" or "put"' });
  const find = (name: string) => {
    const i = inputs.findIndex((inp) => inp.name === name);
    if (i < 0 || inputs[i].decimals !== 18) {
      throw new InvalidValueError({
        field: `noArbitrage: input "${name}"`,
        value: i < 0 ? "missing" : `${inputs[i].decimals} decimals`,
        allowed: "an input of that name with 18 decimals (the option layout: moneyness S/K, timeToExpiry in years, rate per year)",
      });
    }
    return i;
  };
  const moneyness = find("moneyness");
  const timeToExpiry = find("timeToExpiry");
  const rate = find("rate");
  if (output.decimals !== 18) throw new InvalidValueError({ field: "noArbitrage: target decimals", value: output.decimals, allowed: "18 (price/strike in wad)" });
  const fb = DISCOUNT_FRAC_BITS;
  const degree = kind === "call" ? 4 : 5;
  const pMax = BigInt(inputs[rate].maxRaw) * BigInt(inputs[timeToExpiry].maxRaw);
  const yMax = pMax / c1(fb);
  if (yMax + 1n > 1n << BigInt(fb)) {
    throw new InvalidValueError({ field: "noArbitrage: rate × timeToExpiry", value: Number(pMax) / 1e36, allowed: "< 1 over the declared ranges (the Taylor bounds need rτ ≤ 1)" });
  }
  const PB = bitLength(pMax);
  const C1B = divisorBits(c1(fb));
  const YB = Math.max(1, bitLength(yMax));
  const K = FACT[degree] * (1n << BigInt(fb * degree));
  const KB = divisorBits(K);
  // A = N·10^18 (+ K − 1) with 0 ≤ N ≤ K (S_n(t) ≤ 1 on [0, 1]).
  const NB = bitLength(K * WAD + K);
  if (C1B + YB + 1 > 252 || KB + 60 + 1 > 252 || PB > C1B + YB || NB > KB + 60) {
    throw new InvalidValueError({ field: "noArbitrage widths", value: [PB, C1B, YB, NB, KB], allowed: "decompositions below 252 bits" });
  }
  const m: Interval = { lo: BigInt(inputs[moneyness].minRaw), hi: BigInt(inputs[moneyness].maxRaw) };
  const d: Interval = { lo: 0n, hi: WAD };
  const upper: Interval = kind === "call" ? m : { lo: WAD, hi: WAD };
  const lowIn: Interval = kind === "call" ? { lo: m.lo - d.hi, hi: m.hi - d.lo } : { lo: d.lo - m.hi, hi: d.hi - m.lo };
  const lowOut: Interval = { lo: 0n, hi: lowIn.hi > 0n ? lowIn.hi : 0n };
  const capIn: Interval = { lo: upper.lo - output.raw.hi, hi: upper.hi - output.raw.lo };
  const capOut: Interval = {
    lo: output.raw.lo < upper.lo ? output.raw.lo : upper.lo,
    hi: upper.hi,
  };
  const floorIn: Interval = { lo: capOut.lo - lowOut.hi, hi: capOut.hi - lowOut.lo };
  const bits = (iv: Interval, where: string) => decompositionBits(iv, 0, `no-arbitrage clamp ${where}`);
  return {
    kind,
    moneyness,
    timeToExpiry,
    rate,
    degree,
    fracBits: fb,
    rateTimeBits: [PB, C1B, YB],
    discountBits: [NB, KB],
    clampBits: [bits(lowIn, "lower end"), bits(capIn, "cap"), bits(floorIn, "floor")],
  };
}

/** Constraints (--O2) of the clamp: the discount bound and the three RescaleRelu. */
export function noArbitrageConstraints(spec: NoArbitrageSpec): number {
  const [, C1B, YB] = spec.rateTimeBits;
  const [, KB] = spec.discountBits;
  const discount = 1 + (spec.degree - 1) + (2 * C1B + YB) + (2 * KB + 60);
  return discount + spec.clampBits.reduce((s, b) => s + b + 1, 0);
}

/** The circom lines of the clamp on `value`, writing the clamped value to `out`. */
export function emitNoArbitrage(spec: NoArbitrageSpec, signals: { value: string; inputs: readonly string[]; out: string }): string[] {
  const call = spec.kind === "call" ? 1 : 0;
  const [PB, C1B, YB] = spec.rateTimeBits;
  const [NB, KB] = spec.discountBits;
  const [BL, BU, BM] = spec.clampBits;
  return [
    `    // No-arbitrage clamp (${spec.kind}): discount bound D ${call ? ">=" : "<="} e^(-r tau), degree ${spec.degree}, 2^-${spec.fracBits}`,
    `    component discount = DiscountFactorBound(${call}, ${spec.degree}, ${spec.fracBits}, ${c1(spec.fracBits)}, ${C1B}, ${YB}, ${PB}, ${KB}, ${NB});`,
    `    discount.rate <== ${signals.inputs[spec.rate]};`,
    `    discount.time <== ${signals.inputs[spec.timeToExpiry]};`,
    `    component noArb = NoArbitrageClamp(${call}, ${BL}, ${BU}, ${BM});`,
    `    noArb.v <== ${signals.value};`,
    `    noArb.m <== ${signals.inputs[spec.moneyness]};`,
    `    noArb.d <== discount.out;`,
    `    ${signals.out} <== noArb.out;`,
  ];
}

/** Model-id integers of the clamp (appended after the output's; absent for unclamped models). */
export function noArbitrageIdCodes(spec: NoArbitrageSpec): bigint[] {
  return [spec.kind === "call" ? 1n : 2n, BigInt(spec.moneyness), BigInt(spec.timeToExpiry), BigInt(spec.rate), BigInt(spec.degree), BigInt(spec.fracBits)];
}
