/**
 * Recognition as one pure function: observations, the user's constraints and the people as they are → the people,
 * assignments and suggestions as they should be, and how many assignments that changes. The engine calls it for
 * folders and for Immich; `eval` and `bench` call it too, so they measure what the app does.
 *
 * - `full`: pass 1 (greedy, moments) → pass 2 (median linkage) → gallery → absorption (a face no person holds, clear
 *   or not, joins the person whose clear faces it clearly resembles; absorb.ts) → each cluster mapped to the person it
 *   overlaps (names and the user's assignments win) → every clear face still unknown is sparse-coded over the new
 *   gallery, exactly as the next incremental run would code it.
 * - `incremental`: every clear face no person holds is sparse-coded over the current gallery.
 *
 * Both modes end in the state the next incremental run leaves unchanged (a fixed point): the dictionary is built in
 * one canonical order (people by id, exemplars by observation id), and a face left unknown stays unknown until the
 * gallery changes.
 */

import type { AssignedBy, Observation } from '../types.js';
import { absorbIntoPeople, absorbNeighbourTable, type AbsorbInput, type AbsorbOptions } from './absorb.js';
import type { SparseAssignOptions } from './assign-sparse.js';
import { assignUnknown, byId, hasVector } from './assign-unknown.js';
import { calibrate, libraryImpostors, REFERENCE_LIBRARY_IMPOSTORS, type Calibration } from './calibration.js';
import { clusterPass1, PASS1_NEIGHBOURS, type Pass1Options } from './cluster-pass1.js';
import type { ObservationPair } from './constraints.js';
import { resemblesDismissed } from './dismissed.js';
import { buildGallery, type GalleryOptions } from './gallery.js';
import { mergePass2, type Pass2Options } from './merge-pass2.js';
import type { KnnTable, QueryRows } from './knn.js';
import type { NeighbourSearch } from './neighbours.js';
import { observationSet, type ObservationSet } from './observations.js';
import { mapClustersToPeople, namedClusters, personClusterOverlap } from './person-mapping.js';
import {
  absorbThresholds,
  dismissedThreshold,
  galleryThresholds,
  pass1Thresholds,
  pass2Thresholds,
} from './thresholds.js';
import { unrecognisableFaces } from './unrecognisable.js';
import { userConstraints } from './user-constraints.js';
import type { VectorMatrix } from './vectors.js';

export { EXEMPLAR_SEARCH_ABOVE } from './assign-unknown.js';

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
  /**
   * A host still shows the person (one we wrote into Immich): it is not removed for holding nothing here, so that
   * the write-back still knows it for ours, moves the faces it holds there after ours, and then removes it there.
   */
  readonly held?: boolean;
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
  /**
   * The k nearest included rows of every included row (knn.ts), for pass 1 over the faces and pass 2 over the
   * centroids; used instead of `faces` and `centroids` when given. With `queries`, the bipartite table (the k nearest
   * included rows of each query), which absorption asks of the people's faces and assignment of the gallery's
   * exemplars, instead of searching face by face.
   */
  table?: (matrix: VectorMatrix, include: Uint8Array, k: number, queries?: QueryRows) => KnnTable;
  /** Over the gallery's exemplar atoms; `ids` are the atoms' observation ids. */
  exemplars?: (atoms: VectorMatrix, ids: readonly number[]) => NeighbourSearch;
}

