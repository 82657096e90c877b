/**
 * Worker of knn-tables.ts: computes one k-nearest table by IVF search (recognition/ivf.ts) with onnxruntime's block
 * product (models/top-dot.ts), reading the rows from and writing the table into shared memory, so nothing as large as
 * the matrix is copied. Signals completion through `control` ([done, failed]); an error's text goes to `port`.
 */

import { writeSync } from 'node:fs';
import { type MessagePort, workerData } from 'node:worker_threads';
import type { IvfOptions } from '../recognition/ivf.js';

export interface KnnJob {
  /** The matrix's rows: `count`·`dim` floats from float `offset` of `data`. */
  data: SharedArrayBuffer;
  offset: number;
  dim: number;
  count: number;
  include: SharedArrayBuffer;
  /** A bipartite table's queries (knn.ts's QueryRows): `count`·`dim` floats from float `offset` of `data`. */
  queries?: { data: SharedArrayBuffer; offset: number; count: number; include: SharedArrayBuffer };
  k: number;
  /** count·k Int32 indices and Float64 distances (knn.ts's KnnTable). */
  outIndex: SharedArrayBuffer;
  outDistance: SharedArrayBuffer;
  /** Int32 [done, failed]. */
  control: SharedArrayBuffer;
  threads: number;
  ivf: IvfOptions;
  port: MessagePort;
}

async function run(job: KnnJob): Promise<void> {
  const [{ ivfKnnTable }, { createTopDot }] = await Promise.all([
    import('../recognition/ivf.js'),
    import('../models/top-dot.js'),
  ]);
  const { topDot, release } = await createTopDot(job.threads);
  try {
    const matrix = {
      dim: job.dim,
      count: job.count,
      data: new Float32Array(job.data, job.offset * 4, job.count * job.dim),
    };
    const queries = job.queries && {
      matrix: {
        dim: job.dim,
        count: job.queries.count,
        data: new Float32Array(job.queries.data, job.queries.offset * 4, job.queries.count * job.dim),
      },
      include: new Uint8Array(job.queries.include),
    };
    const index = new Int32Array(job.outIndex);
    const table = {
      k: job.k,
      count: index.length / job.k,
      index,
      distance: new Float64Array(job.outDistance),
    };
    // KNN_STEPS=1 logs each step's wall and CPU seconds to stderr (bench:cluster)
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const onStep = (step: string) => {
      const c = process.cpuUsage(c0);
      // written at once: this worker's process.stderr would wait for the blocked main thread
      writeSync(
        2,
        `[knn ${job.count}${job.queries ? ` ← ${new Uint8Array(job.queries.include).reduce((n, x) => n + x, 0)} queries` : ``}] ${step} at ${((performance.now() - t0) / 1000).toFixed(1)} s (CPU ${((c.user + c.system) / 1e6).toFixed(1)} s)\n`,
      );
    };
    const ivf = process.env.KNN_STEPS === '1' ? { ...job.ivf, onStep } : job.ivf;
    await ivfKnnTable(matrix, new Uint8Array(job.include), job.k, topDot, ivf, table, queries);
  } finally {
    await release();
  }
}

const job = workerData as KnnJob;
const control = new Int32Array(job.control);
run(job)
  .catch((err: unknown) => {
    job.port.postMessage(err instanceof Error ? (err.stack ?? err.message) : String(err));
    Atomics.store(control, 1, 1);
  })
  .finally(() => {
    Atomics.store(control, 0, 1);
    Atomics.notify(control, 0);
  });
