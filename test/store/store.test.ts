import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { VectorIndex } from '../../src/store/vector-index.js';
import { observationSet } from '../../src/recognition/observations.js';
import { matrixFromRows } from '../../src/recognition/vectors.js';
import type { Observation } from '../../src/types.js';
import { clearFace } from '../helpers/observations.js';

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'store-')), 'people.db');
const unit = (...v: number[]) => {
  const n = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / n);
};
const face = (x: number, vector: Float32Array, clear = true): Observation => ({
  ...clearFace([x, 10, x + 50, 70], { model: 'm1', vector }, clear),
  upperBody: {
    box: [x - 20, 60, x + 70, 200],
    score: 0.8,
    source: 'person',
    embedding: { model: 'b1', vector: unit(1, 1) },
  },
});

/** A folder asset whose content hash is its name. */
const addAsset = (store: Store, sourceId: string, contentHash = sourceId) =>
  store.assets.upsert({ source: 'folder', sourceId, contentHash, capturedAt: null, latitude: null, longitude: null });

describe('Store', () => {
  it('creates the schema in WAL mode at the current version and reopens without migrating again', () => {
    const path = tempDb();
    Store.open(path).close();
    const db = new Database(path);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const again = Store.open(path);
    expect(again.people.list()).toEqual([]);
    again.close();
  });

  it('loads the faces for recognition as rows of one shared buffer, which recognition takes as its face matrix', () => {
    const store = Store.open(tempDb());
    const asset = addAsset(store, 'a.jpg', 'h1');
    store.observations.replaceForAsset(asset.id, [
      face(0, unit(1, 0, 0)),
      {
        upperBody: { box: [1, 2, 3, 4], score: 0.5, source: 'person', embedding: { model: 'b1', vector: unit(1, 1) } },
      },
      face(100, unit(0, 0.6, 0.8)),
    ]);
    const stored = store.observations.forRecognition('m1');
    expect(stored).toHaveLength(3);
    const a = stored[0].observation.face!.embedding!.vector;
    const c = stored[2].observation.face!.embedding!.vector;
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(c.buffer).toBe(a.buffer);
    expect(c.byteOffset - a.byteOffset).toBe(2 * 3 * 4);
    expect(Array.from(c)).toEqual(Array.from(unit(0, 0.6, 0.8)));
    const set = observationSet(stored.map((s) => ({ observation: s.observation, image: 0, moment: -1 })));
    expect(set.faces.data.buffer).toBe(a.buffer);
    expect(Array.from(set.hasFace)).toEqual([1, 0, 1]);
    store.close();
  });

  it('refuses a store from a newer version of the program', () => {
    const path = tempDb();
    Store.open(path).close();
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => Store.open(path)).toThrow(/newer than this program/);
  });

  it('round-trips observations with their model-tagged vectors and replaces them on re-analysis', () => {
    const store = Store.open(tempDb());
    const asset = addAsset(store, 'a.jpg', 'h1');
    const ids = store.observations.replaceForAsset(asset.id, [
      face(0, unit(1, 0, 0)),
      { upperBody: { box: [1, 2, 3, 4], score: 0.5, source: 'person' } },
    ]);
    expect(ids).toHaveLength(2);
    const [first, second] = store.observations.all();
    expect(first.observation.face!.embedding!.model).toBe('m1');
    expect(Array.from(first.observation.face!.embedding!.vector)).toEqual([1, 0, 0]);
    expect(first.observation.upperBody!.embedding!.model).toBe('b1');
    expect(second.observation.face).toBeUndefined();
    store.observations.replaceForAsset(asset.id, [face(0, unit(0, 1, 0))]);
    expect(store.observations.all()).toHaveLength(1);
    store.close();
  });

  it('resets an asset to pending when its content changes, keeps it when it does not, and drops missing files', () => {
    const store = Store.open(tempDb());
    const base = {
      source: 'folder',
      sourceId: 'a.jpg',
      contentHash: 'h1',
      capturedAt: null,
      latitude: null,
      longitude: null,
    };
    const a = store.assets.upsert(base);
    store.observations.replaceForAsset(a.id, [face(0, unit(1, 0))]);
    store.assets.markDone(a.id, { width: 10, height: 10 });
    expect(store.assets.upsert(base).status).toBe('done');
    expect(store.assets.upsert({ ...base, contentHash: 'h2' }).status).toBe('pending');
    expect(store.assets.removeMissing('folder', new Set(['b.jpg']))).toBe(1);
    expect(store.observations.all()).toEqual([]);
    store.close();
  });

  it('sends assets embedded by another face model back to analysis, and only those', () => {
    const store = Store.open(tempDb());
    const a = addAsset(store, 'a.jpg');
    const b = addAsset(store, 'b.jpg');
    store.observations.replaceForAsset(a.id, [face(0, unit(1, 0))]); // model m1
    store.observations.replaceForAsset(b.id, [{ upperBody: { box: [1, 2, 3, 4], score: 0.5, source: 'person' } }]);
    store.assets.markDone(a.id, { width: 1, height: 1 });
    store.assets.markDone(b.id, { width: 1, height: 1 });
    expect(store.assets.requeueOtherModels('m1')).toBe(0);
    expect(store.assets.requeueOtherModels('m2')).toBe(1);
    expect(store.assets.get('folder', 'a.jpg')!.status).toBe('pending');
    expect(store.assets.get('folder', 'b.jpg')!.status).toBe('done');
    store.close();
  });

  it('rolls a failed transaction back whole', () => {
    const store = Store.open(tempDb());
    const a = addAsset(store, 'a.jpg', 'h');
    expect(() =>
      store.transaction(() => {
        store.observations.replaceForAsset(a.id, [face(0, unit(1, 0))]);
        throw new Error('crash between writes');
      }),
    ).toThrow('crash between writes');
    expect(store.observations.all()).toEqual([]);
    store.close();
  });

  it('keeps constraints ordered and unique', () => {
    const store = Store.open(tempDb());
    const a = addAsset(store, 'a.jpg', 'h');
    const [x, y] = store.observations.replaceForAsset(a.id, [face(0, unit(1, 0)), face(100, unit(0, 1))]);
    store.constraints.add(y, x, 'cannot-link');
    store.constraints.add(x, y, 'cannot-link');
    expect(store.constraints.list()).toEqual([{ a: x, b: y, kind: 'cannot-link', origin: 'user' }]);
    store.close();
  });
});

