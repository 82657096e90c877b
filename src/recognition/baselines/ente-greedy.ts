/**
 * Baseline: Ente's "linear" incremental clustering (web `services/ml/cluster.ts`, anchors.md §2.1).
 * Faces are visited in input order (Ente sorts newest first; pass them in that order to mimic it).
 * Each face scans every earlier face (j = i−1 down to 0) for the most similar one whose cosine is
 * at least the threshold — 0.76, or 0.84 when that earlier face is a "bad" face — and joins its
 * cluster; with no such face it starts a new cluster. Single-linkage chaining; every face gets a
 * cluster (Ente hides small ones only in the UI). Strict ">" for the running best, as in Ente, so
 * ties keep the later face. O(n²) over a precomputed similarity matrix (`enteGreedyOnSimilarity`, what the
 * eval's sweeps share), O(n²·dim) from vectors; Ente's 10,000-face batching with overlap is not modelled.
 */

import type { VectorMatrix } from '../vectors.js';
import { similarityMatrix, type SimilarityMatrix } from './similarity.js';

/** Ente's kRecommendedDistanceThreshold 0.24 as a similarity; calibrated for MobileFaceNet 192-D, not our embedder. */
export const ENTE_MIN_SIMILARITY = 0.76;
/** Ente's kConservativeDistanceThreshold 0.16 as a similarity, applied when the earlier face is bad. */
export const ENTE_BAD_FACE_MIN_SIMILARITY = 0.84;

export interface EnteOptions {
  minSimilarity?: number;
  badFaceMinSimilarity?: number;
  /** 1 where the face is "bad" (blurry, low score, sideways). */
  badFace?: Uint8Array;
}

/** Cluster label per face (0.. in creation order). Rows must be L2-normalised. */
export function enteGreedy(vectors: VectorMatrix, options: EnteOptions = {}): Int32Array {
  return enteGreedyOnSimilarity(similarityMatrix(vectors), options);
}

/** The same, over a precomputed similarity matrix. */
export function enteGreedyOnSimilarity(similarity: SimilarityMatrix, options: EnteOptions = {}): Int32Array {
  const good = options.minSimilarity ?? ENTE_MIN_SIMILARITY;
  const bad = options.badFaceMinSimilarity ?? ENTE_BAD_FACE_MIN_SIMILARITY;
  const badFace = options.badFace;
  const { count: n, data } = similarity;
  const labels = new Int32Array(n);
  let clusters = 0;
  for (let i = 0; i < n; i++) {
    const oi = i * n;
    let nn = -1;
    let nnSim = 0;
    for (let j = i - 1; j >= 0; j--) {
      const s = data[oi + j];
      if (s <= nnSim) continue;
      if (s < (badFace !== undefined && badFace[j] ? bad : good)) continue;
      nn = j;
      nnSim = s;
    }
    labels[i] = nn >= 0 ? labels[nn] : clusters++;
  }
  return labels;
}
