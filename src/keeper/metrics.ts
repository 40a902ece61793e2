/**
 * The keeper's counters and the latency histogram, rendered as JSON and as Prometheus text
 * (exposition format 0.0.4).
 */

/** Upper bounds of the mark-latency histogram buckets (seconds). */
export const LATENCY_BUCKETS_S = [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300];

export interface WorkerMemory {
  worker: string;
  rssMb: number;
}

export class KeeperMetrics {
  proofs = 0;
  submissions = 0;
  settlements = 0;
  liquidations = 0;
  /** Failures by reason ("stale", "already-marked", "rpc", "prove", ...). */
  readonly failures = new Map<string, number>();
  readonly skipped = new Map<string, number>();
  readonly latencyCounts = new Array<number>(LATENCY_BUCKETS_S.length + 1).fill(0);
  latencySum = 0;
  latencyCount = 0;
  readonly latencies: number[] = [];
  queueDepth = 0;
  readonly workers = new Map<string, number>();
  readonly startedAt = Date.now();

  fail(reason: string): void {
    this.failures.set(reason, (this.failures.get(reason) ?? 0) + 1);
  }

  skip(reason: string): void {
    this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + 1);
  }

  /** One mark landed `seconds` after its oracle round was seen. */
  observeLatency(seconds: number): void {
    const i = LATENCY_BUCKETS_S.findIndex((b) => seconds <= b);
    this.latencyCounts[i < 0 ? LATENCY_BUCKETS_S.length : i]++;
    this.latencySum += seconds;
    this.latencyCount++;
    this.latencies.push(seconds);
    if (this.latencies.length > 10_000) this.latencies.shift();
  }

  workerMemory(worker: string, rssMb: number): void {
    this.workers.set(worker, rssMb);
  }

  quantile(q: number): number | undefined {
    if (!this.latencies.length) return undefined;
    const s = [...this.latencies].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  }

  toJSON() {
    return {
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      proofs: this.proofs,
      submissions: this.submissions,
      settlements: this.settlements,
      liquidations: this.liquidations,
      failures: Object.fromEntries(this.failures),
      skipped: Object.fromEntries(this.skipped),
      queueDepth: this.queueDepth,
      markLatencySeconds: { count: this.latencyCount, median: this.quantile(0.5), p95: this.quantile(0.95) },
      workers: [...this.workers].map(([worker, rssMb]) => ({ worker, rssMb })),
    };
  }

  toPrometheus(): string {
    const L: string[] = [];
    const metric = (name: string, type: string, help: string) => L.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    const esc = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
    metric("zkinfer_keeper_proofs_total", "counter", "Proofs received from provers.");
    L.push(`zkinfer_keeper_proofs_total ${this.proofs}`);
    metric("zkinfer_keeper_submissions_total", "counter", "Marks included on chain.");
    L.push(`zkinfer_keeper_submissions_total ${this.submissions}`);
    metric("zkinfer_keeper_settlements_total", "counter", "Expired series settled.");
    L.push(`zkinfer_keeper_settlements_total ${this.settlements}`);
    metric("zkinfer_keeper_liquidations_total", "counter", "Accounts liquidated below maintenance.");
    L.push(`zkinfer_keeper_liquidations_total ${this.liquidations}`);
    metric("zkinfer_keeper_failures_total", "counter", "Jobs or submissions not marked, by reason.");
    for (const [r, n] of this.failures) L.push(`zkinfer_keeper_failures_total{reason="${esc(r)}"} ${n}`);
    metric("zkinfer_keeper_skipped_total", "counter", "Series scans skipped, by reason.");
    for (const [r, n] of this.skipped) L.push(`zkinfer_keeper_skipped_total{reason="${esc(r)}"} ${n}`);
    metric("zkinfer_keeper_queue_depth", "gauge", "Prove jobs waiting or running.");
    L.push(`zkinfer_keeper_queue_depth ${this.queueDepth}`);
    metric("zkinfer_keeper_mark_latency_seconds", "histogram", "From the keeper seeing an oracle round to its mark included on chain.");
    let cum = 0;
    LATENCY_BUCKETS_S.forEach((b, i) => {
      cum += this.latencyCounts[i];
      L.push(`zkinfer_keeper_mark_latency_seconds_bucket{le="${b}"} ${cum}`);
    });
    cum += this.latencyCounts[LATENCY_BUCKETS_S.length];
    L.push(`zkinfer_keeper_mark_latency_seconds_bucket{le="+Inf"} ${cum}`);
    L.push(`zkinfer_keeper_mark_latency_seconds_sum ${this.latencySum}`);
    L.push(`zkinfer_keeper_mark_latency_seconds_count ${this.latencyCount}`);
    metric("zkinfer_keeper_worker_rss_megabytes", "gauge", "Resident memory of each prover worker (last report).");
    for (const [w, mb] of this.workers) L.push(`zkinfer_keeper_worker_rss_megabytes{worker="${esc(w)}"} ${mb}`);
    return `${L.join("\n")}\n`;
  }
}
