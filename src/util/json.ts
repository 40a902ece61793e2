/** JSON with big integers: artifacts hold them as decimal strings. */

/** `JSON.stringify` replacer: a bigint becomes its decimal string. */
export function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/** JSON with bigints as decimal strings, two-space indented, newline-terminated. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, bigintReplacer, 2)}\n`;
}
