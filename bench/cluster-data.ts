/**
 * Synthetic face embeddings for the scale benchmark (`bench/cluster.ts`), calibrated to the measured
 * figures of our face embedder (docs/models.md: 512-D, L2-normalised; same-person cosine mean 0.71,
 * min 0.37; impostor mean 0.006, max 0.46 over 1,690 pairs).
 *
 * Model of one face, all noise terms N(0, I/dim) so that each has an expected norm of 1:
 *   face = normalise(centre + τ·session + σ_f·own)
 * - centre: the identity's unit centre. Its first `subspaceDim` coordinates carry `subspaceWeight` of
 *   the variance, so identities are more alike than random 512-D vectors (impostor cosines spread
 *   wider than 1/√512). A `siblingShare` of identities is a look-alike of the previous identity
 *   (centre cosine `siblingCos`): the impostor tail;
 * - session: one offset per session (a day, a haircut, glasses); faces of one session are closer;
 * - σ_f: per-face noise, σ_f² = σ²_min + σ²_scale·Exp(1) capped at σ²_max (pose, blur, light), which
 *   gives the wide genuine spread (min far below the mean).
 * Identity sizes follow Zipf (size ∝ rank^-s, at least 2); `singletonShare` of the faces are strangers
 * seen once (true label -1). Faces are stored in a random order and grouped into images of 1–4 faces of
 * distinct people (the same-image rule then has work to do). Deterministic for the same options.
 */

import type { ObservationSet } from '../src/recognition/observations.js';
import { createMatrix } from '../src/recognition/vectors.js';

export interface SyntheticFacesOptions {
  faces: number;
  seed: number;
  dim: number;
  /** Share of faces that are strangers seen once. */
  singletonShare: number;
  /** Mean faces per recurring identity (sets the identity count). */
  meanIdentitySize: number;
  /** Zipf exponent s of the identity sizes. */
  zipf: number;
  /** Faces per session on average; sessions per identity = clamp(ceil(size / this), 1, maxSessions). */
  facesPerSession: number;
  maxSessions: number;
  /** Session spread τ (expected norm of the session offset). */
  tau: number;
  sigma2Min: number;
  sigma2Scale: number;
  sigma2Max: number;
  subspaceDim: number;
  subspaceWeight: number;
  siblingShare: number;
  siblingCos: number;
  /** Share of faces that share their image with 1–3 other faces. */
  groupShare: number;
}

export const DEFAULT_SYNTHETIC: Omit<SyntheticFacesOptions, 'faces'> = {
  seed: 1,
  dim: 512,
  singletonShare: 0.2,
  meanIdentitySize: 40,
  zipf: 1,
  facesPerSession: 8,
  maxSessions: 12,
  tau: 0.3,
  sigma2Min: 0.145,
  sigma2Scale: 0.22,
  sigma2Max: 2.5,
  subspaceDim: 64,
  subspaceWeight: 0.6,
  siblingShare: 0.05,
  siblingCos: 0.55,
  groupShare: 0.3,
};

export interface SyntheticFaces {
  set: ObservationSet;
  /** True identity of each face; -1 for a stranger seen once. */
  truth: Int32Array;
  identities: number;
  largestIdentity: number;
}

