/**
 * The revert data (selector + arguments) inside an ethers / provider error, wherever the
 * error nests it (`data`, `error`, `info`, `cause`, `revert`).
 */
export function revertData(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const stack: unknown[] = [err];
  while (stack.length > 0) {
    const e = stack.pop();
    if (e === null || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const o = e as Record<string, unknown>;
    if (typeof o.data === "string" && /^0x[0-9a-fA-F]{8}/.test(o.data)) return o.data;
    for (const key of ["data", "error", "info", "cause", "revert"]) if (key in o) stack.push(o[key]);
  }
  return undefined;
}
