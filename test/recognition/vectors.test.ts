import { describe, expect, it } from 'vitest';
import { bruteForceSearch } from '../../src/recognition/neighbours.js';
import {
  cosineAt,
  cosineDistance,
  cosineSimilarity,
  dot,
  l2Norm,
  matrixFromRows,
  meanOfRows,
  meanVector,
  normalise,
  normaliseRows,
  row,
} from '../../src/recognition/vectors.js';
import { angle } from './helpers.js';

describe('vectors', () => {
  it('computes dot, norm and cosine', () => {
    const a = Float32Array.from([3, 4]);
    const b = Float32Array.from([4, 3]);
    expect(dot(a, b)).toBe(24);
    expect(l2Norm(a)).toBe(5);
    expect(cosineSimilarity(a, b)).toBeCloseTo(24 / 25, 12);
    expect(cosineSimilarity(a, new Float32Array(2))).toBe(0);
    expect(cosineAt(Float32Array.from([9, 3, 4]), 1, b, 0, 2)).toBeCloseTo(0.96, 12);
    expect(() => dot(a, new Float32Array(3))).toThrow(RangeError);
  });

  it('cosine distance of unit vectors is 1 - dot', () => {
    expect(cosineDistance(angle(0), angle(90))).toBeCloseTo(1, 6);
    expect(cosineDistance(angle(0), angle(180))).toBeCloseTo(2, 6);
    expect(cosineDistance(angle(30), angle(30))).toBeCloseTo(0, 6);
  });

  it('normalises copies, rows, and leaves zero vectors alone', () => {
    const v = Float32Array.from([3, 4]);
    const u = normalise(v);
    expect(Array.from(u)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(Array.from(v)).toEqual([3, 4]);
    expect(Array.from(normalise(new Float32Array(3)))).toEqual([0, 0, 0]);
    const m = matrixFromRows([Float32Array.from([0, 2]), Float32Array.from([5, 0])]);
    normaliseRows(m);
    expect(Array.from(m.data)).toEqual([0, 1, 1, 0]);
  });

  it('averages vectors and rows', () => {
    expect(Array.from(meanVector([Float32Array.from([1, 2]), Float32Array.from([3, 6])]))).toEqual([2, 4]);
    const m = matrixFromRows([Float32Array.from([1, 1]), Float32Array.from([3, 5]), Float32Array.from([9, 9])]);
    expect(Array.from(meanOfRows(m, [0, 1]))).toEqual([2, 3]);
    expect(Array.from(row(m, 2))).toEqual([9, 9]);
    expect(() => meanVector([])).toThrow(RangeError);
  });
});

describe('bruteForceSearch', () => {
  const m = matrixFromRows([angle(0), angle(10), angle(20), angle(10), angle(90)]);

  it('returns the k nearest by (distance, index)', () => {
    const found = bruteForceSearch(m)(angle(9), 3);
    expect(found.map((nb) => nb.index)).toEqual([1, 3, 0]);
    expect(found[0].distance).toBeCloseTo(1 - Math.cos((Math.PI / 180) * 1), 6);
    expect(found[0].distance).toBe(found[1].distance);
  });

  it('honours the include filter and small k', () => {
    const include = Uint8Array.from([1, 0, 1, 0, 1]);
    expect(bruteForceSearch(m, include)(angle(9), 10).map((nb) => nb.index)).toEqual([0, 2, 4]);
    expect(bruteForceSearch(m)(angle(9), 0)).toEqual([]);
  });
});
