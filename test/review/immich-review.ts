import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ImmichClient, type RetryPolicy } from '../../src/hosts/immich/client.js';
import { checkServer } from '../../src/hosts/immich/connection.js';
import { ImmichReviewEditor } from '../../src/hosts/immich/review-editor.js';
import { createReviewApp } from '../../src/review/app.js';
import { ImmichSync } from '../../src/service/immich-sync.js';
import { decodeImage } from '../../src/perception/image/decode.js';
import { StoreEditor } from '../../src/service/review-editor.js';
import { ReviewImages } from '../../src/service/review-images.js';
import { ReviewService } from '../../src/service/review.js';
import { Store } from '../../src/store/store.js';
import type { Box } from '../../src/types.js';
import { startFakeImmich, type RunningFakeImmich } from '../fakes/immich/index.js';
import { RecordedPerception } from '../fakes/perception/index.js';
import { portraitAssets } from '../helpers/fixtures.js';

const silent = pino({ level: 'silent' });
const noWait: RetryPolicy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 5000, sleep: async () => {} };
const perception = new RecordedPerception();

/** Our largest face box on each photo, rounded: where a face Immich found is (fixtures are under 1440 px). */
export async function largestFaces(photos: Record<string, string>): Promise<Map<string, Box>> {
  const boxes = new Map<string, Box>();
  for (const [id, file] of Object.entries(photos)) {
    const seen = await perception.perceive(await decodeImage(readFileSync(file), { maxPixels: 1e8 }), {
      embeddings: false,
    });
    const faces = seen.flatMap((o) => (o.face ? [o.face] : []));
    const big = faces.reduce((a, b) => (b.quality.size > a.quality.size ? b : a));
    boxes.set(id, big.box.map(Math.round) as Box);
  }
  return boxes;
}

export const identityOf = (assetId: string) => assetId.split('~')[0];

/**
 * The sidecar and the review page over one store, against the fake Immich: `cycle()` runs one sidecar cycle (the
 * recorded perception), `app` is the review app whose edits go through Immich in `mode`.
 */
export async function immichReview(immich: RunningFakeImmich, mode: 'manage' | 'suggest') {
  const client = new ImmichClient(immich.baseUrl, immich.apiKey, noWait);
  const info = await checkServer(client, mode, false);
  const store = Store.open(join(mkdtempSync(join(tmpdir(), 'immich-review-')), 'people.db'));
  const sync = new ImmichSync(
    store,
    client,
    info,
    perception,
    { mode, writeBack: { minFaces: 3, tags: false }, downloads: 2, indexPath: null },
    silent,
  );
  const editor = new ImmichReviewEditor({
    mode,
    store,
    client,
    info,
    local: new StoreEditor(store),
    log: silent,
  });
  const app = createReviewApp({
    review: new ReviewService(store),
    images: new ReviewImages(store, (asset) => client.preview(asset.sourceId)),
    editor,
  });
  return { store, sync, editor, app, cycle: () => sync.cycle() };
}

/** Obama split over two Immich people, Kit on one; three faces Immich left unassigned or never found. */
export async function suggestLibrary(version = '2.5.6') {
  const photos = portraitAssets(['obama', 'kit_harington']);
  const boxes = await largestFaces(photos);
  const immich = startFakeImmich({ version, photos });
  await immich.fake.ready();
  const fake = immich.fake;
  const face = (assetId: string, personId: string | null) => {
    const [x1, y1, x2, y2] = boxes.get(assetId)!;
    return fake.addFace({ assetId, personId, box: { x1, y1, x2, y2 } });
  };
  const obama = fake.createPerson({ name: 'Obama' });
  const barack = fake.createPerson({ name: 'Barack' });
  const kit = fake.createPerson({ name: 'Kit' });
  face('obama~1', obama.id);
  face('obama~2', obama.id);
  face('obama~3', barack.id);
  const unassigned = face('obama~4', null); // Immich found it; nobody assigned it
  // obama~5: Immich found no face at all
  face('kit_harington~1', kit.id);
  face('kit_harington~2', kit.id);
  const kitUnassigned = face('kit_harington~3', null);
  const review = await immichReview(immich, 'suggest');
  await review.cycle();
  fake.runJobs();
  fake.clearRequests();
  const observationOn = (assetId: string) =>
    review.store.observations
      .forAsset(review.store.assets.get('immich', assetId)!.id)
      .reduce((a, b) => (b.observation.face!.quality.size > a.observation.face!.quality.size ? b : a));
  return { ...review, immich, fake, people: { obama, barack, kit }, unassigned, kitUnassigned, observationOn };
}
