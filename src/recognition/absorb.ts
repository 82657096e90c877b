/**
 * Absorption (a full run, after the gallery is chosen): a face that no gallery person holds joins the person whose
 * members it clearly resembles, judged against ALL of the person's clear faces rather than its few exemplars.
 *
 * Why: pass 2 joins a lone face by its MEDIAN cosine to a cluster's members, and assignment codes it over at most 8
 * exemplars; a person photographed in many settings (a cricketer on the field and at a press event) has a low median
 * and exemplars that miss the setting, so a face that closely resembles a few of the person's faces stays unknown.
 * Unclear faces (small, blurred or turned) are never clustered at all. On the development set's tuning split, 77 of
 * 3,205 labelled faces were left unknown; most had three or more faces of their own person at cos ≥ 0.45.
 *
 * The evidence, for a face y and a person P, over y's `ABSORB_NEIGHBOURS` nearest clear faces (a k-nearest search,
 * so an HNSW index serves a large library):
 * - score(P) = the mean cosine of y to its 3 nearest faces of P; a person with fewer than 3 of them among the
 *   neighbours has no score (one or two look-alike faces are no evidence);
 * - y joins the best-scoring person when score ≥ `minCosine` and score − runner-up ≥ `minLead`, where the runner-up
 *   is the best score of any other person, or, when no other person has 3 faces among the neighbours, the cosine of
 *   the k-th neighbour (no unseen person can score above it).
 * Hard rules: a person already in y's photo is never chosen (one face per person per photo, and two absorbed faces
 * of one photo never join the same person); nor one y is cannot-linked to. Absorbed faces are members, never
 * exemplars: the gallery and so every later assignment stay as they were (the fixed point of recognise.ts).
 *
 * Levels are cosines of the reference model; recognise() maps them to the library's model (thresholds.ts).
 */

import { buildConflictGraph, type ObservationPair } from './constraints.js';
import { tableNeighbours, type KnnTable, type QueryRows } from './knn.js';
import { bruteForceSearch, type NeighbourSearch } from './neighbours.js';
import { row, type VectorMatrix } from './vectors.js';

/**
 * A face joins a person at a mean cos ≥ 0.45 to its 3 nearest faces of that person: the level at which pass 2 merges
 * two clusters outright (PASS2_AUTO_MERGE_MAX_DISTANCE), 4.8 impostor spreads above the impostor mean. Measured on
 * the development set's tuning split (188 identities; with `ABSORB_MIN_LEAD` 0.10): BCubed F 0.9718 without
 * absorption; 0.9752 at 0.48, 0.9782 at 0.45, precision 0.9987 throughout; 0.9809 at 0.40 and 0.42, but there the
 * first wrong face joined a person (precision 0.9980). Of every labelled clear face scored against the other
 * identities' people (as a stranger would be), 1.4 % reach 0.45 with the lead, 5.6 % reach 0.30. The cost, measured
 * as strangers photographed once (every third identity of the tuning split cut to one face, three ways, 188 such
 * faces): a full run put 4 of them on somebody without absorption and 6 with it (two LFW politicians at 0.455 and
 * 0.489 onto look-alikes); at 0.50 it stays at 4, with BCubed F 0.9742.
 */
export const ABSORB_MIN_COSINE = 0.45;
/**
 * …and leads the runner-up person by ≥ 0.10 cos (about one impostor spread). On the tuning split the lead mattered
 * little for the clustering (F 0.9789 at 0.05, 0.9782 at 0.10, 0.9765 at 0.15) and for strangers much: 1.7 % of them
 * passed at 0.05, 1.4 % at 0.10.
 */
export const ABSORB_MIN_LEAD = 0.1;
/** Faces of a person the score averages (one or two similar faces are no evidence; chosen, not tuned). */
export const ABSORB_TOP = 3;
/** Nearest clear faces searched per face (≫ ABSORB_TOP, so that the runner-up is seen; chosen, not tuned). */
export const ABSORB_NEIGHBOURS = 48;

export interface AbsorbInput {
  /** L2-normalised face embeddings, one row per observation. */
  readonly faces: VectorMatrix;
  /** 1 where the row may be absorbed (a face with a vector that no person holds and the caller allows). */
  readonly candidate: Uint8Array;
  /** 1 where the row is a clear face that may count as evidence (the clustering's clear faces). */
  readonly clearFace: Uint8Array;
  /** Image of each observation (-1 = unknown). */
  readonly image: Int32Array;
  /** Cluster of each observation (-1 = none). */
  readonly labels: Int32Array;
  /** Cluster labels that are people (the gallery's): the only ones a face may join. */
  readonly people: readonly number[];
}

export interface AbsorbOptions {
  minCosine?: number;
  minLead?: number;
  neighbours?: number;
  /** Observation pairs never to share a person (user rejections), by row. */
  cannotLink?: readonly ObservationPair[];
  /**
   * k-nearest over `faces` among the evidence rows, the clear faces of people (brute force over exactly those when
   * absent). A search over more rows (all clear faces) also serves: rows that are not evidence are skipped, and the
   * bound on what lies beyond the list is its last entry, whatever it is, so it stays an upper bound.
   */
  faceSearch?: NeighbourSearch;
  /**
   * Instead of `faceSearch`: the bipartite k-nearest table (knn.ts) of `absorbRows`: one row per face that may be
   * absorbed, in ascending order, over the evidence rows, with at least `neighbours` per row.
   */
  faceTable?: KnnTable;
}

