import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { libraryJson } from '../../src/hosts/folder/json-report.js';
import { FolderSource } from '../../src/hosts/folder/source.js';
import { PeopleService } from '../../src/service/people.js';
import { ScanService } from '../../src/service/scan.js';
import { Store } from '../../src/store/store.js';
import { RecordedPerception } from '../fakes/perception/index.js';
import { fixture, HAS_FIXTURES } from '../helpers/fixtures.js';

/** identity folder of a library file: "obama/obama_1.jpg" → "obama" */
const identityOf = (file: string) => file.split('/')[0];

describe.skipIf(!HAS_FIXTURES)('scan: the local library mode on fixture photos', () => {
  let perception: RecordedPerception;
  let library: string;

  const scan = async (db: string, options: { recluster?: boolean; stopAt?: number } = {}) => {
    const store = Store.open(db);
    try {
      const summary = await new ScanService(store, perception, { indexPath: db }).scan(new FolderSource(library), {
        recluster: options.recluster ?? false,
        progress: (done) => {
          if (done === options.stopAt) throw new Error('interrupted');
        },
      });
      return { summary, json: libraryJson(store) };
    } finally {
      store.close();
    }
  };
  const freshDb = () => join(mkdtempSync(join(tmpdir(), 'scan-db-')), 'people.db');

  beforeAll(async () => {
    perception = new RecordedPerception();
    library = mkdtempSync(join(tmpdir(), 'library-'));
    cpSync(fixture('people'), library, { recursive: true });
  });

  it('groups the fixture identities without mixing any two, and rescans nothing unchanged', async () => {
    const db = freshDb();
    const first = await scan(db);
    expect(first.summary).toMatchObject({ images: 24, analysed: 24, failed: 0, reclustered: true });
    const members = new Map<string, Set<string>>();
    for (const image of first.json.images) {
      for (const o of image.observations) {
        if (!o.personId) continue;
        const ids = members.get(o.personId) ?? new Set<string>();
        ids.add(identityOf(image.file));
        members.set(o.personId, ids);
      }
    }
    // identities with at least 3 photos become people (Immich's minFaces, our gallery minimum)
    expect(members.size).toBe(4);
    for (const ids of members.values()) expect(ids.size).toBe(1);
    expect([...members.values()].map((s) => [...s][0]).sort()).toEqual([
      'alex_lacamoire',
      'compreface_a',
      'kit_harington',
      'obama',
    ]);

    const second = await scan(db);
    expect(second.summary).toMatchObject({ analysed: 0, unchanged: 24, reclustered: false });
    expect(second.json.people).toEqual(first.json.people);
  });

  it('reaches a fixed point: a rescan, a re-cluster and a rescan after user edits change nothing', async () => {
    // group photos put several people in one photo, and known people beside strangers
    const both = mkdtempSync(join(tmpdir(), 'library-groups-'));
    cpSync(fixture('people'), both, { recursive: true });
    cpSync(fixture('groups'), join(both, 'groups'), { recursive: true });
    const db = freshDb();
    const run = async (recluster = false) => {
      const store = Store.open(db);
      try {
        const summary = await new ScanService(store, perception, { indexPath: db }).scan(new FolderSource(both), {
          recluster,
        });
        return { summary, json: libraryJson(store) };
      } finally {
        store.close();
      }
    };
    const first = await run();
    expect(first.summary.changed).toBeGreaterThan(0);
    const rescan = await run();
    expect(rescan.summary).toMatchObject({ analysed: 0, changed: 0, reclustered: false });
    expect(rescan.json).toEqual(first.json);
    const nightly = await run(true);
    expect(nightly.summary).toMatchObject({ changed: 0, reclustered: true });
    expect(nightly.json).toEqual(first.json);

    const store = Store.open(db);
    const people = new PeopleService(store);
    const [a, b] = first.json.people;
    people.name(a.id, 'Ann');
    people.merge(a.id, b.id);
    // the user takes one face off the merged person
    const member = store.observations.all({ vectors: false }).find((o) => o.personId === a.id)!;
    people.split(member.id);
    store.close();
    const edited = await run(true);
    expect(edited.json.people.find((p) => p.id === a.id)?.name).toBe('Ann');
    expect((await run()).summary.changed).toBe(0);
    const again = await run(true);
    expect(again.summary.changed).toBe(0);
    expect(again.json).toEqual(edited.json);
  });

  it('resumes an interrupted scan where it stopped', async () => {
    const db = freshDb();
    await expect(scan(db, { stopAt: 11 })).rejects.toThrow('interrupted');
    const store = Store.open(db);
    // the photo that stopped the scan and the ones already in flight were committed; nothing queued after
    const committed = store.assets.list('folder').filter((a) => a.status === 'done').length;
    store.close();
    expect(committed).toBeGreaterThanOrEqual(11);
    expect(committed).toBeLessThan(24);
    const resumed = await scan(db);
    expect(resumed.summary.analysed).toBe(24 - committed);
    expect(resumed.summary.unchanged).toBe(committed);
    expect(resumed.json.images).toHaveLength(24);
  });

  it('re-clusters deterministically and keeps names, merges and splits', async () => {
    const db = freshDb();
    const { json } = await scan(db);
    const again = await scan(db, { recluster: true });
    expect(again.json).toEqual(json);

    const personOf = (j: typeof json, file: string) => j.images.find((i) => i.file === file)!.observations[0].personId!;
    let store = Store.open(db);
    const service = new PeopleService(store);
    const obama = personOf(json, 'obama/obama_1.jpg');
    const kit = personOf(json, 'kit_harington/kit_harington_1.jpg');
    service.name(obama, 'Barack Obama');
    service.merge(kit, personOf(json, 'alex_lacamoire/alex_lacamoire_1.jpg')); // a user's (wrong) merge stands
    const split = store.observations.forAsset(
      store.assets.list('folder').find((a) => a.sourceId === 'obama/obama_2.jpg')!.id,
    )[0].id;
    service.split(split);
    store.close();

    const after = (await scan(db, { recluster: true })).json;
    expect(after.people.find((p) => p.id === obama)?.name).toBe('Barack Obama');
    expect(personOf(after, 'obama/obama_3.jpg')).toBe(obama);
    expect(personOf(after, 'alex_lacamoire/alex_lacamoire_2.jpg')).toBe(kit);
    expect(personOf(after, 'kit_harington/kit_harington_2.jpg')).toBe(kit);
    expect(after.images.find((i) => i.file === 'obama/obama_2.jpg')!.observations[0].personId).not.toBe(obama);

    store = Store.open(db);
    store.suggestions.replaceOpen([{ personA: obama, personB: kit, score: 0.55 }]);
    const [suggestion] = store.suggestions.list();
    new PeopleService(store).reject(suggestion.id);
    expect(store.suggestions.list()).toEqual([]);
    expect(store.constraints.list('cannot-link').length).toBeGreaterThan(0);
    store.close();
  });
});
