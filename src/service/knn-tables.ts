/**
 * k-nearest tables for the re-cluster (pass 1 over faces, pass 2 over centroids), computed off the JavaScript thread:
 * a worker runs the IVF search (recognition/ivf.ts) with onnxruntime's block product over the matrix in shared
 * memory, while this thread waits (the passes are synchronous). Small sets take the exact table right here.
 */

import { cpuBudget } from '../config/cpu-budget.js';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { IvfOptions } from '../recognition/ivf.js';
import { emptyTable, exactKnnTable, type KnnTable, type QueryRows } from '../recognition/knn.js';
import type { VectorMatrix } from '../recognition/vectors.js';
import type { KnnJob } from './knn-worker.js';

/**
 * Up to this many included rows the exact table is computed in JavaScript (2,000² pairs × 512 floats ≈ 1 s), which
 * also keeps tests and small libraries free of the worker.
 */
export const EXACT_TABLE_UP_TO = 2000;
/**
 * A bipartite table (queries against a base, such as new faces against the gallery's exemplars) over at most this many
 * base rows is exact: one list, every query against every base row. Whether it is computed here (up to
 * EXACT_BIPARTITE_PAIRS query·base pairs, ≈ 1 s in JavaScript) or in the worker then gives the same rows, so an
 * incremental run with few new faces answers as the full run did (the fixed point of recognise.ts). Above it, the
 * base is split into lists in the worker, however few the queries.
 */
export const EXACT_BIPARTITE_BASE = 4096;
export const EXACT_BIPARTITE_PAIRS = 2_000_000;

export interface KnnTableOptions {
  /** onnxruntime intra-op threads (default: every core). */
  threads?: number;
  ivf?: IvfOptions;
  /** Rows above which the worker's IVF search is used (default EXACT_TABLE_UP_TO). */
  exactUpTo?: number;
}

function countIncluded(include: Uint8Array, count: number): number {
  let m = 0;
  for (let i = 0; i < count; i++) if (include[i]) m++;
  return m;
}

/** The matrix's rows in shared memory: its own buffer when it is shared already, else a copy. */
function sharedRows(matrix: VectorMatrix): { data: SharedArrayBuffer; offset: number } {
  const { data, count, dim } = matrix;
  if (data.buffer instanceof SharedArrayBuffer) return { data: data.buffer, offset: data.byteOffset / 4 };
  const copy = new SharedArrayBuffer(count * dim * 4);
  new Float32Array(copy).set(data.subarray(0, count * dim));
  return { data: copy, offset: 0 };
}

/**
 * The k-nearest table of every included row (knn.ts), or with `queries` the bipartite table; blocks this thread until
 * the worker is done.
 */
export function knnTable(
  matrix: VectorMatrix,
  include: Uint8Array,
  k: number,
  options: KnnTableOptions = {},
  queries?: QueryRows,
): KnnTable {
  const base = countIncluded(include, matrix.count);
  const asked = queries ? countIncluded(queries.include, queries.matrix.count) : base;
  const exactBase = queries !== undefined && base <= EXACT_BIPARTITE_BASE;
  if (queries ? exactBase && base * asked <= EXACT_BIPARTITE_PAIRS : base <= (options.exactUpTo ?? EXACT_TABLE_UP_TO)) {
    return exactKnnTable(matrix, include, k, queries);
  }
  const table = emptyTable(queries ? asked : matrix.count, k, true);
  const shared = (mask: Uint8Array, count: number) => {
    const buffer = new SharedArrayBuffer(count);
    new Uint8Array(buffer).set(mask.subarray(0, count));
    return buffer;
  };
  const control = new SharedArrayBuffer(8);
  const flags = new Int32Array(control);
  const { port1, port2 } = new MessageChannel();
  const job: KnnJob = {
    ...sharedRows(matrix),
    dim: matrix.dim,
    count: matrix.count,
    include: shared(include, matrix.count),
    ...(queries
      ? {
          queries: {
            ...sharedRows(queries.matrix),
            count: queries.matrix.count,
            include: shared(queries.include, queries.matrix.count),
          },
        }
      : {}),
    k,
    outIndex: table.index.buffer as SharedArrayBuffer,
    outDistance: table.distance.buffer as SharedArrayBuffer,
    control,
    threads: options.threads ?? cpuBudget(),
    ivf: exactBase ? { ...options.ivf, lists: 1 } : (options.ivf ?? {}),
    port: port2,
  };
  const worker = new Worker(new URL('./knn-worker.js', import.meta.url), {
    workerData: job,
    transferList: [port2],
  });
  while (Atomics.load(flags, 0) === 0) Atomics.wait(flags, 0, 0, 1000);
  void worker.terminate();
  const message = receiveMessageOnPort(port1);
  port1.close();
  if (Atomics.load(flags, 1) !== 0) throw new Error(`k-nearest table failed: ${String(message?.message)}`);
  return table;
}
