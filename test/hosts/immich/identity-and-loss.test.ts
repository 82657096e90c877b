import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ImmichClient, type RetryPolicy } from '../../../src/hosts/immich/client.js';
import { checkServer } from '../../../src/hosts/immich/connection.js';
import type { LossPolicy } from '../../../src/hosts/immich/loss-guard.js';
import { IDENTITY_CHECKPOINT, readIdentity } from '../../../src/hosts/immich/server-identity.js';
import { ImmichSync } from '../../../src/service/immich-sync.js';
import { Store } from '../../../src/store/store.js';
import { startFakeImmich, type FakeImmich, type RunningFakeImmich } from '../../fakes/immich/index.js';
import { RecordedPerception } from '../../fakes/perception/index.js';
import { HAS_FIXTURES, portraitAssets } from '../../helpers/fixtures.js';

const silent = pino({ level: 'silent' });
const noWait: RetryPolicy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 5000, sleep: async () => {} };

const THREE = ['obama', 'compreface_a', 'kit_harington'];

/** Fixture identities as Immich assets "<identity>~<n>": the three give 3 people and 14 faces once written back. */
const library = (identities: readonly string[] = THREE) => portraitAssets(identities);

let immich: RunningFakeImmich | undefined;
afterEach(() => {
  immich?.close();
  immich = undefined;
});

async function startImmich(seed = 1, identities: readonly string[] = THREE): Promise<FakeImmich> {
  immich?.close();
  immich = startFakeImmich({ version: '3.2.2', photos: library(identities), seed });
  await immich.fake.ready();
  return immich.fake;
}

async function sidecar(db: string, afterLoss: LossPolicy = 'stop') {
  const client = new ImmichClient(immich!.baseUrl, immich!.apiKey, noWait);
  const info = await checkServer(client, 'manage', false);
  const store = Store.open(db);
  const options = { mode: 'manage' as const, writeBack: { minFaces: 3, tags: false }, downloads: 2, indexPath: db };
  return {
    store,
    sync: new ImmichSync(store, client, info, new RecordedPerception(), { ...options, afterLoss }, silent),
  };
}

const freshDb = () => join(mkdtempSync(join(tmpdir(), 'identity-')), 'people.db');

/** What the store knows: people (name, hidden) and how many of them and their faces are linked to Immich. */
function storeState(store: Store) {
  return {
    people: store.people.list().map((p) => ({ id: p.id, name: p.name, hidden: p.hidden })),
    linkedPeople: store.immich.people().length,
    linkedFaces: store.immich.faces().length,
  };
}

/** Immich as a restore from a backup older than our writes: none of our people and faces are there. */
function loseOurWrites(fake: FakeImmich): void {
  for (const person of fake.people()) {
    for (const face of fake.facesOfPerson(person.id)) fake.deleteFace(face.id, { force: true });
    fake.deletePerson(person.id);
  }
}

describe.skipIf(!HAS_FIXTURES)('the sidecar knows which Immich library its store belongs to', () => {
  it('records the user and server, and stops before reading or writing anything on another library', async () => {
    await startImmich(1);
    const db = freshDb();
    const first = await sidecar(db);
    await first.sync.cycle();
    expect(readIdentity(first.store)).toMatchObject({ email: 'me@immich.test', version: '3.2.2', mode: 'manage' });
    const before = storeState(first.store);
    first.store.close();

    // another Immich with the same photos (same asset ids, even), as after a reinstall: another user id
    const other = await startImmich(2);
    const second = await sidecar(db);
    const error = (await second.sync.cycle().catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ name: 'ImmichIdentityError' });
    expect(error.message).toContain(`this store (${db}) belongs to another Immich library`);
    expect(error.message).toMatch(/start over with a new store/);
    expect(other.writes()).toEqual([]);
    expect(other.requests({ op: 'searchAssets' })).toEqual([]); // not even listed
    expect(storeState(second.store)).toEqual(before);
    second.store.close();
  });

  it('a store from before identities: the loss guard stops it on another library, and it is not adopted', async () => {
    await startImmich(1);
    const db = freshDb();
    const first = await sidecar(db);
    await first.sync.cycle();
    first.store.checkpoints.set(IDENTITY_CHECKPOINT, ''); // as a store synced before this record existed
    const before = storeState(first.store);
    first.store.close();

    const other = await startImmich(2);
    const wrong = await sidecar(db);
    await expect(wrong.sync.cycle()).rejects.toMatchObject({ name: 'ImmichLossError' });
    expect(readIdentity(wrong.store)).toBeNull();
    expect(storeState(wrong.store).people).toEqual(before.people); // nobody hidden
    expect(other.writes()).toEqual([]);
    wrong.store.close();
  });

  it('takes a new URL or version of the same library in its stride, and records it', async () => {
    const fake = await startImmich(1);
    const db = freshDb();
    const first = await sidecar(db);
    await first.sync.cycle();
    first.store.close();
    fake.setVersion('3.3.0'); // an upgrade
    const next = await sidecar(db);
    fake.clearRequests();
    await next.sync.cycle();
    expect(readIdentity(next.store)?.version).toBe('3.3.0');
    expect(fake.writes()).toEqual([]);
    next.store.close();
  });

  it('an unreadable identity record counts as none: it is written anew', async () => {
    await startImmich(1);
    const db = freshDb();
    const run = await sidecar(db);
    run.store.checkpoints.set(IDENTITY_CHECKPOINT, '{"userId": 7}');
    await run.sync.cycle();
    expect(readIdentity(run.store)?.email).toBe('me@immich.test');
    run.store.close();
  });
});

