/**
 * Pass 2 of Apple's gallery construction (anchors.md §1.7): face-only hierarchical agglomerative
 * clustering over the pass-1 clusters, across moment boundaries.
 *
 * Linkage: the MEDIAN of the face cosine distances (1 − cos) between members of the two clusters
 * (not SciPy's "median", which is WPGMC centroid linkage). When a cluster has more than `sampleSize`
 * clear faces, `sampleSize` of them are taken evenly spaced through its member list, so a linkage
 * costs at most sampleSize² dot products. Median linkage has no Lance–Williams update, so after a
 * merge the linkage to each neighbour is recomputed from members.
 *
 * Candidates: each cluster asks `centroidSearch` for the k clusters with the nearest normalised
 * mean face; pairs whose centroid distance is <= `candidateMaxDistance` are the only pairs ever
 * compared (a merged cluster inherits both candidate lists). Then:
 * - pairs with linkage <= `autoMergeMaxDistance` merge, and so do pairs with linkage <=
 *   `cohesiveMergeMaxDistance` whose clusters are as alike across as within (`cohesive`, linkage.ts),
 *   closest first (a priority queue with lazy invalidation; ties by cluster index), until none is left;
 * - remaining candidate pairs with linkage <= `suggestMaxDistance` become merge suggestions, ranked
 *   by linkage, score = 1 − linkage (a median cosine similarity).
 *
 * Every level is a cosine distance of the reference model; recognise() maps them to the library's
 * model (calibration.ts, thresholds.ts).
 *
 * Hard rules: two clusters never merge, and are never suggested, when any member of one conflicts
 * with any member of the other (same image, or a user cannot-link, e.g. a rejected suggestion).
 * Observations with label -1 stay -1. Deterministic for the same input and provider.
 *
 * Cost: C centroid queries + (candidate pairs + merges·neighbours)·sampleSize²·dim. The default
 * brute-force centroid search is O(C²·dim) (tests, small inputs); plug an HNSW index for large C.
 */

import { REFERENCE_LIBRARY_IMPOSTORS } from './calibration.js';
import { buildConflictGraph, type ObservationPair } from './constraints.js';
import { cohesive, medianLinkage, PASS2_SAMPLE_SIZE, withinLinkage } from './linkage.js';
import { tableNeighbours, type KnnTable } from './knn.js';
import { bruteForceSearch, type Neighbour, type NeighbourSearch } from './neighbours.js';
import { findRoot, identityParents } from './union-find.js';
import { createMatrix, row, type VectorMatrix } from './vectors.js';

export { cohesive, evenSample, medianInPlace, medianLinkage, PASS2_SAMPLE_SIZE, withinLinkage } from './linkage.js';

/**
 * Auto-merge when the median member cos >= 0.45 (4.8 impostor spreads above the impostor mean), whatever the
 * clusters; looser merges need the rules below. Measured on the development set's tuning split (188 identities,
 * 3,205 faces) with one level for every pair: BCubed F 0.9711 at 0.55, 0.9730 at 0.60, 0.9747 at 0.64; at 0.66 whole
 * look-alike identities merged (LFW politicians, 12 + 12 faces, linkage 0.648-0.651) and precision fell from 0.998 to
 * 0.987. bench:cluster's synthetic look-alikes (tight clusters of 8 and 9 faces, within cos 0.75-0.82, across 0.41)
 * merged at 0.60 and not at 0.55; the cohesion test below keeps them apart. A cosine for the reference model, mapped
 * to the library's (calibration.ts).
 */
export const PASS2_AUTO_MERGE_MAX_DISTANCE = 0.55;
/**
 * A single face joins a cluster up to median cos 0.42 to its members. On the tuning split: BCubed F 0.9711 at 0.55,
 * 0.9718 at 0.58, 0.9730 at 0.60, 0.9763 at 0.66, precision 0.998-0.999 throughout; but a stranger's face joins
 * someone too: in the tuning split's open-set test (a face of someone not enrolled, against the enrolled faces), the
 * best person's median cosine gave precision 99.9 % at 0.45, 99.6 % at 0.42, 98.9 % at 0.40, 95.8 % at 0.34. 0.58
 * keeps it as strict as assignment (99.4 %).
 */
