// Minimal type declarations for the parts of snarkjs, circom_runtime and ffjavascript
// that zkinfer uses. Values that snarkjs returns as decimal strings stay strings.
declare module "snarkjs" {
  export interface Groth16Proof {
    pi_a: string[];
    pi_b: string[][];
    pi_c: string[];
    protocol: string;
    curve: string;
  }
  export type PublicSignals = string[];
  export interface Logger {
    debug?(msg: string): void;
    info?(msg: string): void;
    warn?(msg: string): void;
    error?(msg: string): void;
  }
  type FileRef = string | { type: "mem"; data?: Uint8Array };
  export const groth16: {
    fullProve(input: Record<string, unknown>, wasm: FileRef, zkey: FileRef, logger?: Logger): Promise<{ proof: Groth16Proof; publicSignals: PublicSignals }>;
    prove(zkey: FileRef, witness: FileRef, logger?: Logger): Promise<{ proof: Groth16Proof; publicSignals: PublicSignals }>;
    verify(vkey: unknown, publicSignals: PublicSignals, proof: Groth16Proof, logger?: Logger): Promise<boolean>;
    exportSolidityCallData(proof: Groth16Proof, publicSignals: PublicSignals): Promise<string>;
  };
  export const zKey: {
    newZKey(r1cs: FileRef, ptau: FileRef, zkey: FileRef, logger?: Logger): Promise<unknown>;
    contribute(oldZkey: FileRef, newZkey: FileRef, name: string, entropy: string, logger?: Logger): Promise<unknown>;
    beacon(oldZkey: FileRef, newZkey: FileRef, name: string, beaconHash: string, numIterationsExp: number, logger?: Logger): Promise<unknown>;
    exportVerificationKey(zkey: FileRef, logger?: Logger): Promise<Record<string, unknown>>;
    exportSolidityVerifier(zkey: FileRef, templates: Record<string, string>, logger?: Logger): Promise<string>;
    verifyFromR1cs(r1cs: FileRef, ptau: FileRef, zkey: FileRef, logger?: Logger): Promise<boolean>;
  };
  export const powersOfTau: {
    newAccumulator(curve: unknown, power: number, fileName: FileRef, logger?: Logger): Promise<unknown>;
    contribute(oldPtau: FileRef, newPtau: FileRef, name: string, entropy: string, logger?: Logger): Promise<unknown>;
    preparePhase2(oldPtau: FileRef, newPtau: FileRef, logger?: Logger): Promise<unknown>;
  };
  export const curves: {
    getCurveFromName(name: string, options?: { singleThread?: boolean }): Promise<{ terminate(): Promise<void> }>;
  };
}

declare module "circom_runtime" {
  export interface WitnessCalculator {
    calculateWitness(input: Record<string, unknown>, sanityCheck?: boolean): Promise<bigint[]>;
    calculateWTNSBin(input: Record<string, unknown>, sanityCheck?: boolean): Promise<Uint8Array>;
  }
  export function WitnessCalculatorBuilder(code: Uint8Array, options?: Record<string, unknown>): Promise<WitnessCalculator>;
}

declare module "circomlibjs" {
  export interface Poseidon {
    (inputs: (bigint | number | string)[]): unknown;
    F: { toObject(element: unknown): bigint };
  }
  export function buildPoseidon(): Promise<Poseidon>;
}

declare module "ffjavascript" {
  /** BN254 engine (wasm); `singleThread` keeps all arithmetic on the calling thread. */
  export function buildBn128(singleThread?: boolean): Promise<unknown>;
  export const utils: { stringifyBigInts(v: unknown): unknown };
}
