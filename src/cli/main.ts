#!/usr/bin/env node
/** Entry point of the `zkinfer` command: runs the CLI on the process's arguments. */
import { run } from "./run.js";

const { exitCode } = await run(process.argv.slice(2));
process.exitCode = exitCode;
