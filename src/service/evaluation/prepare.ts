/** The evaluation's faces in visiting order, with their vectors, photos and labels. */

import { matrixFromRows, normaliseRows, type VectorMatrix } from '../../recognition/vectors.js';
import type { LabelledFace } from './types.js';

/** FNV-1a, 32-bit. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export interface Prepared {
  /** Every face, labelled or not, in visiting order. */
  faces: LabelledFace[];
  /** Their normalised vectors. */
  matrix: VectorMatrix;
  clear: Uint8Array;
  /** The photo of each face (faces of one photo share it). */
  image: Int32Array;
  /** Identity index of each labelled face; -1 for a background face. */
  truth: Int32Array;
  /** Indices of the labelled faces, in visiting order. */
  labelled: Int32Array;
  /** Identities with a labelled face, sorted. */
  identities: string[];
}

const isLabelled = (f: LabelledFace): boolean => f.labelled ?? true;

/**
 * Visiting order: ascending FNV-1a hash of "identity/file" for a labelled face and "identity/file#k" for the k-th
 * face of a photo that is not its labelled one (ties by that string).
 */
export function prepare(input: readonly LabelledFace[]): Prepared {
  const keyed = input.map((face) => {
    const key = isLabelled(face) ? `${face.identity}/${face.file}` : `${face.identity}/${face.file}#${face.face ?? 0}`;
    return { face, key, hash: fnv1a(key) };
  });
  keyed.sort((a, b) => a.hash - b.hash || byCodePoint(a.key, b.key));
  for (let i = 1; i < keyed.length; i++) {
    if (keyed[i].key === keyed[i - 1].key) throw new Error(`face ${keyed[i].key} is listed twice`);
  }
  const faces = keyed.map((k) => k.face);
  const dim = faces.length > 0 ? faces[0].vector.length : 0;
  const matrix = matrixFromRows(
    faces.map((f) => f.vector),
    dim,
  );
  normaliseRows(matrix);
  const photos = new Map<string, number>();
  const image = Int32Array.from(faces, (f) => {
    const key = `${f.identity}/${f.file}`;
    if (!photos.has(key)) photos.set(key, photos.size);
    return photos.get(key)!;
  });
  const identities = [...new Set(faces.filter(isLabelled).map((f) => f.identity))].sort(byCodePoint);
  const index = new Map(identities.map((id, i) => [id, i]));
  const truth = Int32Array.from(faces, (f) => (isLabelled(f) ? index.get(f.identity)! : -1));
  const labelled = Int32Array.from(
    faces.flatMap((f, i) => (isLabelled(f) ? [i] : [])),
    (i) => i,
  );
  const clear = Uint8Array.from(faces, (f) => (f.clear ? 1 : 0));
  return { faces, matrix, clear, image, truth, labelled, identities };
}

/** The values of `array` at `indices`. */
export function pick(array: Int32Array, indices: Int32Array): Int32Array {
  return Int32Array.from(indices, (i) => array[i]);
}
