import { FIELD_ORDER, toField } from "../../src/zk/field.js";
import type { LinearCombination, R1cs } from "../../src/zk/r1cs.js";

/**
 * Consistent forged witnesses, driven only by the R1CS and the signal names of the .sym file.
 *
 * A forgery fixes some signals to chosen values and recomputes every signal that depends on
 * them, so the forged witness satisfies every constraint except those that pin the forged
 * values. Then a rejection can be attributed: the constraints the forgery breaks are named by
 * their signals, and a test asserts they belong to the gadget under test (not to some
 * downstream consumer that merely noticed a stale value).
 *
 * How dependents are recomputed: once, from the honest witness, the R1CS is solved from the
 * inputs alone, constraint by constraint. That yields a schedule ("wire w is computed from
 * constraint c", or "these bits are the binary decomposition in linear constraint c"), i.e. a
 * witness calculator read off the constraints themselves. A forgery replays the schedule from
 * the forged values: a step whose inputs changed is re-solved; a step that cannot be solved any
 * more (e.g. a decomposition of a value that no longer fits its bits) keeps the honest values,
 * which is what an attacker without a solution would be left with. Nothing runs the circuit's
 * own witness generator, so a forgery can never be "rejected" by a failing witness generation.
 *
 * The circuits must be compiled with --O0 (every signal keeps its wire and every `<==` its
 * constraint); `projectWitness` carries a forgery over to the --O2 build that ships.
 */

/** A compiled circuit as the forgery helpers see it. */
export interface ForgeCircuit {
  r1cs: R1cs;
  /** Signal name (without "main.") → wire index. */
  index: Map<string, number>;
  /** Wire index → signal name (without "main."); "1" for the constant wire. */
  names: string[];
}

export function forgeCircuit(r1cs: R1cs, sym: Map<string, number>): ForgeCircuit {
  const names: string[] = new Array(r1cs.header.nWires).fill("");
  names[0] = "1";
  const index = new Map<string, number>();
  for (const [full, w] of sym) {
    const name = full.replace(/^main\./, "");
    index.set(name, w);
    if (!names[w]) names[w] = name;
  }
  return { r1cs, index, names };
}

export function wireOf(c: ForgeCircuit, name: string): number {
  const w = c.index.get(name);
  if (w === undefined) throw new Error(`signal ${name} has no wire in this circuit (is it compiled with --O0, and does the gadget exist?)`);
  return w;
}

// ---- field helpers --------------------------------------------------------------------------

const P = FIELD_ORDER;
const mod = (x: bigint) => ((x % P) + P) % P;

const inverses = new Map<bigint, bigint>();
/** Modular inverse (extended Euclid), memoised: coefficients such as powers of two recur. */
export function inv(x: bigint): bigint {
  const a0 = mod(x);
  if (a0 === 0n) throw new Error("inverse of 0");
  const hit = inverses.get(a0);
  if (hit !== undefined) return hit;
  let [r0, r1, s0, s1] = [P, a0, 0n, 1n];
  while (r1 !== 0n) {
    const k = r0 / r1;
    [r0, r1] = [r1, r0 - k * r1];
    [s0, s1] = [s1, s0 - k * s1];
  }
  const out = mod(s0);
  if (inverses.size > 100_000) inverses.clear();
  inverses.set(a0, out);
  return out;
}

export function evalLc(lc: LinearCombination, w: readonly bigint[]): bigint {
  let acc = 0n;
  for (const [wire, coef] of lc) acc += coef * w[wire];
  return acc % P;
}

export function holds(r1cs: R1cs, ci: number, w: readonly bigint[]): boolean {
  const [a, b, c] = r1cs.constraints[ci];
  return (evalLc(a, w) * evalLc(b, w)) % P === evalLc(c, w);
}

// ---- the schedule ---------------------------------------------------------------------------

/** One step of the solve: `wires` are computed from constraint `constraint`. */
interface Step {
  constraint: number;
  kind: "single" | "bits";
  wires: number[];
}

