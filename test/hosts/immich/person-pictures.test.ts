import { getPersonThumbnail, init } from '@immich/sdk';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { ImmichClient, type RetryPolicy } from '../../../src/hosts/immich/client.js';
import { checkServer } from '../../../src/hosts/immich/connection.js';
import { ImmichSync } from '../../../src/service/immich-sync.js';
import { Store } from '../../../src/store/store.js';
import { startFakeImmich, type RunningFakeImmich } from '../../fakes/immich/index.js';
import { RecordedPerception } from '../../fakes/perception/index.js';
import { HAS_FIXTURES, portraitAssets } from '../../helpers/fixtures.js';

const silent = pino({ level: 'silent' });
const noWait: RetryPolicy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 5000, sleep: async () => {} };

/** Three fixture identities as Immich assets "<identity>~<n>": three people once written back. */
const library = () => portraitAssets(['obama', 'compreface_a', 'kit_harington']);

let immich: RunningFakeImmich | undefined;
afterEach(() => {
  immich?.close();
  immich = undefined;
});

async function start(version: string, features: { facialRecognition: boolean; importFaces: boolean }) {
  immich = startFakeImmich({ version, photos: library(), features });
  await immich.fake.ready();
  return { fake: immich.fake, ...(await sidecar(immich)) };
}

/** A manage-mode sidecar on a fresh store. */
async function sidecar(running: RunningFakeImmich) {
  const client = new ImmichClient(running.baseUrl, running.apiKey, noWait);
  const info = await checkServer(client, 'manage', false);
  const db = join(mkdtempSync(join(tmpdir(), 'pictures-')), 'people.db');
  const store = Store.open(db);
  const options = { mode: 'manage' as const, writeBack: { minFaces: 3, tags: false }, downloads: 2, indexPath: db };
  const sync = new ImmichSync(store, client, info, new RecordedPerception(), options, silent);
  return { info, store, sync };
}

/** What Immich's People page shows: each person's picture as `GET /people/{id}/thumbnail` serves it. */
async function pictures(running: RunningFakeImmich): Promise<Map<string, string | null>> {
  init({ baseUrl: running.baseUrl, apiKey: running.apiKey });
  const result = new Map<string, string | null>();
  for (const person of running.fake.people()) {
    try {
      const blob = await getPersonThumbnail({ id: person.id });
      result.set(person.id, (await sharp(Buffer.from(await blob.arrayBuffer())).metadata()).format ?? null);
    } catch {
      result.set(person.id, null); // 404: an empty circle
    }
  }
  return result;
}

describe.skipIf(!HAS_FIXTURES)("every person the sidecar creates shows its picture in Immich's People page", () => {
  it.each([
    ['2.5.6', { facialRecognition: false, importFaces: true }],
    ['2.5.6', { facialRecognition: true, importFaces: false }],
    ['3.2.2', { facialRecognition: false, importFaces: true }],
  ])('on %s with %j: each person gets its best face as picture, once', async (version, features) => {
    const { fake, store, sync } = await start(version, features);
    const first = await sync.cycle();
    expect(first.writeBack).toMatchObject({ peopleCreated: 3, featureFacesSet: 3 });
    fake.runJobs();
    expect([...(await pictures(immich!)).values()]).toEqual(['jpeg', 'jpeg', 'jpeg']);
    // the picture is one of that person's own faces
    for (const person of fake.people()) {
      const feature = fake.face(person.featureFaceId!);
      expect(feature?.personId).toBe(person.id);
    }
    fake.clearRequests();
    const idle = await sync.cycle();
    expect(idle.writeBack?.featureFacesSet).toBe(0);
    expect(fake.writes()).toEqual([]);
    expect(fake.requests({ op: 'getServerFeatures' })).toEqual([]); // nothing due: Immich's settings not even read
    store.close();
  });

  it('with facial recognition and face import off, sets them again once face import is turned on', async () => {
    const { fake, info, store, sync } = await start('2.5.6', { facialRecognition: false, importFaces: false });
    expect(info.warnings.join('\n')).toMatch(/Import faces/);
    await sync.cycle();
    fake.runJobs();
    // what 2.5.6 shows then: the feature face is set, but the skipped thumbnail job leaves empty circles
    expect([...(await pictures(immich!)).values()]).toEqual([null, null, null]);
    fake.clearRequests();
    expect((await sync.cycle()).writeBack?.featureFacesSet).toBe(0);
    expect(fake.writes()).toEqual([]);

    fake.setFeatures({ importFaces: true });
    const after = await sync.cycle();
    expect(after.writeBack?.featureFacesSet).toBe(3);
    fake.runJobs();
    expect([...(await pictures(immich!)).values()]).toEqual(['jpeg', 'jpeg', 'jpeg']);
    fake.clearRequests();
    expect((await sync.cycle()).writeBack?.featureFacesSet).toBe(0);
    expect(fake.writes()).toEqual([]);
    store.close();
  });

  it('does not set again a picture Immich drew meanwhile, nor override the one the user picked', async () => {
    const { fake, store, sync } = await start('2.5.6', { facialRecognition: false, importFaces: false });
    await sync.cycle();
    fake.runJobs(); // the thumbnail jobs run, and are skipped, while both settings are off
    const [drawn, picked] = fake.people();
    fake.setFeatures({ importFaces: true });
    // the user runs the "missing thumbnails" job for one, and picks another face as the other's picture
    fake.updatePerson(drawn.id, { featureFaceAssetId: fake.face(drawn.featureFaceId!)!.assetId });
    const otherFace = fake.facesOfPerson(picked.id).find((f) => f.id !== picked.featureFaceId)!;
    fake.updatePerson(picked.id, { featureFaceAssetId: otherFace.assetId });
    fake.runJobs();
    fake.clearRequests();
    const next = await sync.cycle();
    // only the third person, still blank, gets its picture set again
    expect(next.writeBack?.featureFacesSet).toBe(1);
    expect(fake.writes().map((w) => w.op)).toEqual(['updatePerson']);
    expect(fake.person(picked.id)!.featureFaceId).toBe(otherFace.id);
    fake.runJobs();
    expect([...(await pictures(immich!)).values()]).toEqual(['jpeg', 'jpeg', 'jpeg']);
    store.close();
  });

  it('never sets the picture of a person someone else made in Immich, whose faces label ours', async () => {
    const { fake, store, sync } = await start('3.2.2', { facialRecognition: true, importFaces: false });
    await sync.cycle();
    store.close();
    fake.runJobs();
    const features = new Map(fake.people().map((p) => [p.id, p.featureFaceId]));
    // another store meets these people as made by someone else: their faces label ours, they become local twins
    const other = await sidecar(immich!);
    fake.clearRequests();
    const cycle = await other.sync.cycle();
    expect(cycle.labels.fromFaces).toBe(14);
    expect(cycle.writeBack).toMatchObject({ peopleCreated: 0, featureFacesSet: 0 });
    expect(fake.writes()).toEqual([]);
    expect(new Map(fake.people().map((p) => [p.id, p.featureFaceId]))).toEqual(features);
    other.store.close();
  });
});
