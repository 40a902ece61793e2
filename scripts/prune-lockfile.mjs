// Removes from package-lock.json the optional platform packages that the lock file does
// not record (the registry this project is built against lacks some platforms' builds of
// Hardhat's EDR and rollup). Without this, `npm ci` refuses a lock that `npm install` wrote.
// Run after `npm install`: node scripts/prune-lockfile.mjs
import { readFileSync, writeFileSync } from "node:fs";

const file = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(file, "utf8"));
const present = new Set(Object.keys(lock.packages).filter(Boolean).map((k) => k.split("node_modules/").pop()));
const removed = [];
for (const entry of Object.values(lock.packages)) {
  for (const name of Object.keys(entry.optionalDependencies ?? {})) {
    if (!present.has(name)) {
      delete entry.optionalDependencies[name];
      removed.push(name);
    }
  }
}
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`pruned ${removed.length} unrecorded optional dependencies`);