describe('VectorIndex', () => {
  const rows = [unit(1, 0, 0), unit(0.9, 0.1, 0), unit(0, 1, 0), unit(0, 0, 1)];
  const matrix = matrixFromRows(rows);
  const all = new Uint8Array([1, 1, 1, 1]);

  it('finds nearest rows and is reused from disk while the rows are the same', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'index-')), 'faces.hnsw');
    const built = VectorIndex.open(path, 'm1', matrix, all, [10, 11, 12, 13]);
    expect(built.rebuilt).toBe(true);
    expect(built.search(unit(1, 0.05, 0), 2).map((n) => n.index)).toEqual([0, 1]);
    const reused = VectorIndex.open(path, 'm1', matrix, all, [10, 11, 12, 13]);
    expect(reused.rebuilt).toBe(false);
    expect(reused.search(unit(0, 0, 1), 1)[0].index).toBe(3);
  });

  it('rebuilds when stale (other rows or model) or corrupt', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'index-')), 'faces.hnsw');
    VectorIndex.open(path, 'm1', matrix, all, [10, 11, 12, 13]);
    expect(VectorIndex.open(path, 'm1', matrix, all, [10, 11, 12, 14]).rebuilt).toBe(true);
    expect(VectorIndex.open(path, 'm2', matrix, all, [10, 11, 12, 14]).rebuilt).toBe(true);
    writeFileSync(path, 'garbage');
    const repaired = VectorIndex.open(path, 'm2', matrix, all, [10, 11, 12, 14]);
    expect(repaired.rebuilt).toBe(true);
    expect(repaired.search(unit(0, 1, 0), 1)[0].index).toBe(2);
  });
});
