/**
 * k-nearest tables: the k nearest rows of EVERY included row of a matrix, the only neighbour question the clustering
 * passes ask (pass 1 over faces, pass 2 over cluster centroids). Answering it for all rows at once lets the work be
 * blocked into matrix products (see ivfKnnTable), which a per-query index cannot do.
 *
 * Distances are cosine distances `1 - dot` of L2-normalised rows, computed here in double precision from the float32
 * rows, so a table does not depend on how its candidates were found: the same candidates give the same table.
 */

import type { Neighbour } from './neighbours.js';
import { dotAt, type VectorMatrix } from './vectors.js';

/**
 * The k nearest included rows (not the row itself) of every row, by (distance, index); -1 pads a short list. A
 * bipartite table (`QueryRows`) has one row per included query row instead, in ascending order, and its entries are
 * rows of the base matrix.
 */
export interface KnnTable {
  readonly k: number;
  readonly count: number;
  /** count·k row indices; row i's list is `index[i*k .. i*k+k)`. Excluded rows have only -1. */
  readonly index: Int32Array;
  /** count·k cosine distances matching `index` (Infinity where the index is -1). */
  readonly distance: Float64Array;
}

/**
 * The queries of a bipartite table: rows of another matrix (or the same one under another mask) whose nearest base
 * rows are asked, such as unplaced faces against the gallery's faces. A query is never its own neighbour only in a
 * plain table; here base and query rows are different things.
 */
export interface QueryRows {
  readonly matrix: VectorMatrix;
  readonly include: Uint8Array;
}

export function emptyTable(count: number, k: number, shared = false): KnnTable {
  const make = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  const index = new Int32Array(make(count * k * 4)).fill(-1);
  const distance = new Float64Array(make(count * k * 8)).fill(Infinity);
  return { k, count, index, distance };
}

/** Row i's neighbours, nearest first, at most `k` of them (k <= table.k). */
export function tableNeighbours(table: KnnTable, i: number, k = table.k): Neighbour[] {
  const out: Neighbour[] = [];
  const o = i * table.k;
  for (let r = 0; r < Math.min(k, table.k); r++) {
    const j = table.index[o + r];
    if (j < 0) break;
    out.push({ index: j, distance: table.distance[o + r] });
  }
  return out;
}

/**
 * A bounded best-k list ordered by (distance, index), for one row at a time. `offer` is O(k) worst case, O(1) for a
 * candidate farther than the current k-th.
 */
export class BestK {
  readonly distance: Float64Array;
  readonly index: Int32Array;
  size = 0;
  constructor(readonly k: number) {
    this.distance = new Float64Array(k);
    this.index = new Int32Array(k);
  }
  reset(): void {
    this.size = 0;
  }
  offer(j: number, d: number): void {
    const { k, distance, index } = this;
    if (k === 0) return;
    if (this.size === k) {
      const last = distance[k - 1];
      if (d > last || (d === last && j >= index[k - 1])) return;
    }
    let p = this.size < k ? this.size++ : k - 1;
    while (p > 0 && (distance[p - 1] > d || (distance[p - 1] === d && index[p - 1] > j))) {
      distance[p] = distance[p - 1];
      index[p] = index[p - 1];
      p--;
    }
    distance[p] = d;
    index[p] = j;
  }
  /** Writes the list into row i of `table` (padding with -1). */
  writeRow(table: KnnTable, i: number): void {
    const o = i * table.k;
    for (let r = 0; r < table.k; r++) {
      table.index[o + r] = r < this.size ? this.index[r] : -1;
      table.distance[o + r] = r < this.size ? this.distance[r] : Infinity;
    }
  }
}

/** `1 - dot` of rows i and j of `data` (double-precision sum of float32 products). */
export function rowDistance(data: Float32Array, i: number, j: number, dim: number): number {
  const a = i * dim;
  const b = j * dim;
  return 1 - dotAt(data, a, data, b, dim);
}

/**
 * Re-ranks candidate base rows of one query exactly: the best k of `candidates` (duplicates, `self` and excluded rows
 * are skipped) by (distance, index), left in `best`. The query is `dim` floats of `query` from `queryOffset`.
 */
export function rerankCandidates(
  base: VectorMatrix,
  include: Uint8Array,
  query: Float32Array,
  queryOffset: number,
  self: number,
  candidates: ArrayLike<number>,
  best: BestK,
): void {
  const { data, dim } = base;
  best.reset();
  for (let c = 0; c < candidates.length; c++) {
    const j = candidates[c];
    if (j === self || j < 0 || !include[j]) continue;
    const b = j * dim;
    const d = 1 - dotAt(query, queryOffset, data, b, dim);
    // a duplicate candidate has the same (d, j) as an entry already kept
    let dup = false;
    for (let r = 0; r < best.size; r++) {
      if (best.index[r] === j) {
        dup = true;
        break;
      }
    }
    if (!dup) best.offer(j, d);
  }
}

/** Re-ranks candidate rows of row i of `matrix` exactly (`rerankCandidates`), written into row i of `table`. */
export function rerankRow(
  matrix: VectorMatrix,
  include: Uint8Array,
  i: number,
  candidates: ArrayLike<number>,
  best: BestK,
  table: KnnTable,
): void {
  rerankCandidates(matrix, include, matrix.data, i * matrix.dim, i, candidates, best);
  best.writeRow(table, i);
}

/**
 * The exact table by brute force: O(n²·dim). For tests and small sets. With `queries`, the bipartite table (one row
 * per included query row, see KnnTable).
 */
export function exactKnnTable(matrix: VectorMatrix, include: Uint8Array, k: number, queries?: QueryRows): KnnTable {
  const { count, dim, data } = matrix;
  const best = new BestK(k);
  if (queries) {
    if (queries.matrix.dim !== dim) throw new RangeError(`queries have dimension ${queries.matrix.dim}, not ${dim}`);
    const rows: number[] = [];
    for (let q = 0; q < queries.matrix.count; q++) if (queries.include[q]) rows.push(q);
    const table = emptyTable(rows.length, k);
    const query = queries.matrix.data;
    rows.forEach((q, r) => {
      best.reset();
      for (let j = 0; j < count; j++) {
        if (!include[j]) continue;
        best.offer(j, 1 - dotAt(query, q * dim, data, j * dim, dim));
      }
      best.writeRow(table, r);
    });
    return table;
  }
  const table = emptyTable(count, k);
  for (let i = 0; i < count; i++) {
    if (!include[i]) continue;
    best.reset();
    for (let j = 0; j < count; j++) if (j !== i && include[j]) best.offer(j, rowDistance(data, i, j, dim));
    best.writeRow(table, i);
  }
  return table;
}
