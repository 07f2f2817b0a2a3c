#!/usr/bin/env node
import { run } from "./program.js";

const { exitCode } = await run(process.argv.slice(2));
if (exitCode !== "running") process.exitCode = exitCode;
