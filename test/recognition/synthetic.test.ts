/**
 * End-to-end checks on seeded synthetic identities calibrated to our embedder (models.md): with
 * sigma = tau = 0.5 and two sessions per person, genuine cosines average ≈ 0.72 (min ≈ 0.46), and
 * look-alike pairs (centres at cos 0.5) push impostor maxima to ≈ 0.58, harder than the measured 0.46.
 */

import { describe, expect, it } from 'vitest';
import { assignNearest } from '../../src/recognition/assign-nearest.js';
import { assignSparse } from '../../src/recognition/assign-sparse.js';
import { clusterPass1 } from '../../src/recognition/cluster-pass1.js';
import { buildDictionary, buildGallery } from '../../src/recognition/gallery.js';
import { mergePass2, type Pass2Options } from '../../src/recognition/merge-pass2.js';
import { bcubed, openSetScores } from '../../src/recognition/metrics.js';
import { row } from '../../src/recognition/vectors.js';
import { facesOnly, syntheticIdentities, type SyntheticOptions } from './helpers.js';

function cluster(o: SyntheticOptions, pass2: Pass2Options = {}) {
  const { vectors, truth } = syntheticIdentities(o);
  const obs = facesOnly(vectors);
  const p1 = clusterPass1(obs);
  const p2 = mergePass2({ faces: obs.faces, clearFace: obs.clearFace, image: obs.image, labels: p1.labels }, pass2);
  return { truth, p1, p2 };
}

const calibrated = { identities: 20, perIdentity: 10, dim: 64, sigma: 0.5, tau: 0.5, sessions: 2, siblingCos: 0.5 };
const harder = { ...calibrated, sigma: 0.6, tau: 0.6 };

describe('pass 1 + pass 2 on 20 identities × 10 faces in 64-D', () => {
  it.each([1, 2, 3])('is precise and complete on calibrated data (seed %i)', (seed) => {
    const { truth, p2 } = cluster({ ...calibrated, seed });
    const b = bcubed(p2.labels, truth);
    expect(b.precision).toBeGreaterThanOrEqual(0.95);
    expect(b.f).toBeGreaterThanOrEqual(0.9);
  });

  it('pass 2 only merges pass-1 clusters and gains recall on harder data, keeping precision', () => {
    let recall1 = 0;
    let recall2 = 0;
    for (const seed of [1, 2, 3, 4]) {
      const { truth, p1, p2 } = cluster({ ...harder, seed });
      // Every pass-1 cluster lies inside one pass-2 cluster.
      const into = new Map<number, number>();
      p1.labels.forEach((l, i) => {
        if (l < 0) return;
        expect(into.get(l) ?? p2.labels[i]).toBe(p2.labels[i]);
        into.set(l, p2.labels[i]);
      });
      const b1 = bcubed(p1.labels, truth);
      const b2 = bcubed(p2.labels, truth);
      expect(b2.precision).toBeGreaterThanOrEqual(0.95);
      expect(b2.recall).toBeGreaterThanOrEqual(b1.recall);
      recall1 += b1.recall;
      recall2 += b2.recall;
    }
    expect(recall2).toBeGreaterThan(recall1);
  });

  it('the precision check can fail: a loose auto-merge joins look-alikes', () => {
    const { truth, p2 } = cluster({ ...calibrated, seed: 1 }, { autoMergeMaxDistance: 0.8, suggestMaxDistance: 0.9 });
    expect(bcubed(p2.labels, truth).precision).toBeLessThan(0.95);
  });

  it('is deterministic', () => {
    const a = cluster({ ...harder, seed: 5 });
    const b = cluster({ ...harder, seed: 5 });
    expect(Array.from(a.p2.labels)).toEqual(Array.from(b.p2.labels));
    expect(a.p2.suggestions).toEqual(b.p2.suggestions);
  });
});

describe('open-set assignment over a gallery', () => {
  // 40 people; the first 30 are enrolled with their even photos; queries are their odd photos plus
  // every photo of the 10 people never enrolled.
  const known = 30;
  const { vectors, truth } = syntheticIdentities({ ...calibrated, identities: 40, seed: 9 });
  const obs = facesOnly(vectors);
  const enrolled = new Int32Array(truth.length).fill(-1);
  truth.forEach((t, i) => {
    if (t < known && i % 2 === 0) enrolled[i] = t;
  });
  const gallery = buildGallery(
    { faces: obs.faces, clearFace: obs.clearFace, labels: enrolled },
    { named: Array.from({ length: known }, (_, i) => i) },
  );
  const dictionary = buildDictionary(obs.faces, gallery);
  const queries = Array.from(truth.keys()).filter((i) => enrolled[i] < 0);
  const expected = Int32Array.from(queries.map((i) => (truth[i] < known ? truth[i] : -1)));
  const predict = (assign: (y: Float32Array) => number | null): Int32Array =>
    Int32Array.from(
      queries.map((i) => {
        const id = assign(row(obs.faces, i));
        return id === null ? -1 : gallery[id].label;
      }),
    );

  it('sparse coding assigns known people and rejects unseen ones', () => {
    expect(gallery).toHaveLength(known);
    expect(dictionary.atoms.count).toBe(known * 5);
    const s = openSetScores(
      predict((y) => assignSparse(y, dictionary).identity),
      expected,
    );
    expect(s.precision).toBeGreaterThanOrEqual(0.98);
    expect(s.recall).toBeGreaterThanOrEqual(0.9);
    expect(s.unseenRejectionRate).toBeGreaterThanOrEqual(0.95);
  });

  it('nearest-exemplar assignment, for comparison', () => {
    const s = openSetScores(
      predict((y) => assignNearest(y, dictionary).identity),
      expected,
    );
    expect(s.precision).toBeGreaterThanOrEqual(0.95);
    expect(s.unseenRejectionRate).toBeGreaterThanOrEqual(0.95);
  });
});
