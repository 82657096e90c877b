/** Test helpers: a seeded PRNG, unit vectors, and small hand-made observation sets. */

import type { ObservationSet } from '../../src/recognition/observations.js';
import { mulberry32 } from '../helpers/random.js';

export { mulberry32 };
import { createMatrix, matrixFromRows, normaliseInPlace, type VectorMatrix } from '../../src/recognition/vectors.js';

/** Standard normal draws (Box–Muller) from a uniform PRNG. */
export function gaussian(rand: () => number): () => number {
  return () => {
    const u = 1 - rand();
    const v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

export function randomUnit(dim: number, normal: () => number): Float32Array {
  const v = new Float32Array(dim);
  for (let k = 0; k < dim; k++) v[k] = normal();
  return normaliseInPlace(v);
}

/** Unit vector `center + sigma·noise` with noise of expected norm sigma. */
export function noisyUnit(center: Float32Array, sigma: number, normal: () => number): Float32Array {
  const d = center.length;
  const v = new Float32Array(d);
  for (let k = 0; k < d; k++) v[k] = center[k] + (sigma * normal()) / Math.sqrt(d);
  return normaliseInPlace(v);
}

/** A 2-D unit vector at `deg` degrees. */
export function angle(deg: number): Float32Array {
  const r = (deg * Math.PI) / 180;
  return Float32Array.from([Math.cos(r), Math.sin(r)]);
}

/** A unit basis vector e_k in `dim` dimensions. */
export function basis(dim: number, k: number): Float32Array {
  const v = new Float32Array(dim);
  v[k] = 1;
  return v;
}

export interface TestObservation {
  face?: Float32Array;
  /** Default true when a face is given. */
  clear?: boolean;
  body?: Float32Array;
  /** Default: the observation's own index (every observation in its own image). */
  image?: number;
  /** Default 0. */
  moment?: number;
}

/** Builds an ObservationSet from a readable list. */
export function makeObservations(items: readonly TestObservation[]): ObservationSet {
  const n = items.length;
  const faceDim = items.find((o) => o.face)?.face?.length ?? 2;
  const bodyDim = items.find((o) => o.body)?.body?.length ?? 0;
  const faces = createMatrix(n, faceDim);
  const bodies: VectorMatrix | null = bodyDim > 0 ? createMatrix(n, bodyDim) : null;
  const hasFace = new Uint8Array(n);
  const clearFace = new Uint8Array(n);
  const hasBody = new Uint8Array(n);
  const image = new Int32Array(n);
  const moment = new Int32Array(n);
  items.forEach((o, i) => {
    if (o.face) {
      faces.data.set(o.face, i * faceDim);
      hasFace[i] = 1;
      clearFace[i] = o.clear === false ? 0 : 1;
    }
    if (o.body && bodies) {
      bodies.data.set(o.body, i * bodyDim);
      hasBody[i] = 1;
    }
    image[i] = o.image ?? i;
    moment[i] = o.moment ?? 0;
  });
  return { count: n, faces, hasFace, clearFace, bodies, hasBody, image, moment };
}

export interface SyntheticOptions {
  seed: number;
  identities: number;
  perIdentity: number;
  dim: number;
  /** Per-photo noise (expected norm), around the photo's session centre. */
  sigma: number;
  /** Per-session spread around the identity centre (0 = one centre). Default 0. */
  tau?: number;
  /** Sessions per identity; photo s belongs to session s mod sessions. Default 1. */
  sessions?: number;
  /** When > 0, identities 2k and 2k+1 are look-alikes whose centres have exactly this cosine. */
  siblingCos?: number;
}

/**
 * Identities × photos of noisy unit vectors, optionally with sessions (same-day photos are more
 * alike) and look-alike pairs. Returns the matrix and the true identity of each row.
 */
export function syntheticIdentities(o: SyntheticOptions): { vectors: VectorMatrix; truth: Int32Array } {
  const normal = gaussian(mulberry32(o.seed));
  const { dim } = o;
  const sibling = o.siblingCos ?? 0;
  const centers: Float32Array[] = [];
  for (let id = 0; id < o.identities; id++) {
    const r = randomUnit(dim, normal);
    if (id % 2 === 0 || sibling <= 0) {
      centers.push(r);
      continue;
    }
    const prev = centers[id - 1];
    let d = 0;
    for (let k = 0; k < dim; k++) d += r[k] * prev[k];
    for (let k = 0; k < dim; k++) r[k] -= d * prev[k];
    normaliseInPlace(r);
    const c = new Float32Array(dim);
    for (let k = 0; k < dim; k++) c[k] = sibling * prev[k] + Math.sqrt(1 - sibling * sibling) * r[k];
    centers.push(c);
  }
  const rows: Float32Array[] = [];
  const truth = new Int32Array(o.identities * o.perIdentity);
  const sessions = o.sessions ?? 1;
  for (let id = 0; id < o.identities; id++) {
    const centres = Array.from({ length: sessions }, () => noisyUnit(centers[id], o.tau ?? 0, normal));
    for (let s = 0; s < o.perIdentity; s++) {
      truth[rows.length] = id;
      rows.push(noisyUnit(centres[s % sessions], o.sigma, normal));
    }
  }
  return { vectors: matrixFromRows(rows, dim), truth };
}

/** One clear face per row, each in its own image, all in moment 0. */
export function facesOnly(vectors: VectorMatrix): ObservationSet {
  return makeObservations(
    Array.from({ length: vectors.count }, (_, i) => ({
      face: vectors.data.subarray(i * vectors.dim, (i + 1) * vectors.dim),
    })),
  );
}

/** Same-partition check that ignores label names: i~j in a iff i~j in b (negative labels never equal). */
export function samePartition(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const sa = a[i] >= 0 && a[i] === a[j];
      const sb = b[i] >= 0 && b[i] === b[j];
      if (sa !== sb) return false;
    }
  }
  return true;
}
