/**
 * Baseline: plain average-linkage (UPGMA) hierarchical agglomerative clustering on cosine distance
 * (1 − dot), cut at `maxDistance`: two clusters end up together when the dendrogram joins them at a
 * height <= maxDistance. Built with the nearest-neighbour-chain algorithm (exact for average
 * linkage, which is reducible), ties broken by lower index. O(n²) time and O(n²) memory (a
 * Float32 condensed distance matrix: 10k faces ≈ 200 MB) — an evaluation baseline, not for libraries.
 */

import type { VectorMatrix } from '../vectors.js';
import { findRoot, identityParents, labelsFromRoots } from '../union-find.js';

/** Cut at cos 0.40 (distance 0.60): models.md's suggested clustering level for our embedder. */
export const HAC_AVERAGE_MAX_DISTANCE = 0.6;

export interface HacAverageOptions {
  maxDistance?: number;
}

/** Cluster label per row (0.. in order of smallest member). Rows must be L2-normalised. */
export function hacAverage(vectors: VectorMatrix, options: HacAverageOptions = {}): Int32Array {
  const maxDistance = options.maxDistance ?? HAC_AVERAGE_MAX_DISTANCE;
  const { dim, count: n, data } = vectors;
  const parent = identityParents(n);
  if (n < 2) return labelsFromRoots(parent, () => true);
  const idx = (i: number, j: number): number => {
    const a = i < j ? i : j;
    const b = i < j ? j : i;
    return a * n - (a * (a + 1)) / 2 + (b - a - 1);
  };
  const dist = new Float32Array((n * (n - 1)) / 2);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let t = 0; t < dim; t++) s += data[i * dim + t] * data[j * dim + t];
      dist[idx(i, j)] = 1 - s;
    }
  }
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
    for (let k = 0; k < n; k++) {
      if (k === a || !active[k]) continue;
      const d = dist[idx(a, k)];
      if (d < best) {
        best = d;
        b = k;
      }
    }
    // Prefer the previous chain element on a tie, so the chain always ends in a reciprocal pair.
    if (prev >= 0 && dist[idx(a, prev)] <= best) {
      b = prev;
      best = dist[idx(a, prev)];
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
      dist[idx(a, k)] = (sa * dist[idx(a, k)] + sb * dist[idx(b, k)]) / (sa + sb);
    }
    size[a] = sa + sb;
    active[b] = 0;
    remaining--;
    if (best <= maxDistance) parent[findRoot(parent, b)] = findRoot(parent, a);
  }
  return labelsFromRoots(parent, () => true);
}
