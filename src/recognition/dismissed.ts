/**
 * Faces the user dismissed ("not a face": a poster, a statue, a false detection) filter junk: a new face that looks
 * more like a dismissed face than like any person's exemplar, and like it at least as much as a face must look like
 * an exemplar to be assigned, is kept unassigned and out of clustering.
 */

import { cosineSimilarity } from './vectors.js';

/**
 * cos >= 0.50, the level at which a face is assigned to an exemplar (SPARSE_MATCH_COSINE, NEAREST_MIN_SIMILARITY):
 * above every impostor pair measured for our embedder (max 0.46 over 1,690 pairs, models.md; max 0.29 over the 264
 * impostor pairs of the fixture photos, genuine mean 0.69 there), so a face of another person than the dismissed
 * one is not filtered, while another sighting of the same poster or statue (genuine mean 0.71) is.
 */
export const DISMISSED_MATCH_COSINE = 0.5;

/**
 * Whether `face` is junk by the user's dismissals: its nearest dismissed face is at cos >= DISMISSED_MATCH_COSINE,
 * and nearer than every exemplar in `exemplars` (a person's face stays theirs however like a dismissed one).
 * Exemplars are compared only when a dismissed face is that near, which is rare. Cost: one cosine per dismissed
 * face; 10,000 faces against 50 dismissed ones took 1.0–1.2 s on the shared 2-core machine (a full re-cluster checks
 * every face not placed by the user, an incremental run only the new ones).
 */
export function resemblesDismissed(
  face: Float32Array,
  dismissed: readonly Float32Array[],
  exemplars: () => Iterable<Float32Array>,
  threshold = DISMISSED_MATCH_COSINE,
): boolean {
  let nearest = -Infinity;
  for (const d of dismissed) nearest = Math.max(nearest, cosineSimilarity(face, d));
  if (nearest < threshold) return false;
  for (const e of exemplars()) if (cosineSimilarity(face, e) >= nearest) return false;
  return true;
}