describe.skipIf(!HAS_FIXTURES)('when most of what the sidecar wrote vanishes at once', () => {
  /** A store whose 3 people and 14 faces are in Immich, one person named there by the user. */
  async function written(identities: readonly string[] = THREE) {
    const fake = await startImmich(1, identities);
    const db = freshDb();
    const run = await sidecar(db);
    await run.sync.cycle();
    fake.renamePerson(fake.people()[0].id, 'Ann');
    await run.sync.cycle();
    run.store.close();
    return { fake, db };
  }

  it('stops, changing nothing, and says how to re-adopt or accept', async () => {
    const { fake, db } = await written();
    loseOurWrites(fake);
    const run = await sidecar(db);
    const before = storeState(run.store);
    fake.clearRequests();
    const error = (await run.sync.cycle().catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ name: 'ImmichLossError' });
    expect(error.message).toContain('3 of 3 of its people are no longer in Immich');
    expect(error.message).toContain('--readopt');
    expect(error.message).toContain('--accept-deletions');
    expect(storeState(run.store)).toEqual(before);
    expect(before.people.every((p) => !p.hidden)).toBe(true);
    expect(fake.writes()).toEqual([]);
    // it stays stopped: the next cycle meets the same loss
    await expect(run.sync.cycle()).rejects.toMatchObject({ name: 'ImmichLossError' });
    run.store.close();
  });

  it('--readopt writes the same people and faces again, names kept; the next cycle writes nothing', async () => {
    const { fake, db } = await written();
    loseOurWrites(fake);
    const run = await sidecar(db, 'readopt');
    const readopted = await run.sync.cycle();
    expect(readopted.userChanges).toMatchObject({ readoptedPeople: 3, readoptedFaces: 14, deletedPeople: 0 });
    expect(readopted.writeBack).toMatchObject({ peopleCreated: 3, facesCreated: 14 });
    expect(
      fake
        .people()
        .map((p) => p.name)
        .sort(),
    ).toEqual(['', '', 'Ann']);
    expect(fake.allFaces().filter((f) => !f.deletedAt)).toHaveLength(14);
    expect(run.store.people.list().every((p) => !p.hidden)).toBe(true);
    fake.runJobs();
    fake.clearRequests();
    const idle = await run.sync.cycle();
    expect(idle.userChanges).toMatchObject({ readoptedPeople: 0, deletedPeople: 0, deletedFaces: 0 });
    expect(fake.writes()).toEqual([]);
    run.store.close();
  });

  it('--accept-deletions takes them as the user deleting them: hidden, never written again', async () => {
    const { fake, db } = await written();
    loseOurWrites(fake);
    const run = await sidecar(db, 'accept');
    const accepted = await run.sync.cycle();
    expect(accepted.userChanges).toMatchObject({ deletedPeople: 3 });
    expect(run.store.people.list().filter((p) => !p.hidden)).toEqual([]);
    expect(fake.people()).toEqual([]);
    fake.clearRequests();
    await run.sync.cycle();
    expect(fake.writes()).toEqual([]);
    run.store.close();
  });

  it('a user deleting two of three people is no loss: they are taken as deletions', async () => {
    const { fake, db } = await written();
    const [a, b] = fake.people();
    fake.deletePerson(a.id);
    fake.deletePerson(b.id);
    const run = await sidecar(db);
    expect((await run.sync.cycle()).userChanges).toMatchObject({ deletedPeople: 2 });
    run.store.close();
  });

  it('a user merging three of four people into the fourth is no loss: their faces tell merges', async () => {
    const { fake, db } = await written([...THREE, 'alex_lacamoire']);
    const [survivor, ...others] = fake.people();
    expect(others).toHaveLength(3);
    fake.mergePeople(
      survivor.id,
      others.map((p) => p.id),
    );
    const run = await sidecar(db);
    expect((await run.sync.cycle()).userChanges).toMatchObject({ merged: 3, deletedPeople: 0 });
    run.store.close();
  });
});
