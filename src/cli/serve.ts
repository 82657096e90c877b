import { Command, InvalidArgumentError, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { randomBytes } from 'node:crypto';
import { loadConfig, type Env } from '../config/load.js';
import { createReviewApp } from '../review/app.js';
import { listen } from '../review/server.js';
import { createLogger } from '../service/logger.js';
import { StoreEditor, type ReviewEditor } from '../service/review-editor.js';
import { folderPhotoBytes, ReviewImages, type PhotoBytes } from '../service/review-images.js';
import { ReviewService } from '../service/review.js';
import type { Store } from '../store/store.js';
import { FOLDER_SOURCE, IMMICH_SOURCE } from '../ports.js';
import { DB_OPTION, openExistingStore } from './store-file.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('a port from 0 to 65535');
  return port;
}

/**
 * Folder photos from disk; Immich photos as Immich's preview, when Immich is configured. With Immich configured and
 * its photos in the store, edits go through Immich's API in the configured mode (manage or suggest); otherwise into
 * the store alone.
 */
export async function reviewSources(
  store: Store,
  env: Env = process.env,
): Promise<{ photos: PhotoBytes; editor: ReviewEditor }> {
  const folder = folderPhotoBytes(store);
  const config = loadConfig({ env }).immich;
  const hasImmich = store.assets.list(IMMICH_SOURCE).length > 0;
  const local = new StoreEditor(store);
  if (!hasImmich || !config.url || !config.apiKey) {
    return {
      photos: (asset) => (asset.source === FOLDER_SOURCE ? folder(asset) : Promise.resolve(null)),
      editor: local,
    };
  }
  const { apiBaseUrl, ImmichClient, redact } = await import('../hosts/immich/client.js');
  const { checkServer } = await import('../hosts/immich/connection.js');
  const { ImmichReviewEditor } = await import('../hosts/immich/review-editor.js');
  const apiKey = config.apiKey;
  const client = new ImmichClient(apiBaseUrl(config.url), apiKey);
  const info = await checkServer(client, config.mode, false).catch((error: unknown) => {
    throw new Error(
      `${redact((error as Error).message, apiKey)} (serve edits this store's people through Immich; ` +
        'unset IMMICH_URL to review the store alone)',
    );
  });
  // the store's links mean something only on the library it belongs to
  const { adoptIdentity, identityOf } = await import('../hosts/immich/server-identity.js');
  adoptIdentity(store, identityOf(info, client.baseUrl, config.mode), { record: false });
  const log = createLogger({ pretty: false, level: process.env.LOG_LEVEL ?? 'warn' });
  return {
    photos: (asset) => (asset.source === IMMICH_SOURCE ? client.preview(asset.sourceId) : folder(asset)),
    editor: new ImmichReviewEditor({
      mode: config.mode,
      store,
      client,
      info,
      local,
      log,
    }),
  };
}

async function serveReview(options: { db?: string; port: number; host: string; token?: string }): Promise<void> {
  const store = openExistingStore(options.db);
  const { photos, editor } = await reviewSources(store);
  const token = options.token ?? (LOOPBACK.has(options.host) ? undefined : randomBytes(18).toString('base64url'));
  const review = new ReviewService(store);
  const app = createReviewApp({
    review,
    images: new ReviewImages(store, photos),
    editor,
    token,
  });
  const { server, port } = await listen(app, options.host, options.port);
  // the exemplar index is built now, not on the first person page
  review.prepare();
  const shown = options.host.includes(':') ? `[${options.host}]` : options.host;
  process.stdout.write(
    `review page: http://${shown}:${port}/${token ? `?token=${token}` : ''}\n` +
      `edits go to ${editor.describe}; Ctrl-C stops\n`,
  );
  await new Promise<void>((done) => {
    const stop = () => {
      server.close(() => {
        store.close();
        done();
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** `immich-people serve`: the review page over a store. */
export function serveCli(): CommandUnknownOpts {
  return new Command('serve')
    .description('a local web page to review people: name, move, merge, dismiss, undo')
    .option(...DB_OPTION)
    .option('--port <n>', 'the port (0: any free one)', parsePort, 3080)
    .option('--host <address>', 'the address to listen on; beyond loopback an access token is required', '127.0.0.1')
    .addOption(
      new Option('--token <token>', 'the access token (default: none on loopback, a random one elsewhere)').env(
        'IMMICH_PEOPLE_REVIEW_TOKEN',
      ),
    )
    .action(async (options) => {
      await serveReview(options);
    });
}
