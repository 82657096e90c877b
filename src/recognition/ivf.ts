/**
 * An inverted-file k-nearest table (IVF): the rows are split into `lists` by spherical k-means, and the rows of each
 * list are compared only with the rows of the `probes` lists whose centres are nearest to that list's centre. Every
 * comparison is a block product (queries of one list × candidates of its probed lists) done by an injected
 * `TopDotKernel` (onnxruntime's Gemm + TopK in the app, a plain loop in tests), and the kernel's candidates are
 * re-ranked exactly (knn.ts), so the table is deterministic for the same candidates and equals the brute-force one
 * when every list is probed.
 *
 * Cost: lists·dim per row to find its list, probes·(rows/lists)·dim per row to search, so with lists ≈ √(probes·n)
 * the search costs about 2·√(probes·n)·dim per row instead of n·dim. Recall is not 1: a near neighbour in a list that
 * is not among the probed ones is missed (measured by bench:cluster's `annRecall`).
 */

import { BestK, emptyTable, rerankCandidates, rerankRow, type KnnTable, type QueryRows } from './knn.js';
import type { TopDotKernel } from '../types.js';
import { dotAt, type VectorMatrix } from './vectors.js';

export type { TopDotKernel };

export interface IvfOptions {
  /** Number of lists (default √(probes·rows), at least 1). */
  lists?: number;
  /** Lists searched per list, its own included (default IVF_PROBES). */
  probes?: number;
  /** k-means rounds on the sample (default 6). */
  iterations?: number;
  /** Sample rows per list for k-means (default 32). */
  samplePerList?: number;
  /** Extra candidates the kernel returns per query before the exact re-rank (default 3). */
  margin?: number;
  /** Queries and candidates per kernel call (bound the kernel's score block to queryBlock·candidateBlock floats). */
  queryBlock?: number;
  candidateBlock?: number;
  /** Told when each step ends ('kmeans', 'assign', 'search'), for benchmarks. */
  onStep?: (step: 'kmeans' | 'assign' | 'search') => void;
}

/**
 * Lists searched per list. On bench:cluster's synthetic faces (100k, k 17) 8 probes found ≥ 0.99 of the exact
 * neighbours; the search cost grows as √probes.
 */
export const IVF_PROBES = 8;

/** The rows whose flag is set, in order. */
export function includedRows(include: Uint8Array, count: number): Int32Array {
  let m = 0;
  for (let i = 0; i < count; i++) if (include[i]) m++;
  const rows = new Int32Array(m);
  for (let i = 0, r = 0; i < count; i++) if (include[i]) rows[r++] = i;
  return rows;
}

/** Copies the given rows of `matrix` into one contiguous block. */
export function gatherRows(matrix: VectorMatrix, rows: ArrayLike<number>, out?: Float32Array): Float32Array {
  const { dim, data } = matrix;
  const block = out && out.length >= rows.length * dim ? out : new Float32Array(rows.length * dim);
  for (let r = 0; r < rows.length; r++) block.set(data.subarray(rows[r] * dim, rows[r] * dim + dim), r * dim);
  return block;
}

/** For each query row of `queries` (nq·dim), its k best positions in `candidates` (nc·dim), in blocks. */
async function blockedTop(
  kernel: TopDotKernel,
  queries: Float32Array,
  nq: number,
  candidates: Float32Array,
  nc: number,
  dim: number,
  k: number,
  queryBlock: number,
): Promise<Int32Array> {
  const out = new Int32Array(nq * k).fill(-1);
  for (let q0 = 0; q0 < nq; q0 += queryBlock) {
    const q1 = Math.min(nq, q0 + queryBlock);
    const top = await kernel(queries.subarray(q0 * dim, q1 * dim), q1 - q0, candidates, nc, dim, k);
    out.set(top, q0 * k);
  }
  return out;
}

/**
 * For each of `rows` of `matrix`, its k nearest `centres`: the rows are gathered `queryBlock` at a time into one
 * reused block (the kernel is called per block either way), so nothing as large as the rows is copied: a million
 * rows gathered at once would be 2 GB, a block of 512 is 1 MB.
 */
async function nearestCentres(
  kernel: TopDotKernel,
  matrix: VectorMatrix,
  rows: Int32Array,
  centres: Float32Array,
  lists: number,
  k: number,
  queryBlock: number,
): Promise<Int32Array> {
  const { dim } = matrix;
  const out = new Int32Array(rows.length * k).fill(-1);
  const block = new Float32Array(Math.min(rows.length, queryBlock) * dim);
  for (let r0 = 0; r0 < rows.length; r0 += queryBlock) {
    const part = rows.subarray(r0, Math.min(rows.length, r0 + queryBlock));
    out.set(await kernel(gatherRows(matrix, part, block), part.length, centres, lists, dim, k), r0 * k);
  }
  return out;
}