export const PASS2_SINGLE_FACE_MAX_DISTANCE = 0.58;
/** Suggest a merge when the median member cos >= 0.35: between the FAR 1e-2 point (0.28) and the auto-merge level. */
export const PASS2_SUGGEST_MAX_DISTANCE = 0.65;
/** Candidate clusters asked per cluster (not tuned). */
export const PASS2_NEIGHBOURS = 16;
/** Candidate pairs need centroid distance <= 0.70: centroids of one person are closer than its members (averaging removes noise), so this is looser than the 0.60 suggestion band. */
export const PASS2_CANDIDATE_MAX_DISTANCE = 0.7;
/**
 * Up to median cos 0.30, clusters also merge when they are as alike as their own members (see `cohesive`): one
 * person whose photos vary (a tennis player mid-shot and on the red carpet) is alike across about as much as within,
 * and merged at 0.55-0.70 on the tuning split without one false merge: BCubed F 0.9718 with this band, 0.9563
 * without it, precision 0.998-0.999 either way.
 */
export const PASS2_COHESIVE_MAX_DISTANCE = 0.7;
/**
 * Cross likeness at least 0.6 of the clusters' own (see `cohesive`; measured: one person 0.64-0.98, two 0.34-0.51;
 * bench:cluster's synthetic look-alikes 0.55). BCubed F on the tuning split 0.9718 at 0.55 and 0.60, 0.9691 at 0.65.
 */
export const PASS2_COHESION_MIN_RATIO = 0.6;

export interface Pass2Input {
  /** L2-normalised face embeddings, one row per observation. */
  readonly faces: VectorMatrix;
  /** 1 where the face may be used for linkage. */
  readonly clearFace: Uint8Array;
  /** Image of each observation (-1 = unknown). */
  readonly image: Int32Array;
  /** Pass-1 cluster of each observation (-1 = none). */
  readonly labels: Int32Array;
}

export interface Pass2Options {
  autoMergeMaxDistance?: number;
  /** Up to this linkage, two clusters also merge when they are as alike as their own members (`cohesionMinRatio`). */
  cohesiveMergeMaxDistance?: number;
  /** Up to this linkage a single face joins a cluster (its median cosine to the members). */
  singleFaceMergeMaxDistance?: number;
  /** (cross − μ) >= ratio · √((within_a − μ)(within_b − μ)), cosines, μ = `impostorMean`; see `cohesive`. */
  cohesionMinRatio?: number;
  /** The impostor mean cosine of the model (calibration.ts). */
  impostorMean?: number;
  suggestMaxDistance?: number;
  sampleSize?: number;
  neighbours?: number;
  candidateMaxDistance?: number;
  /** Observation pairs never to share a cluster (user rejections). */
  cannotLink?: readonly ObservationPair[];
  /** Builds a k-nearest provider over cluster centroids (rows with include[i] === 0 are empty). */
  centroidSearch?: (centroids: VectorMatrix, include: Uint8Array) => NeighbourSearch;
  /** Builds the k-nearest table of the centroids (knn.ts); used instead of `centroidSearch` when given. */
  centroidTable?: (centroids: VectorMatrix, include: Uint8Array, k: number) => KnnTable;
}

export interface MergeSuggestion {
  /** Final cluster labels, a < b. */
  a: number;
  b: number;
  /** 1 − median face distance: the median cosine similarity between members. Higher is better. */
  score: number;
}

export interface Pass2Result {
  /** Final cluster of each observation, 0..clusterCount-1 in order of smallest member; -1 = none. */
  labels: Int32Array;
  clusterCount: number;
  /** Ranked best first (highest score; ties by a, then b). */
  suggestions: MergeSuggestion[];
  /** Number of automatic merges made. */
  merges: number;
}

/** Binary min-heap of (distance, a, b, versionA, versionB), ordered by (distance, a, b). */
class PairHeap {
  private d = new Float64Array(256);
  private a = new Int32Array(256);
  private b = new Int32Array(256);
  private va = new Int32Array(256);
  private vb = new Int32Array(256);
  size = 0;

  private less(x: number, y: number): boolean {
    return (
      this.d[x] < this.d[y] ||
      (this.d[x] === this.d[y] && (this.a[x] < this.a[y] || (this.a[x] === this.a[y] && this.b[x] < this.b[y])))
    );
  }

  private swap(x: number, y: number): void {
    const d = this.d[x];
    this.d[x] = this.d[y];
    this.d[y] = d;
    for (const arr of [this.a, this.b, this.va, this.vb]) {
      const t = arr[x];
      arr[x] = arr[y];
      arr[y] = t;
    }
  }

