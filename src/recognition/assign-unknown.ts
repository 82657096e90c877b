/**
 * Assignment of the faces no person holds: each clear face is sparse-coded over the gallery's exemplars, in input
 * order, with the thresholds calibrated from pairs of exemplars of different people (calibration.ts), which a full
 * run and the next incremental run both see, so both decide every face alike (the fixed point).
 */

import { assignSparse, SPARSE_CANDIDATES } from './assign-sparse.js';
import { calibrate, galleryImpostors, REFERENCE_GALLERY_IMPOSTORS } from './calibration.js';
import { assignmentThresholds, dismissedThreshold } from './thresholds.js';
import type { ObservationPair } from './constraints.js';
import { resemblesDismissed } from './dismissed.js';
import type { RecognitionObservation, RecognitionOptions } from './recognise.js';
import { dictionaryFacts, type ExemplarDictionary } from './gallery.js';
import { tableNeighbours, type KnnTable } from './knn.js';
import { createMatrix, row, type VectorMatrix } from './vectors.js';

/**
 * Below this many exemplars every face is coded over all of them; above, a search picks its 64 nearest atoms. Coding
 * over all 1,564 atoms of a 200-person gallery took ~5 ms a face (bench:cluster, 10k faces: 10.5 s for the 2,000
 * faces left unknown), over 64 candidates about 0.2 ms; the fixed point holds either way (one canonical dictionary).
 */
export const EXEMPLAR_SEARCH_ABOVE = 256;
/**
 * Atoms asked per face of the exemplar table: the coded candidates plus room for the atoms of people the face may not
 * join (two such people with 8 exemplars each), which are dropped from its list.
 */
export const EXEMPLAR_TABLE_SPARE = 16;
/**
 * Faces per exemplar table: each face's row depends only on it and the dictionary (ivf.ts), so the pending faces are
 * asked in chunks to bound the table (80 atoms × 12 bytes a face: 126 MB a chunk), at the price of dividing the
 * dictionary into lists once per chunk (≈ 5 s at the 123k atoms of a million-face run, which has two chunks).
 */
export const EXEMPLAR_TABLE_CHUNK = 131_072;

export const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function hasVector(o: RecognitionObservation): boolean {
  return o.observation.face?.embedding !== undefined;
}

/** For each observation id, the people it may never join: those holding an observation it is cannot-linked to. */
function forbiddenPeople(
  observations: readonly RecognitionObservation[],
  personOf: readonly (string | null)[],
  cannotLink: readonly ObservationPair[],
): Map<number, Set<string>> {
  if (cannotLink.length === 0) return new Map();
  const involved = new Set(cannotLink.flat());
  const person = new Map<number, string | null>();
  observations.forEach((o, i) => {
    if (involved.has(o.id)) person.set(o.id, personOf[i]);
  });
  const forbidden = new Map<number, Set<string>>();
  for (const [a, b] of cannotLink) {
    for (const [self, other] of [
      [a, b],
      [b, a],
    ]) {
      const holder = person.get(other);
      if (!holder || !person.has(self)) continue;
      const set = forbidden.get(self) ?? new Set<string>();
      set.add(holder);
      forbidden.set(self, set);
    }
  }
  return forbidden;
}

/**
 * Sparse-codes every clear, unplaced face over the people's exemplars, in input order; returns person ids (null =
 * unknown). A face is coded without the exemplars of people it may not join: those the user took it off (a
 * cannot-link), and those already in the same photo. A face more like a dismissed face than like any exemplar of
 * this gallery stays unknown. Thresholds: calibrated from the dictionary (see the file comment) unless
 * `options.calibrate` is false; `options.assign` overrides them.
 */
