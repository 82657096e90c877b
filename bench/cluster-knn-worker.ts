/**
 * Worker of bench/cluster-knn.ts: builds an HNSW index over one shard of the rows (row % shards ===
 * shard) and writes the k nearest rows OF THAT SHARD for every included row into shared memory, then
 * frees the index and exits. All inputs and outputs are SharedArrayBuffers, so nothing is copied.
 */

import { parentPort, workerData } from 'node:worker_threads';

export interface KnnJob {
  data: SharedArrayBuffer;
  /** Float offset of row 0 in `data`. */
  offset: number;
  dim: number;
  count: number;
  include: SharedArrayBuffer;
  k: number;
  shard: number;
  shards: number;
  m: number;
  efConstruction: number;
  ef: number;
  /** count·k row indices (-1 = none) and distances, this shard's answers. */
  outIndex: SharedArrayBuffer;
  outDistance: SharedArrayBuffer;
  /** [finished workers, failed workers]. */
  control: SharedArrayBuffer;
}

async function run(job: KnnJob): Promise<void> {
  const { default: hnswlib } = await import('hnswlib-node');
  const data = new Float32Array(job.data);
  const include = new Uint8Array(job.include);
  const outIndex = new Int32Array(job.outIndex);
  const outDistance = new Float32Array(job.outDistance);
  const { dim, count, k, shard, shards, offset } = job;
  let rows = 0;
  for (let i = shard; i < count; i += shards) if (include[i]) rows++;
  const index = new hnswlib.HierarchicalNSW('cosine', dim);
  index.initIndex({ maxElements: Math.max(1, rows), m: job.m, efConstruction: job.efConstruction, randomSeed: 42 });
  const point: number[] = new Array<number>(dim);
  const load = (i: number): number[] => {
    const o = offset + i * dim;
    for (let t = 0; t < dim; t++) point[t] = data[o + t];
    return point;
  };
  for (let i = shard; i < count; i += shards) if (include[i]) index.addPoint(load(i), i);
  const kk = Math.min(k, rows);
  index.setEf(Math.max(job.ef, kk));
  for (let i = 0; i < count; i++) {
    const o = i * k;
    if (!include[i] || kk === 0) {
      outIndex.fill(-1, o, o + k);
      continue;
    }
    const { neighbors, distances } = index.searchKnn(load(i), kk);
    for (let r = 0; r < k; r++) {
      outIndex[o + r] = r < neighbors.length ? neighbors[r] : -1;
      outDistance[o + r] = r < distances.length ? distances[r] : Infinity;
    }
  }
  index.initIndex(1); // frees the shard's index now (the addon frees the old one on re-init)
}

const job = workerData as KnnJob;
const control = new Int32Array(job.control);
run(job)
  .catch((err: unknown) => {
    Atomics.add(control, 1, 1);
    parentPort?.postMessage(String(err));
  })
  .finally(() => {
    Atomics.add(control, 0, 1);
    Atomics.notify(control, 0);
  });
