/**
 * The k-nearest table as the app computes it for a large library: in a worker thread, by IVF search with
 * onnxruntime's block product, over the matrix in shared memory. The worker runs from the build (`dist/`, which
 * `npm ci` makes): under vitest the TypeScript sources have no worker file to start, so this test imports the built
 * module and skips, saying so, where there is no build.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exactKnnTable } from '../../src/recognition/knn.js';
import { createMatrix, normaliseRows } from '../../src/recognition/vectors.js';
import { mulberry32 } from '../../bench/cluster-data.js';

const BUILT = new URL('../../dist/src/service/knn-tables.js', import.meta.url);
const HAS_BUILD = existsSync(fileURLToPath(BUILT));
if (!HAS_BUILD) console.warn('[skip] k-nearest tables in the worker: no build (npm run build)');

type KnnTables = typeof import('../../src/service/knn-tables.js');

describe.skipIf(!HAS_BUILD)('knnTable in its worker (the built app)', () => {
  it('equals the exact table when every list is probed, and leaves excluded rows empty', async () => {
    const { knnTable } = (await import(BUILT.href)) as KnnTables;
    const rand = mulberry32(11);
    const m = createMatrix(600, 24);
    for (let x = 0; x < m.data.length; x++) m.data[x] = rand() - 0.5;
    normaliseRows(m);
    const include = new Uint8Array(600).fill(1);
    include[3] = include[99] = 0;
    const worker = knnTable(m, include, 7, { exactUpTo: 0, threads: 1, ivf: { lists: 6, probes: 6 } });
    const exact = exactKnnTable(m, include, 7);
    expect(Array.from(worker.index)).toEqual(Array.from(exact.index));
    expect(Array.from(worker.distance)).toEqual(Array.from(exact.distance));
    expect(Array.from(worker.index.subarray(3 * 7, 4 * 7))).toEqual(new Array(7).fill(-1));
  });

  it('computes a bipartite table in the worker as the exact one: by lists over a large base, whole over a small one', async () => {
    const { knnTable } = (await import(BUILT.href)) as KnnTables;
    const rows = (n: number, seed: number) => {
      const rand = mulberry32(seed);
      const m = createMatrix(n, 24);
      for (let x = 0; x < m.data.length; x++) m.data[x] = rand() - 0.5;
      normaliseRows(m);
      return m;
    };
    // 5,000 base rows are split into lists (here all probed); 600 with 4,000 queries are searched whole, in the worker
    for (const [baseRows, queryRows] of [
      [5000, 300],
      [600, 4000],
    ]) {
      const base = rows(baseRows, 12);
      const include = new Uint8Array(baseRows).fill(1);
      include[7] = 0;
      const queries = { matrix: rows(queryRows, 13), include: new Uint8Array(queryRows).fill(1) };
      queries.include[0] = 0;
      const worker = knnTable(base, include, 5, { threads: 1, ivf: { lists: 8, probes: 8 } }, queries);
      const exact = exactKnnTable(base, include, 5, queries);
      expect(worker.count).toBe(queryRows - 1);
      expect(Array.from(worker.index)).toEqual(Array.from(exact.index));
    }
  });
});
