#!/usr/bin/env node
// The `jwtgate` command (docs/cli.md).
import { main } from '../src/cli/main.mjs';

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