export function assignUnknown(
  observations: readonly RecognitionObservation[],
  personOf: readonly (string | null)[],
  people: readonly { id: string; exemplars: readonly number[] }[],
  cannotLink: readonly ObservationPair[],
  options: RecognitionOptions,
  dismissed: readonly Float32Array[] = [],
  faces?: VectorMatrix,
): (string | null)[] {
  const result = [...personOf];
  // rows of the exemplars only: a map of every observation was a million entries at a million faces
  const exemplarIds = new Set(people.flatMap((p) => p.exemplars));
  const rowOf = new Map<number, number>();
  observations.forEach((o, i) => {
    if (exemplarIds.has(o.id)) rowOf.set(o.id, i);
  });
  const gallery = [...people]
    .sort(byId)
    .map((p) => ({
      id: p.id,
      atoms: [...p.exemplars]
        .sort((a, b) => a - b)
        .filter((e) => rowOf.has(e) && hasVector(observations[rowOf.get(e)!])),
    }))
    .filter((p) => p.atoms.length > 0);
  const pending = observations
    .map((o, i) => i)
    .filter((i) => result[i] === null && observations[i].observation.face?.quality.clear && hasVector(observations[i]));
  if (gallery.length === 0 || pending.length === 0) return result;

  const dim = observations[rowOf.get(gallery[0].atoms[0])!].observation.face!.embedding!.vector.length;
  const tableOf = options.search?.table;
  const above = options.exemplarSearchAbove ?? EXEMPLAR_SEARCH_ABOVE;
  const useTable = tableOf !== undefined && gallery.reduce((n, p) => n + p.atoms.length, 0) > above;
  const dictionary = dictionaryOf(observations, rowOf, gallery, dim, useTable);
  const { atoms, atomIds } = dictionary;
  const calibration =
    options.calibrate === false
      ? null
      : calibrate(galleryImpostors(atoms, dictionary.owner), REFERENCE_GALLERY_IMPOSTORS);
  options.onCalibration?.('assignment', calibration);
  const assign = { ...(calibration ? assignmentThresholds(calibration) : {}), ...options.assign };
  const dismissedAt = calibration ? dismissedThreshold(calibration) : undefined;
  const total = atomIds.length;
  const search = total > above && !useTable ? options.search?.exemplars?.(atoms, atomIds) : undefined;
  let table: KnnTable | undefined;
  let chunkStart = 0;
  const chunkSize = options.exemplarTableChunk ?? EXEMPLAR_TABLE_CHUNK;
  const forbidden = forbiddenPeople(observations, personOf, cannotLink);
  const personIndex = new Map(gallery.map((p, k) => [p.id, k]));
  // a person appears once per photo: the people already in a photo are closed to its other faces (only photos with a
  // face to code are asked about)
  const pendingImages = new Set(pending.map((i) => observations[i].image));
  const inImage = new Map<number, Set<string>>();
  const see = (i: number) => {
    const image = observations[i].image;
    if (image < 0 || result[i] === null || !pendingImages.has(image)) return;
    const people = inImage.get(image) ?? new Set<string>();
    people.add(result[i]!);
    inImage.set(image, people);
  };
  observations.forEach((_, i) => see(i));
  const atomVectors = function* () {
    for (let k = 0; k < total; k++) yield row(atoms, k);
  };
  for (let slot = 0; slot < pending.length; slot++) {
    const i = pending[slot];
    if (useTable && (table === undefined || slot - chunkStart >= chunkSize)) {
      chunkStart = slot;
      table = undefined; // the previous chunk's table goes before the next is made
      const chunk = pending.slice(slot, slot + chunkSize);
      table = exemplarTable(observations, chunk, atoms, tableOf, assign.candidates, faces);
    }
    const tableRow = slot - chunkStart;
    const vector = observations[i].observation.face!.embedding!.vector;
    if (dismissed.length > 0 && resemblesDismissed(vector, dismissed, atomVectors, dismissedAt)) continue;
    const sameImage = inImage.get(observations[i].image);
    const cannot = forbidden.get(observations[i].id);
    const excluded = sameImage || cannot ? new Set([...(sameImage ?? []), ...(cannot ?? [])]) : undefined;
    // a user's split, or a photo with several people: code over the atoms of the people it may still join (the
    // dictionary without the others' atoms; a dictionary built per face cost O(atoms·dim) each, hours at 1M faces)
    const closed = excluded ? new Set([...excluded].map((id) => personIndex.get(id) ?? -1)) : undefined;
    const coded = assignSparse(vector, dictionary, {
      ...assign,
      ...(table ? { search: (_: Float32Array, k: number) => tableNeighbours(table!, tableRow, k) } : {}),
      ...(search ? { search } : {}),
      ...(closed ? { excluded: closed } : {}),
    });
    if (coded.identity !== null) result[i] = gallery[coded.identity].id;
    see(i);
  }
  return result;
}

export function dictionaryOf(
  observations: readonly RecognitionObservation[],
  rowOf: ReadonlyMap<number, number>,
  gallery: readonly { atoms: readonly number[] }[],
  dim: number,
  shared = false,
): ExemplarDictionary & { atomIds: number[] } {
  const total = gallery.reduce((n, p) => n + p.atoms.length, 0);
  const atoms = createMatrix(total, dim, shared);
  const owner = new Int32Array(total);
  const atomIds: number[] = [];
  gallery.forEach((p, person) => {
    for (const id of p.atoms) {
      atoms.data.set(observations[rowOf.get(id)!].observation.face!.embedding!.vector, atomIds.length * dim);
      owner[atomIds.length] = person;
      atomIds.push(id);
    }
  });
  return { atoms, owner, identityCount: gallery.length, atomIds, ...dictionaryFacts(atoms, owner, gallery.length) };
}

/**
 * The nearest atoms of every pending face at once (a bipartite k-nearest table; row r is `pending[r]`): the faces are
 * the rows of `faces` (the full run's face matrix, no copy) or gathered here. Each face's row depends only on it and
 * the dictionary (ivf.ts), so a full run and the next incremental run code a face over the same candidates.
 */
function exemplarTable(
  observations: readonly RecognitionObservation[],
  pending: readonly number[],
  atoms: VectorMatrix,
  table: NonNullable<NonNullable<RecognitionOptions['search']>['table']>,
  candidates: number | undefined,
  faces?: VectorMatrix,
): KnnTable {
  const k = (candidates ?? SPARSE_CANDIDATES) + EXEMPLAR_TABLE_SPARE;
  const all = new Uint8Array(atoms.count).fill(1);
  if (faces && faces.count === observations.length) {
    const include = new Uint8Array(faces.count);
    for (const i of pending) include[i] = 1;
    return table(atoms, all, k, { matrix: faces, include });
  }
  const queries = createMatrix(pending.length, atoms.dim, true);
  pending.forEach((i, r) => queries.data.set(observations[i].observation.face!.embedding!.vector, r * atoms.dim));
  return table(atoms, all, k, { matrix: queries, include: new Uint8Array(pending.length).fill(1) });
}
