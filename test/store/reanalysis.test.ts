import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import type { Box, Observation } from '../../src/types.js';
import { clearFace } from '../helpers/observations.js';

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'reanalysis-')), 'people.db');

const faceAt = (box: Box, model = 'm1'): Observation => clearFace(box, { model, vector: Float32Array.of(1, 0) });
const bodyAt = (box: Box): Observation => ({ upperBody: { box, score: 0.8, source: 'person' } });

/** Runs `work` on a new store, closed afterwards. */
function inFreshStore(work: (store: Store) => void): void {
  const store = Store.open(tempDb());
  try {
    work(store);
  } finally {
    store.close();
  }
}

/** A photo of `source`, without time or place. */
const photo = (store: Store, source: 'immich' | 'folder', sourceId: string, contentHash: string) =>
  store.assets.upsert({ source, sourceId, contentHash, capturedAt: null, latitude: null, longitude: null });

const LEFT: Box = [0, 0, 100, 100];
const RIGHT: Box = [300, 0, 400, 100];
const MIDDLE: Box = [150, 0, 250, 100];
const BODY: Box = [500, 0, 600, 300];

describe('a photo analysed again keeps what hangs on the faces it sees again', () => {
  it('carries person, assigner, dismissal, links, exemplars and cover to the same face; a face gone takes its own', () => {
    inFreshStore((store) => {
      const asset = photo(store, 'immich', 'photo', 'h1');
      const other = photo(store, 'immich', 'other', 'h2');
      const [left, right, middle, body] = store.observations.replaceForAsset(asset.id, [
        faceAt(LEFT),
        faceAt(RIGHT),
        faceAt(MIDDLE),
        bodyAt(BODY),
      ]);
      const [elsewhere] = store.observations.replaceForAsset(other.id, [faceAt(LEFT)]);
      const ann = store.people.create({ name: 'Ann' });
      const bob = store.people.create();
      store.observations.assign([
        { id: left, personId: ann, assignedBy: 'user' },
        { id: right, personId: bob, assignedBy: 'cluster' },
        { id: middle, personId: bob, assignedBy: 'assign' },
        { id: elsewhere, personId: ann, assignedBy: 'cluster' },
      ]);
      store.observations.setDismissed([body], true);
      store.people.setExemplars(bob, [right, middle]);
      store.people.setCover(ann, left);
      store.constraints.add(left, elsewhere, 'must-link');
      store.constraints.add(left, right, 'cannot-link');
      store.constraints.add(middle, elsewhere, 'cannot-link');
      store.immich.linkFace({ observationId: left, immichFaceId: 'f-left', immichPersonId: 'im-ann', origin: 'user' });
      store.immich.linkFace({
        observationId: right,
        immichFaceId: 'f-right',
        immichPersonId: 'im-bob',
        origin: 'created',
      });

      // the photo again, another model's boxes a little off; the middle face is no longer seen, a new one appears
      const [newLeft, newBody, newRight, fresh] = store.observations.replaceForAsset(asset.id, [
        faceAt([5, 3, 104, 101], 'm2'),
        bodyAt([505, 0, 600, 300]),
        faceAt([310, 0, 410, 100], 'm2'),
        faceAt([700, 0, 800, 100], 'm2'),
      ]);
      const now = new Map(store.observations.forAsset(asset.id).map((o) => [o.id, o]));
      expect([...now.keys()].sort((a, b) => a - b)).toEqual([newLeft, newBody, newRight, fresh]);
      expect(now.get(newLeft)).toMatchObject({ personId: ann, assignedBy: 'user', dismissed: false });
      expect(now.get(newRight)).toMatchObject({ personId: bob, assignedBy: 'cluster' });
      expect(now.get(newBody)).toMatchObject({ personId: null, dismissed: true });
      expect(now.get(fresh)).toMatchObject({ personId: null, assignedBy: null, dismissed: false });
      expect(store.observations.byIds([newLeft])[0].observation.face!.embedding!.model).toBe('m2');

      expect(store.people.get(bob)!.exemplars).toEqual([newRight]);
      expect(store.people.get(ann)!.cover).toBe(newLeft);
      // the must-link to the other photo and the cannot-link within the photo moved; the middle face's went with it
      expect(store.constraints.list().map((c) => [c.a, c.b, c.kind])).toEqual(
        expect.arrayContaining([
          [Math.min(newLeft, elsewhere), Math.max(newLeft, elsewhere), 'must-link'],
          [newLeft, newRight, 'cannot-link'],
        ]),
      );
      expect(store.constraints.list()).toHaveLength(2);
      expect(store.immich.face(newLeft)).toMatchObject({ immichFaceId: 'f-left', origin: 'user' });
      expect(store.immich.face(newRight)).toMatchObject({ immichFaceId: 'f-right', origin: 'created' });
      expect(store.immich.faces()).toHaveLength(2);
    });
  });

  it('carries the user’s word to a face whose box moved (the photo cropped) by its vector, and to no other face', () => {
    inFreshStore((store) => {
      const asset = photo(store, 'folder', 'cropped.jpg', 'h1');
      const seen = (box: Box, ...vector: number[]) =>
        clearFace(box, { model: 'm1', vector: Float32Array.from(vector) });
      const [ann, bob, gone] = store.observations.replaceForAsset(asset.id, [
        seen(LEFT, 1, 0, 0),
        seen(RIGHT, 0, 1, 0),
        seen(MIDDLE, 0, 0, 1),
      ]);
      const named = store.people.create({ name: 'Ann' });
      const other = store.people.create();
      store.observations.assign([
        { id: ann, personId: named, assignedBy: 'user' },
        { id: bob, personId: other, assignedBy: 'cluster' },
        { id: gone, personId: named, assignedBy: 'user' },
      ]);
      // framed anew: every box 1000 px away, so that by the boxes every face is new; the middle face was cut away, and
      // a stranger came into view
      const shift = (box: Box): Box => [box[0] + 1000, box[1], box[2] + 1000, box[3]];
      const [newBob, stranger, newAnn] = store.observations.replaceForAsset(asset.id, [
        seen(shift(RIGHT), 0.1, 0.99, 0),
        seen(shift(MIDDLE), 0.7, 0, 0.71),
        seen(shift(LEFT), 0.98, 0.2, 0),
      ]);
      const now = new Map(store.observations.forAsset(asset.id).map((o) => [o.id, o]));
      expect(now.get(newAnn)).toMatchObject({ personId: named, assignedBy: 'user' });
      expect(now.get(newBob)).toMatchObject({ personId: other, assignedBy: 'cluster' });
      // cosine 0.71 to the face cut away and 0.70 to Ann's: too far to be taken for either
      expect(now.get(stranger)).toMatchObject({ personId: null, assignedBy: null });
    });
  });

  it('tells what each old observation is now, through every analysis since', () => {
    inFreshStore((store) => {
      const asset = photo(store, 'folder', 'twice.jpg', 'h1');
      const [left, right] = store.observations.replaceForAsset(asset.id, [faceAt(LEFT), faceAt(RIGHT)]);
      const [again] = store.observations.replaceForAsset(asset.id, [faceAt(LEFT)]);
      const [third] = store.observations.replaceForAsset(asset.id, [faceAt([2, 0, 102, 100])]);
      expect(store.observations.currentIds([left, right, again, 999])).toEqual(
        new Map([
          [left, third],
          [right, right],
          [again, third],
          [999, 999],
        ]),
      );
    });
  });
});
