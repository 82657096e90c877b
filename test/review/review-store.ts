import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderSource } from '../../src/hosts/folder/source.js';
import { createReviewApp } from '../../src/review/app.js';
import { StoreEditor } from '../../src/service/review-editor.js';
import { folderPhotoBytes, ReviewImages } from '../../src/service/review-images.js';
import { ReviewService } from '../../src/service/review.js';
import { ScanService } from '../../src/service/scan.js';
import { Store } from '../../src/store/store.js';
import { RecordedPerception } from '../fakes/perception/index.js';
import { FIXTURES } from '../helpers/fixtures.js';

let template: string | null = null;

/**
 * A store of all 39 fixture photos scanned with the recorded perception, made once per process; each call gets
 * its own copy, so tests may edit freely.
 */
export async function scannedStore(): Promise<{ db: string; store: Store }> {
  if (!template) {
    const path = join(mkdtempSync(join(tmpdir(), 'review-template-')), 'people.db');
    const store = Store.open(path);
    try {
      await new ScanService(store, new RecordedPerception(), { indexPath: path }).scan(new FolderSource(FIXTURES), {
        recluster: false,
      });
    } finally {
      store.close();
    }
    template = path;
  }
  const db = join(mkdtempSync(join(tmpdir(), 'review-store-')), 'people.db');
  copyFileSync(template, db);
  return { db, store: Store.open(db) };
}

/** The review app over `store`, with the fixtures' photos. */
export function reviewApp(store: Store, token?: string) {
  return createReviewApp({
    review: new ReviewService(store),
    images: new ReviewImages(store, folderPhotoBytes(store)),
    editor: new StoreEditor(store),
    token,
  });
}

/** A JSON POST as the page's script sends it. */
export function post(path: string, body: unknown): Request {
  return new Request(`http://127.0.0.1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
    body: JSON.stringify(body),
  });
}
