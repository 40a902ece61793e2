import { readFile } from "node:fs/promises";
import { ArtifactError, InvalidValueError } from "../errors.js";
import { FIELD_ORDER } from "./field.js";

/** Header of a circom .r1cs file (binary format version 1). */
export interface R1csHeader {
  prime: bigint;
  nWires: number;
  nPubOut: number;
  nPubIn: number;
  nPrvIn: number;
  nLabels: number;
  nConstraints: number;
}

/** A linear combination: wire index → coefficient (field element). */
export type LinearCombination = Map<number, bigint>;

export interface R1cs {
  header: R1csHeader;
  /** Each constraint says A·w × B·w = C·w (mod p). */
  constraints: [LinearCombination, LinearCombination, LinearCombination][];
}

interface Section {
  type: number;
  offset: number;
  size: number;
}

function sections(buf: Buffer, file: string): Section[] {
  if (buf.toString("ascii", 0, 4) !== "r1cs") {
    throw new ArtifactError({ path: file, problem: "not an .r1cs file (bad magic)" });
  }
  const n = buf.readUInt32LE(8);
  const out: Section[] = [];
  let pos = 12;
  for (let i = 0; i < n; i++) {
    const type = buf.readUInt32LE(pos);
    const size = Number(buf.readBigUInt64LE(pos + 4));
    out.push({ type, offset: pos + 12, size });
    pos += 12 + size;
  }
  return out;
}

function readLe(buf: Buffer, offset: number, n8: number): bigint {
  let v = 0n;
  for (let i = n8 - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[offset + i]);
  return v;
}

function parseHeader(buf: Buffer, secs: Section[], file: string): { header: R1csHeader; n8: number } {
  const h = secs.find((s) => s.type === 1);
  if (!h) throw new ArtifactError({ path: file, problem: "r1cs header section missing" });
  let p = h.offset;
  const n8 = buf.readUInt32LE(p);
  p += 4;
  const prime = readLe(buf, p, n8);
  p += n8;
  const header: R1csHeader = {
    prime,
    nWires: buf.readUInt32LE(p),
    nPubOut: buf.readUInt32LE(p + 4),
    nPubIn: buf.readUInt32LE(p + 8),
    nPrvIn: buf.readUInt32LE(p + 12),
    nLabels: Number(buf.readBigUInt64LE(p + 16)),
    nConstraints: buf.readUInt32LE(p + 24),
  };
  if (prime !== FIELD_ORDER) {
    throw new ArtifactError({ path: file, problem: "circuit was not compiled for the BN254 scalar field" });
  }
  return { header, n8 };
}

export async function readR1csHeader(file: string): Promise<R1csHeader> {
  const buf = await readFile(file);
  return parseHeader(buf, sections(buf, file), file).header;
}

/** Read the whole constraint system (coefficients as standard field elements). */
export async function readR1cs(file: string): Promise<R1cs> {
  const buf = await readFile(file);
  const secs = sections(buf, file);
  const { header, n8 } = parseHeader(buf, secs, file);
  const c = secs.find((s) => s.type === 2);
  if (!c) throw new ArtifactError({ path: file, problem: "r1cs constraints section missing" });
  let p = c.offset;
  const readLc = (): LinearCombination => {
    const n = buf.readUInt32LE(p);
    p += 4;
    const lc: LinearCombination = new Map();
    for (let i = 0; i < n; i++) {
      const wire = buf.readUInt32LE(p);
      lc.set(wire, readLe(buf, p + 4, n8));
      p += 4 + n8;
    }
    return lc;
  };
  const constraints: R1cs["constraints"] = [];
  for (let i = 0; i < header.nConstraints; i++) constraints.push([readLc(), readLc(), readLc()]);
  return { header, constraints };
}

function evalLc(lc: LinearCombination, witness: readonly bigint[]): bigint {
  let acc = 0n;
  for (const [wire, coef] of lc) acc += coef * witness[wire];
  return acc % FIELD_ORDER;
}

/**
 * Check a full witness against every constraint. Returns the index of the first
 * violated constraint, or -1 when all hold. Used to prove that forged witnesses fail.
 */
export function findViolatedConstraint(r1cs: R1cs, witness: readonly bigint[]): number {
  if (witness[0] !== 1n) {
    throw new InvalidValueError({ field: "witness[0]", value: witness[0], allowed: "1 (the constant wire)" });
  }
  for (let i = 0; i < r1cs.constraints.length; i++) {
    const [a, b, c] = r1cs.constraints[i];
    const lhs = (evalLc(a, witness) * evalLc(b, witness)) % FIELD_ORDER;
    if (lhs !== evalLc(c, witness)) return i;
  }
  return -1;
}
