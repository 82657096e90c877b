/**
 * Recognition as one pure function: observations, the user's constraints and the people as they are → the people,
 * assignments and suggestions as they should be, and how many assignments that changes. The engine calls it for
 * folders and for Immich; `eval` and `bench` call it too, so they measure what the app does.
 *
 * - `full`: pass 1 (greedy, moments) → pass 2 (median linkage) → gallery → each cluster mapped to the person it
 *   overlaps (names and the user's assignments win) → every clear face still unknown is sparse-coded over the new
 *   gallery, exactly as the next incremental run would code it.
 * - `incremental`: every clear face no person holds is sparse-coded over the current gallery.
 *
 * Both modes end in the state the next incremental run leaves unchanged (a fixed point): the dictionary is built in
 * one canonical order (people by id, exemplars by observation id), and a face left unknown stays unknown until the
 * gallery changes.
 */

import type { AssignedBy, Observation } from '../types.js';
import { assignSparse, type SparseAssignOptions } from './assign-sparse.js';
import { clusterPass1, type Pass1Options } from './cluster-pass1.js';
import type { ObservationPair } from './constraints.js';
import { resemblesDismissed } from './dismissed.js';
import { buildGallery, type GalleryOptions } from './gallery.js';
import { mergePass2, type Pass2Options } from './merge-pass2.js';
import type { NeighbourSearch } from './neighbours.js';
import { observationSet } from './observations.js';
import { mapClustersToPeople, namedClusters, personClusterOverlap } from './person-mapping.js';
import { userConstraints } from './user-constraints.js';
import { createMatrix, row, type VectorMatrix } from './vectors.js';

/**
 * Below this many exemplars every face is coded over all of them; above, a search picks its 64 nearest atoms. Coding
 * over all 1,564 atoms of a 200-person gallery took ~5 ms a face (bench:cluster, 10k faces: 10.5 s for the 2,000
 * faces left unknown), over 64 candidates about 0.2 ms; the fixed point holds either way (one canonical dictionary).
 */
export const EXEMPLAR_SEARCH_ABOVE = 256;

export interface RecognitionObservation {
  /** Stable id (the store's row id): person ids and tie-breaks derive from it. */
  readonly id: number;
  /** Face vectors of one model only; the caller leaves out faces of other models. */
  readonly observation: Observation;
  /** Index of its image (-1 = unknown: no same-image rule applies). */
  readonly image: number;
  /** Index of its moment (-1 = none: its body is never compared). */
  readonly moment: number;
  readonly personId: string | null;
  readonly assignedBy: AssignedBy | null;
}

export interface RecognitionPerson {
  readonly id: string;
  readonly name: string | null;
  /** Observation ids of its exemplars. */
  readonly exemplars: readonly number[];
  /** The user hid the person: like a named one, it is never removed for holding nothing. */
  readonly hidden?: boolean;
}

export interface RecognitionInput {
  readonly observations: readonly RecognitionObservation[];
  readonly people: readonly RecognitionPerson[];
  /** Explicit user constraints, by observation id (merges; splits and rejections). */
  readonly mustLink: readonly ObservationPair[];
  readonly cannotLink: readonly ObservationPair[];
  /** Person pairs the user said are different: never suggested again. */
  readonly rejected: readonly (readonly [string, string])[];
  /**
   * Face vectors (of the observations' model) the user dismissed as not a face. A face more like one of them than
   * like any exemplar is junk: kept out of clustering and left unassigned (see dismissed.ts). The user's own
   * assignments are never junk.
   */
  readonly dismissed?: readonly Float32Array[];
}

/** Neighbour providers to plug in (an HNSW index for large libraries); brute force when absent. */
export interface SearchProviders {
  /** Over the observations' face rows; `ids` are the observations' ids (for a cache's signature). */
  faces?: (faces: VectorMatrix, include: Uint8Array, ids: readonly number[]) => NeighbourSearch;
  /** Over pass 2's cluster centroids. */
  centroids?: (centroids: VectorMatrix, include: Uint8Array) => NeighbourSearch;
  /** Over the gallery's exemplar atoms; `ids` are the atoms' observation ids. */
  exemplars?: (atoms: VectorMatrix, ids: readonly number[]) => NeighbourSearch;
}

