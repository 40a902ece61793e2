import { InvalidValueError } from "../errors.js";

/**
 * Exact decimal ↔ integer conversions for on-chain units. A real value v with `decimals`
 * d is held on chain as the integer round(v · 10^d); declared ranges must be exact there.
 */

/** Convert a finite JS number or decimal string to raw units, exactly (no float rounding). */
export function toRawUnits(value: number | string, decimals: number, field = "value"): bigint {
  const text = typeof value === "number" ? numberToDecimalString(value, field) : value.trim();
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) {
    throw new InvalidValueError({ field, value, allowed: "a decimal number" });
  }
  const [, sign, int, frac = "", exp = "0"] = m;
  const digits = `${int}${frac}`.replace(/^0+(?=\d)/, "") || "0";
  const shift = decimals - frac.length + Number(exp);
  let raw: bigint;
  if (shift >= 0) {
    raw = BigInt(digits) * 10n ** BigInt(shift);
  } else {
    const div = 10n ** BigInt(-shift);
    const q = BigInt(digits) / div;
    const r = BigInt(digits) % div;
    if (r !== 0n) {
      throw new InvalidValueError({ field, value, allowed: `at most ${decimals} decimal places (its on-chain precision)` });
    }
    raw = q;
  }
  return sign === "-" ? -raw : raw;
}

function numberToDecimalString(value: number, field: string): string {
  if (!Number.isFinite(value)) throw new InvalidValueError({ field, value, allowed: "a finite number" });
  return String(value); // shortest round-trip representation, may use exponent notation
}

/** Format raw units as a decimal string, e.g. 1500000000000000000n with 18 → "1.5". */
export function fromRawUnits(raw: bigint, decimals: number): string {
  const neg = raw < 0n;
  const abs = neg ? -raw : raw;
  const s = abs.toString().padStart(decimals + 1, "0");
  const int = s.slice(0, s.length - decimals);
  const frac = s.slice(s.length - decimals).replace(/0+$/, "");
  return `${neg ? "-" : ""}${int}${frac ? `.${frac}` : ""}`;
}

/** Raw units as a float (for error reports only; not exact). */
export function rawToNumber(raw: bigint, decimals: number): number {
  return Number(fromRawUnits(raw, decimals));
}

/** Number of bits of a non-negative integer (0 → 0). */
export function bitLength(n: bigint): number {
  if (n < 0n) throw new RangeError("bitLength of a negative number");
  return n === 0n ? 0 : n.toString(2).length;
}

/** floor(a / 2^s) for any sign of a (arithmetic shift). */
export function floorShift(a: bigint, s: number): bigint {
  return a >> BigInt(s);
}
