// CI closing line: `tsx scripts/ci/summary.ts <vitest-report.json>`. Prints the failed files and
// tests, the skipped and todo tests, then `N passed, N failed[, N skipped]`; exits 1 on any failure.
import { readFileSync } from "node:fs";
import { summarizeVitestReport, type VitestJsonReport } from "./vitestSummary.js";

const file = process.argv[2];
let report: VitestJsonReport;
try {
  report = JSON.parse(readFileSync(file, "utf8")) as VitestJsonReport;
} catch (cause) {
  console.log(`no readable vitest report at ${file}: ${cause instanceof Error ? cause.message : String(cause)}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const s = summarizeVitestReport(report, process.cwd());
for (const d of s.details) console.log(d);
console.log(s.line);
process.exit(s.ok ? 0 : 1);
