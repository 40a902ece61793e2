import { FIELD_ORDER } from "../../src/zk/field.js";
import { evalLc, holds, inv, type ForgeCircuit } from "./forge.js";

/**
 * The alternative-witness search an auditor runs by hand, automated: for every signal (except
 * the constant and the inputs, public or private), move it by ±1; if that alone
 * satisfies every constraint it touches, it is a finding; otherwise take the first constraint
 * it breaks and, for each other signal of that constraint, solve the constraint for that signal
 * (linear, or either root of a quadratic) and check every constraint of both signals. Any
 * witness found this way differs from the honest one and satisfies the whole R1CS.
 *
 * It is a cheap, local search: it finds free signals and pairs of signals that only pin each
 * other, not deeper underconstraint (the consistent forgeries in forge.ts cover those).
 */
export interface AltWitnessFinding {
  moved: string;
  delta: bigint;
  /** The signal re-solved to compensate, if any, and its new value. */
  resolved?: { signal: string; value: bigint };
}

const P = FIELD_ORDER;
const mod = (x: bigint) => ((x % P) + P) % P;

function sqrt(n: bigint): bigint | undefined {
  n = mod(n);
  if (n === 0n) return 0n;
  const pw = (b: bigint, e: bigint) => {
    let r = 1n;
    b = mod(b);
    while (e > 0n) {
      if (e & 1n) r = (r * b) % P;
      b = (b * b) % P;
      e >>= 1n;
    }
    return r;
  };
  if (pw(n, (P - 1n) / 2n) !== 1n) return undefined;
  // Tonelli–Shanks
  let q = P - 1n;
  let s = 0n;
  while ((q & 1n) === 0n) {
    q >>= 1n;
    s++;
  }
  let z = 2n;
  while (pw(z, (P - 1n) / 2n) !== P - 1n) z++;
  let m = s;
  let c = pw(z, q);
  let t = pw(n, q);
  let r = pw(n, (q + 1n) / 2n);
  while (t !== 1n) {
    let i = 0n;
    let t2 = t;
    while (t2 !== 1n) {
      t2 = (t2 * t2) % P;
      i++;
    }
    const b = pw(c, 1n << (m - i - 1n));
    m = i;
    c = (b * b) % P;
    t = (t * c) % P;
    r = (r * b) % P;
  }
  return r;
}

/**
 * Values of wire v that satisfy constraint ci, given the values of its three linear
 * combinations at the current witness (`vals`) and v's current value.
 */
function solveFor(c: ForgeCircuit, ci: number, v: number, current: bigint, vals: [bigint, bigint, bigint]): bigint[] {
  const [A, B, C] = c.r1cs.constraints[ci];
  const a1 = A.get(v) ?? 0n;
  const b1 = B.get(v) ?? 0n;
  const c1 = C.get(v) ?? 0n;
  const a0 = mod(vals[0] - a1 * current);
  const b0 = mod(vals[1] - b1 * current);
  const c0 = mod(vals[2] - c1 * current);
  // (a0 + a1 x)(b0 + b1 x) = c0 + c1 x
  const qa = (a1 * b1) % P;
  const qb = mod(a0 * b1 + a1 * b0 - c1);
  const qc = mod(a0 * b0 - c0);
  if (qa === 0n) return qb === 0n ? [] : [mod(-qc * inv(qb))];
  const disc = mod(qb * qb - 4n * qa * qc);
  // A booleanity-shaped constraint L·(L − 1) = 0 has the discriminant a1², so try the
  // coefficients first; a general square root (Tonelli–Shanks, ~1 ms) only for small constraints.
  let r = [a1, b1, c1].find((k) => k !== 0n && (k * k) % P === disc);
  if (r === undefined && A.size + B.size + C.size <= 8) r = sqrt(disc);
  if (r === undefined) return [];
  const den = inv(2n * qa);
  return [...new Set([mod((-qb + r) * den), mod((-qb - r) * den)])];
}

export function searchAlternativeWitnesses(c: ForgeCircuit, honest: readonly bigint[]): { findings: AltWitnessFinding[]; tried: number } {
  const h = c.r1cs.header;
  const byWire: number[][] = Array.from({ length: h.nWires }, () => []);
  c.r1cs.constraints.forEach((con, i) => {
    const s = new Set<number>();
    for (const lc of con) for (const x of lc.keys()) if (x !== 0) s.add(x);
    for (const x of s) byWire[x].push(i);
  });
  // Cheap constraints first: most candidates fail on a small one (a bit's own booleanity).
  const size = (ci: number) => c.r1cs.constraints[ci].reduce((n, lc) => n + lc.size, 0);
  for (const list of byWire) list.sort((a, b) => size(a) - size(b));
  // Inputs, public or private, are what the prover is asked about; everything else must follow.
  const isStatementInput = (x: number) => x === 0 || (x > h.nPubOut && x <= h.nPubOut + h.nPubIn + h.nPrvIn);
  const w = [...honest];
  const findings: AltWitnessFinding[] = [];
  const allHold = (cs: Iterable<number>) => {
    for (const ci of cs) if (!holds(c.r1cs, ci, w)) return false;
    return true;
  };
  let tried = 0;
  for (let x = 1; x < h.nWires; x++) {
    if (isStatementInput(x)) continue;
    for (const delta of [1n, -1n]) {
      tried++;
      w[x] = mod(honest[x] + delta);
      const first = byWire[x].find((ci) => !holds(c.r1cs, ci, w));
      if (first === undefined) {
        findings.push({ moved: c.names[x], delta });
      } else {
        const neighbours = new Set<number>();
        for (const lc of c.r1cs.constraints[first]) for (const v of lc.keys()) if (v !== x && !isStatementInput(v)) neighbours.add(v);
        const [A, B, C] = c.r1cs.constraints[first];
        const vals: [bigint, bigint, bigint] = [evalLc(A, w), evalLc(B, w), evalLc(C, w)];
        for (const v of neighbours) {
          for (const value of solveFor(c, first, v, w[v], vals)) {
            if (value === honest[v]) continue;
            w[v] = value;
            if (allHold(byWire[v]) && allHold(byWire[x])) findings.push({ moved: c.names[x], delta, resolved: { signal: c.names[v], value } });
            w[v] = honest[v];
          }
        }
      }
      w[x] = honest[x];
    }
  }
  return { findings, tried };
}
