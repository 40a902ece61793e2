/**
 * Small guards for user-supplied values. Each throws `InvalidValueError` naming the field,
 * the value and what is allowed.
 */
import { InvalidValueError } from "../errors.js";

export interface NumberBounds {
  min?: number;
  max?: number;
  /** Exclude `min` itself. */
  minExclusive?: boolean;
  /** Exclude `max` itself. */
  maxExclusive?: boolean;
}

function describeBounds(kind: string, b: NumberBounds): string {
  const lo = b.min === undefined ? "-inf" : String(b.min);
  const hi = b.max === undefined ? "+inf" : String(b.max);
  const l = b.min === undefined || b.minExclusive ? "(" : "[";
  const r = b.max === undefined || b.maxExclusive ? ")" : "]";
  return `${kind} in ${l}${lo}, ${hi}${r}`;
}

function inBounds(v: number, b: NumberBounds): boolean {
  if (b.min !== undefined && (b.minExclusive ? v <= b.min : v < b.min)) return false;
  if (b.max !== undefined && (b.maxExclusive ? v >= b.max : v > b.max)) return false;
  return true;
}

/** NaN and ±Infinity would print as null in JSON: show them by name. */
export function shown(value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? String(value) : value;
}

/** A finite number within bounds. */
export function checkNumber(field: string, value: unknown, bounds: NumberBounds = {}): number {
  if (typeof value !== "number" || !Number.isFinite(value) || !inBounds(value, bounds)) {
    throw new InvalidValueError({ field, value: shown(value), allowed: describeBounds("a finite number", bounds) });
  }
  return value;
}

/** A safe integer within bounds. */
export function checkInteger(field: string, value: unknown, bounds: NumberBounds = {}): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || !inBounds(value, bounds)) {
    throw new InvalidValueError({ field, value: shown(value), allowed: describeBounds("an integer", bounds) });
  }
  return value;
}

/** One of a fixed set of strings. */
export function checkOneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidValueError({ field, value, allowed: `one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}` });
  }
  return value as T;
}

/** A boolean. */
export function checkBoolean(field: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw new InvalidValueError({ field, value, allowed: "true or false" });
  return value;
}

/** A non-empty string. */
export function checkNonEmptyString(field: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new InvalidValueError({ field, value, allowed: "a non-empty string" });
  }
  return value;
}

/** A plain object whose keys are all in `allowed` (catches misspelt options). */
export function checkKnownKeys(field: string, value: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidValueError({ field, value, allowed: "an object" });
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new InvalidValueError({
        field: `${field}.${key}`,
        value: (value as Record<string, unknown>)[key],
        allowed: `no such option; known options are ${allowed.join(", ")}`,
      });
    }
  }
  return value as Record<string, unknown>;
}
