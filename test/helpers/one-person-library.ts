import type { Store } from '../../src/store/store.js';
import type { Observation } from '../../src/types.js';

/** A clear face whose 8-D embedding is `base` nudged by `noise` on one axis. */
export function nudgedFace(base: readonly number[], noise: number, axis: number): Observation {
  const v = Float32Array.from(base, (x, i) => x + (i === axis ? noise : 0));
  const n = Math.hypot(...v);
  return {
    face: {
      box: [0, 0, 50, 60],
      score: 0.99,
      landmarks: [
        [1, 1],
        [2, 1],
        [1.5, 2],
        [1, 3],
        [2, 3],
      ],
      quality: { clear: true, score: 1, blur: 100, yaw: 0, size: 50 },
      embedding: { model: 'm', vector: v.map((x) => x / n) },
    },
  };
}

/**
 * Six photos of one person, a face each (model 'm'): three near one direction and three near another at cosine ~0.9,
 * close enough to merge. Takes the store (the sources' or the build's), returns the faces' ids.
 */
export function fillOnePerson(store: Pick<Store, 'assets' | 'observations'>): number[] {
  const ids: number[] = [];
  for (let i = 0; i < 6; i++) {
    const base = i < 3 ? [1, 0.2, 0, 0, 0, 0, 0, 0] : [1, 0.2, 0, 0, 0, 0, 0, 0.5];
    const asset = store.assets.upsert({
      source: 'folder',
      sourceId: `p${i}.jpg`,
      contentHash: `h${i}`,
      capturedAt: i * 864e5,
      latitude: null,
      longitude: null,
    });
    ids.push(...store.observations.replaceForAsset(asset.id, [nudgedFace(base, 0.03 * (i % 3), 2 + (i % 3))]));
    store.assets.markDone(asset.id, { width: 100, height: 100 });
  }
  return ids;
}
