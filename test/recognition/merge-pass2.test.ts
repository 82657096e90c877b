import { describe, expect, it } from 'vitest';
import {
  cohesive,
  evenSample,
  medianInPlace,
  medianLinkage,
  mergePass2,
  withinLinkage,
  type Pass2Input,
} from '../../src/recognition/merge-pass2.js';
import { matrixFromRows } from '../../src/recognition/vectors.js';
import { angle } from './helpers.js';

const F64 = (xs: number[]): Float64Array => Float64Array.from(xs);

function input(degrees: number[], labels: number[], image?: number[]): Pass2Input {
  return {
    faces: matrixFromRows(degrees.map(angle)),
    clearFace: new Uint8Array(degrees.length).fill(1),
    image: Int32Array.from(image ?? degrees.map((_, i) => i)),
    labels: Int32Array.from(labels),
  };
}

describe('median helpers', () => {
  it('median of odd and even lists', () => {
    expect(medianInPlace(F64([3, 1, 2]), 3)).toBe(2);
    expect(medianInPlace(F64([4, 1, 3, 2]), 4)).toBe(2.5);
    expect(medianInPlace(F64([5, 5, 1, 5, 9]), 5)).toBe(5);
    expect(medianInPlace(F64([9, 9, 0]), 2)).toBe(9);
    expect(Number.isNaN(medianInPlace(F64([]), 0))).toBe(true);
  });

  it('even sampling', () => {
    expect(Array.from(evenSample(10, 4))).toEqual([0, 2, 5, 7]);
    expect(Array.from(evenSample(3, 4))).toEqual([0, 1, 2]);
  });

  it('median linkage is the median member-pair distance, not a centroid distance', () => {
    const faces = matrixFromRows([angle(0), angle(2), angle(60), angle(66)]);
    // Pair distances: 60°, 66°, 58°, 64° → median of distances = mean of d(60°) and d(64°).
    const expected = (2 - Math.cos((60 * Math.PI) / 180) - Math.cos((64 * Math.PI) / 180)) / 2;
    expect(medianLinkage(faces, [0, 1], [2, 3])).toBeCloseTo(expected, 6);
    // With sampleSize 1 only the first member of each side is used: d(0°, 60°).
    expect(medianLinkage(faces, [0, 1], [2, 3], 1)).toBeCloseTo(0.5, 6);
  });
});

describe('mergePass2', () => {
  // Pass-1 clusters: 0 = {0°, 2°}, 1 = {10°, 12°}, 2 = {68°, 70°}, and an unassigned face.
  const base = input([0, 2, 10, 12, 68, 70, 200], [0, 0, 1, 1, 2, 2, -1]);

  it('auto-merges close clusters and suggests the next band', () => {
    // explicit bands, so the geometry below does not depend on the defaults
    const r = mergePass2(base, { autoMergeMaxDistance: 0.5, suggestMaxDistance: 0.6 });
    expect(Array.from(r.labels)).toEqual([0, 0, 0, 0, 1, 1, -1]);
    expect(r.clusterCount).toBe(2);
    expect(r.merges).toBe(1);
    // Merged {0,2,10,12} vs {68,70}: pair angles 56,58,58,60,66,68,68,70 → median of d(60°), d(66°).
    const cos = (deg: number): number => Math.cos((deg * Math.PI) / 180);
    expect(r.suggestions).toHaveLength(1);
    expect(r.suggestions[0].a).toBe(0);
    expect(r.suggestions[0].b).toBe(1);
    expect(r.suggestions[0].score).toBeCloseTo((cos(60) + cos(66)) / 2, 5);
  });

  it('stricter auto-merge turns merges into suggestions, ranked', () => {
    const r = mergePass2(base, { autoMergeMaxDistance: 0.001, cohesiveMergeMaxDistance: 0, suggestMaxDistance: 0.6 });
    expect(Array.from(r.labels)).toEqual([0, 0, 1, 1, 2, 2, -1]);
    // 0–2: pair angles 66, 68, 68, 70 → median d(68°) = 0.625, outside the band.
    expect(r.suggestions.map(({ a, b }) => [a, b])).toEqual([
      [0, 1],
      [1, 2],
    ]);
    expect(r.suggestions[0].score).toBeGreaterThan(r.suggestions[1].score);
  });

  it('cannot-links block both merges and suggestions', () => {
    // 0–1 conflicts. 1–2 then merges (pair angles 56, 58, 58, 60 → median d(58°) = 0.47); 0 vs the
    // merged cluster has median ≈ 0.31, within auto-merge range, but stays blocked and unsuggested.
    const blocked = mergePass2(base, { cannotLink: [[1, 3]] });
    expect(Array.from(blocked.labels)).toEqual([0, 0, 1, 1, 1, 1, -1]);
    expect(blocked.suggestions).toEqual([]);
    const noSuggestion = mergePass2(base, { cannotLink: [[0, 5]] });
    expect(Array.from(noSuggestion.labels)).toEqual([0, 0, 0, 0, 1, 1, -1]);
    expect(noSuggestion.suggestions).toEqual([]);
  });

  it('two clusters with a face from one image never merge', () => {
    const r = mergePass2(input([0, 2, 10, 12], [0, 0, 1, 1], [0, 1, 0, 2]));
    expect(Array.from(r.labels)).toEqual([0, 0, 1, 1]);
    expect(r.suggestions).toEqual([]);
  });

  it('is deterministic and honours a custom centroid search', () => {
    expect(mergePass2(base)).toEqual(mergePass2(base));
    const none = mergePass2(base, { centroidSearch: () => () => [] });
    expect(Array.from(none.labels)).toEqual([0, 0, 1, 1, 2, 2, -1]);
    expect(none.suggestions).toEqual([]);
  });
});

