/**
 * Prove jobs with a model's circuit on a warm prover pool: raw inputs → circuit input → proof,
 * checked against the integer reference, returned in the feed's calldata order.
 */
import os from "node:os";
import { decodePublicSignals, toCircuitInput } from "../circuit/inputs.js";
import type { OptionInputs } from "../chain/optionStatement.js";
import { integerForward } from "../quantize/forward.js";
import type { QuantizedModel } from "../quantize/types.js";
import { toSolidityCalldata } from "../zk/groth16.js";
import type { ProveJobFn, ProveResult } from "./job.js";
import type { ProverPool } from "./pool.js";

export function poolJobProver(pool: ProverPool, q: QuantizedModel): ProveJobFn {
  const host = `${os.hostname()}:${process.pid}`;
  return async (job) => {
    const inputs = job.inputs.map((v) => BigInt(v));
    const reason = coverageReason(q, inputs);
    if (reason) throw new Error(`job ${job.id}: ${reason}`);
    const r = await pool.prove(toCircuitInput(q, inputs));
    const decoded = decodePublicSignals(q, r.publicSignals);
    const reference = integerForward(q, inputs).output;
    if (decoded.output !== reference) throw new Error(`job ${job.id}: the circuit's output ${decoded.output} differs from the integer reference ${reference}`);
    const cd = toSolidityCalldata(r.proof, r.publicSignals);
    const s = (x: bigint) => x.toString();
    const stats = pool.stats()[r.worker];
    const result: ProveResult = {
      publicSignals: r.publicSignals,
      a: [s(cd.a[0]), s(cd.a[1])],
      b: [
        [s(cd.b[0][0]), s(cd.b[0][1])],
        [s(cd.b[1][0]), s(cd.b[1][1])],
      ],
      c: [s(cd.c[0]), s(cd.c[1])],
      proveMs: r.witnessMs + r.proveMs,
      worker: `${host}/${r.worker}`,
      rssMb: stats?.rssMb ?? 0,
    };
    return result;
  };
}

/** Why the model cannot prove these raw inputs (the first input outside its range), if so. */
export function coverageReason(q: QuantizedModel, raw: readonly bigint[]): string | undefined {
  for (let j = 0; j < q.inputs.length; j++) {
    const inp = q.inputs[j];
    if (raw[j] < BigInt(inp.minRaw) || raw[j] > BigInt(inp.maxRaw)) {
      return `${inp.name} = ${raw[j]} is outside the model's range [${inp.minRaw}, ${inp.maxRaw}] (raw, ${inp.decimals} decimals)`;
    }
  }
  return undefined;
}

/** The keeper's coverage check for the option layout. */
export function optionCoverage(q: QuantizedModel): (i: OptionInputs) => string | undefined {
  return (i) => coverageReason(q, [i.moneyness, i.timeToExpiry, i.volatility, i.rate]);
}