export interface Schedule {
  steps: Step[];
  /** Wires no constraint determines from the inputs (free in the honest solve, if any). */
  undetermined: number[];
  /** wire → constraints that contain it. */
  byWire: number[][];
}

function wiresOf(r1cs: R1cs, ci: number): number[] {
  const s = new Set<number>();
  for (const lc of r1cs.constraints[ci]) for (const w of lc.keys()) if (w !== 0) s.add(w);
  return [...s];
}

/**
 * Solve constraint `ci` for the wires in `unknown` (all other wires known in `w`). Writes the
 * solution into `w` and returns true, or returns false (nothing written) when the constraint
 * does not determine them: a single wire that enters linearly, or a set of wires whose
 * coefficients in a linear constraint are distinct powers of two of a common factor (a binary
 * decomposition, solved as the binary digits of the known part).
 */
function solveStep(r1cs: R1cs, ci: number, unknown: readonly number[], w: bigint[]): boolean {
  const [A, B, C] = r1cs.constraints[ci];
  const u = new Set(unknown);
  const has = (lc: LinearCombination) => [...lc.keys()].some((k) => u.has(k));
  const partial = (lc: LinearCombination) => {
    let acc = 0n;
    for (const [k, coef] of lc) if (!u.has(k)) acc += coef * w[k];
    return mod(acc);
  };
  const inA = has(A);
  const inB = has(B);
  const inC = has(C);
  if (unknown.length === 1) {
    const x = unknown[0];
    if (!inA && !inB) {
      // C_known + c·x = a·b
      const ab = (partial(A) * partial(B)) % P;
      w[x] = mod((ab - partial(C)) * inv(C.get(x)!));
      return true;
    }
    if (inA !== inB && !inC) {
      // (L_known + l·x)·other = c with other ≠ 0
      const [L, O] = inA ? [A, B] : [B, A];
      const o = partial(O);
      if (o === 0n) return false;
      w[x] = mod((partial(C) * inv(o) - partial(L)) * inv(L.get(x)!));
      return true;
    }
    if (inC && inA !== inB) {
      const [L, O] = inA ? [A, B] : [B, A];
      const o = partial(O);
      // (L_known + l·x)·o = C_known + c·x  →  x·(l·o − c) = C_known − L_known·o
      const k = mod(L.get(x)! * o - C.get(x)!);
      if (k === 0n) return false;
      w[x] = mod((partial(C) - partial(L) * o) * inv(k));
      return true;
    }
    return false;
  }
  // Several unknowns: only a binary decomposition inside a linear part.
  if (inA || inB) return false;
  const target = mod((partial(A) * partial(B) - partial(C)) % P); // Σ c_x·x = target
  for (const g0 of unknown) {
    const g = C.get(g0)!;
    const gi = inv(g);
    const exps = new Map<number, number>();
    let ok = true;
    for (const x of unknown) {
      const r = mod(C.get(x)! * gi);
      if (r === 0n || (r & (r - 1n)) !== 0n || r >= 1n << 252n) {
        ok = false;
        break;
      }
      exps.set(x, r.toString(2).length - 1);
    }
    if (!ok) continue;
    if (new Set(exps.values()).size !== unknown.length) return false;
    let t = mod(target * gi);
    const maxE = Math.max(...exps.values());
    if (t >= 1n << BigInt(maxE + 1)) return false;
    const values = new Map<number, bigint>();
    for (const [x, e] of exps) {
      values.set(x, (t >> BigInt(e)) & 1n);
      t -= values.get(x)! << BigInt(e);
    }
    if (t !== 0n) return false;
    for (const [x, v] of values) w[x] = v;
    return true;
  }
  return false;
}

/**
 * Solve the R1CS from the inputs of `honest` (constant wire, public and private inputs) and
 * record how each wire was determined. Throws if the honest witness does not satisfy the R1CS
 * or if re-solving disagrees with it (then the schedule would not be a witness calculator).
 */
