import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { libraryJson } from '../hosts/folder/json-report.js';
import { FolderSource } from '../hosts/folder/source.js';
import { createPerception } from '../service/perception.js';
import { describeProblems, ScanService } from '../service/scan.js';
import { Store } from '../store/store.js';
import { Progress } from './progress.js';

const USAGE =
  'usage: immich-people scan <dir> [--db file] [--report people.html] [--json out.json] [--recluster] [--prune]\n';

/** Non-TTY progress: a log line at most every 10 s. */
function logLines(every = 10_000) {
  let last = performance.now();
  return (done: number, total: number) => {
    const now = performance.now();
    if (now - last < every && done !== total) return;
    last = now;
    process.stderr.write(`scan: ${done}/${total} images\n`);
  };
}

export async function scanCommand(args: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        db: { type: 'string' },
        report: { type: 'string' },
        json: { type: 'string' },
        recluster: { type: 'boolean', default: false },
        prune: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (parsed.positionals.length !== 1) {
    process.stderr.write(USAGE);
    return 2;
  }
  const root = resolve(parsed.positionals[0]);
  const config = loadConfig();
  const dbPath = resolve(parsed.values.db ?? config.store.path);
  const perception = await createPerception(config);
  const store = Store.open(dbPath);
  try {
    const scanner = new ScanService(store, perception, { indexPath: dbPath });
    const bar = new Progress(0);
    let progress: Progress | null = null;
    const lines = logLines();
    // a RemovalGuardError (too much of the folder gone; nothing removed) reaches main: its message, exit 1
    const summary = await scanner.scan(new FolderSource(root), {
      recluster: parsed.values.recluster ?? false,
      prune: parsed.values.prune ?? false,
      progress: (done, total, file) => {
        if (process.stderr.isTTY) {
          progress ??= new Progress(total);
          progress.update(done, file);
        } else lines(done, total);
      },
    });
    (progress ?? bar).done();
    if (parsed.values.json) {
      const json = libraryJson(store, { root, skipped: summary.skipped });
      writeFileSync(parsed.values.json, `${JSON.stringify(json, null, 2)}\n`);
    }
    if (parsed.values.report) {
      const { writePeopleReport } = await import('../report/people-page.js');
      await writePeopleReport(store, root, parsed.values.report);
    }
    process.stderr.write(
      `${summary.images} images (${summary.analysed} analysed, ${summary.unchanged} unchanged, ${summary.failed} failed, ` +
        `${summary.removed} removed), ${summary.faces} new faces; ${summary.people} people, ${summary.unknown} unknown, ` +
        `${summary.suggestions} suggestions; ${summary.reclustered ? 're-clustered' : 'assigned'} in ${summary.seconds.toFixed(1)} s\n`,
    );
    process.stderr.write(describeProblems(summary));
    return 0;
  } finally {
    store.close();
  }
}
