#!/usr/bin/env node
/** Entry point of the `zkinfer` command: runs the CLI on the process's arguments. */
import { run } from "./run.js";

// A closed pipe (`zkinfer --help | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const { exitCode } = await run(process.argv.slice(2));
process.exitCode = exitCode;
