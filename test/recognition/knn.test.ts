import { describe, expect, it } from 'vitest';
import { clusterPass1 } from '../../src/recognition/cluster-pass1.js';
import { includedRows, ivfKnnTable, listMembers, loopKernel } from '../../src/recognition/ivf.js';
import { BestK, exactKnnTable, tableNeighbours, type KnnTable } from '../../src/recognition/knn.js';
import { bruteForceSearch } from '../../src/recognition/neighbours.js';
import { mulberry32 } from '../../bench/cluster-data.js';
import { createMatrix, normaliseRows, row, type VectorMatrix } from '../../src/recognition/vectors.js';

/** n unit rows of dim floats around `centres` random centres (so that lists and neighbours are meaningful). */
function randomRows(n: number, dim: number, centres: number, seed: number): VectorMatrix {
  const rand = mulberry32(seed);
  const c = createMatrix(centres, dim);
  for (let x = 0; x < c.data.length; x++) c.data[x] = rand() - 0.5;
  const m = createMatrix(n, dim);
  for (let i = 0; i < n; i++) {
    const from = Math.floor(rand() * centres) * dim;
    for (let t = 0; t < dim; t++) m.data[i * dim + t] = c.data[from + t] + 0.4 * (rand() - 0.5);
  }
  normaliseRows(m);
  return m;
}

const rowsOf = (t: KnnTable, i: number) => tableNeighbours(t, i).map((nb) => nb.index);

describe('BestK', () => {
  it('keeps the k smallest by (distance, index), ties to the lower index', () => {
    const best = new BestK(3);
    for (const [j, d] of [
      [5, 0.3],
      [2, 0.1],
      [9, 0.3],
      [1, 0.3],
      [7, 0.05],
      [4, 0.9],
    ] as const)
      best.offer(j, d);
    expect(Array.from(best.index.subarray(0, best.size))).toEqual([7, 2, 1]);
    expect(Array.from(best.distance.subarray(0, best.size))).toEqual([0.05, 0.1, 0.3]);
  });
});

describe('exactKnnTable', () => {
  it('equals the brute-force search of every included row, without the row itself', () => {
    const m = randomRows(120, 16, 6, 1);
    const include = new Uint8Array(120).fill(1);
    for (let i = 0; i < 120; i += 7) include[i] = 0;
    const table = exactKnnTable(m, include, 5);
    const search = bruteForceSearch(m, include);
    for (let i = 0; i < 120; i++) {
      if (!include[i]) {
        expect(rowsOf(table, i)).toEqual([]);
        continue;
      }
      const want = search(row(m, i), 6).filter((nb) => nb.index !== i);
      expect(tableNeighbours(table, i)).toEqual(want.slice(0, 5));
    }
  });
});

describe('ivfKnnTable', () => {
  it('is the exact table when every list is probed', async () => {
    const m = randomRows(300, 24, 10, 3);
    const include = new Uint8Array(300).fill(1);
    include[17] = 0;
    include[200] = 0;
    const ivf = await ivfKnnTable(m, include, 6, loopKernel, { lists: 12, probes: 12, candidateBlock: 50 });
    const exact = exactKnnTable(m, include, 6);
    expect(Array.from(ivf.index)).toEqual(Array.from(exact.index));
    expect(Array.from(ivf.distance)).toEqual(Array.from(exact.distance));
  });

  it('with few probes still finds the neighbours of well-separated groups', async () => {
    const m = randomRows(400, 32, 8, 4);
    const include = new Uint8Array(400).fill(1);
    const ivf = await ivfKnnTable(m, include, 5, loopKernel, { lists: 8, probes: 2 });
    const exact = exactKnnTable(m, include, 5);
    let hit = 0;
    for (let i = 0; i < 400; i++) {
      const got = new Set(rowsOf(ivf, i));
      for (const j of rowsOf(exact, i)) if (got.has(j)) hit++;
    }
    expect(hit / (400 * 5)).toBeGreaterThan(0.95);
  });

  it('gives pass 1 the same clusters as its brute-force search', async () => {
    const m = randomRows(200, 16, 5, 5);
    const n = 200;
    const set = {
      count: n,
      faces: m,
      hasFace: new Uint8Array(n).fill(1),
      clearFace: new Uint8Array(n).fill(1),
      bodies: null,
      hasBody: new Uint8Array(n),
      image: Int32Array.from({ length: n }, (_, i) => i),
      moment: new Int32Array(n).fill(-1),
    };
    const table = await ivfKnnTable(m, set.clearFace, 16, loopKernel, { lists: 5, probes: 5 });
    const viaTable = clusterPass1(set, { faceTable: table, maxDistance: 0.3, pairMaxDistance: 0.3 });
    const viaSearch = clusterPass1(set, { maxDistance: 0.3, pairMaxDistance: 0.3 });
    expect(Array.from(viaTable.labels)).toEqual(Array.from(viaSearch.labels));
    expect(viaTable.clusterCount).toBeGreaterThan(1);
  });
});

