/**
 * Baseline: plain average-linkage (UPGMA) hierarchical agglomerative clustering on cosine distance
 * (1 − dot), cut at `maxDistance`: two clusters end up together when the dendrogram joins them at a
 * height <= maxDistance. Built with the nearest-neighbour-chain algorithm (exact for average
 * linkage, which is reducible), ties broken by lower index. O(n²) time and O(n²) memory (a
 * Float32 n×n distance matrix: 4k faces ≈ 64 MB) — an evaluation baseline, not for libraries.
 * Average linkage has no inversions, so one dendrogram (`hacDendrogram`) serves every cut
 * (`cutDendrogram`): a threshold sweep builds it once.
 */

import type { VectorMatrix } from '../vectors.js';
import { findRoot, identityParents, labelsFromRoots } from '../union-find.js';
import { similarityMatrix, type SimilarityMatrix } from './similarity.js';

/** Cut at cos 0.40 (distance 0.60): models.md's suggested clustering level for our embedder. */
export const HAC_AVERAGE_MAX_DISTANCE = 0.6;

export interface HacAverageOptions {
  maxDistance?: number;
}

/** One merge of the dendrogram: clusters represented by rows `a` < `b` join at cosine distance `height`. */
export interface HacMerge {
  a: number;
  b: number;
  height: number;
}

/** Cluster label per row (0.. in order of smallest member). Rows must be L2-normalised. */
export function hacAverage(vectors: VectorMatrix, options: HacAverageOptions = {}): Int32Array {
  const merges = hacDendrogram(similarityMatrix(vectors));
  return cutDendrogram(vectors.count, merges, options.maxDistance ?? HAC_AVERAGE_MAX_DISTANCE);
}

/** Labels after joining every merge at height <= maxDistance (0.. in order of smallest member). */
export function cutDendrogram(count: number, merges: readonly HacMerge[], maxDistance: number): Int32Array {
  const parent = identityParents(count);
  for (const m of merges) {
    if (m.height <= maxDistance) parent[findRoot(parent, m.b)] = findRoot(parent, m.a);
  }
  return labelsFromRoots(parent, () => true);
}

/** The n − 1 merges of average-linkage HAC on cosine distance, in the order the NN-chain makes them. */
export function hacDendrogram(similarity: SimilarityMatrix): HacMerge[] {
  const { count: n } = similarity;
  const merges: HacMerge[] = [];
  if (n < 2) return merges;
  const dist = new Float32Array(n * n);
  for (let k = 0; k < n * n; k++) dist[k] = 1 - similarity.data[k];
  const size = new Int32Array(n).fill(1);
  const active = new Uint8Array(n).fill(1);
  const chain: number[] = [];
  let remaining = n;
  let firstActive = 0;
  while (remaining > 1) {
    if (chain.length === 0) {
      while (!active[firstActive]) firstActive++;
      chain.push(firstActive);
    }
    let a = chain[chain.length - 1];
    const prev = chain.length >= 2 ? chain[chain.length - 2] : -1;
    let b = -1;
    let best = Infinity;
    const oa = a * n;
    for (let k = 0; k < n; k++) {
      if (k === a || !active[k]) continue;
      const d = dist[oa + k];
      if (d < best) {
        best = d;
        b = k;
      }
    }
    // Prefer the previous chain element on a tie, so the chain always ends in a reciprocal pair.
    if (prev >= 0 && dist[oa + prev] <= best) {
      b = prev;
      best = dist[oa + prev];
    }
    if (b !== prev) {
      chain.push(b);
      continue;
    }
    chain.pop();
    chain.pop();
    // Merge a and b into the lower index; update average-linkage distances (Lance–Williams).
    if (b < a) [a, b] = [b, a];
    const sa = size[a];
    const sb = size[b];
    for (let k = 0; k < n; k++) {
      if (!active[k] || k === a || k === b) continue;
      const d = (sa * dist[a * n + k] + sb * dist[b * n + k]) / (sa + sb);
      dist[a * n + k] = d;
      dist[k * n + a] = d;
    }
    size[a] = sa + sb;
    active[b] = 0;
    remaining--;
    merges.push({ a, b, height: best });
  }
  return merges;
}