export function solveSchedule(c: ForgeCircuit, honest: readonly bigint[]): Schedule {
  const { r1cs } = c;
  const h = r1cs.header;
  for (let i = 0; i < r1cs.constraints.length; i++) {
    if (!holds(r1cs, i, honest)) throw new Error(`honest witness violates constraint ${i}: ${describeConstraint(c, i)}`);
  }
  const byWire: number[][] = Array.from({ length: h.nWires }, () => []);
  const cw = r1cs.constraints.map((_, i) => wiresOf(r1cs, i));
  cw.forEach((ws, i) => ws.forEach((x) => byWire[x].push(i)));
  const nIn = 1 + h.nPubOut + h.nPubIn + h.nPrvIn;
  const known = new Array<boolean>(h.nWires).fill(false);
  known[0] = true;
  for (let x = 1 + h.nPubOut; x < nIn; x++) known[x] = true;
  const w = [...honest];
  const steps: Step[] = [];
  const done = new Array<boolean>(r1cs.constraints.length).fill(false);
  let progress = true;
  while (progress) {
    progress = false;
    for (let i = 0; i < r1cs.constraints.length; i++) {
      if (done[i]) continue;
      const unknown = cw[i].filter((x) => !known[x]);
      if (unknown.length === 0) {
        done[i] = true;
        continue;
      }
      const trial = [...w];
      if (!solveStep(r1cs, i, unknown, trial)) continue;
      for (const x of unknown) {
        if (trial[x] !== honest[x]) throw new Error(`re-solving gives ${names(c, [x])} = ${trial[x]}, the witness has ${honest[x]}`);
        known[x] = true;
      }
      steps.push({ constraint: i, kind: unknown.length === 1 ? "single" : "bits", wires: unknown });
      done[i] = true;
      progress = true;
    }
  }
  const undetermined = known.flatMap((k, x) => (k ? [] : [x]));
  return { steps, undetermined, byWire };
}

// ---- forgeries ------------------------------------------------------------------------------

export interface BrokenConstraint {
  index: number;
  /** The signals of the constraint (names without "main."), sorted. */
  signals: string[];
  text: string;
}

export interface Forgery {
  witness: bigint[];
  /** Wires whose value differs from the honest witness. */
  changed: Set<number>;
  /** Constraints the forged witness violates. */
  broken: BrokenConstraint[];
}

/** A forged value: an absolute (signed) integer, or a function of the honest value (signed). */
export type Edit = bigint | ((honest: bigint) => bigint);

const signed = (v: bigint) => (v > P / 2n ? v - P : v);

/**
 * Fix the named signals to forged values and recompute every signal that depends on them
 * (replaying the schedule). Returns the forged witness and the constraints it breaks.
 */
export function forge(c: ForgeCircuit, honest: readonly bigint[], schedule: Schedule, edits: Record<string, Edit>): Forgery {
  if (schedule.undetermined.length > 0) {
    // A signal the constraints do not determine from the inputs is free: underconstrained (or
    // a gadget this solver cannot invert). Either way no forgery test may pass on top of it.
    throw new Error(`the constraints do not determine ${schedule.undetermined.length} signal(s) from the inputs: ${names(c, schedule.undetermined.slice(0, 8)).join(", ")}${schedule.undetermined.length > 8 ? ", …" : ""}`);
  }
  const w = [...honest];
  const fixed = new Set<number>();
  for (const [name, e] of Object.entries(edits)) {
    const x = wireOf(c, name);
    w[x] = toField(typeof e === "function" ? e(signed(honest[x])) : e);
    fixed.add(x);
  }
  const changed = new Set<number>([...fixed].filter((x) => w[x] !== honest[x]));
  for (const step of schedule.steps) {
    const outs = step.wires.filter((x) => !fixed.has(x));
    if (outs.length === 0) continue;
    const inputsChanged = wiresOf(c.r1cs, step.constraint).some((x) => changed.has(x) && !outs.includes(x)) || outs.length !== step.wires.length;
    if (!inputsChanged) continue;
    const trial = [...w];
    // A step that has no solution any more keeps the honest values.
    if (solveStep(c.r1cs, step.constraint, outs, trial)) for (const x of outs) w[x] = trial[x];
    for (const x of outs) {
      if (w[x] !== honest[x]) changed.add(x);
      else changed.delete(x);
    }
  }
  const suspects = new Set<number>();
  for (const x of changed) for (const ci of schedule.byWire[x]) suspects.add(ci);
  const broken = [...suspects]
    .sort((a, b) => a - b)
    .filter((ci) => !holds(c.r1cs, ci, w))
    .map((ci) => ({ index: ci, signals: names(c, wiresOf(c.r1cs, ci)).sort(), text: describeConstraint(c, ci) }));
  return { witness: w, changed, broken };
}

