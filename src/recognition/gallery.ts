/**
 * Gallery selection (anchors.md §1.7, "Gallery selection"): which clusters become known people,
 * and which few faces represent each of them (canonical exemplars, §1.8).
 *
 * A cluster enters the gallery when the user named it, or when
 * - it has at least `minSize` clear faces (frequently occurring people only), and
 * - its compactness, the mean cosine between its clear faces and their normalised mean, is at least
 *   `minCompactness` (a pure cluster is tight; a mix of two people is not).
 * Only clear faces count; body-only members and unclear faces are ignored here.
 *
 * Exemplars (deterministic): start from the medoid (the face closest to the normalised mean; ties
 * by lower index), then farthest-point / k-center selection: repeatedly add the face whose distance
 * to its nearest chosen exemplar is largest (ties by lower index), among faces whose cosine to the
 * mean is at least `exemplarMinCentroidSimilarity` (so outliers and stray faces are not picked for
 * being far away). Stops at k, or when the rest duplicate a chosen exemplar. O(size·k·dim) per person.
 */

import { dotAt, normaliseInPlace, meanOfRows, createMatrix, type VectorMatrix } from './vectors.js';

/** A person needs at least 3 clear faces to enter the gallery unnamed (Immich's minFaces default; Ente hides unnamed clusters under 10). */
export const GALLERY_MIN_SIZE = 3;
/** Mean member-to-mean cosine >= 0.65: a pure cluster of our embedder scores ≈ √0.71 ≈ 0.84 (genuine mean 0.71, models.md), an even mix of two people ≈ √(0.71/2) ≈ 0.60. */
export const GALLERY_MIN_COMPACTNESS = 0.65;
/** Exemplars kept per person (Apple keeps "a set"; the number is not published; 8 bounds the dictionary at 8·people atoms). */
export const GALLERY_EXEMPLARS = 8;
/** Exemplar candidates need cos >= 0.50 to the person's mean (the auto-merge level of models.md), to keep outliers out. */
export const EXEMPLAR_MIN_CENTROID_SIMILARITY = 0.5;

export interface GalleryInput {
  readonly faces: VectorMatrix;
  readonly clearFace: Uint8Array;
  /** Final cluster of each observation (-1 = none). */
  readonly labels: Int32Array;
}

export interface GalleryOptions {
  minSize?: number;
  minCompactness?: number;
  exemplarsPerPerson?: number;
  exemplarMinCentroidSimilarity?: number;
  /** Cluster labels the user named: always in the gallery, whatever their size or compactness. */
  named?: Iterable<number>;
}

export interface GalleryPerson {
  /** The cluster label. */
  label: number;
  /** Clear faces in the cluster. */
  size: number;
  /** Mean cosine of clear faces to their normalised mean (NaN for a cluster without clear faces). */
  compactness: number;
  named: boolean;
  /** Observation indices of the exemplars, medoid first. */
  exemplars: Int32Array;
}

/** Exemplar vectors of all gallery people, with the person index each atom belongs to. */
export interface ExemplarDictionary {
  readonly atoms: VectorMatrix;
  /** Person index (0..identityCount-1) of each atom. */
  readonly owner: Int32Array;
  readonly identityCount: number;
  /**
   * Derived once per dictionary (`dictionaryFacts`) rather than per coded face: each atom's squared norm and each
   * person's atom count. Computed on the fly when absent.
   */
  readonly normSq?: Float64Array;
  readonly atomsPerIdentity?: Int32Array;
}

/** Each atom's squared norm and each person's atom count (ExemplarDictionary's derived fields). */
export function dictionaryFacts(
  atoms: VectorMatrix,
  owner: Int32Array,
  identityCount: number,
): { normSq: Float64Array; atomsPerIdentity: Int32Array } {
  const normSq = new Float64Array(atoms.count);
  for (let a = 0; a < atoms.count; a++)
    normSq[a] = dotAt(atoms.data, a * atoms.dim, atoms.data, a * atoms.dim, atoms.dim);
  const atomsPerIdentity = new Int32Array(identityCount);
  for (let a = 0; a < owner.length; a++) atomsPerIdentity[owner[a]]++;
  return { normSq, atomsPerIdentity };
}