/** New labels: each absorbed row takes its person's cluster label; every other row keeps its own. */
export function absorbIntoPeople(input: AbsorbInput, options: AbsorbOptions = {}): Int32Array {
  const { faces, candidate, clearFace, image, labels } = input;
  const n = labels.length;
  if (faces.count !== n || candidate.length !== n || clearFace.length !== n || image.length !== n) {
    throw new RangeError('faces, candidate, clearFace, image and labels must have one entry per observation');
  }
  const minCosine = options.minCosine ?? ABSORB_MIN_COSINE;
  const minLead = options.minLead ?? ABSORB_MIN_LEAD;
  const k = options.neighbours ?? ABSORB_NEIGHBOURS;
  const out = Int32Array.from(labels);
  const isPerson = new Set(input.people);
  if (isPerson.size === 0) return out;
  let any = false;
  for (let i = 0; i < n; i++) if (candidate[i] && !isPerson.has(labels[i])) any = true;
  if (!any) return out;

  const table = options.faceTable;
  const search = table ? null : (options.faceSearch ?? bruteForceSearch(faces, absorbRows(input).evidence));
  const conflicts = buildConflictGraph(n, image, options.cannotLink ?? []);
  const scores = new Map<number, number[]>();
  let slot = -1;
  for (let i = 0; i < n; i++) {
    if (!candidate[i] || isPerson.has(labels[i])) continue;
    slot++;
    // people this face may not join: those holding a face of its photo or one it is cannot-linked to
    const closed = new Set<number>();
    for (let p = conflicts.offsets[i]; p < conflicts.offsets[i + 1]; p++) {
      const l = out[conflicts.targets[p]];
      if (isPerson.has(l)) closed.add(l);
    }
    const found = search
      ? search(row(faces, i), k + 1)
          .filter((nb) => nb.index !== i)
          .slice(0, k)
      : tableNeighbours(table!, slot, k);
    if (found.length === 0) continue;
    scores.clear();
    for (const { index, distance } of found) {
      const l = labels[index];
      if (!isPerson.has(l) || closed.has(l) || !clearFace[index]) continue;
      const top = scores.get(l) ?? [];
      if (top.length < ABSORB_TOP) top.push(1 - distance);
      scores.set(l, top);
    }
    let best = -1;
    let bestScore = -Infinity;
    // beyond a full list lie only faces at most as alike as its last one
    const full = found.length >= k;
    const last = 1 - found[found.length - 1].distance;
    let second = full ? last : -Infinity;
    for (const [l, top] of [...scores].sort((a, b) => a[0] - b[0])) {
      const sum = top.reduce((s, c) => s + c, 0);
      const score = top.length < ABSORB_TOP ? -Infinity : sum / ABSORB_TOP;
      // a person seen with fewer faces may have more beyond the search: its best possible score is a runner-up's
      const bound =
        top.length < ABSORB_TOP
          ? full
            ? (sum + (ABSORB_TOP - top.length) * last) / ABSORB_TOP
            : sum / top.length
          : score;
      if (score > bestScore) {
        if (best >= 0) second = Math.max(second, bestScore);
        best = l;
        bestScore = score;
      } else {
        second = Math.max(second, bound);
      }
    }
    if (best >= 0 && bestScore >= minCosine && bestScore - second >= minLead) out[i] = best;
  }
  return out;
}

/**
 * Who asks and who answers in absorption: `queries` are the faces that may be absorbed (candidates no person holds),
 * `evidence` the clear faces of people, the only neighbours that count.
 */
export function absorbRows(input: Pick<AbsorbInput, 'candidate' | 'clearFace' | 'labels' | 'people'>): {
  queries: Uint8Array;
  evidence: Uint8Array;
  asked: number;
} {
  const { candidate, clearFace, labels } = input;
  const isPerson = new Set(input.people);
  const queries = new Uint8Array(labels.length);
  const evidence = new Uint8Array(labels.length);
  let asked = 0;
  for (let i = 0; i < labels.length; i++) {
    if (isPerson.has(labels[i])) evidence[i] = clearFace[i];
    else if (candidate[i]) {
      queries[i] = 1;
      asked++;
    }
  }
  return { queries, evidence, asked };
}

/**
 * The table absorption reads (`AbsorbOptions.faceTable`) where the caller computes k-nearest tables instead of
 * searching (the app, at any size): the bipartite table of the faces that may be absorbed over the clear faces of
 * people, with `neighbours` per row; none when no face may be absorbed or there is no person to join.
 */
export function absorbNeighbourTable(
  input: Pick<AbsorbInput, 'faces' | 'candidate' | 'clearFace' | 'labels' | 'people'>,
  table: (matrix: VectorMatrix, include: Uint8Array, k: number, queries?: QueryRows) => KnnTable,
  neighbours: number = ABSORB_NEIGHBOURS,
): KnnTable | undefined {
  if (input.people.length === 0) return undefined;
  const { queries, evidence, asked } = absorbRows(input);
  return asked > 0 ? table(input.faces, evidence, neighbours, { matrix: input.faces, include: queries }) : undefined;
}
