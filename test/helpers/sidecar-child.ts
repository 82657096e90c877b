/**
 * The Immich sidecar's cycle in a process of its own, driven over IPC by `SidecarProcess` (sidecar-process.ts): the
 * kill -9 test sends it SIGKILL mid-write, the Immich benchmark measures its memory apart from the fake's.
 * The configuration comes as JSON in SIDECAR_CHILD_CONFIG; perception is SyntheticPerception.
 */
import '../../src/privacy.js';
import { pino } from 'pino';
import { ImmichClient } from '../../src/hosts/immich/client.js';
import { checkServer } from '../../src/hosts/immich/connection.js';
import { ImmichSync } from '../../src/service/immich-sync.js';
import { Store } from '../../src/store/store.js';
import { SyntheticPerception } from '../fakes/perception/synthetic.js';
import type { ChildMessage, ParentMessage, SidecarChildConfig } from './sidecar-process.js';

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) =>
    process.send!(message, (error: Error | null) => (error ? reject(error) : resolve())),
  );
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.SIDECAR_CHILD_CONFIG ?? '') as SidecarChildConfig;
  const log = pino({ level: config.logLevel ?? 'silent' }, pino.destination(2));
  const client = new ImmichClient(config.baseUrl, config.apiKey, {
    attempts: config.retry.attempts,
    baseDelayMs: config.retry.delayMs,
    maxDelayMs: config.retry.delayMs,
    timeoutMs: config.retry.timeoutMs,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
  const info = await checkServer(client, config.mode, false);
  const store = Store.open(config.db);
  const perception = new SyntheticPerception(config.perception);
  const sync = new ImmichSync(
    store,
    client,
    info,
    perception,
    {
      mode: config.mode,
      writeBack: { minFaces: config.minFaces, tags: false },
      downloads: config.downloads,
      indexPath: config.db,
    },
    log,
  );
  process.on('message', (message: ParentMessage) => {
    if (message.kind === 'exit') {
      store.close();
      process.exit(0);
    }
    const started = performance.now();
    sync.cycle({ recluster: message.recluster }).then(
      (summary) =>
        send({
          kind: 'cycle',
          ms: performance.now() - started,
          maxRssMb: process.resourceUsage().maxRSS / 1024,
          summary: {
            listed: summary.listed,
            analysed: summary.analysed,
            failed: summary.failed,
            changed: summary.recognition.changed,
            writeBack: summary.writeBack,
            pendingIntents: store.immich.intents().length,
          },
        }),
      (error: unknown) => {
        const e = error instanceof Error ? error : new Error(String(error));
        return send({ kind: 'error', name: e.name, message: e.message });
      },
    );
  });
  await send({ kind: 'ready' });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