  push(d: number, a: number, b: number, va: number, vb: number): void {
    if (this.size === this.d.length) {
      const grow = <T extends Float64Array | Int32Array>(src: T, make: (n: number) => T): T => {
        const out = make(src.length * 2);
        out.set(src);
        return out;
      };
      this.d = grow(this.d, (n) => new Float64Array(n));
      this.a = grow(this.a, (n) => new Int32Array(n));
      this.b = grow(this.b, (n) => new Int32Array(n));
      this.va = grow(this.va, (n) => new Int32Array(n));
      this.vb = grow(this.vb, (n) => new Int32Array(n));
    }
    let i = this.size++;
    this.d[i] = d;
    this.a[i] = a;
    this.b[i] = b;
    this.va[i] = va;
    this.vb[i] = vb;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** Removes the top into `out` = [d, a, b, va, vb]. */
  pop(out: Float64Array): void {
    out[0] = this.d[0];
    out[1] = this.a[0];
    out[2] = this.b[0];
    out[3] = this.va[0];
    out[4] = this.vb[0];
    this.size--;
    if (this.size === 0) return;
    this.swap(0, this.size);
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.size && this.less(l, m)) m = l;
      if (r < this.size && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
}

export function mergePass2(input: Pass2Input, options: Pass2Options = {}): Pass2Result {
  const autoMax = options.autoMergeMaxDistance ?? PASS2_AUTO_MERGE_MAX_DISTANCE;
  const suggestMax = options.suggestMaxDistance ?? PASS2_SUGGEST_MAX_DISTANCE;
  const sampleSize = options.sampleSize ?? PASS2_SAMPLE_SIZE;
  const k = options.neighbours ?? PASS2_NEIGHBOURS;
  const candidateMax = options.candidateMaxDistance ?? PASS2_CANDIDATE_MAX_DISTANCE;
  const cohesiveMax = Math.max(autoMax, options.cohesiveMergeMaxDistance ?? PASS2_COHESIVE_MAX_DISTANCE);
  const singleMax = Math.max(autoMax, options.singleFaceMergeMaxDistance ?? PASS2_SINGLE_FACE_MAX_DISTANCE);
  const cohesionRatio = options.cohesionMinRatio ?? PASS2_COHESION_MIN_RATIO;
  const impostorMean = options.impostorMean ?? REFERENCE_LIBRARY_IMPOSTORS.mean;
  const { faces, clearFace, labels } = input;
  const n = labels.length;
  if (faces.count !== n || clearFace.length !== n || input.image.length !== n) {
    throw new RangeError('faces, clearFace, image and labels must have one entry per observation');
  }

  // Pass-1 clusters: all members (for conflicts) and clear-face members (for linkage), by index.
  let c = 0;
  for (let i = 0; i < n; i++) if (labels[i] + 1 > c) c = labels[i] + 1;
  const members: number[][] = Array.from({ length: c }, () => []);
  const faceMembers: number[][] = Array.from({ length: c }, () => []);
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    if (l < 0) continue;
    members[l].push(i);
    if (clearFace[i]) faceMembers[l].push(i);
  }

  const conflicts = buildConflictGraph(n, input.image, options.cannotLink ?? []);
  const parent = identityParents(c);
  const clusterOf = (obs: number): number => (labels[obs] < 0 ? -1 : findRoot(parent, labels[obs]));
  const conflict = (a: number, b: number): boolean => {
    const [small, big] = members[a].length <= members[b].length ? [a, b] : [b, a];
    const { offsets, targets } = conflicts;
    for (const x of members[small]) {
      for (let p = offsets[x]; p < offsets[x + 1]; p++) if (clusterOf(targets[p]) === big) return true;
    }
    return false;
  };

  // Centroids (normalised mean of clear faces) and candidate pairs.
  const dim = faces.dim;
  // in shared memory when a table provider reads it (a worker, in the app): 518 MB at a million faces not copied again
  const centroids = createMatrix(c, dim, options.centroidTable !== undefined);
  const hasCentroid = new Uint8Array(c);
  for (let l = 0; l < c; l++) {
    const fm = faceMembers[l];
    if (fm.length === 0) continue;
    hasCentroid[l] = 1;
    const o = l * dim;
    for (const x of fm) for (let t = 0; t < dim; t++) centroids.data[o + t] += faces.data[x * dim + t];
    let s = 0;
    for (let t = 0; t < dim; t++) s += centroids.data[o + t] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let t = 0; t < dim; t++) centroids.data[o + t] *= inv;
  }
  // a table leaves each row out of its own list, a search does not: k + 1 asked there gives the same k others
  const table = options.centroidTable?.(centroids, hasCentroid, k);
  const search = table ? null : (options.centroidSearch ?? bruteForceSearch)(centroids, hasCentroid);
  const nearest = (l: number): Neighbour[] =>
    table ? tableNeighbours(table, l, k) : search!(row(centroids, l), k + 1);
  const neighbours: Set<number>[] = Array.from({ length: c }, () => new Set<number>());
  for (let l = 0; l < c; l++) {
    if (!hasCentroid[l]) continue;
    for (const { index: m, distance } of nearest(l)) {
      if (m === l || m < 0 || m >= c || !hasCentroid[m] || distance > candidateMax) continue;
      neighbours[l].add(m);
      neighbours[m].add(l);
    }
  }