describe('cohesion: clusters as alike across as within', () => {
  it("within linkage is the median cosine between a cluster's own members", () => {
    const faces = matrixFromRows([angle(0), angle(60), angle(90)]);
    // pairs: cos 60° = 0.5, cos 90° = 0, cos 30° ≈ 0.866 → median 0.5
    expect(withinLinkage(faces, [0, 1, 2])).toBeCloseTo(0.5, 6);
    expect(Number.isNaN(withinLinkage(faces, [0]))).toBe(true);
  });

  it('compares the cross cosine above the impostor mean with the geometric mean of the own ones', () => {
    // (0.35 − 0.05) / √((0.45 − 0.05)·(0.55 − 0.05)) = 0.30 / 0.447 ≈ 0.67
    expect(cohesive(0.35, 0.45, 0.55, 0.05, 0.6)).toBe(true);
    expect(cohesive(0.35, 0.45, 0.55, 0.05, 0.7)).toBe(false);
    // tight clusters far apart: 0.30 / √(0.75·0.85) ≈ 0.38
    expect(cohesive(0.35, 0.8, 0.9, 0.05, 0.6)).toBe(false);
    // a single face has no likeness of its own: never by cohesion
    expect(cohesive(0.9, NaN, 0.5, 0.05, 0.6)).toBe(false);
  });

  it('merges two loose clusters of one person beyond the linkage level, never two tight ones', () => {
    const bands = { autoMergeMaxDistance: 0.6, cohesiveMergeMaxDistance: 0.7, cohesionMinRatio: 0.6 };
    // loose: within cos 63° ≈ 0.45 each; cross pairs 70°, 133°, 7°, 70° → median cos 70° ≈ 0.34 (linkage 0.66)
    const loose = mergePass2(input([0, 63, 70, 133], [0, 0, 1, 1]), bands);
    expect(Array.from(loose.labels)).toEqual([0, 0, 0, 0]);
    // tight: within ≈ 1, the same cross median: 0.34 is far below their own likeness
    const tight = mergePass2(input([0, 2, 70, 72], [0, 0, 1, 1]), bands);
    expect(Array.from(tight.labels)).toEqual([0, 0, 1, 1]);
    // without the relaxed band the loose pair stays apart too
    const strict = mergePass2(input([0, 63, 70, 133], [0, 0, 1, 1]), { ...bands, cohesiveMergeMaxDistance: 0 });
    expect(Array.from(strict.labels)).toEqual([0, 0, 1, 1]);
  });
});

describe('a single face', () => {
  it('joins a cluster at a looser linkage than two clusters of several faces merge', () => {
    // a face at 55° to a pair at 0° and 2°: angles 55°, 53° → median linkage ≈ 0.412;
    // two faces at 55° and 57°: angles 55°, 57°, 53°, 55° → median linkage 1 − cos 55° ≈ 0.426, within the band too
    const single = input([0, 2, 55], [0, 0, 1]);
    const pair = input([0, 2, 55, 57], [0, 0, 1, 1]);
    const bands = { autoMergeMaxDistance: 0.4, singleFaceMergeMaxDistance: 0.45, cohesiveMergeMaxDistance: 0 };
    expect(Array.from(mergePass2(single, bands).labels)).toEqual([0, 0, 0]);
    expect(Array.from(mergePass2(pair, bands).labels)).toEqual([0, 0, 1, 1]);
    expect(Array.from(mergePass2(single, { ...bands, singleFaceMergeMaxDistance: 0.4 }).labels)).toEqual([0, 0, 1]);
  });
});
