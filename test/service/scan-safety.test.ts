import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { libraryJson } from '../../src/hosts/folder/json-report.js';
import { FolderSource } from '../../src/hosts/folder/source.js';
import type { WalkFileSystem } from '../../src/hosts/folder/walk.js';
import { PeopleService } from '../../src/service/people.js';
import { describeProblems, RemovalGuardError, ScanService, type ScanOptions } from '../../src/service/scan.js';
import { Store } from '../../src/store/store.js';
import { RecordedPerception } from '../fakes/perception/index.js';
import { fixture, HAS_FIXTURES } from '../helpers/fixtures.js';

const freshDb = () => join(mkdtempSync(join(tmpdir(), 'scan-safety-db-')), 'people.db');
/** A copy of the fixture people (24 photos) in a temporary folder: tests move and delete its files. */
const freshLibrary = () => {
  const dir = mkdtempSync(join(tmpdir(), 'scan-safety-library-'));
  cpSync(fixture('people'), dir, { recursive: true });
  return dir;
};

describe.skipIf(!HAS_FIXTURES)('scan: the user’s work survives what a folder does', () => {
  let perception: RecordedPerception;

  const scan = async (db: string, source: FolderSource | string, options: Partial<ScanOptions> = {}) => {
    const store = Store.open(db);
    try {
      const folder = typeof source === 'string' ? new FolderSource(source) : source;
      const summary = await new ScanService(store, perception, { indexPath: db }).scan(folder, {
        recluster: false,
        ...options,
      });
      return { summary, json: libraryJson(store, { root: folder.root, skipped: summary.skipped }) };
    } finally {
      store.close();
    }
  };
  const inStore = <T>(db: string, read: (store: Store) => T): T => {
    const store = Store.open(db);
    try {
      return read(store);
    } finally {
      store.close();
    }
  };
  const personOf = (json: { images: { file: string; observations: { personId: string | null }[] }[] }, file: string) =>
    json.images.find((i) => i.file === file)!.observations[0].personId!;

  /** A fresh library scanned into a fresh store, with the user's name on Obama. */
  const scannedWithObamaNamed = async () => {
    const library = freshLibrary();
    const db = freshDb();
    const first = await scan(db, library);
    const obama = personOf(first.json, 'obama/obama_1.jpg');
    inStore(db, (store) => new PeopleService(store).name(obama, 'Barack Obama'));
    return { library, db, obama, first };
  };

  beforeAll(() => {
    perception = new RecordedPerception();
  });

  it('an empty root (an unmounted drive) removes nothing, and the real folder comes back unchanged', async () => {
    const { library, db, obama } = await scannedWithObamaNamed();

    const away = mkdtempSync(join(tmpdir(), 'scan-safety-away-'));
    for (const entry of await readdir(library)) renameSync(join(library, entry), join(away, entry));
    const unmounted = await scan(db, library);
    expect(unmounted.summary).toMatchObject({ images: 0, removed: 0 });
    expect(inStore(db, (store) => store.assets.list('folder').length)).toBe(24);

    for (const entry of await readdir(away)) renameSync(join(away, entry), join(library, entry));
    const back = await scan(db, library);
    expect(back.summary).toMatchObject({ analysed: 0, unchanged: 24, removed: 0, reclustered: false });
    expect(back.json.people.find((p) => p.id === obama)?.name).toBe('Barack Obama');
  });

  it('another folder scanned into the same store is a library beside the first; both may hold the same path', async () => {
    const library = freshLibrary();
    const other = mkdtempSync(join(tmpdir(), 'scan-safety-other-'));
    cpSync(fixture('people/obama'), join(other, 'obama'), { recursive: true });
    // the same path as the first library's, with another person in it
    cpSync(fixture('people/biden/biden_1.jpg'), join(other, 'obama', 'obama_2.jpg'));
    const db = freshDb();
    await scan(db, library);
    const second = await scan(db, other);
    expect(second.summary).toMatchObject({ images: 5, removed: 0 });
    const stored = inStore(db, (store) => ({
      libraries: store.libraries.list('folder').map((l) => l.root),
      assets: store.assets.list('folder').length,
    }));
    expect(stored).toEqual({ libraries: [library, other], assets: 29 });
    // the first library is as it was
    expect((await scan(db, library)).summary).toMatchObject({ analysed: 0, unchanged: 24, removed: 0 });
  });

  it('stops before removing more than a fifth of a library, and removes it with prune', async () => {
    const library = freshLibrary();
    const db = freshDb();
    await scan(db, library);
    rmSync(join(library, 'compreface_a'), { recursive: true }); // 6 of 24: 25 %
    const guarded = scan(db, library);
    await expect(guarded).rejects.toThrow(RemovalGuardError);
    await expect(guarded).rejects.toThrow(/6 of the 24 photos .* nothing was removed.*--prune/);
    expect(inStore(db, (store) => store.assets.list('folder').length)).toBe(24);

    const pruned = await scan(db, library, { prune: true });
    expect(pruned.summary).toMatchObject({ images: 18, removed: 6 });
    expect(inStore(db, (store) => store.assets.list('folder').length)).toBe(18);
  });

  it('never leaves a name on an empty person: the name waits with the photos’ content, and comes back with them', async () => {
    const { library, db, obama, first } = await scannedWithObamaNamed();

    const away = mkdtempSync(join(tmpdir(), 'scan-safety-away-'));
    renameSync(join(library, 'obama'), join(away, 'obama')); // 5 of 24: within the guard (not more than 5)
    const removed = await scan(db, library);
    expect(removed.summary.removed).toBe(5);
    expect(removed.json.people.filter((p) => p.observations === 0)).toEqual([]);
    expect(removed.json.people.some((p) => p.name === 'Barack Obama')).toBe(false);

    renameSync(join(away, 'obama'), join(library, 'obama'));
    const restored = await scan(db, library);
    expect(restored.summary).toMatchObject({ analysed: 5, restored: 5, reclustered: true });
    expect(personOf(restored.json, 'obama/obama_1.jpg')).toBe(obama);
    // the library is as it was before the photos left, with the name
    expect(restored.json.people).toEqual(
      first.json.people.map((p) => (p.id === obama ? { ...p, name: 'Barack Obama' } : p)),
    );
    expect(restored.json.images).toEqual(first.json.images);
  });

  it('a photo moved or renamed within the folder keeps its observations, person and name, unanalysed', async () => {
    const { library, db, obama } = await scannedWithObamaNamed();
    const observationsBefore = inStore(db, (store) => store.observations.all({ vectors: false }).map((o) => o.id));

    renameSync(join(library, 'obama', 'obama_1.jpg'), join(library, 'obama', 'renamed.jpg'));
    mkdirSync(join(library, '2024'));
    renameSync(join(library, 'obama', 'obama_2.jpg'), join(library, '2024', 'obama_2.jpg'));
    const perceivedBefore = perception.perceived.length;
    const moved = await scan(db, library);
    expect(moved.summary).toMatchObject({ analysed: 0, moved: 2, removed: 0, reclustered: false, changed: 0 });
    expect(perception.perceived.length).toBe(perceivedBefore);
    expect(personOf(moved.json, 'obama/renamed.jpg')).toBe(obama);
    expect(personOf(moved.json, '2024/obama_2.jpg')).toBe(obama);
    expect(moved.json.people.find((p) => p.id === obama)?.name).toBe('Barack Obama');
    expect(inStore(db, (store) => store.observations.all({ vectors: false }).map((o) => o.id))).toEqual(
      observationsBefore,
    );
  });

  it('skips an unreadable folder, a FIFO and a broken link, names them, and removes nothing under them', async () => {
    const library = freshLibrary();
    const db = freshDb();
    await scan(db, library);
    execFileSync('mkfifo', [join(library, 'pipe.jpg')]);
    symlinkSync(join(library, 'nowhere.jpg'), join(library, 'broken.jpg'));
    // root reads any folder, so the walk is told the kit_harington folder cannot be read
    const locked = join(library, 'kit_harington');
    const fileSystem: WalkFileSystem = {
      readdir: async (dir) => {
        if (dir === locked) throw new Error(`EACCES: permission denied, scandir '${dir}'`);
        return readdir(dir, { withFileTypes: true });
      },
      stat: (path) => stat(path),
    };
    const { summary, json } = await scan(db, new FolderSource(library, fileSystem));
    expect(summary).toMatchObject({ images: 21, removed: 0, failed: 0 });
    expect(inStore(db, (store) => store.assets.list('folder').length)).toBe(24);
    const skipped = [
      { path: 'broken.jpg', reason: expect.stringContaining('a broken link') },
      { path: 'kit_harington', reason: expect.stringContaining('EACCES') },
      { path: 'pipe.jpg', reason: expect.stringContaining('a FIFO') },
    ];
    expect(summary.skipped).toEqual(skipped);
    expect(json.skipped).toEqual(skipped);
    expect(describeProblems(summary)).toContain('3 skipped:\n  broken.jpg: a broken link');
  });

  it('names every failed file with its reason: the summary the first few, the JSON all', async () => {
    const library = freshLibrary();
    for (let i = 1; i <= 7; i++) writeFileSync(join(library, `broken_${i}.jpg`), 'not a jpeg');
    const db = freshDb();
    const { summary, json } = await scan(db, library);
    expect(summary.failed).toBe(7);
    expect(summary.failures.map((f) => f.id).sort()).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => `broken_${i}.jpg`));
    expect(json.failures).toHaveLength(7);
    for (const failure of json.failures) {
      expect(failure.file).toMatch(/^broken_\d\.jpg$/);
      expect(failure.error.length).toBeGreaterThan(0);
    }
    const text = describeProblems(summary);
    expect(text).toMatch(/^7 failed:\n {2}broken_\d\.jpg: .+\n/);
    expect(text).toContain('… and 2 more (--json lists them all)');
  });

  it('a store from before libraries keeps its photos: the first scan of their folder claims them, unanalysed', async () => {
    const library = freshLibrary();
    const db = freshDb();
    await scan(db, library);
    // what migration 4 leaves of an older store: folder photos in no recorded library
    const raw = new Database(db);
    raw.exec('UPDATE assets SET library_id = 0; DELETE FROM libraries;');
    raw.close();
    const other = mkdtempSync(join(tmpdir(), 'scan-safety-other-'));
    cpSync(fixture('people/biden'), join(other, 'biden'), { recursive: true });
    expect((await scan(db, other)).summary).toMatchObject({ analysed: 2, removed: 0 });
    const again = await scan(db, library);
    expect(again.summary).toMatchObject({ analysed: 0, unchanged: 24, removed: 0 });
  });
});
