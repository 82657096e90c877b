/**
 * Baseline: Immich's incremental, DBSCAN-like face clustering (server `person.service.ts`,
 * `handleRecognizeFaces`; see shared/docs/immich.md §3 and anchors.md §2.2), replayed on vectors.
 *
 * For each face, in input order (Immich's job order):
 * 1. matches = the `minFaces` nearest faces within `maxDistance` cosine distance, the face itself
 *    included (pgvector k-NN with a distance filter);
 * 2. if minFaces > 1 and matches has at most 1 entry ("only matched itself"): skip, stays unassigned;
 * 3. core = matches has at least minFaces entries; a non-core face is deferred to a second round,
 *    after every non-deferred face;
 * 4. person = that of the first match (nearest first) that already has one; else that of the
 *    nearest face with a person within maxDistance; else, for a core face, a new person.
 *    A deferred (non-core) face that finds no person stays unassigned (noise).
 * Order-dependent by design, like Immich. Every face scans all faces (Immich uses a vector index; this replay
 * is exact and meant for evaluation sets): O(n²) over a precomputed similarity matrix
 * (`immichDbscanOnSimilarity`, what the eval's sweeps share), O(n²·dim) from vectors.
 */

import type { VectorMatrix } from '../vectors.js';
import { similarityMatrix, type SimilarityMatrix } from './similarity.js';

/** Immich's default max recognition distance (cosine), calibrated for InsightFace ArcFace R50 (buffalo_l), not our embedder. */
export const IMMICH_MAX_DISTANCE = 0.5;
/** Immich's default minFaces (core-point threshold). */
export const IMMICH_MIN_FACES = 3;

export interface ImmichOptions {
  maxDistance?: number;
  minFaces?: number;
}

/** Person label per face (0.. in creation order), -1 = unassigned. Rows must be L2-normalised. */
export function immichDbscan(vectors: VectorMatrix, options: ImmichOptions = {}): Int32Array {
  return immichDbscanOnSimilarity(similarityMatrix(vectors), options);
}

/** The same, over a precomputed similarity matrix. */
export function immichDbscanOnSimilarity(similarity: SimilarityMatrix, options: ImmichOptions = {}): Int32Array {
  const maxDistance = options.maxDistance ?? IMMICH_MAX_DISTANCE;
  const minFaces = options.minFaces ?? IMMICH_MIN_FACES;
  const { count: n, data } = similarity;
  const person = new Int32Array(n).fill(-1);
  const dist = new Float64Array(n);
  const matchI = new Int32Array(Math.max(1, minFaces));
  const matchD = new Float64Array(Math.max(1, minFaces));
  let people = 0;

  const distancesFrom = (i: number): void => {
    const oi = i * n;
    for (let j = 0; j < n; j++) dist[j] = 1 - data[oi + j];
  };
  /** Fills matchI/matchD with the nearest `minFaces` within maxDistance; returns how many. */
  const nearestMatches = (): number => {
    let found = 0;
    for (let j = 0; j < n; j++) {
      const d = dist[j];
      if (d > maxDistance) continue;
      if (found === minFaces && d >= matchD[found - 1]) continue;
      let p = found < minFaces ? found++ : minFaces - 1;
      while (p > 0 && matchD[p - 1] > d) {
        matchD[p] = matchD[p - 1];
        matchI[p] = matchI[p - 1];
        p--;
      }
      matchD[p] = d;
      matchI[p] = j;
    }
    return found;
  };
  const nearestWithPerson = (): number => {
    let best = -1;
    for (let j = 0; j < n; j++) {
      if (person[j] < 0 || dist[j] > maxDistance) continue;
      if (best < 0 || dist[j] < dist[best]) best = j;
    }
    return best;
  };
  const recognize = (i: number, deferred: boolean): boolean => {
    distancesFrom(i);
    const found = nearestMatches();
    if (minFaces > 1 && found <= 1) return true; // skipped, not deferred
    const isCore = found >= minFaces;
    if (!isCore && !deferred) return false; // defer
    let pid = -1;
    for (let m = 0; m < found && pid < 0; m++) pid = person[matchI[m]];
    if (pid < 0) {
      const j = nearestWithPerson();
      if (j >= 0) pid = person[j];
    }
    if (pid < 0 && isCore) pid = people++;
    if (pid >= 0) person[i] = pid;
    return true;
  };

  const deferredFaces: number[] = [];
  for (let i = 0; i < n; i++) if (!recognize(i, false)) deferredFaces.push(i);
  for (const i of deferredFaces) recognize(i, true);
  return person;
}