/** What one phase of a full run did, for benchmarks and logs. */
export interface RecognitionPhase {
  phase: 'pack' | 'pass1' | 'pass2' | 'gallery' | 'assign';
  ms: number;
  /** The clusters after pass 1 or pass 2. */
  labels?: Int32Array;
  clusters?: number;
  merges?: number;
  people?: number;
}

export interface RecognitionOptions {
  mode: 'full' | 'incremental';
  /** Called after each phase of a full run (the only clock recognition reads, and only when asked). */
  onPhase?: (report: RecognitionPhase) => void;
  search?: SearchProviders;
  /** Exemplar count above which assignment uses `search.exemplars` (default EXEMPLAR_SEARCH_ABOVE). */
  exemplarSearchAbove?: number;
  pass1?: Omit<Pass1Options, 'faceSearch' | 'mustLink' | 'cannotLink'>;
  pass2?: Omit<Pass2Options, 'centroidSearch' | 'cannotLink'>;
  gallery?: Omit<GalleryOptions, 'named'>;
  assign?: Omit<SparseAssignOptions, 'search'>;
}

export interface RecognitionAssignment {
  id: number;
  personId: string | null;
  assignedBy: AssignedBy | null;
  /** The final cluster (full mode only). */
  cluster?: number;
}

export interface RecognitionResult {
  /** People whose exemplars are set anew (observation ids), in id order; `created` ones are new. */
  people: { id: string; exemplars: number[]; created: boolean }[];
  /** Machine-made people that no longer hold anything. */
  removed: string[];
  /** Assignments to write: in full mode every observation the user did not place; in incremental mode new ones. */
  assignments: RecognitionAssignment[];
  /** How many observations change person or origin: 0 on a fixed point. */
  changed: number;
  /** Merge suggestions between people (full mode); null leaves the open ones as they are. */
  suggestions: { personA: string; personB: string; score: number }[] | null;
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** For each observation id, the people it may never join: those holding an observation it is cannot-linked to. */
function forbiddenPeople(
  observations: readonly RecognitionObservation[],
  personOf: readonly (string | null)[],
  cannotLink: readonly ObservationPair[],
): Map<number, Set<string>> {
  const person = new Map(observations.map((o, i) => [o.id, personOf[i]]));
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
 * this gallery stays unknown.
 */
function assignUnknown(
  observations: readonly RecognitionObservation[],
  personOf: readonly (string | null)[],
  people: readonly { id: string; exemplars: readonly number[] }[],
  cannotLink: readonly ObservationPair[],
  options: RecognitionOptions,
  dismissed: readonly Float32Array[] = [],
): (string | null)[] {
  const result = [...personOf];
  const rowOf = new Map(observations.map((o, i) => [o.id, i]));
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
  const dictionary = dictionaryOf(observations, rowOf, gallery, dim);
  const { atoms, atomIds } = dictionary;
  const total = atomIds.length;
  const above = options.exemplarSearchAbove ?? EXEMPLAR_SEARCH_ABOVE;
  const search = total > above ? options.search?.exemplars?.(atoms, atomIds) : undefined;
  const forbidden = forbiddenPeople(observations, personOf, cannotLink);
  // a person appears once per photo: the people already in a photo are closed to its other faces
  const inImage = new Map<number, Set<string>>();
  const see = (i: number) => {
    const image = observations[i].image;
    if (image < 0 || result[i] === null) return;
    const people = inImage.get(image) ?? new Set<string>();
    people.add(result[i]!);
    inImage.set(image, people);
  };
  observations.forEach((_, i) => see(i));
  const atomVectors = function* () {
    for (let k = 0; k < total; k++) yield row(atoms, k);
  };
  for (const i of pending) {
    const vector = observations[i].observation.face!.embedding!.vector;
    if (dismissed.length > 0 && resemblesDismissed(vector, dismissed, atomVectors)) continue;
    const sameImage = inImage.get(observations[i].image);
    const cannot = forbidden.get(observations[i].id);
    const excluded = sameImage || cannot ? new Set([...(sameImage ?? []), ...(cannot ?? [])]) : undefined;
    if (excluded) {
      // a user's split, or a photo with several people: code over the atoms of the people it may still join
      const allowed = gallery.filter((p) => !excluded.has(p.id));
      const coded = assignSparse(vector, dictionaryOf(observations, rowOf, allowed, dim), options.assign ?? {});
      if (coded.identity !== null) result[i] = allowed[coded.identity].id;
    } else {
      const coded = assignSparse(vector, dictionary, { ...options.assign, ...(search ? { search } : {}) });
      if (coded.identity !== null) result[i] = gallery[coded.identity].id;
    }
    see(i);
  }
  return result;
}

function dictionaryOf(
  observations: readonly RecognitionObservation[],
  rowOf: ReadonlyMap<number, number>,
  gallery: readonly { atoms: readonly number[] }[],
  dim: number,
): { atoms: VectorMatrix; owner: Int32Array; identityCount: number; atomIds: number[] } {
  const total = gallery.reduce((n, p) => n + p.atoms.length, 0);
  const atoms = createMatrix(total, dim);
  const owner = new Int32Array(total);
  const atomIds: number[] = [];
  gallery.forEach((p, person) => {
    for (const id of p.atoms) {
      atoms.data.set(observations[rowOf.get(id)!].observation.face!.embedding!.vector, atomIds.length * dim);
      owner[atomIds.length] = person;
      atomIds.push(id);
    }
  });
  return { atoms, owner, identityCount: gallery.length, atomIds };
}

/** Rows of faces, not placed by the user, that resemble a dismissed face more than any exemplar of `people`. */
function junkRows(
  observations: readonly RecognitionObservation[],
  people: readonly RecognitionPerson[],
  dismissed: readonly Float32Array[],
): Set<number> {
  const junk = new Set<number>();
  if (dismissed.length === 0) return junk;
  const rowOf = new Map(observations.map((o, i) => [o.id, i]));
  const exemplars = function* () {
    for (const p of people) {
      for (const e of p.exemplars) {
        const i = rowOf.get(e);
        if (i !== undefined && hasVector(observations[i])) yield observations[i].observation.face!.embedding!.vector;
      }
    }
  };
  observations.forEach((o, i) => {
    const vector = o.observation.face?.embedding?.vector;
    if (vector && o.assignedBy !== 'user' && resemblesDismissed(vector, dismissed, exemplars)) junk.add(i);
  });
  return junk;
}

function hasVector(o: RecognitionObservation): boolean {
  return o.observation.face?.embedding !== undefined;
}

function countChanges(
  observations: readonly RecognitionObservation[],
  assignments: readonly RecognitionAssignment[],
): number {
  const before = new Map(observations.map((o) => [o.id, o]));
  let changed = 0;
  for (const a of assignments) {
    const o = before.get(a.id)!;
    if (o.personId !== a.personId || o.assignedBy !== a.assignedBy) changed++;
  }
  return changed;
}

function incremental(input: RecognitionInput, options: RecognitionOptions): RecognitionResult {
  const { observations } = input;
  const personOf = observations.map((o) => o.personId);
  const assigned = assignUnknown(observations, personOf, input.people, input.cannotLink, options, input.dismissed);
  const assignments: RecognitionAssignment[] = [];
  assigned.forEach((personId, i) => {
    if (personId !== personOf[i]) assignments.push({ id: observations[i].id, personId, assignedBy: 'assign' });
  });
  return { people: [], removed: [], assignments, changed: assignments.length, suggestions: null };
}

function full(input: RecognitionInput, options: RecognitionOptions): RecognitionResult {
  const { observations, people } = input;
  const report = options.onPhase;
  let clock = report ? performance.now() : 0;
  const lap = () => {
    const now = performance.now();
    const ms = now - clock;
    clock = now;
    return ms;
  };
  // faces like a dismissed one (by the gallery as it was) take no part in clustering: their rows are left empty
  const junk = junkRows(observations, people, input.dismissed ?? []);
  const set = observationSet(
    junk.size > 0 ? observations.map((o, i) => (junk.has(i) ? { ...o, observation: {} } : o)) : observations,
  );
  const ids = observations.map((o) => o.id);
  const { mustLink, cannotLink } = userConstraints(observations, people, input);
  report?.({ phase: 'pack', ms: lap() });
  const faceSearch = set.count ? options.search?.faces?.(set.faces, set.clearFace, ids) : undefined;
  const pass1 = clusterPass1(set, { ...options.pass1, mustLink, cannotLink, ...(faceSearch ? { faceSearch } : {}) });
  report?.({ phase: 'pass1', ms: lap(), labels: pass1.labels, clusters: pass1.clusterCount });
  const pass2 = mergePass2(
    { faces: set.faces, clearFace: set.clearFace, image: set.image, labels: pass1.labels },
    {
      ...options.pass2,
      cannotLink,
      ...(options.search?.centroids ? { centroidSearch: options.search.centroids } : {}),
    },
  );
  const labels = pass2.labels;
  report?.({ phase: 'pass2', ms: lap(), labels, clusters: pass2.clusterCount, merges: pass2.merges });
  const overlap = personClusterOverlap(observations, labels);
  const gallery = buildGallery(
    { faces: set.faces, clearFace: set.clearFace, labels },
    { ...options.gallery, named: namedClusters(people, overlap) },
  );
  report?.({ phase: 'gallery', ms: lap(), people: gallery.length });
  const { personOfLabel, created, kept } = mapClustersToPeople(
    observations,
    labels,
    gallery.map((g) => g.label),
    people,
    overlap,
  );

  // the user's word stands; every other observation follows its cluster, or stays unknown
  const user = observations.map((o) => o.assignedBy === 'user');
  const clustered = observations.map((o, i) =>
    user[i] ? o.personId : labels[i] >= 0 ? (personOfLabel.get(labels[i]) ?? null) : null,
  );
  const galleryPeople = gallery.map((g) => ({
    id: personOfLabel.get(g.label)!,
    exemplars: Array.from(g.exemplars, (i) => ids[i]).sort((a, b) => a - b),
  }));
  const final = assignUnknown(observations, clustered, galleryPeople, input.cannotLink, options, input.dismissed);
  report?.({ phase: 'assign', ms: lap() });
  const assignments: RecognitionAssignment[] = [];
  observations.forEach((o, i) => {
    if (user[i]) return;
    const personId = final[i];
    const assignedBy: AssignedBy | null = personId === null ? null : clustered[i] === null ? 'assign' : 'cluster';
    assignments.push({ id: o.id, personId, assignedBy, cluster: labels[i] });
  });

  // machine-made people that lost every observation go; named people and those the user confirmed stay
  const confirmed = new Set(observations.filter((o) => o.assignedBy === 'user').map((o) => o.personId));
  const removed = people
    .filter((p) => !kept.has(p.id) && p.name === null && !p.hidden && !confirmed.has(p.id))
    .map((p) => p.id)
    .sort();
  const rejected = new Set(input.rejected.flatMap(([a, b]) => [`${a}|${b}`, `${b}|${a}`]));
  const suggestions = pass2.suggestions
    .filter((s) => personOfLabel.has(s.a) && personOfLabel.has(s.b))
    .map((s) => ({ personA: personOfLabel.get(s.a)!, personB: personOfLabel.get(s.b)!, score: s.score }))
    .filter((s) => !rejected.has(`${s.personA}|${s.personB}`));
  // people outside the new gallery keep their assignments but no exemplars: only the gallery attracts new faces
  const outside = people
    .filter((p) => !kept.has(p.id) && !removed.includes(p.id) && p.exemplars.length > 0)
    .map((p) => ({ id: p.id, exemplars: [], created: false }));
  return {
    people: [...galleryPeople.map((p) => ({ ...p, created: created.has(p.id) })), ...outside].sort(byId),
    removed,
    assignments,
    changed: countChanges(observations, assignments),
    suggestions,
  };
}

/** The one recognition step of the app; pure and deterministic for the same input. */
export function recognise(input: RecognitionInput, options: RecognitionOptions): RecognitionResult {
  return options.mode === 'full' ? full(input, options) : incremental(input, options);
}
