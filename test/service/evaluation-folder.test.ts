import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  facesOfPhoto,
  listLabelledPhotos,
  perceivePhotos,
  type LabelledPhoto,
  type PerceivedPhoto,
} from '../../src/service/evaluation/labelled-folder.js';
import {
  decodeEntry,
  encodeEntry,
  PerceptionCache,
  settingsKey,
} from '../../src/service/evaluation/perception-cache.js';
import { PERCEPTION_REVISION } from '../../src/perception/perceive.js';
import type { Face, Observation } from '../../src/types.js';
import { RecordedPerception } from '../fakes/perception/index.js';
import { fixture, HAS_FIXTURES } from '../helpers/fixtures.js';

const face = (box: [number, number, number, number], vector: number[] | null, clear = true): Face => ({
  box,
  score: 0.9,
  landmarks: [
    [0, 0],
    [0, 0],
    [0, 0],
    [0, 0],
    [0, 0],
  ],
  quality: { clear, score: 0.8, blur: 100, yaw: 0, size: 50 },
  ...(vector ? { embedding: { model: 'm', vector: Float32Array.from(vector) } } : {}),
});

async function collect(gen: AsyncGenerator<PerceivedPhoto>): Promise<PerceivedPhoto[]> {
  const out: PerceivedPhoto[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

describe('eval: labelled folders', () => {
  it('reads identity folders at the top or one set deep; an a+b folder is unlabelled', async () => {
    const root = mkdtempSync(join(tmpdir(), 'eval-folder-'));
    const touch = (...parts: string[]) => {
      mkdirSync(join(root, ...parts.slice(0, -1)), { recursive: true });
      writeFileSync(join(root, ...parts), '');
    };
    touch('alice', 'a1.jpg');
    touch('wild', 'bob', 'b1.jpg');
    touch('wild', 'bob', 'b2.png');
    touch('groups', 'alice+bob', 'g1.jpg');
    touch('notes.txt');
    touch('.immich-people-eval-cache', 'x', 'y.json');
    const { photos, ignored } = await listLabelledPhotos(root);
    expect(ignored).toBe(1);
    expect(photos.map((p) => `${p.identity}/${p.file}:${p.labelled}`)).toEqual([
      'alice+bob/g1.jpg:false',
      'alice/a1.jpg:true',
      'bob/b1.jpg:true',
      'bob/b2.png:true',
    ]);
  });

  it('labels the largest face and keeps every other face as background', () => {
    const photo: LabelledPhoto = { identity: 'ann', file: 'x.jpg', path: '/x.jpg', labelled: true };
    const observations: Observation[] = [
      { face: face([0, 0, 10, 10], [1, 0]) },
      { face: face([0, 0, 30, 30], [0, 1], false) },
      { face: face([0, 0, 5, 5], null) },
    ];
    const { faces, missed } = facesOfPhoto(photo, { width: 100, height: 100, observations });
    expect(missed).toBeNull();
    expect(faces.map((f) => [f.face, f.labelled, f.clear])).toEqual([
      [0, false, true],
      [1, true, false],
    ]);
    // a group photo: no label; an error or no face: a missed labelled image
    const group = facesOfPhoto({ ...photo, labelled: false }, { width: 1, height: 1, observations });
    expect(group.faces.map((f) => f.labelled)).toEqual([false, false]);
    expect(facesOfPhoto(photo, { error: 'corrupt' }).missed).toEqual({
      identity: 'ann',
      file: 'x.jpg',
      reason: 'corrupt',
    });
    expect(facesOfPhoto(photo, { width: 1, height: 1, observations: [] }).missed?.reason).toBe('no face');
    const unembedded = facesOfPhoto(photo, { width: 1, height: 1, observations: [{ face: face([0, 0, 9, 9], null) }] });
    expect(unembedded.missed?.reason).toBe('no embedding');
  });

  it('caches observations exactly, and a cache of another model or version reads as a miss', () => {
    const vector = Float32Array.from([0.1, -0.25, Math.PI]);
    const observations: Observation[] = [
      { face: { ...face([1.5, 2, 30, 40], null), embedding: { model: 'm', vector } } },
    ];
    const text = encodeEntry('m', { width: 640, height: 480, observations });
    const back = decodeEntry(text, 'm');
    expect(back).toEqual({ width: 640, height: 480, observations });
    const vectorBack = (back as { observations: Observation[] }).observations[0].face!.embedding!.vector;
    expect(vectorBack).toBeInstanceOf(Float32Array);
    expect(Array.from(vectorBack)).toEqual(Array.from(vector));
    expect(decodeEntry(text, 'other-model')).toBeNull();
    expect(decodeEntry(text.replace('"version":1', '"version":0'), 'm')).toBeNull();
    expect(decodeEntry('{not json', 'm')).toBeNull();
    expect(decodeEntry(encodeEntry('m', { error: 'no decoder' }), 'm')).toEqual({ error: 'no decoder' });
  });

  if (!HAS_FIXTURES) console.warn('[skip] eval cache on the fixture photos: fixtures missing');

  it.skipIf(!HAS_FIXTURES)(
    'runs perception once per photo: a second pass reads everything from the cache',
    async () => {
      const { photos } = await listLabelledPhotos(fixture('people'));
      const perception = new RecordedPerception();
      const dir = mkdtempSync(join(tmpdir(), 'eval-cache-'));
      const cache = new PerceptionCache(dir, perception.faceModel, { minScore: 0.7 });

      const first = await collect(perceivePhotos(photos, perception, cache));
      expect(perception.calls).toBe(photos.length);
      expect(first.every((p) => !p.cached)).toBe(true);

      const second = await collect(perceivePhotos(photos, perception, cache));
      expect(perception.calls).toBe(photos.length); // no model ran
      expect(second.every((p) => p.cached)).toBe(true);
      expect(second.map((p) => p.result)).toEqual(first.map((p) => p.result));

      // other perception settings: another cache entry, so perception runs again
      const changed = new PerceptionCache(dir, perception.faceModel, { minScore: 0.5 });
      await collect(perceivePhotos(photos.slice(0, 2), perception, changed));
      expect(perception.calls).toBe(photos.length + 2);

      // entries of an earlier perception revision live elsewhere and are never read
      const settings = { minScore: 0.7 };
      expect(cache.folder).toBe(join(dir, settingsKey(perception.faceModel, settings)));
      expect(settingsKey(perception.faceModel, settings, PERCEPTION_REVISION - 1)).not.toBe(
        settingsKey(perception.faceModel, settings),
      );
    },
  );
});
