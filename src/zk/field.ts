/** The BN254 scalar field order: every circuit value lives modulo this prime. */
export const FIELD_ORDER = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** Map a signed integer to its field element (negative q becomes p - |q|). */
export function toField(value: bigint): bigint {
  const r = value % FIELD_ORDER;
  return r < 0n ? r + FIELD_ORDER : r;
}

/** Read a field element as a signed integer in (-p/2, p/2]. */
export function fromFieldSigned(value: bigint): bigint {
  const v = toField(value);
  return v > FIELD_ORDER / 2n ? v - FIELD_ORDER : v;
}
