import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ImmichClient, type RetryPolicy } from '../../../src/hosts/immich/client.js';
import { checkServer } from '../../../src/hosts/immich/connection.js';
import { ImmichSync } from '../../../src/service/immich-sync.js';
import { Store } from '../../../src/store/store.js';
import { startFakeImmich, type RunningFakeImmich } from '../../fakes/immich/index.js';
import { RecordedPerception } from '../../fakes/perception/index.js';
import { FIXTURES, fixture, HAS_FIXTURES, portraitAssets } from '../../helpers/fixtures.js';

const silent = pino({ level: 'silent' });
const noWait: RetryPolicy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 5000, sleep: async () => {} };

/** Every fixture portrait as an Immich asset with a readable id: "<identity>~<n>". */
const library = (identities?: string[]) => portraitAssets(identities);
const identityOf = (assetId: string) => assetId.split('~')[0];

let immich: RunningFakeImmich | undefined;
afterEach(() => {
  immich?.close();
  immich = undefined;
});

describe.skipIf(!HAS_FIXTURES)('the Immich sidecar against a fake Immich', () => {
  let perception: RecordedPerception;

  beforeAll(async () => {
    perception = new RecordedPerception();
  });

  async function sidecar(
    db: string,
    options: { mode?: 'manage' | 'suggest'; onWrite?: (op: string) => void; afterWrite?: (op: string) => void } = {},
  ) {
    const client = new ImmichClient(immich!.baseUrl, immich!.apiKey, noWait, options.onWrite, options.afterWrite);
    const mode = options.mode ?? 'manage';
    const info = await checkServer(client, mode, false);
    const store = Store.open(db);
    const sync = new ImmichSync(
      store,
      client,
      info,
      perception,
      { mode, writeBack: { minFaces: 3, tags: false }, downloads: 2, indexPath: db },
      silent,
    );
    return { store, sync, close: () => store.close() };
  }
  const freshDb = () => join(mkdtempSync(join(tmpdir(), 'sidecar-')), 'people.db');

  /** Immich person id → identities of the assets its faces are on. */
  function peopleInImmich(): Map<string, Set<string>> {
    const fake = immich!.fake;
    const result = new Map<string, Set<string>>();
    for (const face of fake.allFaces()) {
      if (!face.personId || face.deletedAt) continue;
      const set = result.get(face.personId) ?? new Set<string>();
      set.add(identityOf(face.assetId));
      result.set(face.personId, set);
    }
    return result;
  }

  it('groups the fixture identities correctly in Immich, and a second run writes nothing new', async () => {
    immich = startFakeImmich({ version: '3.2.2', photos: library() });
    await immich.fake.ready();
    const db = freshDb();
    const run = await sidecar(db);
    const first = await run.sync.cycle();
    expect(first).toMatchObject({ listed: 24, analysed: 24, failed: 0 });
    const people = peopleInImmich();
    expect([...people.values()].map((ids) => [...ids].sort().join()).sort()).toEqual([
      'alex_lacamoire',
      'compreface_a',
      'kit_harington',
      'obama',
    ]);
    immich.fake.runJobs();
    immich.fake.clearRequests();
    const second = await run.sync.cycle();
    expect(second.analysed).toBe(0);
    expect(second.recognition.changed).toBe(0);
    expect(immich.fake.writes()).toEqual([]);
    run.close();
  });

  it('analyses photos edited in Immich again without taking the faces it wrote on them as the user’s', async () => {
    immich = startFakeImmich({ version: '3.2.2', photos: library() });
    await immich.fake.ready();
    const db = freshDb();
    const run = await sidecar(db);
    await run.sync.cycle();
    immich.fake.runJobs();
    // the user edits three photos in Immich (new content, same faces): their checksums change
    const edited = ['obama~1', 'obama~2', 'kit_harington~1'];
    for (const id of edited) {
      immich.fake.asset(id)!.checksum = `edited-${id}`;
      immich.fake.touchAsset(id);
    }
    immich.fake.clearRequests();
    const next = await run.sync.cycle();
    expect(next).toMatchObject({ analysed: 3, labels: { fromFaces: 0, fromTags: 0 }, recognition: { changed: 0 } });
    expect(immich.fake.writes()).toEqual([]);
    const assets = new Map(run.store.assets.list('immich').map((a) => [a.id, a.sourceId]));
    const again = run.store.observations.all({ vectors: false }).filter((o) => edited.includes(assets.get(o.assetId)!));
    expect(again.map((o) => [o.assignedBy, run.store.immich.face(o.id)?.origin])).toEqual(
      edited.map(() => ['cluster', 'created']),
    );
    run.close();
  });

  it('reaches a fixed point with group photos: the next cycle and a nightly re-cluster write nothing', async () => {
    const groups = Object.fromEntries(
      readdirSync(join(FIXTURES, 'groups'))
        .sort()
        .map((file) => [`groups~${file}`, fixture(`groups/${file}`)]),
    );
    immich = startFakeImmich({ version: '3.2.2', photos: { ...library(), ...groups } });
    await immich.fake.ready();
    const db = freshDb();
    const run = await sidecar(db);
    const first = await run.sync.cycle();
    expect(first.writeBack!.facesCreated + first.writeBack!.facesReassigned).toBeGreaterThan(0);
    immich.fake.runJobs();
    immich.fake.clearRequests();
    const next = await run.sync.cycle();
    expect(next).toMatchObject({ analysed: 0, reclustered: false, recognition: { changed: 0 } });
    expect(immich.fake.writes()).toEqual([]);
    const nightly = await run.sync.cycle({ recluster: true });
    expect(nightly).toMatchObject({ reclustered: true, recognition: { changed: 0 } });
    expect(immich.fake.writes()).toEqual([]);
    run.close();
  });

  it('pages with page numbers on 2.x and keeps the user’s renames and face moves through a re-cluster', async () => {
    immich = startFakeImmich({ version: '2.5.6', photos: library(['obama', 'compreface_a', 'kit_harington']) });
    await immich.fake.ready();
    const fake = immich.fake;
    const db = freshDb();
    const run = await sidecar(db);
    await run.sync.cycle();
    const byIdentity = new Map([...peopleInImmich()].map(([person, ids]) => [[...ids][0], person]));
    const obama = byIdentity.get('obama')!;
    const kit = byIdentity.get('kit_harington')!;
    // the user names Obama, and moves one of Kit's faces to Obama (a wrong move, but theirs)
    fake.renamePerson(obama, 'Barack Obama');
    const moved = fake.facesOfPerson(kit)[0];
    fake.reassignFace(moved.id, obama);
    fake.runJobs();

    const after = await run.sync.cycle({ recluster: true });
    expect(after.userChanges).toMatchObject({ renamed: 1, reassignedFaces: 1 });
    expect(fake.person(obama)!.name).toBe('Barack Obama');
    expect(fake.face(moved.id)!.personId).toBe(obama);
    // the moved face pulls with Obama: Obama keeps all his faces, Kit keeps the rest of his, nobody new appears
    expect(fake.people()).toHaveLength(3);
    expect([...fake.facesOfPerson(obama)].map((f) => identityOf(f.assetId)).sort()).toEqual(
      [...Array<string>(fake.facesOfPerson(obama).length - 1).fill('obama'), 'kit_harington'].sort(),
    );
    expect(fake.facesOfPerson(obama).length).toBeGreaterThan(1);
    expect(fake.facesOfPerson(kit).every((f) => identityOf(f.assetId) === 'kit_harington')).toBe(true);
    const local = run.store.people.list().find((p) => p.name === 'Barack Obama');
    expect(local).toBeDefined();
    fake.clearRequests();
    expect((await run.sync.cycle({ recluster: true })).recognition.changed).toBe(0);
    expect((await run.sync.cycle()).recognition.changed).toBe(0);
    expect(fake.face(moved.id)!.personId).toBe(obama);
    expect(fake.writes()).toEqual([]);
    expect(fake.requests({ op: 'searchAssets' }).every((r) => !JSON.stringify(r.body).includes('cursor'))).toBe(true);
    run.close();
  });

  it('puts a face it leaves on someone else’s person in Immich on that person in the store too', async () => {
    const { 'kit_harington~3': later, ...first } = library();
    immich = startFakeImmich({ version: '3.2.2', photos: first });
    await immich.fake.ready();
    const fake = immich.fake;
    const run = await sidecar(freshDb());
    await run.sync.cycle();
    // two photos of Kit: below minFaces, so nothing of him is written
    expect([...peopleInImmich().values()].map((ids) => [...ids].join()).sort()).toEqual([
      'alex_lacamoire',
      'compreface_a',
      'obama',
    ]);
    const assets = new Map(run.store.assets.list('immich').map((a) => [a.sourceId, a]));
    const [kitFace] = run.store.observations.forAsset(assets.get('kit_harington~1')!.id);
    // meanwhile, in Immich, Kit's first photo gets a face on a person the user made
    const theirs = fake.createPerson({ name: 'Kit' });
    const [x1, y1, x2, y2] = kitFace.observation.face!.box;
    const row = assets.get('kit_harington~1')!;
    fake.addFace({
      assetId: 'kit_harington~1',
      personId: theirs.id,
      box: { x1, y1, x2, y2 },
      imageWidth: row.width!,
      imageHeight: row.height!,
    });
    // a third photo of Kit: the nightly re-cluster makes him a person of three faces, and writes him, all but the
    // face the user's person holds
    fake.addAsset({ id: 'kit_harington~3', file: later });
    const second = await run.sync.cycle({ recluster: true });
    expect(second.writeBack).toMatchObject({ peopleCreated: 1, facesLeftToUser: 1 });
    const held = fake.faces('kit_harington~1').find((f) => !f.deletedAt)!;
    expect(held.personId).toBe(theirs.id);
    const [stored] = run.store.observations.byIds([kitFace.id], { vectors: false });
    expect(stored).toMatchObject({ personId: run.store.immich.byImmichId(theirs.id)!.personId, assignedBy: 'user' });
    expect(run.store.people.get(stored.personId!)!.name).toBe('Kit');
    // the store and Immich agree: an incremental cycle changes nothing; the nightly re-cluster takes Kit's other two
    // faces to the user's Kit and moves them there in Immich, and the next cycle removes the person we had made
    fake.runJobs();
    expect((await run.sync.cycle()).recognition.changed).toBe(0);
    const nightly = await run.sync.cycle({ recluster: true });
    expect(nightly.writeBack).toMatchObject({ facesReassigned: 2, facesLeftToUser: 0, peopleCreated: 0 });
    expect((await run.sync.cycle()).writeBack).toMatchObject({ peopleRemoved: 1 });
    expect(
      fake
        .facesOfPerson(theirs.id)
        .map((f) => f.assetId)
        .sort(),
    ).toEqual(['kit_harington~1', 'kit_harington~2', 'kit_harington~3']);
    expect(
      fake
        .people()
        .map((p) => p.name)
        .sort(),
    ).toEqual(['', '', '', 'Kit']);
    fake.clearRequests();
    expect((await run.sync.cycle({ recluster: true })).recognition.changed).toBe(0);
    expect(fake.writes()).toEqual([]);
    expect(run.store.people.list().filter((p) => p.observations === 0)).toEqual([]);
    run.close();
  });

  it.each(['before', 'after'] as const)(
    'creates no duplicate or empty people or faces when killed %s any write and restarted',
    async (when) => {
      const photos = library(['obama', 'compreface_a', 'kit_harington']);
      // analyse once, without writing, and start every crash from that store
      immich = startFakeImmich({ version: '3.2.2', photos });
      await immich.fake.ready();
      const analysed = freshDb();
      const prepare = await sidecar(analysed, { mode: 'suggest' });
      await prepare.sync.cycle();
      prepare.close();
      immich.close();

      const reference = async (crashAt: number | null) => {
        immich = startFakeImmich({ version: '3.2.2', photos });
        await immich.fake.ready();
        const db = freshDb();
        for (const suffix of ['', '-wal', '-shm']) {
          try {
            copyFileSync(analysed + suffix, db + suffix);
          } catch {
            // no WAL left: fine
          }
        }
        let writes = 0;
        const kill = () => {
          if (++writes === crashAt) throw new Error(`killed ${when} write ${crashAt}`);
        };
        const crashing = await sidecar(db, when === 'before' ? { onWrite: kill } : { afterWrite: kill });
        if (crashAt !== null) await expect(crashing.sync.cycle()).rejects.toThrow('killed');
        else await crashing.sync.cycle();
        crashing.close(); // the process is gone; a new one opens the same store
        const restarted = await sidecar(db);
        await restarted.sync.cycle();
        const pending = restarted.store.immich.intents().length;
        restarted.close();
        const fake = immich.fake;
        const live = fake.allFaces().filter((f) => !f.deletedAt);
        const state = {
          people: fake.people().length,
          emptyPeople: fake.people().filter((p) => !live.some((f) => f.personId === p.id)).length,
          faces: live.length,
          groups: [...peopleInImmich().values()].map((ids) => [...ids].sort().join()).sort(),
          names: fake.people().map((p) => p.name),
          // people whose picture is one of their own faces
          pictured: fake.people().filter((p) => live.some((f) => f.id === p.featureFaceId && f.personId === p.id))
            .length,
          pending,
          writes,
        };
        immich.close();
        immich = undefined;
        return state;
      };

      const clean = await reference(null);
      expect(clean).toMatchObject({
        people: 3,
        emptyPeople: 0,
        faces: 14,
        names: ['', '', ''],
        pictured: 3,
        pending: 0,
      });
      expect(clean.groups).toEqual(['compreface_a', 'kit_harington', 'obama']);
      // 3 people (each created, then named), 14 faces and 3 feature faces: each of those 23 writes is a crash point
      expect(clean.writes).toBe(23);
      for (let crashAt = 1; crashAt <= clean.writes; crashAt++) {
        const state = await reference(crashAt);
        expect({ ...state, writes: 0 }, `crash ${when} write ${crashAt}`).toEqual({ ...clean, writes: 0 });
      }
    },
  );
});
