import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import { libraryJson } from '../hosts/folder/json-report.js';
import { FolderSource } from '../hosts/folder/source.js';
import { createPerception } from '../service/perception.js';
import { describeProblems, ScanService } from '../service/scan.js';
import { Store } from '../store/store.js';
import { CliError, runCommandLine, type Outcome } from './command-runner.js';
import { DB_OPTION } from './store-file.js';
import { checkOutputPath, writeFileAtomic } from './output-file.js';
import { Progress } from './progress.js';

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

export function scanCli(outcome: Outcome): CommandUnknownOpts {
  return new Command('scan')
    .description('find and group the people in a folder of photos, into the store')
    .argument('<dir>', 'the folder of photos, walked recursively')
    .option(...DB_OPTION)
    .option('--report <file>', 'also write an HTML page of the people')
    .option('--json <file>', "also write the people and every photo's observations as JSON")
    .option('--recluster', 're-cluster everything instead of assigning new faces to known people')
    .option('--prune', 'allow a scan to remove many photos at once (a guard stops it otherwise)')
    .action(async (dir, options) => {
      outcome.code = await scan(dir, options);
    });
}

export function scanCommand(args: readonly string[]): Promise<number> {
  return runCommandLine([scanCli], ['scan', ...args]);
}

/** The folder must be a readable directory before a store is opened (and so perhaps created) for it. */
async function checkPhotoFolder(dir: string): Promise<string> {
  const root = resolve(dir);
  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory()) throw new CliError(`not a folder: ${dir}`, 1);
  try {
    await access(root, constants.R_OK | constants.X_OK);
  } catch {
    throw new CliError(`cannot read the folder ${dir}`, 1);
  }
  return root;
}

async function scan(
  dir: string,
  options: { db?: string; report?: string; json?: string; recluster?: true; prune?: true },
): Promise<number> {
  const root = await checkPhotoFolder(dir);
  const jsonPath = options.json === undefined ? null : await checkOutputPath(options.json, '--json');
  const reportPath = options.report === undefined ? null : await checkOutputPath(options.report, '--report');
  const config = loadConfig();
  const dbPath = resolve(options.db ?? config.store.path);
  const perception = await createPerception(config);
  const store = Store.open(dbPath);
  try {
    const scanner = new ScanService(store, perception, { indexPath: dbPath });
    const bar = new Progress(0);
    let progress: Progress | null = null;
    const lines = logLines();
    // a RemovalGuardError (too much of the folder gone; nothing removed) reaches main: its message, exit 1
    let summary;
    try {
      summary = await scanner.scan(new FolderSource(root), {
        recluster: options.recluster ?? false,
        prune: options.prune ?? false,
        progress: (done, total, file) => {
          if (process.stderr.isTTY) {
            progress ??= new Progress(total);
            progress.update(done, file);
          } else lines(done, total);
        },
      });
    } finally {
      (progress ?? bar).done(); // the terminal's line is left clean for the summary or the error
    }
    if (jsonPath !== null) {
      const json = libraryJson(store, { root, skipped: summary.skipped });
      await writeFileAtomic(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
    }
    if (reportPath !== null) {
      const { writePeopleReport } = await import('../report/people-page.js');
      await writePeopleReport(store, root, reportPath);
    }
    process.stderr.write(
      `${summary.images} images (${summary.analysed} analysed, ${summary.unchanged} unchanged, ${summary.failed} failed, ` +
        `${summary.removed} removed), ${summary.faces} new faces; ${summary.people} people, ${summary.unknown} unknown, ` +
        `${summary.suggestions} suggestions; ${summary.reclustered ? 're-clustered' : 'assigned'} in ${summary.seconds.toFixed(1)} s, ` +
        `${summary.changed} assignments changed\n`,
    );
    process.stderr.write(describeProblems(summary));
    return 0;
  } finally {
    store.close();
  }
}
