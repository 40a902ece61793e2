#!/usr/bin/env bash
# Runs examples/defi-consumer against the package as npm would ship it: builds and packs
# zkinfer, installs the tarball into the example (dependencies from the npm cache when
# present), trains a tiny model (seconds), exports its bundle and deploys it on the in-process
# chain with the installed CLI, and runs the example's test.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
example="$root/examples/defi-consumer"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# ZKINFER_SKIP_BUILD=1 (set by .ci/run, right after `npm ci` built dist/ from the same tree):
# pack the existing build instead of building again.
if [ "${ZKINFER_SKIP_BUILD:-}" = 1 ]; then
  [ -f dist/index.js ] && [ -d dist/artifacts ] || { echo "ZKINFER_SKIP_BUILD=1 but dist/ is incomplete: run npm run build" >&2; exit 1; }
else
  npm run --silent build >/dev/null
fi
tarball="$(npm pack --ignore-scripts --silent --pack-destination "$work")"
cp "$work/$tarball" "$example/zkinfer.tgz"

cd "$example"
rm -rf node_modules/zkinfer bundle
npm install --no-audit --no-fund --prefer-offline --no-package-lock >/dev/null
# The CLI from the installed package, as a user of the package runs it.
npx --no-install zkinfer --help | grep -q "Usage: zkinfer"
zk() { npx --no-install zkinfer --quiet --dir "$work/build" "$@"; }
zk train --rows 600 --epochs 3 --hidden 4 --name consumer
zk quantize
zk compile
zk setup
zk export --out bundle
# A chain command from the installed package in a project that holds none of zkinfer's
# artifacts: deploy on the in-process chain uses the artifacts shipped in the package.
zk deploy --json >"$work/deploy.json"
node -e '
  const { ok, result: r } = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (ok !== true) throw new Error("zkinfer deploy --json: not ok");
  for (const k of ["verifier", "registry", "feed", "engine", "collateral"]) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(r.contracts[k])) throw new Error(`zkinfer deploy --json: no ${k} address in ${JSON.stringify(r)}`);
  }
  if (r.series.length !== 1 || r.series[0].seriesId !== "1") throw new Error(`zkinfer deploy --json: expected series 1, got ${JSON.stringify(r.series)}`);
' "$work/deploy.json"
npx --no-install hardhat build --quiet
npm test