/**
 * Spherical k-means on `sample` rows: starts from evenly spaced sample rows, `iterations` rounds of assignment (by
 * the kernel) and re-centring (normalised means; a centre that lost every row stays where it was). Returns the centres.
 */
export async function sphericalKMeans(
  matrix: VectorMatrix,
  sample: Int32Array,
  lists: number,
  iterations: number,
  kernel: TopDotKernel,
  queryBlock: number,
): Promise<Float32Array> {
  const { dim } = matrix;
  const start = new Int32Array(lists);
  for (let c = 0; c < lists; c++) start[c] = sample[Math.floor((c * sample.length) / lists)];
  const centres = gatherRows(matrix, start);
  const { data } = matrix;
  const sums = new Float64Array(lists * dim);
  const counts = new Int32Array(lists);
  for (let it = 0; it < iterations; it++) {
    const nearest = await nearestCentres(kernel, matrix, sample, centres, lists, 1, queryBlock);
    sums.fill(0);
    counts.fill(0);
    for (let s = 0; s < sample.length; s++) {
      const c = nearest[s];
      if (c < 0) continue;
      counts[c]++;
      const o = sample[s] * dim;
      const co = c * dim;
      for (let t = 0; t < dim; t++) sums[co + t] += data[o + t];
    }
    for (let c = 0; c < lists; c++) {
      if (counts[c] === 0) continue;
      const co = c * dim;
      let norm = 0;
      for (let t = 0; t < dim; t++) norm += sums[co + t] * sums[co + t];
      const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let t = 0; t < dim; t++) centres[co + t] = sums[co + t] * inv;
    }
  }
  return centres;
}

/** Members of each list, given each row's list: CSR offsets (lists + 1) and the rows in ascending order. */
export function listMembers(
  rows: Int32Array,
  listOf: Int32Array,
  lists: number,
): { start: Int32Array; rows: Int32Array } {
  const start = new Int32Array(lists + 1);
  for (let r = 0; r < rows.length; r++) start[listOf[r] + 1]++;
  for (let c = 0; c < lists; c++) start[c + 1] += start[c];
  const fill = start.slice(0, lists);
  const members = new Int32Array(rows.length);
  for (let r = 0; r < rows.length; r++) members[fill[listOf[r]]++] = rows[r];
  return { start, rows: members };
}

/** Each query row's list: the nearest centre, chosen exactly (in double) among the kernel's two nearest. */
async function nearestLists(
  queries: VectorMatrix,
  queryRows: Int32Array,
  centres: Float32Array,
  lists: number,
  kernel: TopDotKernel,
  queryBlock: number,
): Promise<Int32Array> {
  const { dim, data } = queries;
  const listOf = new Int32Array(queryRows.length);
  if (lists === 1) return listOf;
  const top = await nearestCentres(kernel, queries, queryRows, centres, lists, 2, queryBlock);
  for (let r = 0; r < queryRows.length; r++) {
    // float32 products may order two nearly equidistant centres either way; the exact choice does not depend on
    // which other queries share the block, so a face gets the same list in any batch
    let bestList = Math.max(0, top[r * 2]);
    let bestDot = -Infinity;
    for (let x = 0; x < 2; x++) {
      const c = top[r * 2 + x];
      if (c < 0) continue;
      const dotValue = dotAt(data, queryRows[r] * dim, centres, c * dim, dim);
      if (dotValue > bestDot || (dotValue === bestDot && c < bestList)) {
        bestDot = dotValue;
        bestList = c;
      }
    }
    listOf[r] = bestList;
  }
  return listOf;
}

/**
 * The k-nearest table of every included row, by IVF search (see the file's comment). With `queries`, the bipartite
 * table (knn.ts's QueryRows): the lists are made of the base rows alone and each query is searched in the lists probed
 * for its nearest centre, so a query's row depends only on itself and the base, never on the other queries.
 */
