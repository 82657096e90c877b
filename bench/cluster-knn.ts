/**
 * A parallel k-nearest-neighbour table for the scale benchmark: the prototype of a fix, not what the
 * app does. hnswlib-node builds and searches on the calling thread only, so one index uses one core.
 * Here `workers` threads each index one shard of the rows (row % workers) and answer the k nearest of
 * their shard for EVERY row; the shards' answers are merged into the k nearest overall. The build is
 * split between the cores; the searches are not (each row is searched once per shard, on a shard
 * that is 1/workers the size), so the gain is about the build's share of the time.
 *
 * The table is computed up front, blocking the calling thread (Atomics.wait), and served through the
 * synchronous `NeighbourSearch` interface by recognising the query as a row of the indexed matrix
 * (same buffer, row offset): both passes ask for their own rows. A clean version would let pass 1 and
 * pass 2 take a row-indexed neighbour table instead.
 */

import { Worker } from 'node:worker_threads';
import type { Neighbour, NeighbourSearch } from '../src/recognition/neighbours.js';
import type { VectorMatrix } from '../src/recognition/vectors.js';
import type { HnswParams, ProviderClock } from './cluster-hnsw.js';
import type { KnnJob } from './cluster-knn-worker.js';

/** The k nearest included rows of every row (ascending distance, then index); -1 pads. */
export interface KnnTable {
  k: number;
  index: Int32Array;
  distance: Float32Array;
}

/** A VectorMatrix whose rows live in a SharedArrayBuffer (workers read it without a copy). */
export function sharedMatrix(count: number, dim: number): VectorMatrix {
  return { dim, count, data: new Float32Array(new SharedArrayBuffer(count * dim * 4)) };
}

/** Computes the table with `workers` threads; blocks until they are done. */
export function parallelKnn(
  matrix: VectorMatrix,
  include: Uint8Array,
  k: number,
  params: HnswParams,
  workers: number,
): KnnTable {
  const { dim, count } = matrix;
  let data: SharedArrayBuffer;
  let offset = 0;
  if (matrix.data.buffer instanceof SharedArrayBuffer) {
    data = matrix.data.buffer;
    offset = matrix.data.byteOffset / 4;
  } else {
    data = new SharedArrayBuffer(count * dim * 4);
    new Float32Array(data).set(matrix.data.subarray(0, count * dim));
  }
  const inc = new SharedArrayBuffer(count);
  new Uint8Array(inc).set(include.subarray(0, count));
  const control = new SharedArrayBuffer(8);
  const flags = new Int32Array(control);
  const outs: { index: Int32Array; distance: Float32Array }[] = [];
  const started: Worker[] = [];
  for (let w = 0; w < workers; w++) {
    const outIndex = new SharedArrayBuffer(count * k * 4);
    const outDistance = new SharedArrayBuffer(count * k * 4);
    outs.push({ index: new Int32Array(outIndex), distance: new Float32Array(outDistance) });
    const job: KnnJob = {
      data,
      offset,
      dim,
      count,
      include: inc,
      k,
      shard: w,
      shards: workers,
      m: params.m,
      efConstruction: params.efConstruction,
      ef: params.ef,
      outIndex,
      outDistance,
      control,
    };
    started.push(new Worker(new URL('./cluster-knn-worker.js', import.meta.url), { workerData: job }));
  }
  for (;;) {
    const done = Atomics.load(flags, 0);
    if (done >= workers) break;
    Atomics.wait(flags, 0, done, 60_000);
  }
  for (const w of started) void w.terminate();
  if (Atomics.load(flags, 1) > 0) throw new Error(`${Atomics.load(flags, 1)} kNN worker(s) failed`);

  // Merge the shards' sorted lists into the k nearest overall.
  const index = new Int32Array(count * k).fill(-1);
  const distance = new Float32Array(count * k).fill(Infinity);
  const pos = new Int32Array(workers);
  for (let i = 0; i < count; i++) {
    const o = i * k;
    pos.fill(0);
    for (let r = 0; r < k; r++) {
      let best = -1;
      for (let w = 0; w < workers; w++) {
        if (pos[w] >= k) continue;
        const idx = outs[w].index[o + pos[w]];
        if (idx < 0) continue;
        if (
          best < 0 ||
          outs[w].distance[o + pos[w]] < outs[best].distance[o + pos[best]] ||
          (outs[w].distance[o + pos[w]] === outs[best].distance[o + pos[best]] && idx < outs[best].index[o + pos[best]])
        ) {
          best = w;
        }
      }
      if (best < 0) break;
      index[o + r] = outs[best].index[o + pos[best]];
      distance[o + r] = outs[best].distance[o + pos[best]];
      pos[best]++;
    }
  }
  return { k, index, distance };
}

/**
 * Serves `table` as a NeighbourSearch for queries that are rows of `matrix` (views into its buffer);
 * anything else goes to `fallback`, or throws.
 */
export function tableSearch(matrix: VectorMatrix, table: KnnTable, fallback?: NeighbourSearch): NeighbourSearch {
  const { dim, data } = matrix;
  return (query: Float32Array, k: number): Neighbour[] => {
    const rel = query.byteOffset - data.byteOffset;
    const i = rel / (4 * dim);
    const isRow =
      query.buffer === data.buffer && query.length === dim && Number.isInteger(i) && i >= 0 && i < matrix.count;
    if (!isRow || k > table.k) {
      if (fallback) return fallback(query, k);
      throw new Error('the kNN table only answers its own rows');
    }
    const out: Neighbour[] = [];
    const o = i * table.k;
    for (let r = 0; r < k && table.index[o + r] >= 0; r++) {
      out.push({ index: table.index[o + r], distance: table.distance[o + r] });
    }
    return out;
  };
}

/** timedIndex's counterpart: the table computed in parallel, timed into `clock`. */
export function timedTable(
  matrix: VectorMatrix,
  include: Uint8Array,
  k: number,
  params: HnswParams,
  workers: number,
  clock: ProviderClock,
): NeighbourSearch {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const table = parallelKnn(matrix, include, k, params, workers);
  clock.buildMs += performance.now() - t0;
  const c = process.cpuUsage(c0);
  clock.buildCpuMs += (c.user + c.system) / 1000;
  clock.builds++;
  for (let i = 0; i < include.length; i++) if (include[i]) clock.rows++;
  const inner = tableSearch(matrix, table);
  return (query, kk) => {
    const t = performance.now();
    const out = inner(query, kk);
    clock.searchMs += performance.now() - t;
    clock.searches++;
    return out;
  };
}

/** A mergePass2 `centroidSearch`: the table over the centroids, in parallel. */
export function parallelCentroidSearch(
  k: number,
  params: HnswParams,
  workers: number,
  clock: ProviderClock,
): (centroids: VectorMatrix, include: Uint8Array) => NeighbourSearch {
  return (centroids, include) => timedTable(centroids, include, k, params, workers, clock);
}
