/**
 * Candidate-neighbour providers. The clustering passes never compare all pairs themselves; they ask a
 * `NeighbourSearch` for the k nearest rows of a vector. The store plugs in an HNSW index
 * (hnswlib-node, cosine space) for large libraries; `bruteForceSearch` is the exact provider for
 * tests and small inputs.
 */

import type { VectorMatrix } from './vectors.js';

/** A candidate row and its cosine distance (`1 - cos`) to the query. */
export interface Neighbour {
  index: number;
  distance: number;
}

/**
 * Returns up to k rows nearest to `query`, sorted by distance and then by index. Results must be
 * deterministic for the same index contents and query (clustering determinism depends on it).
 */
export type NeighbourSearch = (query: Float32Array, k: number) => Neighbour[];

/**
 * Exact k-nearest search by `1 - dot` over the rows of `matrix` (rows must be L2-normalised).
 * When `include` is given, only rows with `include[i] !== 0` are candidates.
 * Cost: O(count * dim) per query, so O(n^2 * dim) when every row queries; for tests and small sets.
 */
export function bruteForceSearch(matrix: VectorMatrix, include?: Uint8Array): NeighbourSearch {
  const { dim, count, data } = matrix;
  return (query: Float32Array, k: number): Neighbour[] => {
    if (query.length !== dim) throw new RangeError(`query has length ${query.length}, expected ${dim}`);
    const kk = Math.max(0, Math.min(k, count));
    if (kk === 0) return [];
    const bestD = new Float64Array(kk);
    const bestI = new Int32Array(kk);
    let filled = 0;
    for (let i = 0; i < count; i++) {
      if (include !== undefined && include[i] === 0) continue;
      const o = i * dim;
      let s = 0;
      for (let t = 0; t < dim; t++) s += query[t] * data[o + t];
      const d = 1 - s;
      // Rows arrive in ascending index order, so an equal distance never displaces an earlier row.
      if (filled === kk && d >= bestD[kk - 1]) continue;
      let p = filled < kk ? filled++ : kk - 1;
      while (p > 0 && bestD[p - 1] > d) {
        bestD[p] = bestD[p - 1];
        bestI[p] = bestI[p - 1];
        p--;
      }
      bestD[p] = d;
      bestI[p] = i;
    }
    const out: Neighbour[] = new Array<Neighbour>(filled);
    for (let r = 0; r < filled; r++) out[r] = { index: bestI[r], distance: bestD[r] };
    return out;
  };
}
