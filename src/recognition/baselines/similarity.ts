/**
 * The all-pairs cosine similarity of a set of faces, computed once and shared by the baselines and their
 * threshold sweeps: a dense, symmetric Float32 n×n matrix (4,000 faces ≈ 64 MB), diagonal 1. The baselines'
 * cost is then O(n²) per run instead of O(n²·dim).
 */

import type { VectorMatrix } from '../vectors.js';

export interface SimilarityMatrix {
  readonly count: number;
  /** Row-major, `data[i * count + j]` = cos(i, j). */
  readonly data: Float32Array;
}

/** Rows must be L2-normalised. */
export function similarityMatrix(vectors: VectorMatrix): SimilarityMatrix {
  const { count: n, dim, data } = vectors;
  const sim = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    const oi = i * dim;
    sim[i * n + i] = 1;
    for (let j = i + 1; j < n; j++) {
      const oj = j * dim;
      let s = 0;
      for (let t = 0; t < dim; t++) s += data[oi + t] * data[oj + t];
      sim[i * n + j] = s;
      sim[j * n + i] = s;
    }
  }
  return { count: n, data: sim };
}

/** The similarity matrix of a subset of the faces, in the order of `rows`. */
export function subMatrix(sim: SimilarityMatrix, rows: ArrayLike<number>): SimilarityMatrix {
  const m = rows.length;
  const data = new Float32Array(m * m);
  for (let a = 0; a < m; a++) {
    const o = rows[a] * sim.count;
    for (let b = 0; b < m; b++) data[a * m + b] = sim.data[o + rows[b]];
  }
  return { count: m, data };
}
