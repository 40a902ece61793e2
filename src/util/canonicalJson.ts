/**
 * Canonical JSON: object keys sorted by code unit order, no whitespace, numbers in
 * JavaScript's shortest round-trip form. Used for content hashes, so the same data always
 * gives the same bytes. Non-finite numbers and non-JSON values are rejected, not dropped.
 */
import { createHash } from "node:crypto";
import { InvalidValueError } from "../errors.js";

export function canonicalJson(value: unknown): string {
  return write(value, "$");
}

function write(value: unknown, path: string): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "number":
      if (!Number.isFinite(value)) {
        throw new InvalidValueError({ field: path, value: String(value), allowed: "a finite number" });
      }
      return JSON.stringify(value);
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) {
        return `[${value.map((v, i) => write(v, `${path}[${i}]`)).join(",")}]`;
      }
      if (ArrayBuffer.isView(value)) {
        return write(Array.from(value as unknown as ArrayLike<number>), path);
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${write(obj[k], `${path}.${k}`)}`).join(",")}}`;
    }
    default:
      throw new InvalidValueError({ field: path, value: typeof value, allowed: "JSON data (null, number, string, boolean, array, object)" });
  }
}

/**
 * Readable deterministic JSON: keys sorted, two-space indentation, arrays of scalars on
 * one line (weight rows stay compact). Ends with a newline.
 */
export function prettyCanonicalJson(value: unknown): string {
  return `${pretty(value, "", "$")}\n`;
}

function pretty(value: unknown, indent: string, path: string): string {
  if (value === null || typeof value !== "object" || ArrayBuffer.isView(value)) return write(value, path);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (value.every((v) => v === null || typeof v !== "object")) return write(value, path);
    return `[\n${value.map((v, i) => inner + pretty(v, inner, `${path}[${i}]`)).join(",\n")}\n${indent}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  if (keys.length === 0) return "{}";
  return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${pretty(obj[k], inner, `${path}.${k}`)}`).join(",\n")}\n${indent}}`;
}

/** Lower-case hex sha256 of a UTF-8 string. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** sha256 (lower-case hex) of the canonical JSON of a value. */
export function contentHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
