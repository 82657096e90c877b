#!/usr/bin/env node
import '../privacy.js'; // first: every dependency's telemetry off before any of them loads
import { detectCommand } from './detect.js';
import { modelsCommand } from './models.js';
import { peopleCommand, suggestionsCommand } from './people.js';
import { evalCommand } from './eval.js';
import { runCommand } from './run.js';
import { scanCommand } from './scan.js';

const USAGE = `usage: immich-people <command> [options]

commands:
  scan <dir> [--db file] [--report people.html] [--json out.json] [--recluster]
                                                           find and group the people in a folder of photos
  run [--once] [--db file]                                 sidecar: sync with Immich (IMMICH_URL, IMMICH_API_KEY)
  people list|name <id> <name>|merge <a> <b>|split <observation>   [--db file]
  suggestions [list|accept <id>|reject <id>] [--json] [--db file]
  eval <dir> [--json out.json]                             accuracy on a labelled folder <dir>/<identity>/<image>, vs baselines
  detect <file|dir>... [--embeddings] [--out file.jsonl]   faces in photos, as JSON Lines
  models fetch                                             fetch and verify the embedded models
`;

const commands: Record<string, (args: readonly string[]) => Promise<number>> = {
  detect: detectCommand,
  models: modelsCommand,
  scan: scanCommand,
  run: runCommand,
  eval: evalCommand,
  people: peopleCommand,
  suggestions: suggestionsCommand,
};

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`unknown command "${name}"\n${USAGE}`);
    return 2;
  }
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`immich-people: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
