/**
 * One entry of a mutant list (test/mutants/*.mutants.ts, `export default [...]`), run by
 * scripts/mutants.ts: `search` must occur exactly once in `file`; the mutated copy must make at
 * least one test in `tests` fail that is not a constraint-count test.
 */
export interface Mutant {
  id: string;
  /** Repository-relative path of the file to mutate. */
  file: string;
  search: string;
  replace: string;
  /** Repository-relative test files, at least one of whose behavioural tests must fail. */
  tests: string[];
  why: string;
}
