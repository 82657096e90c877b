import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

describe.skipIf(!HAS_FIXTURES)('edits made on the review page survive a full re-cluster', () => {
  let perception: RecordedPerception;

  beforeAll(() => {
    perception = new RecordedPerception();
  });

  /** Runs `work` on the store at `db`, closed afterwards. */
  const inStore = <T>(db: string, work: (store: Store, people: PeopleService) => T): T => {
    const store = Store.open(db);
    try {
      return work(store, new PeopleService(store));
    } finally {
      store.close();
    }
  };
  const scan = async (db: string, library: string, recluster = false) => {
    const store = Store.open(db);
    try {
      const source = new FolderSource(library);
      const summary = await new ScanService(store, perception, { indexPath: db }).scan(source, { recluster });
      return { summary, json: libraryJson(store) };
    } finally {
      store.close();
    }
  };
  /** The observation on a photo of the library (each of these photos shows one face). */
  const faceOn = (store: Store, file: string) =>
    store.observations.forAsset(store.assets.list('folder').find((a) => a.sourceId === file)!.id)[0];
  const fresh = () => {
    const library = mkdtempSync(join(tmpdir(), 'edits-library-'));
    return { library, db: join(mkdtempSync(join(tmpdir(), 'edits-db-')), 'people.db') };
  };

  it('keeps a move, a dismissal, a cover, a hide and a name; the history lists the user’s and the machine’s', async () => {
    const { library, db } = fresh();
    cpSync(fixture('people'), library, { recursive: true });
    const first = await scan(db, library);
    expect(first.json.people).toHaveLength(4);

    const edits = inStore(db, (store, people) => {
      const person = (file: string) => faceOn(store, file).personId!;
      const obama = person('obama/obama_1.jpg');
      const kit = person('kit_harington/kit_harington_1.jpg');
      const alex = person('alex_lacamoire/alex_lacamoire_1.jpg');
      const compreface = person('compreface_a/compreface_a_001.jpg');
      const cover = faceOn(store, 'alex_lacamoire/alex_lacamoire_3.jpg').id;
      const roses = ['rose_leslie/rose_leslie_1.jpg', 'rose_leslie/rose_leslie_2.jpg'].map((f) => faceOn(store, f));
      const takenOff = faceOn(store, 'compreface_a/compreface_a_005.jpg');
      const dismissed = faceOn(store, 'biden/biden_1.jpg');
      expect(roses.map((r) => r.personId)).toEqual([null, null]);
      expect(takenOff.personId).toBe(compreface);
      expect(dismissed.personId).toBeNull();

      people.name(obama, 'Barack Obama');
      people.hide(kit, true);
      people.setCover(alex, cover);
      const rose = people.move(
        roses.map((r) => r.id),
        null,
        'Rose Leslie',
      );
      const loner = people.move([takenOff.id], null);
      people.dismiss([dismissed.id]);
      return { obama, kit, alex, compreface, cover, rose, roses, loner, takenOff, dismissed };
    });

    const after = await scan(db, library, true);
    expect(after.summary).toMatchObject({ reclustered: true, changed: 0 });
    inStore(db, (store, people) => {
      const { obama, kit, alex, compreface, cover, rose, roses, loner, takenOff, dismissed } = edits;
      expect(store.people.get(obama)).toMatchObject({ name: 'Barack Obama', hidden: false });
      expect(store.people.get(kit)).toMatchObject({ hidden: true, observations: 3 });
      expect(store.people.get(alex)).toMatchObject({ cover, observations: 3 });
      expect(store.people.get(rose)).toMatchObject({ name: 'Rose Leslie', observations: 2 });
      expect(store.people.get(loner)).toMatchObject({ name: null, observations: 1 });
      expect(store.people.get(compreface)).toMatchObject({ observations: 5 });
      const placed = store.observations.byIds([...roses.map((r) => r.id), takenOff.id, cover, dismissed.id], {
        vectors: false,
      });
      expect(placed.map((o) => [o.personId, o.assignedBy, o.dismissed])).toEqual([
        [rose, 'user', false],
        [rose, 'user', false],
        [loner, 'user', false],
        [alex, 'user', false],
        [null, null, true],
      ]);
      // the dismissed face is listed nowhere: not in the JSON, not among the unknown
      expect(libraryJson(store).images.find((i) => i.file === 'biden/biden_1.jpg')!.observations).toEqual([]);
      expect(store.observations.unassigned().some((o) => o.id === dismissed.id)).toBe(false);

      expect(people.history().map((e) => [e.actor, e.kind, e.summary])).toEqual([
        ['user', 'dismiss', 'dismissed 1 face as not a face'],
        ['user', 'move', `moved 1 face to a new person ${loner} (off ${compreface})`],
        ['user', 'move', `moved 2 faces to a new person ${rose} "Rose Leslie"`],
        ['user', 'cover', `chose face ${cover} as the cover of ${alex}`],
        ['user', 'hide', `hid ${kit}`],
        ['user', 'name', `named ${obama} "Barack Obama"`],
        ['machine', 'recluster', 're-clustered: 17 faces moved, 4 people created'],
      ]);
    });

    // a re-cluster that changes nothing records nothing
    expect((await scan(db, library, true)).summary.changed).toBe(0);
    // undone after the re-cluster, the move puts the face back on its person and forgets the "not that person"
    inStore(db, (store, people) => {
      expect(people.history()).toHaveLength(7);
      people.undo(people.history().find((e) => e.summary.startsWith('moved 1 face'))!.id);
      expect(faceOn(store, 'compreface_a/compreface_a_005.jpg')).toMatchObject({
        personId: edits.compreface,
        assignedBy: 'cluster',
      });
      expect(store.people.get(edits.loner)).toBeUndefined();
      expect(store.constraints.list()).toEqual([]);
    });
    const undone = await scan(db, library, true);
    expect(undone.summary.changed).toBe(0);
    expect(undone.json.people.find((p) => p.id === edits.compreface)?.observations).toBe(6);
  });

  /** Rewrites every JPEG in `dir` as digiKam or exiftool write tags: a comment segment after its start, every pixel the same. */
  const writeComments = (dir: string) => {
    for (const file of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, file));
      const comment = Buffer.from('tagged by the user');
      const segment = Buffer.concat([Buffer.from([0xff, 0xfe, 0, comment.length + 2]), comment]);
      writeFileSync(join(dir, file), Buffer.concat([bytes.subarray(0, 2), segment, bytes.subarray(2)]));
    }
  };

  it('undoes an edit made before its photos were analysed again', async () => {
    const { library, db } = fresh();
    for (const dir of ['kit_harington', 'obama'])
      cpSync(fixture(`people/${dir}`), join(library, dir), { recursive: true });
    await scan(db, library);
    const edit = inStore(db, (store, people) => ({
      kit: faceOn(store, 'kit_harington/kit_harington_1.jpg').personId!,
      elsewhere: people.move([faceOn(store, 'kit_harington/kit_harington_3.jpg').id], null, 'Somebody else'),
    }));
    writeComments(join(library, 'kit_harington'));
    expect((await scan(db, library)).summary).toMatchObject({ analysed: 3, changed: 0 });
    inStore(db, (store, people) => {
      people.undo(people.history().find((e) => e.kind === 'move')!.id);
      expect(faceOn(store, 'kit_harington/kit_harington_3.jpg')).toMatchObject({
        personId: edit.kit,
        assignedBy: 'cluster',
      });
      expect(store.people.get(edit.elsewhere)).toBeUndefined();
      expect(store.constraints.list()).toEqual([]);
    });
    const again = await scan(db, library, true);
    expect(again.summary.changed).toBe(0);
    expect(again.json.people.find((p) => p.id === edit.kit)?.observations).toBe(3);
  });

  it('keeps every person and every edit when the files are rewritten with their pixels (metadata written in)', async () => {
    const { library, db } = fresh();
    for (const dir of ['kit_harington', 'obama'])
      cpSync(fixture(`people/${dir}`), join(library, dir), { recursive: true });
    await scan(db, library);
    const edits = inStore(db, (store, people) => {
      const kit = faceOn(store, 'kit_harington/kit_harington_1.jpg').personId!;
      people.name(kit, 'Kit');
      const elsewhere = people.move([faceOn(store, 'kit_harington/kit_harington_3.jpg').id], null, 'Somebody else');
      const dismissed = faceOn(store, 'obama/obama_2.jpg');
      people.dismiss([dismissed.id]);
      return { kit, elsewhere, obama: faceOn(store, 'obama/obama_1.jpg').personId!, people: libraryJson(store).people };
    });
    for (const dir of ['kit_harington', 'obama']) writeComments(join(library, dir));
    const again = await scan(db, library);
    expect(again.summary).toMatchObject({ analysed: 8, changed: 0 });
    expect(again.json.people).toEqual(edits.people);
    inStore(db, (store) => {
      expect(faceOn(store, 'kit_harington/kit_harington_3.jpg')).toMatchObject({
        personId: edits.elsewhere,
        assignedBy: 'user',
      });
      expect(faceOn(store, 'kit_harington/kit_harington_2.jpg').personId).toBe(edits.kit);
      expect(faceOn(store, 'obama/obama_2.jpg')).toMatchObject({ personId: null, dismissed: true });
      expect(faceOn(store, 'obama/obama_1.jpg').personId).toBe(edits.obama);
      expect(store.people.get(edits.kit)).toMatchObject({ name: 'Kit', observations: 2 });
    });
  });

  it('new faces like a dismissed one stay unknown and form no person', async () => {
    const run = async (dismiss: boolean) => {
      const { library, db } = fresh();
      for (const dir of ['alex_lacamoire', 'compreface_a', 'kit_harington']) {
        cpSync(fixture(`people/${dir}`), join(library, dir), { recursive: true });
      }
      mkdirSync(join(library, 'obama'));
      cpSync(fixture('people/obama/obama_1.jpg'), join(library, 'obama/obama_1.jpg'));
      await scan(db, library);
      // the user says the face on obama_1 is not a face (a poster, say)
      if (dismiss) inStore(db, (store, people) => people.dismiss([faceOn(store, 'obama/obama_1.jpg').id]));
      cpSync(fixture('people/obama'), join(library, 'obama'), { recursive: true });
      const { json } = await scan(db, library, true);
      const obama = json.images.filter((i) => i.file.startsWith('obama/')).map((i) => i.observations[0]?.personId);
      return { people: json.people.length, obama };
    };
    const plain = await run(false);
    expect(plain.people).toBe(4);
    expect(new Set(plain.obama).size).toBe(1);
    expect(plain.obama[0]).not.toBeNull();
    // obama_2…5 are at cos 0.70–0.79 to the dismissed face and far from every exemplar
    expect(await run(true)).toEqual({ people: 3, obama: [undefined, null, null, null, null] });
  });
});