/** Normalised mean and compactness of the given face rows. */
export function clusterCompactness(
  faces: VectorMatrix,
  members: ArrayLike<number>,
): { centroid: Float32Array; compactness: number } {
  if (members.length === 0) return { centroid: new Float32Array(faces.dim), compactness: NaN };
  const centroid = normaliseInPlace(meanOfRows(faces, members));
  let s = 0;
  for (let p = 0; p < members.length; p++) s += dotAt(faces.data, members[p] * faces.dim, centroid, 0, faces.dim);
  return { centroid, compactness: s / members.length };
}

/** Up to k diverse exemplars among `members` (observation indices, ascending), medoid first. */
export function selectExemplars(
  faces: VectorMatrix,
  members: ArrayLike<number>,
  k: number = GALLERY_EXEMPLARS,
  minCentroidSimilarity: number = EXEMPLAR_MIN_CENTROID_SIMILARITY,
): Int32Array {
  const m = members.length;
  if (m === 0 || k <= 0) return new Int32Array(0);
  const dim = faces.dim;
  const { centroid } = clusterCompactness(faces, members);
  const sim = new Float64Array(m);
  let medoid = 0;
  for (let p = 0; p < m; p++) {
    sim[p] = dotAt(faces.data, members[p] * dim, centroid, 0, dim);
    if (sim[p] > sim[medoid]) medoid = p;
  }
  const chosen: number[] = [members[medoid]];
  // Distance of each candidate to its nearest chosen exemplar; -1 marks non-candidates and chosen.
  const nearest = new Float64Array(m);
  for (let p = 0; p < m; p++) {
    nearest[p] =
      p === medoid || sim[p] < minCentroidSimilarity
        ? -1
        : 1 - dotAt(faces.data, members[p] * dim, faces.data, members[medoid] * dim, dim);
  }
  while (chosen.length < k) {
    let best = -1;
    for (let p = 0; p < m; p++) if (nearest[p] >= 0 && (best < 0 || nearest[p] > nearest[best])) best = p;
    if (best < 0 || nearest[best] <= 1e-6) break;
    chosen.push(members[best]);
    const ob = members[best] * dim;
    nearest[best] = -1;
    for (let p = 0; p < m; p++) {
      if (nearest[p] < 0) continue;
      const d = 1 - dotAt(faces.data, members[p] * dim, faces.data, ob, dim);
      if (d < nearest[p]) nearest[p] = d;
    }
  }
  return Int32Array.from(chosen);
}

/** Gallery people in ascending label order. */
export function buildGallery(input: GalleryInput, options: GalleryOptions = {}): GalleryPerson[] {
  const minSize = options.minSize ?? GALLERY_MIN_SIZE;
  const minCompactness = options.minCompactness ?? GALLERY_MIN_COMPACTNESS;
  const k = options.exemplarsPerPerson ?? GALLERY_EXEMPLARS;
  const minSim = options.exemplarMinCentroidSimilarity ?? EXEMPLAR_MIN_CENTROID_SIMILARITY;
  const named = new Set(options.named ?? []);
  const { faces, clearFace, labels } = input;
  let c = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] + 1 > c) c = labels[i] + 1;
  const faceMembers: number[][] = Array.from({ length: c }, () => []);
  for (let i = 0; i < labels.length; i++) if (labels[i] >= 0 && clearFace[i]) faceMembers[labels[i]].push(i);
  const people: GalleryPerson[] = [];
  for (let label = 0; label < c; label++) {
    const fm = faceMembers[label];
    const isNamed = named.has(label);
    if (!isNamed && fm.length < minSize) continue;
    const { compactness } = clusterCompactness(faces, fm);
    if (!isNamed && !(compactness >= minCompactness)) continue;
    people.push({
      label,
      size: fm.length,
      compactness,
      named: isNamed,
      exemplars: selectExemplars(faces, fm, k, minSim),
    });
  }
  return people;
}

/** Stacks the exemplars of `people` into one dictionary; atom owners are indices into `people`. */
export function buildDictionary(
  faces: VectorMatrix,
  people: readonly { readonly exemplars: ArrayLike<number> }[],
): ExemplarDictionary {
  let total = 0;
  for (const p of people) total += p.exemplars.length;
  const atoms = createMatrix(total, faces.dim);
  const owner = new Int32Array(total);
  let a = 0;
  people.forEach((p, person) => {
    for (let e = 0; e < p.exemplars.length; e++) {
      const src = p.exemplars[e] * faces.dim;
      atoms.data.set(faces.data.subarray(src, src + faces.dim), a * faces.dim);
      owner[a++] = person;
    }
  });
  return { atoms, owner, identityCount: people.length, ...dictionaryFacts(atoms, owner, people.length) };
}
