/**
 * Prove jobs with a model's circuit on a warm prover pool: raw inputs → circuit input → proof,
 * checked against the integer reference, returned in the feed's calldata order.
 */
import os from "node:os";
import { decodePublicSignals, toCircuitInput } from "../circuit/inputs.js";
import { checkRiskInputs, riskForward } from "../circuit/risk/reference.js";
import type { RiskSpec } from "../circuit/risk/spec.js";
import type { OptionInputs } from "../chain/optionStatement.js";
import { integerForward } from "../quantize/forward.js";
import type { QuantizedModel } from "../quantize/types.js";
import { toSolidityCalldata } from "../zk/groth16.js";
import type { ProveJobFn, ProveResult, StatementKind } from "./job.js";
import type { PoolProof, ProverPool } from "./pool.js";

/** Price jobs (kind "price"): the model's price circuit. Route kinds with `proverByKind`. */
export function poolJobProver(pool: ProverPool, q: QuantizedModel): ProveJobFn {
  const host = `${os.hostname()}:${process.pid}`;
  return async (job) => {
    if (job.kind !== "price") throw new Error(`job ${job.id}: kind = ${JSON.stringify(job.kind)}, but this prover proves the price circuit (kind "price")`);
    const inputs = job.inputs.map((v) => BigInt(v));
    const reason = coverageReason(q, inputs);
    if (reason) throw new Error(`job ${job.id}: ${reason}`);
    const r = await pool.prove(toCircuitInput(q, inputs));
    const decoded = decodePublicSignals(q, r.publicSignals);
    const reference = integerForward(q, inputs).output;
    if (decoded.output !== reference) throw new Error(`job ${job.id}: the circuit's output ${decoded.output} differs from the integer reference ${reference}`);
    return proveResult(pool, r, host);
  };
}

/**
 * Risk jobs (kind "risk"): the model's risk circuit (src/circuit/risk), whose public signals are
 * the packed risk outputs, then the same raw inputs as the price statement. `pool` must hold
 * the RISK circuit's wasm and zkey; every proof's signals are checked against `riskForward`.
 */
export function poolRiskJobProver(pool: ProverPool, q: QuantizedModel, spec: RiskSpec): ProveJobFn {
  const host = `${os.hostname()}:${process.pid}`;
  return async (job) => {
    if (job.kind !== "risk") throw new Error(`job ${job.id}: kind = ${JSON.stringify(job.kind)}, but this prover proves the risk circuit (kind "risk")`);
    const inputs = job.inputs.map((v) => BigInt(v));
    const reason = riskCoverageReason(q, spec, inputs);
    if (reason) throw new Error(`job ${job.id}: ${reason}`);
    const r = await pool.prove(toCircuitInput(q, inputs));
    const expected = [...riskForward(q, spec, inputs).packed, ...inputs].map(String);
    if (r.publicSignals.length !== expected.length || r.publicSignals.some((v, i) => v !== expected[i])) {
      throw new Error(`job ${job.id}: the risk circuit's public signals [${r.publicSignals.join(", ")}] differ from the integer reference [${expected.join(", ")}]`);
    }
    return proveResult(pool, r, `${host}/risk`);
  };
}

/**
 * A pool proof in the feed's calldata order, with who made it and that worker's RSS: worker
 * `<host>:<pid>/<index>` of a price pool, `<host>:<pid>/risk/<index>` of a risk pool (a
 * process may hold both pools; their workers' memory is reported apart).
 */
function proveResult(pool: ProverPool, r: PoolProof, host: string): ProveResult {
  const cd = toSolidityCalldata(r.proof, r.publicSignals);
  const s = (x: bigint) => x.toString();
  const stats = pool.stats()[r.worker];
  return {
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
}

/** Why the risk circuit cannot prove these raw inputs (its mark ranges are narrower), if so. */
export function riskCoverageReason(q: QuantizedModel, spec: RiskSpec, raw: readonly bigint[]): string | undefined {
  try {
    checkRiskInputs(q, spec, raw);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message.split("\n")[0] : String(e);
  }
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

/**
 * The keeper's coverage check for the option layout: the model's ranges for price series, and
 * with `risk` (the risk circuit's spec) the risk circuit's mark ranges for risk series.
 */
export function optionCoverage(q: QuantizedModel, risk?: RiskSpec): (i: OptionInputs, kind?: StatementKind) => string | undefined {
  return (i, kind = "price") => {
    const raw = [i.moneyness, i.timeToExpiry, i.volatility, i.rate];
    if (kind === "price") return coverageReason(q, raw);
    if (!risk) return "risk series, but the keeper has no risk circuit for this model";
    return riskCoverageReason(q, risk, raw);
  };
}