/** mulberry32: a small deterministic PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box–Muller, both outputs used). */
export function gaussian(rand: () => number): () => number {
  let spare = NaN;
  return () => {
    if (!Number.isNaN(spare)) {
      const s = spare;
      spare = NaN;
      return s;
    }
    const u = 1 - rand();
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

function normaliseAt(data: Float32Array, offset: number, dim: number): void {
  let s = 0;
  for (let k = 0; k < dim; k++) s += data[offset + k] * data[offset + k];
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let k = 0; k < dim; k++) data[offset + k] *= inv;
}

/** Zipf sizes (∝ rank^-s, at least 2) of `count` identities summing to exactly `total`. */
export function zipfSizes(total: number, count: number, s: number): Int32Array {
  const sizes = new Int32Array(count);
  if (count === 0) return sizes;
  let norm = 0;
  for (let r = 1; r <= count; r++) norm += r ** -s;
  let used = 0;
  for (let r = 0; r < count; r++) {
    sizes[r] = Math.max(2, Math.floor((total * (r + 1) ** -s) / norm));
    used += sizes[r];
  }
  // Hand out (or take back) the rounding remainder from the largest identities down.
  for (let r = 0; used !== total; r = (r + 1) % count) {
    if (used < total) {
      sizes[r]++;
      used++;
    } else if (sizes[r] > 2) {
      sizes[r]--;
      used--;
    }
  }
  return sizes;
}

/**
 * Generates the faces. With `shared`, the face rows live in a SharedArrayBuffer (for worker threads;
 * the values are the same).
 */
export function syntheticFaces(
  options: Partial<SyntheticFacesOptions> & { faces: number },
  shared = false,
): SyntheticFaces {
  const o: SyntheticFacesOptions = { ...DEFAULT_SYNTHETIC, ...options };
  const { dim } = o;
  const n = o.faces;
  const rand = mulberry32(o.seed);
  const normal = gaussian(rand);
  const singletons = Math.round(n * o.singletonShare);
  const identityFaces = n - singletons;
  const identityCount =
    identityFaces >= 2
      ? Math.max(1, Math.min(Math.floor(identityFaces / 2), Math.round(identityFaces / o.meanIdentitySize)))
      : 0;
  const sizes = zipfSizes(identityFaces, identityCount, o.zipf);

  // Random storage order: position[p] is where the p-th generated face goes.
  const position = new Int32Array(n);
  for (let i = 0; i < n; i++) position[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = position[i];
    position[i] = position[j];
    position[j] = t;
  }

  const faces = shared
    ? { dim, count: n, data: new Float32Array(new SharedArrayBuffer(n * dim * 4)) }
    : createMatrix(n, dim);
  const data = faces.data;
  const truth = new Int32Array(n).fill(-1);
  const sd = 1 / Math.sqrt(dim);
  const subSd = Math.sqrt(o.subspaceWeight / o.subspaceDim);
  const isoSd = Math.sqrt((1 - o.subspaceWeight) / dim);
  const centre = new Float32Array(dim);
  const previous = new Float32Array(dim);
  const drawCentre = (): void => {
    for (let k = 0; k < dim; k++) centre[k] = (k < o.subspaceDim ? subSd : 0) * normal() + isoSd * normal();
    normaliseAt(centre, 0, dim);
  };
  const sessionOffsets = new Float32Array(o.maxSessions * dim);
  const writeFace = (at: number, sessionOffset: number): void => {
    const e = Math.min(o.sigma2Max, o.sigma2Min - o.sigma2Scale * Math.log(1 - rand()));
    const sigma = Math.sqrt(e) * sd;
    const base = at * dim;
    for (let k = 0; k < dim; k++) {
      const session = sessionOffset < 0 ? 0 : sessionOffsets[sessionOffset + k];
      data[base + k] = centre[k] + session + sigma * normal();
    }
    normaliseAt(data, base, dim);
  };

  let p = 0;
  let largest = 0;
  for (let id = 0; id < identityCount; id++) {
    drawCentre();
    if (id % 2 === 1 && rand() < o.siblingShare) {
      // A look-alike of the previous identity: centre cosine ≈ siblingCos.
      let d = 0;
      for (let k = 0; k < dim; k++) d += centre[k] * previous[k];
      for (let k = 0; k < dim; k++) centre[k] -= d * previous[k];
      normaliseAt(centre, 0, dim);
      const c = o.siblingCos;
      for (let k = 0; k < dim; k++) centre[k] = c * previous[k] + Math.sqrt(1 - c * c) * centre[k];
    }
    previous.set(centre);
    const size = sizes[id];
    if (size > largest) largest = size;
    const sessions = Math.max(1, Math.min(o.maxSessions, Math.ceil(size / o.facesPerSession)));
    for (let k = 0; k < sessions * dim; k++) sessionOffsets[k] = o.tau * sd * normal();
    for (let f = 0; f < size; f++) {
      const at = position[p++];
      truth[at] = id;
      writeFace(at, Math.floor(rand() * sessions) * dim);
    }
  }
  for (let s = 0; s < singletons; s++) {
    drawCentre();
    writeFace(position[p++], -1);
  }

  // Images: walk the (random) storage order; a group photo takes the next faces of distinct people.
  const image = new Int32Array(n);
  let img = -1;
  let groupLeft = 0;
  const inImage: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = truth[i];
    if (groupLeft > 0 && (id < 0 || !inImage.includes(id))) {
      groupLeft--;
    } else {
      img++;
      inImage.length = 0;
      groupLeft = rand() < o.groupShare / 2 ? 1 + Math.floor(rand() * 3) : 0;
    }
    image[i] = img;
    if (id >= 0) inImage.push(id);
  }

  const set: ObservationSet = {
    count: n,
    faces,
    hasFace: new Uint8Array(n).fill(1),
    clearFace: new Uint8Array(n).fill(1),
    bodies: null,
    hasBody: new Uint8Array(n),
    image,
    moment: new Int32Array(n).fill(-1),
  };
  return { set, truth, identities: identityCount, largestIdentity: largest };
}

