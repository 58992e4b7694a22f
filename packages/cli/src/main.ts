#!/usr/bin/env node
// The `syncline` command line (bin/syncline runs this file with the project's Node 24).
import { runCli } from "./cli.ts";

process.exitCode = await runCli(process.argv.slice(2));