function names(c: ForgeCircuit, wires: readonly number[]): string[] {
  return wires.map((x) => c.names[x] || `wire${x}`);
}

/** A constraint as text over signal names: (A) * (B) = (C). */
export function describeConstraint(c: ForgeCircuit, ci: number): string {
  const lc = (l: LinearCombination) => {
    if (l.size === 0) return "0";
    return [...l]
      .map(([x, k]) => {
        const s = signed(k);
        const n = c.names[x] || `wire${x}`;
        return x === 0 ? `${s}` : s === 1n ? n : `${s}·${n}`;
      })
      .join(" + ");
  };
  const [a, b, cc] = c.r1cs.constraints[ci];
  return `(${lc(a)}) * (${lc(b)}) = (${lc(cc)})`;
}

/**
 * Assert that a forgery is rejected, and by whom: at least one constraint is broken, every
 * broken constraint belongs to `gadget` (all its signals are inside that component), and, when
 * `involving` is given, some broken constraint contains all of those signals. Throws a message
 * that lists the broken constraints otherwise.
 */
export function expectRejectedBy(f: Forgery, opts: { gadget?: string; involving?: string[] }): BrokenConstraint[] {
  const list = () => f.broken.map((b) => `  #${b.index} ${b.text}`).join("\n") || "  (none)";
  if (f.broken.length === 0) throw new Error("the forged witness satisfies EVERY constraint: the forged value is not pinned");
  if (opts.gadget !== undefined) {
    const g = opts.gadget;
    const inside = (s: string) => s === "1" || s.startsWith(`${g}.`) || s.startsWith(`${g}[`) || s === g;
    const outside = f.broken.filter((b) => !b.signals.every(inside));
    if (outside.length > 0) throw new Error(`constraints outside gadget ${g} are broken (the forgery is inconsistent or the gadget does not catch it):\n${list()}`);
  }
  if (opts.involving) {
    const need = opts.involving;
    if (!f.broken.some((b) => need.every((s) => b.signals.includes(s)))) {
      throw new Error(`no broken constraint involves ${need.join(", ")}:\n${list()}`);
    }
  }
  return f.broken;
}

/** Carry a witness of the --O0 build over to another build of the same circuit (by signal name). */
export function projectWitness(from: ForgeCircuit, w: readonly bigint[], to: ForgeCircuit): bigint[] {
  const out = new Array<bigint>(to.r1cs.header.nWires).fill(0n);
  out[0] = 1n;
  for (const [name, x] of to.index) {
    const y = from.index.get(name);
    if (y === undefined) throw new Error(`signal ${name} of the target build is missing in the source build`);
    out[x] = w[y];
  }
  return out;
}

/** Constraints of a whole circuit that a witness violates. */
export function violated(c: ForgeCircuit, w: readonly bigint[]): BrokenConstraint[] {
  const out: BrokenConstraint[] = [];
  for (let i = 0; i < c.r1cs.constraints.length; i++) {
    if (!holds(c.r1cs, i, w)) out.push({ index: i, signals: names(c, wiresOf(c.r1cs, i)).sort(), text: describeConstraint(c, i) });
  }
  return out;
}