  const scratch = new Float64Array(sampleSize * sampleSize);
  const version = new Int32Array(c);
  const linkage = (a: number, b: number): number =>
    medianLinkage(faces, faceMembers[a], faceMembers[b], sampleSize, scratch);
  const sortedNeighbours = (l: number): number[] => [...neighbours[l]].sort((x, y) => x - y);
  // each cluster's own median cosine, recomputed when it grows (its version changes)
  const within = new Float64Array(c).fill(NaN);
  const withinVersion = new Int32Array(c).fill(-1);
  const ownLikeness = (l: number): number => {
    if (withinVersion[l] !== version[l]) {
      within[l] = withinLinkage(faces, faceMembers[l], sampleSize, scratch);
      withinVersion[l] = version[l];
    }
    return within[l];
  };
  const mergeable = (a: number, b: number, d: number): boolean =>
    d <= autoMax ||
    (d <= singleMax && Math.min(faceMembers[a].length, faceMembers[b].length) === 1) ||
    (d <= cohesiveMax && cohesive(1 - d, ownLikeness(a), ownLikeness(b), impostorMean, cohesionRatio));

  // Automatic merges, closest first.
  const alive = new Uint8Array(c).fill(1);
  const heap = new PairHeap();
  for (let a = 0; a < c; a++) {
    for (const b of sortedNeighbours(a)) {
      if (b <= a) continue;
      const d = linkage(a, b);
      if (mergeable(a, b, d)) heap.push(d, a, b, 0, 0);
    }
  }
  const top = new Float64Array(5);
  let merges = 0;
  while (heap.size > 0) {
    heap.pop(top);
    const a = top[1];
    const b = top[2];
    if (!alive[a] || !alive[b] || version[a] !== top[3] || version[b] !== top[4]) continue;
    if (conflict(a, b)) {
      neighbours[a].delete(b);
      neighbours[b].delete(a);
      continue;
    }
    // The cluster with more clear faces survives (ties: lower index).
    const keepA =
      faceMembers[a].length > faceMembers[b].length || (faceMembers[a].length === faceMembers[b].length && a < b);
    const s = keepA ? a : b;
    const o = keepA ? b : a;
    parent[o] = s;
    alive[o] = 0;
    version[s]++;
    for (const x of members[o]) members[s].push(x);
    for (const x of faceMembers[o]) faceMembers[s].push(x);
    members[o] = [];
    faceMembers[o] = [];
    for (const x of neighbours[o]) {
      neighbours[x].delete(o);
      if (x !== s) {
        neighbours[x].add(s);
        neighbours[s].add(x);
      }
    }
    neighbours[s].delete(o);
    neighbours[o].clear();
    merges++;
    for (const x of sortedNeighbours(s)) {
      const d = linkage(s, x);
      if (mergeable(s, x, d))
        heap.push(d, Math.min(s, x), Math.max(s, x), version[Math.min(s, x)], version[Math.max(s, x)]);
    }
  }

  // Final labels, numbered by smallest member.
  const finalLabel = new Int32Array(c).fill(-1);
  const out = new Int32Array(n);
  let clusterCount = 0;
  for (let i = 0; i < n; i++) {
    const r = clusterOf(i);
    if (r < 0) {
      out[i] = -1;
      continue;
    }
    if (finalLabel[r] < 0) finalLabel[r] = clusterCount++;
    out[i] = finalLabel[r];
  }

  // Suggestions: surviving candidate pairs in the band (autoMax, suggestMax], no conflict.
  const found: { a: number; b: number; d: number }[] = [];
  for (let a = 0; a < c; a++) {
    if (!alive[a]) continue;
    for (const b of sortedNeighbours(a)) {
      if (b <= a || !alive[b]) continue;
      const d = linkage(a, b);
      if (d <= suggestMax && !mergeable(a, b, d) && !conflict(a, b)) {
        const la = finalLabel[a];
        const lb = finalLabel[b];
        found.push({ a: Math.min(la, lb), b: Math.max(la, lb), d });
      }
    }
  }
  found.sort((x, y) => x.d - y.d || x.a - y.a || x.b - y.b);
  const suggestions = found.map(({ a, b, d }) => ({ a, b, score: 1 - d }));
  return { labels: out, clusterCount, suggestions, merges };
}
