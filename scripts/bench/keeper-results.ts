// Writes the keeper's figures into bench/results.json (key `keeper`, other keys kept) and its
// section of BENCHMARKS.md (between the keeper markers, the rest kept); other files if given.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");
const BEGIN = "<!-- keeper:begin -->";
const END = "<!-- keeper:end -->";

export type KeeperFigures = Record<string, number | string | Record<string, number | string>>;

export async function writeKeeperResults(update: KeeperFigures, markdown: (all: KeeperFigures) => string, files: { results?: string; markdown?: string } = {}): Promise<void> {
  const file = files.results ?? path.join(root, "bench", "results.json");
  const results = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  const keeper = { ...((results.keeper as KeeperFigures | undefined) ?? {}), ...update };
  results.keeper = keeper;
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  const mdFile = files.markdown ?? path.join(root, "BENCHMARKS.md");
  const md = await readFile(mdFile, "utf8");
  const section = `${BEGIN}\n${markdown(keeper).trim()}\n${END}`;
  const i = md.indexOf(BEGIN);
  const j = md.indexOf(END);
  const next = i >= 0 && j > i ? md.slice(0, i) + section + md.slice(j + END.length) : `${md.trimEnd()}\n\n${section}\n`;
  await writeFile(mdFile, next);
}