export async function ivfKnnTable(
  matrix: VectorMatrix,
  include: Uint8Array,
  k: number,
  kernel: TopDotKernel,
  options: IvfOptions = {},
  table?: KnnTable,
  queries?: QueryRows,
): Promise<KnnTable> {
  const { dim } = matrix;
  if (queries && queries.matrix.dim !== dim) throw new RangeError(`queries have dimension ${queries.matrix.dim}`);
  const rows = includedRows(include, matrix.count);
  const queryRows = queries ? includedRows(queries.include, queries.matrix.count) : rows;
  const out = table ?? emptyTable(queries ? queryRows.length : matrix.count, k);
  const m = rows.length;
  if (m === 0 || k === 0 || queryRows.length === 0) return out;
  const probesWanted = options.probes ?? IVF_PROBES;
  const lists = Math.max(1, Math.min(m, options.lists ?? Math.round(Math.sqrt(probesWanted * m))));
  const probes = Math.max(1, Math.min(lists, probesWanted));
  const queryBlock = options.queryBlock ?? 512;
  const candidateBlock = options.candidateBlock ?? 16384;
  const margin = options.margin ?? 3;

  // 1. centres: spherical k-means on an evenly spaced sample
  // k-means on 16 rows per list for 4 rounds cost 2.1 s of CPU at 100k synthetic faces against 5.2 s for 32 and 6,
  // but recall within cos 0.5 fell from 0.999 to 0.990
  const sampleSize = Math.min(m, lists * (options.samplePerList ?? 32));
  const sample = new Int32Array(sampleSize);
  for (let s = 0; s < sampleSize; s++) sample[s] = rows[Math.floor((s * m) / sampleSize)];
  const centres =
    lists === 1
      ? new Float32Array(dim)
      : await sphericalKMeans(matrix, sample, lists, options.iterations ?? 6, kernel, queryBlock);

  options.onStep?.('kmeans');

  // 2. every row's list, and each list's probed lists (nearest centres, its own first)
  const listOf = new Int32Array(m);
  if (lists > 1) {
    const nearest = await nearestCentres(kernel, matrix, rows, centres, lists, 1, queryBlock);
    for (let r = 0; r < m; r++) listOf[r] = Math.max(0, nearest[r]);
  }
  const probed =
    lists === 1
      ? new Int32Array([0])
      : await blockedTop(kernel, centres, lists, centres, lists, dim, probes, queryBlock);
  const members = listMembers(rows, listOf, lists);
  // the queries of each list: table slots (bipartite) or the rows themselves
  const querySource = queries ? queries.matrix : matrix;
  const queryMembers = queries
    ? listMembers(
        Int32Array.from(queryRows, (_, slot) => slot),
        await nearestLists(queries.matrix, queryRows, centres, lists, kernel, queryBlock),
        lists,
      )
    : members;
  options.onStep?.('assign');

  // 3. each list's queries against the rows of its probed lists, in blocks; then the exact re-rank
  const best = new BestK(k);
  const keep = k + margin;
  for (let c = 0; c < lists; c++) {
    const q0 = queryMembers.start[c];
    const q1 = queryMembers.start[c + 1];
    if (q1 === q0) continue;
    const probeLists = new Set<number>([c]);
    for (let p = 0; p < probes; p++) if (probed[c * probes + p] >= 0) probeLists.add(probed[c * probes + p]);
    const candidateRows: number[] = [];
    for (const l of [...probeLists].sort((a, b) => a - b)) {
      for (let x = members.start[l]; x < members.start[l + 1]; x++) candidateRows.push(members.rows[x]);
    }
    const slots = queryMembers.rows.subarray(q0, q1);
    const sourceRows = queries ? Int32Array.from(slots, (slot) => queryRows[slot]) : slots;
    const block = gatherRows(querySource, sourceRows);
    const found: number[][] = Array.from({ length: slots.length }, () => []);
    for (let c0 = 0; c0 < candidateRows.length; c0 += candidateBlock) {
      const part = candidateRows.slice(c0, c0 + candidateBlock);
      const top = await blockedTop(
        kernel,
        block,
        slots.length,
        gatherRows(matrix, part),
        part.length,
        dim,
        keep,
        queryBlock,
      );
      for (let q = 0; q < slots.length; q++) {
        for (let r = 0; r < keep; r++) {
          const pos = top[q * keep + r];
          if (pos >= 0) found[q].push(part[pos]);
        }
      }
    }
    for (let q = 0; q < slots.length; q++) {
      if (queries) {
        rerankCandidates(matrix, include, block, q * dim, -1, found[q], best);
        best.writeRow(out, slots[q]);
      } else {
        rerankRow(matrix, include, slots[q], found[q], best, out);
      }
    }
  }
  options.onStep?.('search');
  return out;
}

/** A TopDotKernel in plain loops (tests, and a reference for the app's kernel). */
export const loopKernel: TopDotKernel = (queries, nq, candidates, nc, dim, k) => {
  const kk = Math.min(k, nc);
  const out = new Int32Array(nq * k).fill(-1);
  const best = new BestK(kk);
  for (let q = 0; q < nq; q++) {
    best.reset();
    for (let c = 0; c < nc; c++) {
      best.offer(c, -dotAt(queries, q * dim, candidates, c * dim, dim));
    }
    for (let r = 0; r < best.size; r++) out[q * k + r] = best.index[r];
  }
  return Promise.resolve(out);
};
