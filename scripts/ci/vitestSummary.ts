/**
 * The closing line of a CI run, from vitest's JSON report. Counts what vitest's own totals
 * leave out: a test file that fails to load (no tests at all) and a file whose hooks throw
 * (its tests are reported as "skipped") each count as one failure; skipped and todo tests are
 * counted and listed, never silently passed.
 */

/** The part of vitest's JSON report this reads. */
export interface VitestJsonReport {
  success?: boolean;
  numFailedTestSuites?: number;
  testResults: {
    name: string;
    status: string;
    message?: string;
    assertionResults: { fullName?: string; title: string; status: string }[];
  }[];
}

export interface CiSummary {
  passed: number;
  /** Failed tests plus failed files that have no failed test (load or hook failures). */
  failed: number;
  /** Skipped and todo tests (outside files that failed). */
  skipped: number;
  /** Details, one per line: failed files, failed tests, skipped and todo tests. */
  details: string[];
  /** `N passed, N failed, N skipped` */
  line: string;
  ok: boolean;
}

export function summarizeVitestReport(report: VitestJsonReport, root = ""): CiSummary {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const details: string[] = [];
  const rel = (f: string) => (root && f.startsWith(root) ? f.slice(root.length).replace(/^\/+/, "") : f);
  for (const file of report.testResults) {
    const name = rel(file.name);
    const tests = file.assertionResults;
    const failedTests = tests.filter((t) => t.status === "failed");
    const ran = tests.filter((t) => t.status === "passed" || t.status === "failed");
    passed += tests.filter((t) => t.status === "passed").length;
    failed += failedTests.length;
    for (const t of failedTests) details.push(`failed: ${name} > ${t.fullName ?? t.title}`);
    if (file.status !== "passed" && failedTests.length === 0) {
      failed += 1;
      const why = file.message?.trim().split("\n")[0] || (tests.length === 0 ? "the file failed to load" : `a hook threw (${ran.length} of ${tests.length} tests ran)`);
      details.push(`failed suite: ${name}: ${why}`);
      // Tests that did not run because the file failed are part of that failure, not skips.
      continue;
    }
    for (const t of tests) {
      if (t.status === "skipped" || t.status === "pending" || t.status === "todo") {
        skipped += 1;
        details.push(`${t.status === "todo" ? "todo" : "skipped"}: ${name} > ${t.fullName ?? t.title}`);
      }
    }
  }
  const suitesFailed = (report.numFailedTestSuites ?? 0) > 0 || report.success === false;
  if (suitesFailed && failed === 0) {
    failed = 1;
    details.push("failed: vitest reports a failed run that no test or file accounts for");
  }
  const line = `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`;
  return { passed, failed, skipped, details, line, ok: failed === 0 && !suitesFailed };
}
