/**
 * snarkjs keeps one multi-threaded BN254 curve (with worker threads) in a global cache.
 * Terminating it lets a process exit by itself once proving is done.
 */
export async function releaseCurves(): Promise<void> {
  const g = globalThis as unknown as { curve_bn128?: { terminate(): Promise<void> } | null };
  if (g.curve_bn128) await g.curve_bn128.terminate();
}
