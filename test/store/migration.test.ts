import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase, SCHEMA_VERSION } from '../../src/store/database.js';
import { DEFAULT_LIBRARY } from '../../src/store/libraries.js';
import { Store } from '../../src/store/store.js';

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'migration-')), 'people.db');

describe('migration 4: folder libraries', () => {
  it('keeps every asset, observation, person and constraint of a store from before libraries', () => {
    const path = tempDb();
    const old = openDatabase(path, 3);
    old.exec(`
      INSERT INTO people (id, name, hidden, created_at, updated_at) VALUES ('p1', 'Ann', 0, 1, 1);
      INSERT INTO assets (id, source, source_id, content_hash, status, updated_at)
        VALUES (7, 'folder', 'a.jpg', 'h1', 'done', 1), (8, 'immich', 'a.jpg', 'h2', 'done', 1);
      INSERT INTO observations (id, asset_id, face_box, person_id, assigned_by)
        VALUES (1, 7, '[0,0,10,10]', 'p1', 'user'), (2, 8, '[0,0,10,10]', 'p1', 'user');
      INSERT INTO constraints (a, b, kind, origin, created_at) VALUES (1, 2, 'must-link', 'user', 1);
    `);
    old.close();

    const store = Store.open(path);
    try {
      expect(store.assets.list().map((a) => [a.id, a.source, a.library, a.sourceId])).toEqual([
        [7, 'folder', DEFAULT_LIBRARY, 'a.jpg'],
        [8, 'immich', DEFAULT_LIBRARY, 'a.jpg'],
      ]);
      // rebuilding assets must not have cascaded into its observations
      expect(store.observations.all({ vectors: false }).map((o) => [o.id, o.assetId, o.personId])).toEqual([
        [1, 7, 'p1'],
        [2, 8, 'p1'],
      ]);
      expect(store.constraints.list('must-link')).toHaveLength(1);
      expect(store.people.get('p1')).toMatchObject({ name: 'Ann', observations: 2 });
      // foreign keys are on again: removing an asset still takes its observations
      expect(store.assets.remove('folder', 'a.jpg')).toBe(true);
      expect(store.observations.all({ vectors: false }).map((o) => o.id)).toEqual([2]);
    } finally {
      store.close();
    }
    const reopened = openDatabase(path);
    expect(reopened.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(reopened.pragma('foreign_keys', { simple: true })).toBe(1);
    reopened.close();
  });

  it('two libraries may hold the same path; the first scan of a root claims the photos stored before libraries', () => {
    const store = Store.open(tempDb());
    try {
      const legacy = ['a.jpg', 'b.jpg', 'c.jpg'];
      for (const id of legacy)
        store.assets.upsert({
          source: 'folder',
          sourceId: id,
          contentHash: id,
          capturedAt: null,
          latitude: null,
          longitude: null,
        });
      const elsewhere = store.libraries.ensure('folder', '/photos/elsewhere');
      // a folder that holds only one of their paths is not their root
      expect(store.libraries.claimUnrecorded(elsewhere, new Set(['a.jpg', 'x.jpg']))).toBe(0);
      store.assets.upsert({
        source: 'folder',
        library: elsewhere.id,
        sourceId: 'a.jpg',
        contentHash: 'other',
        capturedAt: null,
        latitude: null,
        longitude: null,
      });
      const home = store.libraries.ensure('folder', '/photos/home');
      expect(store.libraries.claimUnrecorded(home, new Set(['a.jpg', 'b.jpg']))).toBe(3);
      expect(store.assets.list('folder', home.id).map((a) => a.sourceId)).toEqual(legacy);
      expect(store.assets.get('folder', 'a.jpg', elsewhere.id)?.contentHash).toBe('other');
      expect(store.libraries.ensure('folder', '/photos/home').id).toBe(home.id);
    } finally {
      store.close();
    }
  });
});

describe('migration 6: the edit history, covers and dismissals', () => {
  it('keeps every person and observation; none is dismissed, none has a cover, the history is empty', () => {
    const path = tempDb();
    const old = openDatabase(path, 5);
    old.exec(`
      INSERT INTO people (id, name, hidden, created_at, updated_at) VALUES ('p1', 'Ann', 1, 1, 1);
      INSERT INTO assets (id, source, source_id, content_hash, status, updated_at) VALUES (7, 'folder', 'a.jpg', 'h', 'done', 1);
      INSERT INTO observations (id, asset_id, face_box, person_id, assigned_by) VALUES (1, 7, '[0,0,10,10]', 'p1', 'user');
    `);
    old.close();

    const store = Store.open(path);
    try {
      expect(store.people.get('p1')).toEqual({
        id: 'p1',
        name: 'Ann',
        hidden: true,
        cover: null,
        observations: 1,
        exemplars: [],
      });
      expect(store.observations.all({ vectors: false }).map((o) => [o.id, o.personId, o.dismissed])).toEqual([
        [1, 'p1', false],
      ]);
      expect(store.history.list()).toEqual([]);
      // a cover's face deleted with its photo leaves the person without a cover
      store.people.setCover('p1', 1);
      expect(store.people.get('p1')?.cover).toBe(1);
      store.assets.remove('folder', 'a.jpg');
      expect(store.people.get('p1')?.cover).toBeNull();
    } finally {
      store.close();
    }
  });
});

describe('migration 7: whether the user’s labels of a photo were read', () => {
  it('takes photos analysed before as read; a photo analysed after awaits its read until marked', () => {
    const path = tempDb();
    const old = openDatabase(path, SCHEMA_VERSION - 1);
    old.exec(`
      INSERT INTO assets (id, source, source_id, content_hash, status, updated_at) VALUES
        (7, 'immich', 'old', 'h1', 'done', 1), (8, 'immich', 'pending', 'h2', 'pending', 1);
    `);
    old.close();

    const store = Store.open(path);
    const awaiting = (source: string) => store.assets.awaitingUserEdits(source).map((a) => a.sourceId);
    try {
      expect(awaiting('immich')).toEqual([]);
      store.assets.markDone(8, { width: 10, height: 10 });
      const fresh = store.assets.upsert({
        source: 'immich',
        sourceId: 'fresh',
        contentHash: 'h3',
        capturedAt: null,
        latitude: null,
        longitude: null,
      });
      // stored but not analysed yet: nothing to read
      expect(awaiting('immich')).toEqual(['pending']);
      store.assets.markDone(fresh.id, { width: 10, height: 10 });
      expect(awaiting('immich')).toEqual(['fresh', 'pending']);
      expect(awaiting('folder')).toEqual([]);
      store.assets.markUserEditsRead([8]);
      expect(awaiting('immich')).toEqual(['fresh']);
    } finally {
      store.close();
    }
  });
});