/** What one phase of a full run did, for benchmarks and logs. */
export interface RecognitionPhase {
  phase: 'pack' | 'pass1' | 'pass2' | 'gallery' | 'absorb' | 'assign';
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
  /** Faces per exemplar table (default EXEMPLAR_TABLE_CHUNK); the table's rows do not depend on it. */
  exemplarTableChunk?: number;
  pass1?: Omit<Pass1Options, 'faceSearch' | 'faceTable' | 'mustLink' | 'cannotLink'>;
  pass2?: Omit<Pass2Options, 'centroidSearch' | 'centroidTable' | 'cannotLink'>;
  gallery?: Omit<GalleryOptions, 'named'>;
  assign?: Omit<SparseAssignOptions, 'search'>;
  /** Absorption of faces no person holds (absorb.ts); `false` turns it off. */
  absorb?: Omit<AbsorbOptions, 'faceSearch' | 'cannotLink'> | false;
  /**
   * Map every similarity threshold to the library's model (calibration.ts; default true). false keeps the reference
   * model's constants. Thresholds given in pass1, pass2, gallery or assign win either way.
   */
  calibrate?: boolean;
  /** Told the calibration each step uses: clustering (full runs) and assignment (null when not calibrating). */
  onCalibration?: (use: 'clustering' | 'assignment', calibration: Calibration | null) => void;
  /** Outlier level of the unrecognisable-face gate, in spreads (unrecognisable.ts); Infinity turns it off. */
  unrecognisableSpreads?: number;
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

/** Rows of faces, not placed by the user, that resemble a dismissed face more than any exemplar of `people`. */
function junkRows(
  observations: readonly RecognitionObservation[],
  people: readonly RecognitionPerson[],
  dismissed: readonly Float32Array[],
  threshold?: number,
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
    if (vector && o.assignedBy !== 'user' && resemblesDismissed(vector, dismissed, exemplars, threshold)) junk.add(i);
  });
  return junk;
}

/**
 * The set the clustering passes see: clear faces that look like no one (unrecognisable.ts) count as unclear there,
 * so they neither found nor join a cluster. The user's own faces are never judged so.
 */
