/**
 * The flat, typed-array view of observations that every clustering pass reads. Row i of `faces`
 * and of `bodies` belongs to observation i; rows whose flag is 0 are ignored (and may be zero).
 */

import type { Observation } from '../types.js';
import { createMatrix, type VectorMatrix } from './vectors.js';

export interface ObservationSet {
  readonly count: number;
  /** L2-normalised face embeddings, one row per observation. */
  readonly faces: VectorMatrix;
  /** 1 where the observation has a face embedding (clear or not). */
  readonly hasFace: Uint8Array;
  /** 1 where the face is clear enough to seed or join a cluster (implies hasFace). */
  readonly clearFace: Uint8Array;
  /** Upper-body embeddings, one row per observation; null when no observation has one. */
  readonly bodies: VectorMatrix | null;
  /** 1 where the observation has an upper-body embedding. */
  readonly hasBody: Uint8Array;
  /** Image index of each observation (-1 = unknown: no same-image rule applies). */
  readonly image: Int32Array;
  /** Moment index of each observation (-1 = none: its body is never compared). */
  readonly moment: Int32Array;
}

/** An observation with the image and moment it belongs to. */
export interface PlacedObservation {
  readonly observation: Observation;
  readonly image: number;
  readonly moment: number;
}

/**
 * Packs observations into an ObservationSet. Throws when face (or body) embeddings come from more
 * than one model or have different lengths: vectors of two models are never comparable.
 */
export function observationSet(items: readonly PlacedObservation[]): ObservationSet {
  const count = items.length;
  let faceModel: string | undefined;
  let bodyModel: string | undefined;
  let faceDim = 0;
  let bodyDim = 0;
  for (const { observation } of items) {
    const fe = observation.face?.embedding;
    if (fe) {
      faceModel ??= fe.model;
      faceDim ||= fe.vector.length;
      if (fe.model !== faceModel || fe.vector.length !== faceDim) {
        throw new Error(`face embeddings mix ${faceModel}/${faceDim} and ${fe.model}/${fe.vector.length}`);
      }
    }
    const be = observation.upperBody?.embedding;
    if (be) {
      bodyModel ??= be.model;
      bodyDim ||= be.vector.length;
      if (be.model !== bodyModel || be.vector.length !== bodyDim) {
        throw new Error(`body embeddings mix ${bodyModel}/${bodyDim} and ${be.model}/${be.vector.length}`);
      }
    }
  }
  const faces = sharedFaceRows(items, faceDim) ?? createMatrix(count, faceDim);
  const bodies = bodyModel === undefined ? null : createMatrix(count, bodyDim);
  const hasFace = new Uint8Array(count);
  const clearFace = new Uint8Array(count);
  const hasBody = new Uint8Array(count);
  const image = new Int32Array(count);
  const moment = new Int32Array(count);
  items.forEach(({ observation, image: img, moment: m }, i) => {
    image[i] = img;
    moment[i] = m;
    const face = observation.face;
    if (face?.embedding) {
      hasFace[i] = 1;
      clearFace[i] = face.quality.clear ? 1 : 0;
      if (face.embedding.vector.buffer !== faces.data.buffer) faces.data.set(face.embedding.vector, i * faceDim);
    }
    const be = observation.upperBody?.embedding;
    if (be && bodies) {
      hasBody[i] = 1;
      bodies.data.set(be.vector, i * bodyDim);
    }
  });
  return { count, faces, hasFace, clearFace, bodies, hasBody, image, moment };
}

/**
 * When every observation's face vector is a view of one SharedArrayBuffer at row i of it (the store loads them so,
 * and the scale bench makes them so), the face matrix is that buffer itself: at a million faces a copy
 * would be 2 GB more, and the k-nearest worker reads shared memory without a copy. Null otherwise. Nothing in
 * recognition writes to the face rows.
 */
function sharedFaceRows(items: readonly PlacedObservation[], dim: number): VectorMatrix | null {
  if (items.length === 0 || dim === 0) return null;
  const at = items.findIndex((item) => item.observation.face?.embedding !== undefined);
  const first = at < 0 ? undefined : items[at].observation.face!.embedding!.vector;
  if (!first || !(first.buffer instanceof SharedArrayBuffer)) return null;
  const buffer = first.buffer;
  const byteOffset = first.byteOffset - at * dim * 4;
  if (byteOffset < 0 || byteOffset + items.length * dim * 4 > buffer.byteLength) return null;
  for (let i = 0; i < items.length; i++) {
    // a row without a face vector (a body-only observation) keeps its slot, unread: hasFace is 0 there
    const v = items[i].observation.face?.embedding?.vector;
    if (v && (v.buffer !== buffer || v.byteOffset !== byteOffset + i * dim * 4 || v.length !== dim)) return null;
  }
  return { dim, count: items.length, data: new Float32Array(buffer, byteOffset, items.length * dim) };
}

/** Throws a RangeError when the arrays of a set disagree in length or flags. */
export function validateObservationSet(set: ObservationSet): void {
  const n = set.count;
  const check = (name: string, len: number): void => {
    if (len !== n) throw new RangeError(`${name} has ${len} entries, expected ${n}`);
  };
  check('faces', set.faces.count);
  check('hasFace', set.hasFace.length);
  check('clearFace', set.clearFace.length);
  check('hasBody', set.hasBody.length);
  check('image', set.image.length);
  check('moment', set.moment.length);
  if (set.bodies) check('bodies', set.bodies.count);
  for (let i = 0; i < n; i++) {
    if (set.clearFace[i] && !set.hasFace[i]) throw new RangeError(`observation ${i} is clear but has no face`);
    if (set.hasBody[i] && !set.bodies) throw new RangeError(`observation ${i} has a body but bodies is null`);
  }
}

/**
 * An observation made of a bare face vector, for callers that have vectors but no photos (eval, bench, tests): no
 * box or landmarks, quality reduced to its clear flag.
 */
export function vectorObservation(model: string, vector: Float32Array, clear: boolean): Observation {
  return {
    face: {
      box: [0, 0, 0, 0],
      score: 1,
      landmarks: [
        [0, 0],
        [0, 0],
        [0, 0],
        [0, 0],
        [0, 0],
      ],
      quality: { clear, score: clear ? 1 : 0, blur: 0, yaw: 0, size: 0 },
      embedding: { model, vector },
    },
  };
}
