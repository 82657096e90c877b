import { describe, expect, it } from 'vitest';
import { buildDictionary, buildGallery, clusterCompactness, selectExemplars } from '../../src/recognition/gallery.js';
import { matrixFromRows, row } from '../../src/recognition/vectors.js';
import { angle, basis } from './helpers.js';

describe('gallery', () => {
  it('compactness is the mean cosine to the normalised mean', () => {
    const faces = matrixFromRows([basis(4, 0), basis(4, 1)]);
    expect(clusterCompactness(faces, [0, 1]).compactness).toBeCloseTo(Math.SQRT1_2, 6);
    expect(Number.isNaN(clusterCompactness(faces, []).compactness)).toBe(true);
  });

  it('selects the medoid, then farthest points, ties to the lower index', () => {
    const faces = matrixFromRows([0, 10, 20, 30, 40].map(angle));
    expect(Array.from(selectExemplars(faces, [0, 1, 2, 3, 4], 4))).toEqual([2, 0, 4, 1]);
    // The 100° outlier pulls the mean to ≈ 23.9°, so the medoid is 10°; candidates must be within
    // cos 0.5 of the mean, so the outlier (76° away) is never picked.
    const withOutlier = matrixFromRows([0, 5, 10, 100].map(angle));
    expect(Array.from(selectExemplars(withOutlier, [0, 1, 2, 3], 4))).toEqual([2, 0, 1]);
    // Duplicates stop the selection.
    const dup = matrixFromRows([angle(0), angle(0), angle(0)]);
    expect(Array.from(selectExemplars(dup, [0, 1, 2], 3))).toEqual([0]);
  });

  it('admits big compact clusters and named ones', () => {
    const rows = [
      ...[0, 3, 6, 9].map(angle).map((v) => Float32Array.from([v[0], v[1], 0, 0])), // 0: tight, 4 faces
      ...[0, 3].map(angle).map((v) => Float32Array.from([v[0], v[1], 0, 0])), // 1: only 2 faces
      basis(4, 0),
      basis(4, 1),
      basis(4, 2),
      basis(4, 3), // 2: four different people, compactness 0.5
      basis(4, 0), // unclear face in cluster 1
    ];
    const faces = matrixFromRows(rows);
    const labels = Int32Array.from([0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 1]);
    const clearFace = Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    expect(buildGallery({ faces, labels, clearFace }).map((p) => p.label)).toEqual([0]);
    const named = buildGallery({ faces, labels, clearFace }, { named: [1, 2] });
    expect(named.map((p) => [p.label, p.size, p.named])).toEqual([
      [0, 4, false],
      [1, 2, true],
      [2, 4, true],
    ]);
    expect(named[0].compactness).toBeGreaterThan(0.99);
    expect(named[2].compactness).toBeCloseTo(0.5, 6);
    expect(buildGallery({ faces, labels, clearFace }, { minSize: 2 }).map((p) => p.label)).toEqual([0, 1]);
  });

  it('stacks exemplars into a dictionary with owners', () => {
    const faces = matrixFromRows([basis(3, 0), basis(3, 1), basis(3, 2)]);
    const d = buildDictionary(faces, [{ exemplars: [2] }, { exemplars: [0, 1] }]);
    expect(d.identityCount).toBe(2);
    expect(Array.from(d.owner)).toEqual([0, 1, 1]);
    expect(Array.from(row(d.atoms, 0))).toEqual([0, 0, 1]);
    expect(Array.from(row(d.atoms, 2))).toEqual([0, 1, 0]);
  });
});
