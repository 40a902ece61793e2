// The one-command demo (`npm run demo`): the whole pipeline end to end through the CLI's
// `demo` subcommand. Extra arguments are passed on, e.g. `npm run demo -- --fast`.
import { run } from "../src/cli/run.js";

const { exitCode } = await run(["demo", ...process.argv.slice(2)]);
process.exitCode = exitCode;
