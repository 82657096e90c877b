/**
 * A re-cluster off the calling thread, as the app runs it: a worker thread opens the store file on its own connection,
 * recognises, and the calling thread writes the result. The worker runs from the build (`dist/`, which `npm ci`
 * makes), so this test imports the built modules and skips, saying so, where there is no build.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fillOnePerson } from '../helpers/one-person-library.js';

const BUILT = (path: string) => new URL(`../../dist/src/${path}`, import.meta.url);
const HAS_BUILD = existsSync(fileURLToPath(BUILT('service/recognition-worker.js')));
if (!HAS_BUILD) console.warn('[skip] recognition in its worker: no build (npm run build)');

type OffThread = typeof import('../../src/service/recognition-off-thread.js');
type Recognition = typeof import('../../src/service/recognition.js');
type Stores = typeof import('../../src/store/store.js');

describe.skipIf(!HAS_BUILD)('recognition in its worker (the built app)', () => {
  it('re-clusters a store file off this thread and writes what a run on this thread would', async () => {
    const { recognitionWorker } = (await import(BUILT('service/recognition-off-thread.js').href)) as OffThread;
    const { RecognitionService } = (await import(BUILT('service/recognition.js').href)) as Recognition;
    const { Store } = (await import(BUILT('store/store.js').href)) as Stores;
    const fill = (path: string) => {
      const store = Store.open(path);
      fillOnePerson(store);
      return store;
    };
    const dir = mkdtempSync(join(tmpdir(), 'recognition-worker-'));
    const store = fill(join(dir, 'people.db'));
    const offThread = recognitionWorker(store.path, { faceModel: 'm' });
    expect(offThread).toBeDefined();
    const service = new RecognitionService(store, { faceModel: 'm', indexPath: null, offThread: offThread! });
    const summary = await service.runOffThread('full');
    const here = fill(join(dir, 'here.db'));
    expect(summary).toEqual(new RecognitionService(here, { faceModel: 'm', indexPath: null }).recluster());
    expect([summary.people, summary.assigned]).toEqual([1, 6]);
    expect(recognitionWorker(':memory:', { faceModel: 'm' })).toBeUndefined();
    store.close();
    here.close();
  });
});
