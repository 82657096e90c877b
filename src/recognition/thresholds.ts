/**
 * Every similarity threshold of recognition, mapped from the reference model's constants (written beside each
 * stage) to one library's model through its calibration (calibration.ts). With the reference calibration each is
 * its constant. Options a caller passes explicitly still win (recognise.ts spreads them over these).
 */

import { ABSORB_MIN_COSINE, ABSORB_MIN_LEAD, type AbsorbOptions } from './absorb.js';
import { SPARSE_LAMBDA, SPARSE_MATCH_COSINE, type SparseAssignOptions } from './assign-sparse.js';
import type { Calibration } from './calibration.js';
import { PASS1_MAX_DISTANCE, PASS1_PAIR_MAX_DISTANCE, type Pass1Options } from './cluster-pass1.js';
import { DISMISSED_MATCH_COSINE } from './dismissed.js';
import { EXEMPLAR_MIN_CENTROID_SIMILARITY, GALLERY_MIN_COMPACTNESS, type GalleryOptions } from './gallery.js';
import {
  PASS2_AUTO_MERGE_MAX_DISTANCE,
  PASS2_CANDIDATE_MAX_DISTANCE,
  PASS2_COHESIVE_MAX_DISTANCE,
  PASS2_SINGLE_FACE_MAX_DISTANCE,
  PASS2_SUGGEST_MAX_DISTANCE,
  type Pass2Options,
} from './merge-pass2.js';

/** Pass 1's face levels (body distances belong to another model and stay as they are). */
export function pass1Thresholds(c: Calibration): Pick<Pass1Options, 'maxDistance' | 'pairMaxDistance'> {
  return { maxDistance: c.distance(PASS1_MAX_DISTANCE), pairMaxDistance: c.distance(PASS1_PAIR_MAX_DISTANCE) };
}

export function pass2Thresholds(
  c: Calibration,
): Pick<
  Pass2Options,
  | 'autoMergeMaxDistance'
  | 'cohesiveMergeMaxDistance'
  | 'singleFaceMergeMaxDistance'
  | 'suggestMaxDistance'
  | 'candidateMaxDistance'
  | 'impostorMean'
> {
  return {
    autoMergeMaxDistance: c.distance(PASS2_AUTO_MERGE_MAX_DISTANCE),
    cohesiveMergeMaxDistance: c.distance(PASS2_COHESIVE_MAX_DISTANCE),
    singleFaceMergeMaxDistance: c.distance(PASS2_SINGLE_FACE_MAX_DISTANCE),
    suggestMaxDistance: c.distance(PASS2_SUGGEST_MAX_DISTANCE),
    candidateMaxDistance: c.distance(PASS2_CANDIDATE_MAX_DISTANCE),
    impostorMean: c.impostors.mean,
  };
}

/**
 * A face's cosine to its cluster's mean is about the square root of the mean cosine between the cluster's faces, so
 * these levels are mapped as the pair cosines they stand for.
 */
function centroidLevel(c: Calibration, referenceLevel: number): number {
  return Math.sqrt(Math.max(0, c.cosine(referenceLevel * referenceLevel)));
}

export function galleryThresholds(
  c: Calibration,
): Pick<GalleryOptions, 'minCompactness' | 'exemplarMinCentroidSimilarity'> {
  return {
    minCompactness: centroidLevel(c, GALLERY_MIN_COMPACTNESS),
    exemplarMinCentroidSimilarity: centroidLevel(c, EXEMPLAR_MIN_CENTROID_SIMILARITY),
  };
}

/**
 * λ is a level of correlation with an exemplar, floored like the bars (a lower λ activates more atoms: on
 * bench:cluster's narrow synthetic model, λ followed down to 0.155 made assignment three times slower); the residual
 * bound is that of one exemplar at the match level.
 */
export function assignmentThresholds(c: Calibration): Pick<SparseAssignOptions, 'lambda' | 'maxResidual'> {
  const lambda = c.cosine(SPARSE_LAMBDA);
  const match = c.cosine(SPARSE_MATCH_COSINE);
  return { lambda, maxResidual: Math.sqrt(Math.max(0, 1 - match * match + lambda * lambda)) };
}

export function dismissedThreshold(c: Calibration): number {
  return c.cosine(DISMISSED_MATCH_COSINE);
}

/** Absorption's level is a bar like any other; its lead is a width in cosines, so it scales with the impostor spread. */
export function absorbThresholds(c: Calibration): Pick<AbsorbOptions, 'minCosine' | 'minLead'> {
  const minCosine = c.cosine(ABSORB_MIN_COSINE);
  const lead = c.mapped(ABSORB_MIN_COSINE + ABSORB_MIN_LEAD) - c.mapped(ABSORB_MIN_COSINE);
  return { minCosine, minLead: Math.max(ABSORB_MIN_LEAD, lead) };
}