describe('bipartite tables (queries against a base)', () => {
  const base = randomRows(300, 24, 10, 5);
  const include = Uint8Array.from({ length: 300 }, (_, i) => (i % 7 === 3 ? 0 : 1));
  const queries = randomRows(80, 24, 10, 6);
  const asked = Uint8Array.from({ length: 80 }, (_, q) => (q % 5 === 0 ? 0 : 1));

  it('has one row per asked query, each the brute-force search of the included base rows', () => {
    const table = exactKnnTable(base, include, 4, { matrix: queries, include: asked });
    expect(table.count).toBe(64);
    const search = bruteForceSearch(base, include);
    let slot = 0;
    for (let q = 0; q < 80; q++) {
      if (!asked[q]) continue;
      expect(rowsOf(table, slot++)).toEqual(search(row(queries, q), 4).map((nb) => nb.index));
    }
  });

  it('by IVF is the exact table when every list is probed', async () => {
    const ivf = await ivfKnnTable(
      base,
      include,
      6,
      loopKernel,
      { lists: 9, probes: 9, candidateBlock: 40 },
      undefined,
      {
        matrix: queries,
        include: asked,
      },
    );
    const exact = exactKnnTable(base, include, 6, { matrix: queries, include: asked });
    expect(Array.from(ivf.index)).toEqual(Array.from(exact.index));
    expect(Array.from(ivf.distance)).toEqual(Array.from(exact.distance));
  });

  it('by IVF gives a query the same row whichever other queries are asked with it', async () => {
    const options = { lists: 12, probes: 2 };
    const all = await ivfKnnTable(base, include, 5, loopKernel, options, undefined, {
      matrix: queries,
      include: asked,
    });
    const one = new Uint8Array(80);
    one[41] = 1;
    const alone = await ivfKnnTable(base, include, 5, loopKernel, options, undefined, {
      matrix: queries,
      include: one,
    });
    // query 41 is the 33rd asked one (every fifth query is not asked)
    expect(rowsOf(alone, 0)).toEqual(rowsOf(all, 32));
    expect(rowsOf(alone, 0)).toHaveLength(5);
  });
});

describe('listMembers', () => {
  it('groups rows by list in ascending order', () => {
    const rows = Int32Array.from([3, 5, 8, 9, 12]);
    const { start, rows: members } = listMembers(rows, Int32Array.from([1, 0, 1, 2, 0]), 3);
    expect(Array.from(start)).toEqual([0, 2, 4, 5]);
    expect(Array.from(members)).toEqual([5, 12, 3, 8, 9]);
  });
  it('includedRows lists the flagged rows', () => {
    expect(Array.from(includedRows(Uint8Array.from([0, 1, 1, 0, 1]), 5))).toEqual([1, 2, 4]);
  });
});
