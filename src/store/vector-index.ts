import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import hnswlib from 'hnswlib-node';
import type { Neighbour, NeighbourSearch } from '../recognition/neighbours.js';
import type { VectorMatrix } from '../recognition/vectors.js';

const { HierarchicalNSW } = hnswlib;

/** HNSW build settings: M 16 / efConstruction 200 are hnswlib's recommended defaults for ~0.95+ recall. */
const M = 16;
const EF_CONSTRUCTION = 200;
/** Search breadth; must be ≥ k. 64 keeps recall high for the k ≤ 64 the recognition passes ask for. */
const EF_SEARCH = 64;
const SEED = 42;

interface IndexMeta {
  model: string;
  dim: number;
  /** Identifies the exact set of rows: stale when it differs from the store's. */
  signature: string;
}

/** A signature of a row set: its size and an order-independent hash of its ids. */
export function rowSignature(ids: ArrayLike<number>): string {
  let xor = 0;
  let sum = 0;
  for (let i = 0; i < ids.length; i++) {
    xor ^= ids[i];
    sum = (sum + ids[i] * 2654435761) % 4294967296;
  }
  return `${ids.length}:${xor}:${sum}`;
}

/**
 * Removes the HNSW caches that versions before the k-nearest tables kept beside the store (`<store>.faces.hnsw` and
 * `<store>.exemplars.hnsw`, each with its `.json`): nothing reads them any more, and at a million faces the faces'
 * cache alone held 2 GB. Returns the paths removed.
 */
export function removeLegacyCaches(storePath: string): string[] {
  const removed: string[] = [];
  for (const kind of ['faces', 'exemplars']) {
    for (const path of [`${storePath}.${kind}.hnsw`, `${storePath}.${kind}.hnsw.json`]) {
      if (!existsSync(path)) continue;
      rmSync(path, { force: true });
      removed.push(path);
    }
  }
  return removed;
}

/**
 * An HNSW index over rows of a matrix, labelled by row index, persisted at `path` (+ `.json` metadata).
 * The store is the truth: a missing, stale (other rows or model) or unreadable file is rebuilt from the rows.
 */
export class VectorIndex {
  private constructor(
    private readonly index: InstanceType<typeof HierarchicalNSW>,
    readonly rebuilt: boolean,
  ) {}

  static open(
    path: string | null,
    model: string,
    matrix: VectorMatrix,
    include: Uint8Array,
    ids: ArrayLike<number>,
  ): VectorIndex {
    const rows: number[] = [];
    for (let i = 0; i < matrix.count; i++) if (include[i]) rows.push(i);
    const meta: IndexMeta = { model, dim: matrix.dim, signature: rowSignature(rows.map((i) => ids[i])) };
    if (path) {
      const loaded = VectorIndex.tryLoad(path, meta, rows.length);
      if (loaded) return new VectorIndex(loaded, false);
    }
    const index = new HierarchicalNSW('cosine', matrix.dim);
    index.initIndex({ maxElements: Math.max(1, rows.length), m: M, efConstruction: EF_CONSTRUCTION, randomSeed: SEED });
    for (const i of rows) index.addPoint(Array.from(matrix.data.subarray(i * matrix.dim, (i + 1) * matrix.dim)), i);
    index.setEf(EF_SEARCH);
    if (path && rows.length > 0) {
      index.writeIndexSync(`${path}.partial`);
      renameSync(`${path}.partial`, path);
      writeFileSync(`${path}.json`, JSON.stringify(meta));
    }
    return new VectorIndex(index, true);
  }

  private static tryLoad(path: string, meta: IndexMeta, count: number) {
    if (!existsSync(path) || !existsSync(`${path}.json`)) return null;
    try {
      const stored = JSON.parse(readFileSync(`${path}.json`, 'utf8')) as IndexMeta;
      if (stored.model !== meta.model || stored.dim !== meta.dim || stored.signature !== meta.signature) return null;
      const index = new HierarchicalNSW('cosine', meta.dim);
      index.readIndexSync(path);
      if (index.getCurrentCount() !== count) return null;
      index.setEf(EF_SEARCH);
      return index;
    } catch {
      rmSync(path, { force: true });
      return null;
    }
  }

  get size(): number {
    return this.index.getCurrentCount();
  }

  /** k nearest rows by cosine distance, nearest first. */
  readonly search: NeighbourSearch = (query: Float32Array, k: number): Neighbour[] => {
    const n = Math.min(k, this.index.getCurrentCount());
    if (n === 0) return [];
    if (n > EF_SEARCH) this.index.setEf(n);
    const { neighbors, distances } = this.index.searchKnn(Array.from(query), n);
    return neighbors.map((index, i) => ({ index, distance: distances[i] }));
  };
}
