import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { apiBaseUrl, ImmichClient, redact } from '../hosts/immich/client.js';
import { checkServer } from '../hosts/immich/connection.js';
import { ImmichSync } from '../service/immich-sync.js';
import { createPerception } from '../service/perception.js';
import { Daemon } from '../service/daemon.js';
import { startStatusServer } from '../service/http.js';
import { createLogger } from '../service/logger.js';
import { RunLockError, takeRunLock, type RunLock } from '../store/run-lock.js';
import { Store } from '../store/store.js';
import { runCommandLine, UsageError, type Outcome } from './command-runner.js';
import { DB_OPTION } from './store-file.js';

export interface RunDependencies {
  config?: Config;
  /** Tests stop the process between two writes by throwing here. */
  onWrite?: (operation: string) => void;
  retrySleep?: (ms: number) => Promise<void>;
}

/** `immich-people run`: the sidecar; `deps` lets tests stand in for the config and the clock. */
export function sidecarCli(outcome: Outcome, deps: RunDependencies = {}): CommandUnknownOpts {
  return new Command('run')
    .description('the Immich sidecar: sync people with Immich (IMMICH_URL, IMMICH_API_KEY)')
    .option('--once', 'run one cycle and exit (for cron and tests)')
    .option('--readopt', 'if most of what it wrote vanished from Immich (a restored backup), write it again')
    .option('--accept-deletions', 'if most of what it wrote vanished from Immich, take that as your deletions')
    .option(...DB_OPTION)
    .action(async (options) => {
      outcome.code = await runSidecar(options, deps);
    });
}

export function runCommand(args: readonly string[], deps: RunDependencies = {}): Promise<number> {
  return runCommandLine([(outcome) => sidecarCli(outcome, deps)], ['run', ...args]);
}

interface RunOptions {
  once?: true;
  db?: string;
  readopt?: true;
  acceptDeletions?: true;
}

async function runSidecar(options: RunOptions, deps: RunDependencies): Promise<number> {
  if (options.readopt && options.acceptDeletions) {
    throw new UsageError('--readopt and --accept-deletions exclude each other: say which it was');
  }
  const config = deps.config ?? loadConfig();
  const { url, apiKey } = config.immich;
  if (!url || !apiKey) {
    process.stderr.write(
      'immich-people run needs IMMICH_URL and IMMICH_API_KEY (or immich.url and immich.apiKey in the config file)\n',
    );
    return 2;
  }
  const log = createLogger();
  const secret = apiKey;
  const once = options.once ?? false;
  const dbPath = resolve(options.db ?? config.store.path);
  const client = new ImmichClient(
    apiBaseUrl(url),
    apiKey,
    deps.retrySleep
      ? { attempts: 5, baseDelayMs: 500, maxDelayMs: 8000, timeoutMs: 30_000, sleep: deps.retrySleep }
      : undefined,
    deps.onWrite,
  );
  let info;
  try {
    info = await checkServer(client, config.immich.mode, config.immich.tags);
  } catch (error) {
    process.stderr.write(`immich-people: ${redact((error as Error).message, secret)}\n`);
    return 1;
  }
  for (const warning of info.warnings) log.warn(warning);
  log.info({ version: info.version, mode: config.immich.mode }, 'connected to Immich');

  const perception = await createPerception(config);
  // one sidecar per store: the write-back's exactly-once records hold for one writer
  let lock: RunLock;
  try {
    lock = takeRunLock(dbPath);
  } catch (error) {
    if (!(error instanceof RunLockError)) throw error;
    process.stderr.write(`immich-people: ${error.message}\n`);
    return 1;
  }
  const store = Store.open(dbPath);
  const sync = new ImmichSync(
    store,
    client,
    info,
    perception,
    {
      mode: config.immich.mode,
      writeBack: { minFaces: config.immich.minFaces, tags: config.immich.tags },
      downloads: config.immich.downloads,
      indexPath: dbPath,
      afterLoss: options.readopt ? 'readopt' : options.acceptDeletions ? 'accept' : 'stop',
    },
    log,
  );
  const daemon = new Daemon(
    async (options) => {
      const summary = await sync.cycle(options);
      log.info(summary, 'cycle done');
      const written = summary.writeBack;
      return {
        analysed: summary.analysed,
        failed: summary.failed,
        peopleCreated: written?.peopleCreated ?? 0,
        facesWritten: (written?.facesCreated ?? 0) + (written?.facesReassigned ?? 0),
      };
    },
    () => {
      const counts = store.observations.count();
      return {
        images: store.assets.list().length,
        faces: counts.faces,
        people: store.people.list().length,
        unknown: counts.faces + counts.bodies - counts.assigned,
        suggestions: store.suggestions.list().length,
      };
    },
    { pollSeconds: config.immich.pollSeconds, reclusterAt: config.immich.reclusterAt },
    log,
  );
  const { port, host } = config.server;
  const server = !once && port > 0 ? await startStatusServer(port, () => daemon.status, host) : null;
  if (server) log.info({ host, port }, 'serving /health, /status and /metrics');
  const stop = () => {
    log.info('stopping after the cycle in flight');
    daemon.stop();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    await daemon.run(once);
    return 0;
  } catch (error) {
    process.stderr.write(`immich-people: ${redact((error as Error).message, secret)}\n`);
    return 1;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    server?.close();
    store.close();
    lock.release();
  }
}
