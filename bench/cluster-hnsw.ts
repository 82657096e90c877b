/**
 * HNSW neighbour providers for the scale benchmark.
 *
 * - `appIndex` is exactly what the app uses (src/store/vector-index.ts, in memory: M 16,
 *   efConstruction 200, ef 64);
 * - `tunedIndex` is the same library with other build/search settings, to measure what they buy;
 * - `centroidSearch` plugs either into mergePass2's `centroidSearch` option (the app passes none
 *   yet, so pass 2 falls back to the O(C²·dim) brute force).
 * Every provider is wrapped so that the time spent in building and in searching is counted.
 */

import hnswlib from 'hnswlib-node';
import type { Neighbour, NeighbourSearch } from '../src/recognition/neighbours.js';
import type { VectorMatrix } from '../src/recognition/vectors.js';
import { VectorIndex } from '../src/store/vector-index.js';

const { HierarchicalNSW } = hnswlib;

export interface HnswParams {
  m: number;
  efConstruction: number;
  /** Search breadth (raised to k when k is larger). */
  ef: number;
}

/** The settings of src/store/vector-index.ts (not exported there). */
export const APP_HNSW: HnswParams = { m: 16, efConstruction: 200, ef: 64 };

/** Milliseconds spent building indexes and searching them, and the rows indexed. */
export interface ProviderClock {
  builds: number;
  rows: number;
  buildMs: number;
  /** CPU time of this process while building (all threads). */
  buildCpuMs: number;
  searches: number;
  searchMs: number;
}

export const newClock = (): ProviderClock => ({
  builds: 0,
  rows: 0,
  buildMs: 0,
  buildCpuMs: 0,
  searches: 0,
  searchMs: 0,
});

function identityIds(count: number): Int32Array {
  const ids = new Int32Array(count);
  for (let i = 0; i < count; i++) ids[i] = i;
  return ids;
}

function countIncluded(include: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < include.length; i++) if (include[i]) n++;
  return n;
}

/** hnswlib-node with explicit settings, labelled by row index, over rows with include[i] !== 0. */
export function tunedIndex(matrix: VectorMatrix, include: Uint8Array, params: HnswParams): NeighbourSearch {
  const { dim, data } = matrix;
  const rows = countIncluded(include);
  const index = new HierarchicalNSW('cosine', dim);
  index.initIndex({
    maxElements: Math.max(1, rows),
    m: params.m,
    efConstruction: params.efConstruction,
    randomSeed: 42,
  });
  const point: number[] = new Array<number>(dim);
  for (let i = 0; i < matrix.count; i++) {
    if (!include[i]) continue;
    const o = i * dim;
    for (let t = 0; t < dim; t++) point[t] = data[o + t];
    index.addPoint(point, i);
  }
  index.setEf(params.ef);
  let ef = params.ef;
  return (query: Float32Array, k: number): Neighbour[] => {
    const n = Math.min(k, rows);
    if (n === 0) return [];
    const want = Math.max(params.ef, n);
    if (want !== ef) {
      index.setEf(want);
      ef = want;
    }
    const { neighbors, distances } = index.searchKnn(Array.from(query), n);
    return neighbors.map((idx, r) => ({ index: idx, distance: distances[r] }));
  };
}

/** The app's provider (VectorIndex, in memory) or a tuned one, timed into `clock`. */
export function timedIndex(
  matrix: VectorMatrix,
  include: Uint8Array,
  params: HnswParams | 'app',
  clock: ProviderClock,
): NeighbourSearch {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const inner =
    params === 'app'
      ? VectorIndex.open(null, 'bench', matrix, include, identityIds(matrix.count)).search
      : tunedIndex(matrix, include, params);
  clock.buildMs += performance.now() - t0;
  const c1 = process.cpuUsage(c0);
  clock.buildCpuMs += (c1.user + c1.system) / 1000;
  clock.builds++;
  clock.rows += countIncluded(include);
  return (query, k) => {
    const t = performance.now();
    const out = inner(query, k);
    clock.searchMs += performance.now() - t;
    clock.searches++;
    return out;
  };
}

/** A mergePass2 `centroidSearch` option: an HNSW index over the cluster centroids. */
export function centroidSearch(
  params: HnswParams | 'app',
  clock: ProviderClock,
): (centroids: VectorMatrix, include: Uint8Array) => NeighbourSearch {
  return (centroids, include) => timedIndex(centroids, include, params, clock);
}

/**
 * A mergePass2 `centroidSearch` that builds no second index: the `faceK` faces nearest to the query
 * centroid (from the face index pass 1 already built) vote for their pass-1 clusters, and those
 * clusters are ranked by the exact distance between centroids. A cluster's faces lie around its
 * centroid, so the clusters with a near centroid are the ones with near faces; strangers and
 * fragments (most pass-1 clusters) then cost one face search each instead of an index insert.
 */
export function centroidSearchViaFaces(
  faceSearch: NeighbourSearch,
  labels: Int32Array,
  faceK: number,
  clock: ProviderClock,
): (centroids: VectorMatrix, include: Uint8Array) => NeighbourSearch {
  return (centroids, include) => {
    clock.builds++;
    clock.rows += countIncluded(include);
    const { dim, data } = centroids;
    return (query, k) => {
      const t = performance.now();
      const seen = new Set<number>();
      const out: Neighbour[] = [];
      for (const { index } of faceSearch(query, Math.max(k, faceK))) {
        const l = labels[index];
        if (l < 0 || l >= centroids.count || !include[l] || seen.has(l)) continue;
        seen.add(l);
        let s = 0;
        for (let d = 0; d < dim; d++) s += data[l * dim + d] * query[d];
        out.push({ index: l, distance: 1 - s });
      }
      out.sort((a, b) => a.distance - b.distance || a.index - b.index);
      if (out.length > k) out.length = k;
      clock.searchMs += performance.now() - t;
      clock.searches++;
      return out;
    };
  };
}
