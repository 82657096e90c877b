/**
 * Linkages between clusters of faces for pass 2 (merge-pass2.ts): the median face distance between the members of
 * two clusters, the median cosine within one, and the cohesion test that compares the two. Members are sampled
 * evenly, so a linkage costs at most sampleSize² dot products.
 */

import { dotAt, type VectorMatrix } from './vectors.js';

/** At most 32 members per cluster enter a linkage (≤ 1,024 pairs); Ente samples 50×50 for its median test. */
export const PASS2_SAMPLE_SIZE = 32;

/** `min(count, size)` positions spread evenly over 0..count-1 (floor(t·count/size)), ascending. */
export function evenSample(count: number, size: number): Int32Array {
  if (count <= size) {
    const all = new Int32Array(count);
    for (let t = 0; t < count; t++) all[t] = t;
    return all;
  }
  const out = new Int32Array(size);
  for (let t = 0; t < size; t++) out[t] = Math.floor((t * count) / size);
  return out;
}

/** k-th smallest (0-based) of values[0..len) by in-place quickselect (middle pivot, deterministic). */
function selectKth(values: Float64Array, len: number, k: number): number {
  let lo = 0;
  let hi = len - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i] = values[j];
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k];
  }
  return values[k];
}

/** Median of values[0..len) (mean of the two middle values when len is even); reorders values. */
export function medianInPlace(values: Float64Array, len: number): number {
  if (len === 0) return NaN;
  const hi = selectKth(values, len, len >> 1);
  if (len % 2 === 1) return hi;
  // After selection everything before index len/2 is <= hi; the lower middle is their maximum.
  let lo = -Infinity;
  for (let t = 0; t < len >> 1; t++) if (values[t] > lo) lo = values[t];
  return (lo + hi) / 2;
}

/**
 * Median face distance (1 − dot) between members of two clusters, each sampled evenly to at most
 * `sampleSize`. NaN when either list is empty. `scratch` must hold sampleSize² values.
 */
export function medianLinkage(
  faces: VectorMatrix,
  membersA: ArrayLike<number>,
  membersB: ArrayLike<number>,
  sampleSize: number = PASS2_SAMPLE_SIZE,
  scratch: Float64Array = new Float64Array(sampleSize * sampleSize),
): number {
  const sa = evenSample(membersA.length, sampleSize);
  const sb = evenSample(membersB.length, sampleSize);
  const dim = faces.dim;
  let len = 0;
  for (let p = 0; p < sa.length; p++) {
    const oa = membersA[sa[p]] * dim;
    for (let q = 0; q < sb.length; q++) {
      scratch[len++] = 1 - dotAt(faces.data, oa, faces.data, membersB[sb[q]] * dim, dim);
    }
  }
  return medianInPlace(scratch, len);
}

/**
 * Median face cosine between the members of one cluster (pairs of its evenly sampled members); NaN under two
 * members. `scratch` must hold sampleSize² values.
 */
export function withinLinkage(
  faces: VectorMatrix,
  members: ArrayLike<number>,
  sampleSize: number = PASS2_SAMPLE_SIZE,
  scratch: Float64Array = new Float64Array(sampleSize * sampleSize),
): number {
  const s = evenSample(members.length, sampleSize);
  const dim = faces.dim;
  let len = 0;
  for (let p = 0; p < s.length; p++) {
    for (let q = p + 1; q < s.length; q++) {
      scratch[len++] = dotAt(faces.data, members[s[p]] * dim, faces.data, members[s[q]] * dim, dim);
    }
  }
  return medianInPlace(scratch, len);
}

/**
 * Whether two clusters are as alike across as they are within: the median cross cosine, above the impostor mean μ,
 * reaches `ratio` times the geometric mean of the clusters' own median cosines above μ. A single face has no
 * likeness of its own to compare: it joins by the linkage alone. Measured on the development set's tuning split: merges of
 * one person's clusters scored 0.64-0.98 (one 0.55, a duplicate photo inflating its cluster's own likeness), and
 * the merges of two people that the linkage alone let through between 0.35 and 0.30 cos (look-alike politicians
 * in LFW: tight clusters, within 0.65-0.80) scored 0.34-0.51. Free of the model's scale: an affine change of the
 * cosines leaves the ratio as it is.
 */
export function cohesive(
  cross: number,
  withinA: number,
  withinB: number,
  impostorMean: number,
  ratio: number,
): boolean {
  const a = withinA - impostorMean;
  const b = withinB - impostorMean;
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  return cross - impostorMean >= ratio * Math.sqrt(Math.max(a, 1e-6) * Math.max(b, 1e-6));
}