export interface CosineStats {
  pairs: number;
  mean: number;
  sd: number;
  min: number;
  p01: number;
  p99: number;
  max: number;
}

function stats(values: Float64Array): CosineStats {
  const sorted = Float64Array.from(values).sort();
  const m = sorted.length;
  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = sum / m;
  let sq = 0;
  for (const v of sorted) sq += (v - mean) ** 2;
  const at = (q: number): number => sorted[Math.min(m - 1, Math.floor(q * (m - 1)))];
  return { pairs: m, mean, sd: Math.sqrt(sq / m), min: sorted[0], p01: at(0.01), p99: at(0.99), max: sorted[m - 1] };
}

/**
 * Genuine and impostor cosine statistics over `pairs` random pairs each (faces of recurring
 * identities; impostor pairs may include strangers), and over 1,690 impostor pairs to compare with the
 * max of models.md.
 */
export function cosineCalibration(
  data: SyntheticFaces,
  pairs: number,
  seed = 7,
): { genuine: CosineStats; impostor: CosineStats; impostorMaxOf1690: number } {
  const { set, truth } = data;
  const { dim, count } = set.faces;
  const f = set.faces.data;
  const rand = mulberry32(seed);
  // Faces by identity (counting sort).
  const ids = data.identities;
  const start = new Int32Array(ids + 1);
  for (let i = 0; i < count; i++) if (truth[i] >= 0) start[truth[i] + 1]++;
  for (let id = 0; id < ids; id++) start[id + 1] += start[id];
  const byId = new Int32Array(start[ids]);
  const fill = start.slice(0, ids);
  for (let i = 0; i < count; i++) if (truth[i] >= 0) byId[fill[truth[i]]++] = i;
  const cos = (a: number, b: number): number => {
    let s = 0;
    for (let k = 0; k < dim; k++) s += f[a * dim + k] * f[b * dim + k];
    return s;
  };
  const genuine = new Float64Array(ids > 0 ? pairs : 0);
  for (let t = 0; t < genuine.length; t++) {
    const a = byId[Math.floor(rand() * byId.length)];
    const id = truth[a];
    let b = a;
    while (b === a) b = byId[start[id] + Math.floor(rand() * (start[id + 1] - start[id]))];
    genuine[t] = cos(a, b);
  }
  const impostor = new Float64Array(pairs);
  for (let t = 0; t < pairs; t++) {
    let a = 0;
    let b = 0;
    do {
      a = Math.floor(rand() * count);
      b = Math.floor(rand() * count);
    } while (a === b || (truth[a] >= 0 && truth[a] === truth[b]));
    impostor[t] = cos(a, b);
  }
  let max1690 = -Infinity;
  for (let t = 0; t < Math.min(1690, pairs); t++) max1690 = Math.max(max1690, impostor[t]);
  return {
    genuine: genuine.length > 0 ? stats(genuine) : stats(Float64Array.of(NaN)),
    impostor: stats(impostor),
    impostorMaxOf1690: max1690,
  };
}