function withoutUnrecognisable(
  set: ObservationSet,
  observations: readonly RecognitionObservation[],
  spreads: number | undefined,
): ObservationSet {
  const gated = unrecognisableFaces(set.faces, set.hasFace, set.clearFace, spreads);
  let any = false;
  observations.forEach((o, i) => {
    if (o.assignedBy === 'user') gated[i] = 0;
    if (gated[i]) any = true;
  });
  return any ? { ...set, clearFace: set.clearFace.map((c, i) => (gated[i] ? 0 : c)) } : set;
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

/**
 * Pass 1 with its neighbours: a k-nearest table when the caller computes tables (it is dropped on return, 192 MB at a
 * million faces that absorption and assignment need not hold), else the caller's search, else brute force.
 */
function runPass1(
  set: ObservationSet,
  ids: readonly number[],
  options: RecognitionOptions,
  pass1Options: Omit<Pass1Options, 'faceSearch' | 'faceTable'>,
): { pass1: ReturnType<typeof clusterPass1>; faceSearch: NeighbourSearch | undefined } {
  const tableOf = options.search?.table;
  const faceTable =
    set.count && tableOf ? tableOf(set.faces, set.clearFace, pass1Options.neighbours ?? PASS1_NEIGHBOURS) : undefined;
  const faceSearch = set.count && !faceTable ? options.search?.faces?.(set.faces, set.clearFace, ids) : undefined;
  const pass1 = clusterPass1(set, {
    ...pass1Options,
    ...(faceSearch ? { faceSearch } : {}),
    ...(faceTable ? { faceTable } : {}),
  });
  return { pass1, faceSearch };
}

/**
 * Absorption, reading a bipartite table when the caller computes tables and gave no search (dropped on return, as
 * pass 1's: 122 MB at a million faces that assignment need not hold).
 */
function runAbsorption(input: AbsorbInput, options: RecognitionOptions, absorbOptions: AbsorbOptions): Int32Array {
  const tableOf = options.search?.table;
  const faceTable =
    tableOf && !absorbOptions.faceSearch ? absorbNeighbourTable(input, tableOf, absorbOptions.neighbours) : undefined;
  return absorbIntoPeople(input, { ...absorbOptions, ...(faceTable ? { faceTable } : {}) });
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
  const set = observationSet(observations);
  const ids = observations.map((o) => o.id);
  const calibration =
    options.calibrate === false
      ? null
      : calibrate(libraryImpostors(set.faces, set.clearFace), REFERENCE_LIBRARY_IMPOSTORS);
  options.onCalibration?.('clustering', calibration);
  // faces like a dismissed one (by the gallery as it was) take no part in clustering
  const junk = junkRows(
    observations,
    people,
    input.dismissed ?? [],
    calibration ? dismissedThreshold(calibration) : undefined,
  );
  for (const i of junk) set.hasFace[i] = set.clearFace[i] = set.hasBody[i] = 0;
  const clusterSet = withoutUnrecognisable(set, observations, options.unrecognisableSpreads);
  const { mustLink, cannotLink } = userConstraints(observations, people, input);
  report?.({ phase: 'pack', ms: lap() });
  const tableOf = options.search?.table;
  const { pass1, faceSearch } = runPass1(clusterSet, ids, options, {
    ...(calibration ? pass1Thresholds(calibration) : {}),
    ...options.pass1,
    mustLink,
    cannotLink,
  });
  report?.({ phase: 'pass1', ms: lap(), labels: pass1.labels, clusters: pass1.clusterCount });
  const pass2 = mergePass2(
    { faces: set.faces, clearFace: clusterSet.clearFace, image: set.image, labels: pass1.labels },
    {
      ...(calibration ? pass2Thresholds(calibration) : {}),
      ...options.pass2,
      cannotLink,
      ...(options.search?.centroids ? { centroidSearch: options.search.centroids } : {}),
      ...(tableOf ? { centroidTable: tableOf } : {}),
    },
  );
  report?.({ phase: 'pass2', ms: lap(), labels: pass2.labels, clusters: pass2.clusterCount, merges: pass2.merges });
  const named = namedClusters(people, personClusterOverlap(observations, pass2.labels));
  const gallery = buildGallery(
    { faces: set.faces, clearFace: clusterSet.clearFace, labels: pass2.labels },
    {
      ...(calibration ? galleryThresholds(calibration) : {}),
      ...options.gallery,
      named,
    },
  );
  report?.({ phase: 'gallery', ms: lap(), people: gallery.length });
  const labels =
    options.absorb === false
      ? pass2.labels
      : runAbsorption(
          {
            faces: set.faces,
            // faces no person holds, clear or not (never the user's, never junk), may join a person they resemble
            candidate: Uint8Array.from(observations, (o, i) => (set.hasFace[i] && o.assignedBy !== 'user' ? 1 : 0)),
            clearFace: clusterSet.clearFace,
            image: set.image,
            labels: pass2.labels,
            people: gallery.map((g) => g.label),
          },
          options,
          {
            ...(calibration ? absorbThresholds(calibration) : {}),
            ...options.absorb,
            cannotLink,
            ...(faceSearch ? { faceSearch } : {}),
          },
        );
  report?.({ phase: 'absorb', ms: lap(), labels });
  const overlap = personClusterOverlap(observations, labels);
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
  const final = assignUnknown(
    observations,
    clustered,
    galleryPeople,
    input.cannotLink,
    options,
    input.dismissed,
    set.faces,
  );
  report?.({ phase: 'assign', ms: lap() });
  const assignments: RecognitionAssignment[] = [];
  let changed = 0;
  observations.forEach((o, i) => {
    if (user[i]) return;
    const personId = final[i];
    const assignedBy: AssignedBy | null = personId === null ? null : clustered[i] === null ? 'assign' : 'cluster';
    assignments.push({ id: o.id, personId, assignedBy, cluster: labels[i] });
    if (o.personId !== personId || o.assignedBy !== assignedBy) changed++;
  });

  // machine-made people that lost every observation go; named people, those the user confirmed and those a host
  // still shows stay
  const confirmed = new Set(observations.filter((o) => o.assignedBy === 'user').map((o) => o.personId));
  const removed = people
    .filter((p) => !kept.has(p.id) && p.name === null && !p.hidden && !p.held && !confirmed.has(p.id))
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
    changed,
    suggestions,
  };
}

/** The one recognition step of the app; pure and deterministic for the same input. */
export function recognise(input: RecognitionInput, options: RecognitionOptions): RecognitionResult {
  return options.mode === 'full' ? full(input, options) : incremental(input, options);
}
