/**
 * How many requests a cycle costs (issue 12: fewer, parallel requests), on a synthetic library small enough for the
 * suite. Figures at 100,000 photos come from `npm run bench:immich`; this pins the shape of them: no read of a
 * photo's tags or faces that a listing already answered, and an idle cycle that asks a handful of questions.
 */
import { Permission } from '@immich/sdk';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ImmichClient, type RetryPolicy } from '../../../src/hosts/immich/client.js';
import { checkServer } from '../../../src/hosts/immich/connection.js';
import { ImmichSync } from '../../../src/service/immich-sync.js';
import { Store } from '../../../src/store/store.js';
import {
  startFakeImmich,
  type FakeFace,
  type FakeImmich,
  type OperationName,
  type RunningFakeImmich,
} from '../../fakes/immich/index.js';
import { SyntheticPerception, syntheticSize } from '../../fakes/perception/synthetic.js';

const silent = pino({ level: 'silent' });
const noWait: RetryPolicy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 5000, sleep: async () => {} };
const PHOTOS = 120;

let immich: RunningFakeImmich | undefined;
let store: Store | undefined;
afterEach(() => {
  store?.close();
  immich?.close();
  store = undefined;
  immich = undefined;
});

/** The synthetic library (one face a photo, three identities), the last photo tagged People/Zed. */
async function sidecar(version: string): Promise<{ fake: FakeImmich; sync: ImmichSync }> {
  immich = startFakeImmich({ version, features: { facialRecognition: false, importFaces: true } });
  const fake = immich.fake;
  for (let index = 0; index < PHOTOS; index++) {
    fake.addAsset({ ...syntheticSize(index), ...(index === PHOTOS - 1 ? { tags: ['People/Zed'] } : {}) });
  }
  const client = new ImmichClient(immich.baseUrl, immich.apiKey, noWait);
  const info = await checkServer(client, 'manage', false);
  const db = join(mkdtempSync(join(tmpdir(), 'requests-')), 'people.db');
  store = Store.open(db);
  const perception = new SyntheticPerception({ identities: 3, seed: 5 });
  const options = { mode: 'manage' as const, writeBack: { minFaces: 3, tags: false }, downloads: 3, indexPath: db };
  fake.clearRequests();
  return { fake, sync: new ImmichSync(store, client, info, perception, options, silent) };
}

const count = (fake: FakeImmich, op: OperationName) => fake.requests({ op }).length;

