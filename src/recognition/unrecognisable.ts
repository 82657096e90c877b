/**
 * Faces that look like no one: detections of ears, hands, hair, a ball or a logo, which the detector scores as
 * faces and the quality gate lets through, and which the embedder maps near one another, so that they form
 * "people" of their own (junk people). Deng et al. (CVPR 2023, "Recognizability embedding enhancement for very
 * low-resolution face recognition") observed that a face model embeds what it cannot recognise around one
 * "unrecognisable identity" centre. We estimate that centre from the library itself, without labels: the mean
 * direction of the faces perception already judged unclear (too small, blurred, turned away, weakly detected). A
 * clear face whose cosine to it is an outlier among the clear faces' cosines is unrecognisable: it neither founds
 * nor joins a cluster (recognise.ts); it may still be assigned to a person it matches, like any face, so a full run
 * and the next incremental run decide it alike.
 *
 * Measured on the development set's tuning split (faceplugin-feature512, 212 unclear faces; clear faces' cosine to
 * the centre: median 0.006, sd 0.078 by MAD): the members of the junk people of the clustering (ears, hands, a
 * football, hair, a dog, the BAFTA mask) lay at cos 0.30-0.73, labelled faces at q99 0.24. With the gate the
 * clustering kept 3 people of two or more bystanders' faces (real bystanders, seen in several photos) instead of 6,
 * and 2 impure people instead of 4 (BCubed F 0.9718 against 0.9713).
 */

import { dotAt, type VectorMatrix } from './vectors.js';

/** The centre needs this many unclear faces; with fewer nothing is judged unrecognisable. */
export const UNRECOGNISABLE_MIN_UNCLEAR = 10;
/** …and this many clear faces to measure their spread on. */
export const UNRECOGNISABLE_MIN_CLEAR = 50;
/** Outlier level: median + 4 sd of the clear faces' cosine to the centre (3.5 to 5 gave the same people on the tuning split). */
export const UNRECOGNISABLE_SPREADS = 4;

function median(sorted: Float64Array): number {
  const n = sorted.length;
  return n % 2 === 1 ? sorted[n >> 1] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/**
 * 1 for each clear face (clearFace[i] = 1) that is unrecognisable, 0 otherwise. Unclear faces are rows with
 * hasFace[i] = 1 and clearFace[i] = 0. Rows must be L2-normalised.
 */
export function unrecognisableFaces(
  faces: VectorMatrix,
  hasFace: Uint8Array,
  clearFace: Uint8Array,
  spreads: number = UNRECOGNISABLE_SPREADS,
): Uint8Array {
  const out = new Uint8Array(faces.count);
  const { dim, data } = faces;
  const centre = new Float64Array(dim);
  let unclear = 0;
  let clear = 0;
  for (let i = 0; i < faces.count; i++) {
    if (clearFace[i]) clear++;
    else if (hasFace[i]) {
      unclear++;
      for (let k = 0; k < dim; k++) centre[k] += data[i * dim + k];
    }
  }
  if (unclear < UNRECOGNISABLE_MIN_UNCLEAR || clear < UNRECOGNISABLE_MIN_CLEAR) return out;
  let norm = 0;
  for (let k = 0; k < dim; k++) norm += centre[k] ** 2;
  if (norm === 0) return out;
  const unit = Float32Array.from(centre, (v) => v / Math.sqrt(norm));
  const cos = new Float64Array(faces.count);
  const clearCos = new Float64Array(clear);
  let c = 0;
  for (let i = 0; i < faces.count; i++) {
    if (!clearFace[i]) continue;
    cos[i] = dotAt(data, i * dim, unit, 0, dim);
    clearCos[c++] = cos[i];
  }
  clearCos.sort();
  const mid = median(clearCos);
  const deviations = clearCos.map((v) => Math.abs(v - mid)).sort();
  const sd = 1.4826 * median(deviations);
  const level = mid + spreads * sd;
  for (let i = 0; i < faces.count; i++) if (clearFace[i] && cos[i] >= level) out[i] = 1;
  return out;
}
