#!/usr/bin/env node
import '../privacy.js'; // first: every dependency's telemetry off before any of them loads
import { endQuietlyOnBrokenPipe } from './broken-pipe.js';
import { runCommandLine } from './command-runner.js';
import { COMMANDS } from './program.js';

endQuietlyOnBrokenPipe(process.stdout);

runCommandLine(COMMANDS, process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`immich-people: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