describe('requests of a cycle', () => {
  it('2.x: one write and one read-back per photo; faces and tags come with listings; an idle cycle asks little', async () => {
    const { fake, sync } = await sidecar('2.5.6');
    const first = await sync.cycle();
    expect(first.writeBack).toMatchObject({ facesCreated: PHOTOS });
    expect(fake.people().find((p) => p.name === 'Zed')).toBeDefined();
    expect(count(fake, 'viewAsset')).toBe(PHOTOS);
    expect(count(fake, 'getAssetInfo')).toBe(1); // the tagged photo; the untagged listing answered for the rest
    expect(count(fake, 'createFace')).toBe(PHOTOS);
    expect(count(fake, 'getFaces')).toBe(PHOTOS); // each created face found again; nothing read before
    const people = fake.people().length;
    const besidesPreviews = fake.requests().length - PHOTOS;
    // two a photo, three a person (create, name, picture), and a few listings
    expect(besidesPreviews).toBeLessThanOrEqual(2 * PHOTOS + 3 * people + 20);

    fake.runJobs();
    fake.clearRequests();
    const idle = await sync.cycle();
    expect(idle).toMatchObject({ analysed: 0, recognition: { changed: 0 } });
    expect(fake.writes()).toEqual([]);
    expect(count(fake, 'getFaces')).toBe(0);
    expect(fake.requests().length).toBeLessThanOrEqual(8);
  });

  it('3.x: one write and one read-back per photo without people; an idle cycle reads a photo’s faces only when it lost a person', async () => {
    const { fake, sync } = await sidecar('3.2.2');
    await sync.cycle();
    expect(count(fake, 'getAssetInfo')).toBe(1);
    expect(count(fake, 'createFace')).toBe(PHOTOS);
    // 3.x lists no faces; with Immich's recognition off a photo listed without people is not read before writing
    expect(count(fake, 'getFaces')).toBe(PHOTOS);
    expect(count(fake, 'deleteFace')).toBe(0);
    expect(fake.requests().length - PHOTOS).toBeLessThanOrEqual(2 * PHOTOS + 3 * fake.people().length + 20);

    await expectNextCycleWritesNothing(fake, sync);
    expect(count(fake, 'getFaces')).toBe(0); // every photo still shows the people our faces put on it
    expect(fake.requests().length).toBeLessThanOrEqual(8);

    // the user moves one of our faces to another of our people: that photo, and only it, is read
    const [from, to] = fake.people();
    const moved = fake.facesOfPerson(from.id)[0];
    fake.reassignFace(moved.id, to.id);
    fake.clearRequests();
    const after = await sync.cycle();
    expect(after.userChanges).toMatchObject({ reassignedFaces: 1 });
    expect(fake.requests({ op: 'getFaces' }).map((r) => r.query.id)).toEqual([moved.assetId]);
    expect(fake.face(moved.id)!.personId).toBe(to.id);
  });

  it('3.x: where Immich had a face, ours gives way to it: one face a head, on our person', async () => {
    const { fake, sync } = await sidecar('3.2.2');
    const had = await detectedFaces(fake, 10);
    const first = await sync.cycle();
    expect(first.writeBack).toMatchObject({ facesCreated: PHOTOS - 10, facesReassigned: 10 });
    expect(count(fake, 'getFaces')).toBe(PHOTOS);
    expect(count(fake, 'deleteFace')).toBe(10);
    expectOneFaceEach(fake, had);

    await expectNextCycleWritesNothing(fake, sync);
  });

  it('3.x: a key without face.delete keeps our face beside Immich’s, and the next cycle writes nothing', async () => {
    const { fake, sync } = await sidecar('3.2.2');
    const had = await detectedFaces(fake, 3);
    fake.revoke(Permission.FaceDelete);
    const first = await sync.cycle();
    expect(first.writeBack).toMatchObject({ facesCreated: PHOTOS, facesReassigned: 0 });
    for (const face of had) expect(fake.faces(face.assetId)).toHaveLength(2);

    await expectNextCycleWritesNothing(fake, sync);
  });

  it('3.x: stopped between our face and the one it gives way to, the next cycle still leaves one face a head', async () => {
    const { fake, sync } = await sidecar('3.2.2');
    const had = await detectedFaces(fake, PHOTOS);
    fake.unauthorizedNext('getFaces'); // the read after the first photo's creation: the cycle stops there
    await expect(sync.cycle()).rejects.toThrow();
    expect(store!.immich.intents()).toHaveLength(1);
    // the photo written first (analysis order) shows Immich's face and ours
    expect(had.filter((face) => fake.faces(face.assetId).length === 2)).toHaveLength(1);

    const next = await sync.cycle();
    expect(store!.immich.intents()).toEqual([]);
    expect(next.writeBack).toMatchObject({ facesCreated: 0, facesReassigned: PHOTOS });
    expectOneFaceEach(fake, had);
  });
});

/** Faces Immich's detection left, on nobody, where the synthetic face of each of the first `n` photos is. */
async function detectedFaces(fake: FakeImmich, n: number): Promise<FakeFace[]> {
  await fake.ready();
  return fake
    .assets()
    .slice(0, n)
    .map((asset) => {
      const { width, height } = fake.estimatePreviewSize(asset)!;
      const side = Math.round(Math.min(width, height) * 0.4);
      const [x1, y1] = [Math.round((width - side) / 2), Math.round((height - side) / 2)];
      return fake.addFace({ assetId: asset.id, box: { x1, y1, x2: x1 + side, y2: y1 + side }, personId: null });
    });
}

/** After Immich's queued jobs ran, the next cycle writes nothing to it. */
async function expectNextCycleWritesNothing(fake: FakeImmich, sync: ImmichSync): Promise<void> {
  fake.runJobs();
  fake.clearRequests();
  await sync.cycle();
  expect(fake.writes()).toEqual([]);
}

/** Each face `had` is the only one its photo shows, on one of the people we made; our own gave way (a tombstone). */
function expectOneFaceEach(fake: FakeImmich, had: readonly FakeFace[]): void {
  const ours = new Set(fake.people().map((p) => p.id));
  for (const face of had) {
    expect(fake.faces(face.assetId).map((f) => f.id)).toEqual([face.id]);
    expect(ours.has(fake.face(face.id)!.personId ?? '')).toBe(true);
  }
  expect(fake.allFaces().filter((f) => f.deletedAt === null)).toHaveLength(PHOTOS);
}
