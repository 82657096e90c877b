/**
 * Plain nearest-exemplar assignment, the comparison baseline for sparse coding: the person owning
 * the exemplar with the highest cosine to the query, when that cosine is >= `minSimilarity` and it
 * beats the best exemplar of any other person by `minMargin`. Otherwise unknown (null).
 * Exact over all atoms, O(atoms·dim) per query, unless a `search` provider supplies candidates.
 */

import type { ExemplarDictionary } from './gallery.js';
import type { NeighbourSearch } from './neighbours.js';
import { dotAt, normalise } from './vectors.js';

/** Assign at cos >= 0.50: above the impostor max 0.46 of our embedder (models.md), stricter than the single-pair best-accuracy 0.42 because a gallery query meets many impostor exemplars. */
export const NEAREST_MIN_SIMILARITY = 0.5;
/** Best person must beat the next person by 0.01 in cosine (PhotoPrism's MATCH_MARGIN, anchors.md §2.3). */
export const NEAREST_MIN_MARGIN = 0.01;
/** Candidates asked from a search provider. */
export const NEAREST_CANDIDATES = 64;

export interface NearestAssignOptions {
  minSimilarity?: number;
  minMargin?: number;
  candidates?: number;
  search?: NeighbourSearch;
}

export interface NearestAssignment {
  identity: number | null;
  /** Person of the nearest exemplar (-1 for an empty dictionary), assigned or not. */
  best: number;
  /** Cosine to the nearest exemplar. */
  similarity: number;
  /** similarity − best cosine of any other person (similarity when there is none). */
  margin: number;
  /** Index of the nearest atom (-1 for an empty dictionary). */
  atom: number;
}

export function assignNearest(
  query: Float32Array,
  dictionary: ExemplarDictionary,
  options: NearestAssignOptions = {},
): NearestAssignment {
  const { atoms, owner } = dictionary;
  if (query.length !== atoms.dim) throw new RangeError(`query has length ${query.length}, expected ${atoms.dim}`);
  const y = normalise(query);
  let candidates: ArrayLike<number>;
  if (options.search) {
    candidates = Int32Array.from(
      options
        .search(y, options.candidates ?? NEAREST_CANDIDATES)
        .map((nb) => nb.index)
        .filter((a) => a >= 0 && a < atoms.count),
    ).sort();
  } else {
    const all = new Int32Array(atoms.count);
    for (let a = 0; a < atoms.count; a++) all[a] = a;
    candidates = all;
  }
  let bestAtom = -1;
  let bestSim = -Infinity;
  const sims = new Float64Array(candidates.length);
  for (let p = 0; p < candidates.length; p++) {
    sims[p] = dotAt(atoms.data, candidates[p] * atoms.dim, y, 0, atoms.dim);
    if (sims[p] > bestSim) {
      bestSim = sims[p];
      bestAtom = candidates[p];
    }
  }
  if (bestAtom < 0) return { identity: null, best: -1, similarity: -Infinity, margin: 0, atom: -1 };
  const best = owner[bestAtom];
  let other = -Infinity;
  for (let p = 0; p < candidates.length; p++) if (owner[candidates[p]] !== best && sims[p] > other) other = sims[p];
  const margin = other === -Infinity ? bestSim : bestSim - other;
  const ok =
    bestSim >= (options.minSimilarity ?? NEAREST_MIN_SIMILARITY) && margin >= (options.minMargin ?? NEAREST_MIN_MARGIN);
  return { identity: ok ? best : null, best, similarity: bestSim, margin, atom: bestAtom };
}
