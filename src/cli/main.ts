#!/usr/bin/env node
// npm start and the container's entry point run this file as `node --initial-old-space-size=64`: with V8's default the
// heap of ~10 MB and a 9.3 MB decoded photo every ~60 ms set off a full mark-compact about once a photo; with 64 MB the
// collector paused 0.24–0.34 instead of 3.2–3.9 ms a photo, and scan of 156 previews took 6–12 % less time
// (docs/perception-speed.md). V8 takes it only at start, not from NODE_OPTIONS nor from inside. They pass --expose-gc
// too, for decodeImage's collection hint (src/perception/image/pixel-memory.ts). The shebang stays
// plain: `env -S` is missing from BusyBox and older coreutils, and npm's Windows shims read the shebang too.
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
