/**
 * The evaluation harness (issue 4, "Evaluation harness"; metrics of anchors.md §3.1): one labelled set of face
 * embeddings in, one report out, every figure computed on the same vectors. No models, no files, no store: the
 * CLI (`immich-people eval`) embeds the photos and hands the vectors here.
 *
 * What is measured
 * - Verification over ALL pairs of faces (genuine = same identity): ROC AUC, TAR at FAR 1e-2 and 1e-3, and the
 *   best-accuracy cosine threshold.
 * - Clustering, every method on the same faces in the same visiting order:
 *   - ours: the app's own `recognise()` (full mode: pass 1, pass 2, gallery, then assignment of what the
 *     clusters left unknown) with the app's defaults and its in-memory HNSW providers, so the figure is what
 *     `scan` and `run` produce. Each labelled face is its own image (no same-image conflicts), there are no bodies
 *     and no moments (-1). A face no gallery person holds (an unclear face, or one of a person with fewer than 3
 *     clear faces) is unassigned: a singleton that costs recall, never precision;
 *   - Immich's DBSCAN-like incremental clustering (cosine distance 0.5, minFaces 3), Ente's greedy chaining
 *     (cosine similarity 0.76) and plain average-linkage HAC (cut at distance 0.60, i.e. cos 0.40, the
 *     clustering level models.md suggests for our embedder). The baselines see every face, clear or not (their
 *     own quality gates use detector scores we do not have). Their defaults were calibrated for other models;
 *   - each baseline ALSO at its ORACLE threshold: the value of a grid (step `sweepStep`, default 0.01, over
 *     [0, 1], plus the default itself) that maximises BCubed F on these very labels. It is an upper bound that no deployment can reach
 *     (it peeks at the answers), not a fair setting. Ties go to the value nearest the default, then the lower.
 *   Metrics: BCubed P/R/F (the headline), pairwise P/R/F, NMI, clusters vs identities, singleton clusters,
 *   unassigned faces, and impure clusters (predicted clusters holding faces of two or more identities).
 * - Open-set assignment, deterministic split: identities sorted by name; every third one (index % 3 === 2) is
 *   held out entirely, as is any identity with a single face. Of every other identity the first ceil(n/2)
 *   faces by file name are enrolled and the rest are queries; all faces of held-out identities are "unseen"
 *   queries (a correct answer is "unknown"). The enrolled identities are named gallery people
 *   (`buildGallery(..., {named})`, so the gallery's exemplar selection applies and only clear faces become
 *   exemplars); `buildDictionary` stacks their exemplars. Each query is assigned by sparse coding
 *   as the app does it (`recognise` in incremental mode) and by plain nearest exemplar (`assignNearest`), both
 *   with their defaults. An unclear
 *   query is left unknown by both, as the app never assigns unclear faces.
 *
 * Visiting order: Immich and Ente are order-dependent. Faces are visited in ascending FNV-1a hash of
 * "identity/file" (ties by that string): a fixed pseudo-random order that does not group faces by person (a
 * library is not sorted by person) and that does not depend on the input order or on the other files.
 *
 * JSON shape (`EvaluationReport`, written by `immich-people eval --json`; numbers are plain, a threshold that
 * accepts everything is null):
 *
 *     {"dataset": {"identities": 8, "images": 24, "faces": 24, "clearFaces": 23,
 *                  "missed": [{"identity": "x", "file": "x_1.jpg", "reason": "no face"}]},
 *      "verification": {"genuinePairs": 34, "impostorPairs": 242, "auc": 0.998,
 *                       "tarAtFar": [{"targetFar": 0.01, "tar": 0.97, "far": 0.008, "threshold": 0.41}, ...],
 *                       "bestAccuracy": {"threshold": 0.42, "accuracy": 0.99}} | null,
 *      "clustering": [{"method": "ours"|"immich"|"ente"|"hac", "setting": "default"|"oracle", "name": "...",
 *                      "parameter": {"name": "maxDistance"|"minSimilarity", "value": 0.5} | null,
 *                      "oracleRange": [lo, hi] | null,
 *                      "bcubed": {"precision", "recall", "f"}, "pairwise": {"precision", "recall", "f"},
 *                      "nmi", "clusters", "singletonClusters", "unassigned", "identities", "impureClusters",
 *                      "suggestions": {"total", "correct", "bcubedIfCorrectAccepted": {"precision", "recall", "f"}}
 *                                     | null}],
 *      "openSet": {"enrolledIdentities": ["..."], "unseenIdentities": ["..."], "enrolledFaces": 8,
 *                  "methods": [{"method": "sparse"|"nearest", "name": "...", "queries", "known", "unseen",
 *                               "assigned", "correct", "precision", "recall", "unknownRate",
 *                               "unseenRejectionRate"}],
 *                  "queries": [{"identity", "file", "known": true, "clear": true,
 *                               "sparse": "identity"|null, "nearest": "identity"|null}]},
 *      "faces": [{"identity", "file", "clear", "ours": 0, "immich": -1, "ente": 3, "hac": 0}]}
 *
 * `clustering[0]` is ours; then each baseline's default row and oracle row. `faces` lists every labelled face in
 * visiting order with its cluster under each method at the default setting (-1 = unassigned); cluster numbers
 * are per method.
 *
 * Cost: O(n²·dim) for the pairs and for each baseline run, and the oracle sweeps run each baseline 102 times:
 * milliseconds for the 24 fixture faces, about 3 minutes for 1,000 faces at 512-D on the 2-core machine. Meant
 * for evaluation sets of up to about a thousand faces (pass a coarser `sweepStep` for more).
 */

import { assignNearest } from '../recognition/assign-nearest.js';
import { ENTE_MIN_SIMILARITY, enteGreedy } from '../recognition/baselines/ente-greedy.js';
import { HAC_AVERAGE_MAX_DISTANCE, hacAverage } from '../recognition/baselines/hac-average.js';
import { IMMICH_MAX_DISTANCE, IMMICH_MIN_FACES, immichDbscan } from '../recognition/baselines/immich-dbscan.js';
import { buildDictionary, buildGallery } from '../recognition/gallery.js';
import type { MergeSuggestion } from '../recognition/merge-pass2.js';
import { vectorObservation } from '../recognition/observations.js';
import { recognise, type RecognitionObservation } from '../recognition/recognise.js';
import {
  bestAccuracyThreshold,
  clusteringScores,
  openSetScores,
  rocAuc,
  tarAtFar,
  type OpenSetScores,
  type PrecisionRecall,
} from '../recognition/metrics.js';
import { matrixFromRows, normaliseRows, row, type VectorMatrix } from '../recognition/vectors.js';
import { hnswSearch } from './recognition.js';

/** One labelled face: the largest face of one labelled image. */
export interface LabelledFace {
  readonly identity: string;
  /** The image's path inside its identity folder; the open-set split sorts by it. Unique within an identity. */
  readonly file: string;
  /** Face embedding (normalised again here). */
  readonly vector: Float32Array;
  /** The pipeline's quality verdict: clear faces may seed and join clusters. */
  readonly clear: boolean;
}

/** A labelled image that gave no face (or failed to decode). */
export interface MissedImage {
  identity: string;
  file: string;
  reason: string;
}

export interface EvaluationOptions {
  /** Grid step of the oracle sweeps (default 0.01). */
  sweepStep?: number;
}

export interface VerificationReport {
  genuinePairs: number;
  impostorPairs: number;
  auc: number;
  tarAtFar: { targetFar: number; tar: number; far: number; threshold: number | null }[];
  bestAccuracy: { threshold: number | null; accuracy: number };
}

export type ClusteringMethod = 'ours' | 'immich' | 'ente' | 'hac';

export interface ClusteringRow {
  method: ClusteringMethod;
  setting: 'default' | 'oracle';
  /** Human-readable description of the method and its setting. */
  name: string;
  /** The swept parameter and its value (null for ours: all defaults). */
  parameter: { name: 'maxDistance' | 'minSimilarity'; value: number } | null;
  /** Oracle rows: the lowest and highest grid values that reach the same best BCubed F. */
  oracleRange: [number, number] | null;
  bcubed: PrecisionRecall;
  pairwise: PrecisionRecall;
  nmi: number;
  /** Predicted clusters (unassigned faces not counted). */
  clusters: number;
  singletonClusters: number;
  /** Faces the method left without a cluster (each scores as its own singleton). */
  unassigned: number;
  identities: number;
  /** Predicted clusters holding faces of two or more identities (false merges). */
  impureClusters: number;
  /** Ours only: pass 2's merge suggestions, judged against the labels (null for the baselines). */
  suggestions: SuggestionReport | null;
}

export interface SuggestionReport {
  total: number;
  /** Suggestions whose two clusters have the same majority identity. */
  correct: number;
  /** BCubed after a user accepts exactly the correct suggestions (a user-in-the-loop figure, not automatic). */
  bcubedIfCorrectAccepted: PrecisionRecall;
}

/** Cluster labels of one labelled face under every method at its default setting (-1 = unassigned). */
export interface FaceLabels {
  identity: string;
  file: string;
  clear: boolean;
  ours: number;
  immich: number;
  ente: number;
  hac: number;
}

export type AssignMethod = 'sparse' | 'nearest';

export interface OpenSetQuery {
  identity: string;
  file: string;
  /** true when the identity is enrolled in the gallery. */
  known: boolean;
  clear: boolean;
  sparse: string | null;
  nearest: string | null;
}

export interface OpenSetReport {
  enrolledIdentities: string[];
  unseenIdentities: string[];
  enrolledFaces: number;
  methods: ({ method: AssignMethod; name: string } & OpenSetScores)[];
  queries: OpenSetQuery[];
}

export interface EvaluationReport {
  dataset: {
    /** Identities with at least one face. */
    identities: number;
    /** Labelled images: faces + missed. */
    images: number;
    faces: number;
    clearFaces: number;
    missed: MissedImage[];
  };
  verification: VerificationReport | null;
  clustering: ClusteringRow[];
  openSet: OpenSetReport;
  /** Per face, in visiting order: the cluster each method (at its default) put it in. */
  faces: FaceLabels[];
}

/** FNV-1a, 32-bit. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The faces in visiting order, the matrix of their normalised vectors, and true identity indices. */
interface Prepared {
  faces: LabelledFace[];
  matrix: VectorMatrix;
  clear: Uint8Array;
  truth: Int32Array;
  identities: string[];
}

function prepare(input: readonly LabelledFace[]): Prepared {
  const keyed = input.map((face) => {
    const key = `${face.identity}/${face.file}`;
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
  const identities = [...new Set(faces.map((f) => f.identity))].sort(byCodePoint);
  const index = new Map(identities.map((id, i) => [id, i]));
  const truth = Int32Array.from(faces, (f) => index.get(f.identity)!);
  const clear = Uint8Array.from(faces, (f) => (f.clear ? 1 : 0));
  return { faces, matrix, clear, truth, identities };
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** Verification over all pairs; null when there is no genuine or no impostor pair. */
export function verification(matrix: VectorMatrix, truth: Int32Array): VerificationReport | null {
  const { count: n, dim, data } = matrix;
  const genuine: number[] = [];
  const impostor: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let t = 0; t < dim; t++) s += data[i * dim + t] * data[j * dim + t];
      (truth[i] === truth[j] ? genuine : impostor).push(s);
    }
  }
  if (genuine.length === 0 || impostor.length === 0) return null;
  const best = bestAccuracyThreshold(genuine, impostor);
  return {
    genuinePairs: genuine.length,
    impostorPairs: impostor.length,
    auc: rocAuc(genuine, impostor),
    tarAtFar: [1e-2, 1e-3].map((targetFar) => {
      const p = tarAtFar(genuine, impostor, targetFar);
      return { targetFar, tar: p.tar, far: p.far, threshold: finiteOrNull(p.threshold) };
    }),
    bestAccuracy: { threshold: finiteOrNull(best.threshold), accuracy: best.accuracy },
  };
}

/** Each face as the app's recognition sees it: its own photo, no body, no moment, nobody assigned yet. */
function asObservations(matrix: VectorMatrix, clear: Uint8Array): RecognitionObservation[] {
  return Array.from({ length: matrix.count }, (_, i) => ({
    id: i,
    image: i,
    moment: -1,
    personId: null,
    assignedBy: null,
    observation: vectorObservation(EVAL_MODEL, row(matrix, i), clear[i] === 1),
  }));
}

/** The id the eval's vectors are tagged with (one model per run; the HNSW providers check it). */
const EVAL_MODEL = 'eval';

/**
 * Our people as the app makes them: the app's own `recognise()` in full mode (pass 1, pass 2, gallery, then
 * assignment of what the clusters left unknown) with the app's HNSW providers, on faces that are each their own
 * photo. A face no gallery person holds is unassigned. Suggestions are between people, as the app shows them.
 */
export function ourClustering(
  matrix: VectorMatrix,
  clear: Uint8Array,
): { labels: Int32Array; suggestions: MergeSuggestion[] } {
  const result = recognise(
    { observations: asObservations(matrix, clear), people: [], mustLink: [], cannotLink: [], rejected: [] },
    { mode: 'full', search: hnswSearch(EVAL_MODEL, null) },
  );
  const labelOf = new Map(result.people.map((p, k) => [p.id, k]));
  const labels = new Int32Array(matrix.count).fill(-1);
  for (const a of result.assignments) if (a.personId !== null) labels[a.id] = labelOf.get(a.personId)!;
  const suggestions = (result.suggestions ?? []).map((s) => {
    const [a, b] = [labelOf.get(s.personA)!, labelOf.get(s.personB)!].sort((x, y) => x - y);
    return { a, b, score: s.score };
  });
  return { labels, suggestions };
}

/** The identity most faces of each predicted cluster have (ties: lower identity index). */
function majorityIdentity(predicted: Int32Array, truth: Int32Array): Map<number, number> {
  const counts = new Map<number, Map<number, number>>();
  for (let i = 0; i < predicted.length; i++) {
    if (predicted[i] < 0) continue;
    const c = counts.get(predicted[i]) ?? new Map<number, number>();
    c.set(truth[i], (c.get(truth[i]) ?? 0) + 1);
    counts.set(predicted[i], c);
  }
  const out = new Map<number, number>();
  for (const [label, c] of counts) {
    const best = [...c.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
    out.set(label, best[0]);
  }
  return out;
}

/** Pass 2's merge suggestions judged against the labels, and the clustering after accepting the right ones. */
function suggestionReport(
  labels: Int32Array,
  suggestions: readonly MergeSuggestion[],
  truth: Int32Array,
): SuggestionReport {
  const majority = majorityIdentity(labels, truth);
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.has(r)) r = parent.get(r)!;
    return r;
  };
  let correct = 0;
  for (const s of suggestions) {
    if (majority.get(s.a) !== majority.get(s.b)) continue;
    correct++;
    const ra = find(s.a);
    const rb = find(s.b);
    if (ra !== rb) parent.set(Math.max(ra, rb), Math.min(ra, rb));
  }
  const accepted = labels.map((l) => (l < 0 ? l : find(l)));
  return { total: suggestions.length, correct, bcubedIfCorrectAccepted: clusteringScores(accepted, truth).bcubed };
}

function impureClusters(predicted: Int32Array, truth: Int32Array): number {
  const seen = new Map<number, number>();
  const impure = new Set<number>();
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i];
    if (p < 0) continue;
    const t = seen.get(p);
    if (t === undefined) seen.set(p, truth[i]);
    else if (t !== truth[i]) impure.add(p);
  }
  return impure.size;
}

function clusteringRow(
  head: Pick<ClusteringRow, 'method' | 'setting' | 'name' | 'parameter' | 'oracleRange'>,
  predicted: Int32Array,
  truth: Int32Array,
  suggestions: SuggestionReport | null = null,
): ClusteringRow {
  const s = clusteringScores(predicted, truth);
  return {
    ...head,
    bcubed: s.bcubed,
    pairwise: s.pairwise,
    nmi: s.nmi,
    clusters: s.clusters,
    singletonClusters: s.singletonClusters,
    unassigned: s.unassigned,
    identities: s.identities,
    impureClusters: impureClusters(predicted, truth),
    suggestions,
  };
}

interface Baseline {
  method: Exclude<ClusteringMethod, 'ours'>;
  parameter: 'maxDistance' | 'minSimilarity';
  defaultValue: number;
  describe: (value: number) => string;
  run: (matrix: VectorMatrix, value: number) => Int32Array;
}

const BASELINES: readonly Baseline[] = [
  {
    method: 'immich',
    parameter: 'maxDistance',
    defaultValue: IMMICH_MAX_DISTANCE,
    describe: (v) => `Immich DBSCAN-like, distance <= ${v.toFixed(2)}, minFaces ${IMMICH_MIN_FACES}`,
    run: (m, v) => immichDbscan(m, { maxDistance: v, minFaces: IMMICH_MIN_FACES }),
  },
  {
    method: 'ente',
    parameter: 'minSimilarity',
    defaultValue: ENTE_MIN_SIMILARITY,
    describe: (v) => `Ente greedy, cos >= ${v.toFixed(2)}`,
    run: (m, v) => enteGreedy(m, { minSimilarity: v }),
  },
  {
    method: 'hac',
    parameter: 'maxDistance',
    defaultValue: HAC_AVERAGE_MAX_DISTANCE,
    describe: (v) => `average-linkage HAC, distance <= ${v.toFixed(2)}`,
    run: (m, v) => hacAverage(m, { maxDistance: v }),
  },
];

/** Grid values 0, step, 2·step, ..., 1 (rounded to 1e-9 so that 0.1 + 0.2 prints as 0.3). */
function grid(step: number): number[] {
  if (!(step > 0 && step <= 1)) throw new RangeError(`sweep step ${step} not in (0, 1]`);
  const values: number[] = [];
  const steps = Math.round(1 / step);
  for (let k = 0; k <= steps; k++) values.push(Math.round(Math.min(1, k * step) * 1e9) / 1e9);
  return values;
}

function baselineRows(baseline: Baseline, p: Prepared, step: number): { rows: ClusteringRow[]; labels: Int32Array } {
  const { matrix, truth } = p;
  const head = (setting: 'default' | 'oracle', value: number, range: [number, number] | null) => ({
    method: baseline.method,
    setting,
    name: baseline.describe(value),
    parameter: { name: baseline.parameter, value },
    oracleRange: range,
  });
  const labels = baseline.run(matrix, baseline.defaultValue);
  const byDefault = clusteringRow(head('default', baseline.defaultValue, null), labels, truth);
  // the default is always a candidate, so the oracle is never below it
  const values = [...new Set([...grid(step), baseline.defaultValue])].sort((a, b) => a - b);
  const sweep = values.map((value) => {
    const labels = baseline.run(matrix, value);
    return { value, labels, f: clusteringScores(labels, truth).bcubed.f };
  });
  const bestF = Math.max(...sweep.map((s) => s.f));
  const optimal = sweep.filter((s) => s.f === bestF);
  const distance = (v: number) => Math.abs(v - baseline.defaultValue);
  const chosen = optimal.reduce((a, b) => (distance(b.value) < distance(a.value) ? b : a));
  const oracle = clusteringRow(
    head('oracle', chosen.value, [optimal[0].value, optimal[optimal.length - 1].value]),
    chosen.labels,
    truth,
  );
  return { rows: [byDefault, oracle], labels };
}

/** The deterministic open-set split and both assignment methods over the gallery of enrolled faces. */
function openSet(p: Prepared): OpenSetReport {
  const { faces, matrix, clear, identities, truth } = p;
  const members: number[][] = identities.map(() => []);
  faces.forEach((_, i) => members[truth[i]].push(i));
  for (const m of members) m.sort((a, b) => byCodePoint(faces[a].file, faces[b].file));

  const enrolledIdentities: string[] = [];
  const unseenIdentities: string[] = [];
  const galleryOf = new Int32Array(identities.length).fill(-1);
  const labels = new Int32Array(faces.length).fill(-1);
  const queries: number[] = [];
  identities.forEach((name, id) => {
    const m = members[id];
    if (id % 3 === 2 || m.length < 2) {
      unseenIdentities.push(name);
      queries.push(...m);
      return;
    }
    galleryOf[id] = enrolledIdentities.length;
    enrolledIdentities.push(name);
    const enrol = Math.ceil(m.length / 2);
    for (let k = 0; k < m.length; k++) {
      if (k < enrol) labels[m[k]] = galleryOf[id];
      else queries.push(m[k]);
    }
  });
  queries.sort((a, b) => truth[a] - truth[b] || byCodePoint(faces[a].file, faces[b].file));

  const named = enrolledIdentities.map((_, g) => g);
  const gallery = buildGallery({ faces: matrix, clearFace: clear, labels }, { named });
  const dictionary = buildDictionary(matrix, gallery);
  // sparse coding as the app assigns new faces: recognise() in incremental mode over the enrolled people
  const observations = asObservations(matrix, clear).map((o, i) =>
    labels[i] >= 0 ? { ...o, personId: `e${labels[i]}`, assignedBy: 'user' as const } : o,
  );
  const assigned = recognise(
    {
      observations,
      people: gallery.map((g) => ({
        id: `e${g.label}`,
        name: enrolledIdentities[g.label],
        exemplars: [...g.exemplars],
      })),
      mustLink: [],
      cannotLink: [],
      rejected: [],
    },
    { mode: 'incremental', search: hnswSearch(EVAL_MODEL, null) },
  );
  const sparseOf = new Map(assigned.assignments.map((a) => [a.id, Number(a.personId!.slice(1))]));

  const truthOfQuery = Int32Array.from(queries, (i) => galleryOf[truth[i]]);
  const sparse = new Int32Array(queries.length).fill(-1);
  const nearest = new Int32Array(queries.length).fill(-1);
  const detail: OpenSetQuery[] = queries.map((i, q) => {
    if (clear[i] && dictionary.atoms.count > 0) {
      const query = row(matrix, i);
      const e = assignNearest(query, dictionary).identity;
      // dictionary identity = index into `gallery`, whose label is the enrolled-identity index
      sparse[q] = sparseOf.get(i) ?? -1;
      if (e !== null) nearest[q] = gallery[e].label;
    }
    return {
      identity: faces[i].identity,
      file: faces[i].file,
      known: truthOfQuery[q] >= 0,
      clear: clear[i] === 1,
      sparse: sparse[q] >= 0 ? enrolledIdentities[sparse[q]] : null,
      nearest: nearest[q] >= 0 ? enrolledIdentities[nearest[q]] : null,
    };
  });
  let enrolledFaces = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] >= 0) enrolledFaces++;
  return {
    enrolledIdentities,
    unseenIdentities,
    enrolledFaces,
    methods: [
      {
        method: 'sparse',
        name: 'sparse coding (the app: recognise, incremental)',
        ...openSetScores(sparse, truthOfQuery),
      },
      { method: 'nearest', name: 'nearest exemplar (assignNearest)', ...openSetScores(nearest, truthOfQuery) },
    ],
    queries: detail,
  };
}

/** Every figure of the harness, on the same embeddings. */
export function evaluate(
  input: readonly LabelledFace[],
  missed: readonly MissedImage[] = [],
  options: EvaluationOptions = {},
): EvaluationReport {
  const p = prepare(input);
  const step = options.sweepStep ?? 0.01;
  const our = ourClustering(p.matrix, p.clear);
  const ours = clusteringRow(
    {
      method: 'ours',
      setting: 'default',
      name: 'ours: the app (recognise), defaults',
      parameter: null,
      oracleRange: null,
    },
    our.labels,
    p.truth,
    suggestionReport(our.labels, our.suggestions, p.truth),
  );
  const baselines = BASELINES.map((b) => ({ method: b.method, ...baselineRows(b, p, step) }));
  const labelsOf = (method: ClusteringMethod): Int32Array =>
    method === 'ours' ? our.labels : baselines.find((b) => b.method === method)!.labels;
  let clearFaces = 0;
  for (let i = 0; i < p.clear.length; i++) clearFaces += p.clear[i];
  return {
    dataset: {
      identities: p.identities.length,
      images: input.length + missed.length,
      faces: input.length,
      clearFaces,
      missed: [...missed].sort((a, b) => byCodePoint(`${a.identity}/${a.file}`, `${b.identity}/${b.file}`)),
    },
    verification: verification(p.matrix, p.truth),
    clustering: [ours, ...baselines.flatMap((b) => b.rows)],
    openSet: openSet(p),
    faces: p.faces.map((f, i) => ({
      identity: f.identity,
      file: f.file,
      clear: f.clear,
      ours: labelsOf('ours')[i],
      immich: labelsOf('immich')[i],
      ente: labelsOf('ente')[i],
      hac: labelsOf('hac')[i],
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// The table printed by `immich-people eval`.

const fixed = (v: number, digits = 3): string => v.toFixed(digits);
const pct = (v: number): string => `${(100 * v).toFixed(1)} %`;

function table(header: readonly string[], rows: readonly (readonly string[])[], leftColumns = 1): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (c < leftColumns ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The report as a readable plain-text table. */
export function formatReport(report: EvaluationReport): string {
  const out: string[] = [];
  const d = report.dataset;
  out.push(
    `dataset: ${d.identities} identities, ${d.images} labelled images, ${d.faces} faces (${d.clearFaces} clear), ` +
      `${d.missed.length} missed`,
  );
  for (const m of d.missed) out.push(`  missed ${m.identity}/${m.file}: ${m.reason}`);
  out.push('');

  const v = report.verification;
  if (v) {
    out.push(`verification, all pairs (${v.genuinePairs} genuine, ${v.impostorPairs} impostor)`);
    const thr = (t: number | null) => (t === null ? 'accept all' : `cos > ${fixed(t)}`);
    out.push(
      table(
        ['measure', 'value', 'at'],
        [
          ['ROC AUC', fixed(v.auc, 4), ''],
          ...v.tarAtFar.map((p) => [
            `TAR @ FAR ${p.targetFar.toExponential(0)}`,
            fixed(p.tar),
            `${thr(p.threshold)} (FAR ${fixed(p.far, 4)})`,
          ]),
          ['best accuracy', fixed(v.bestAccuracy.accuracy), thr(v.bestAccuracy.threshold)],
        ],
      ),
    );
  } else {
    out.push('verification: needs at least one genuine and one impostor pair');
  }
  out.push('');

  out.push(`clustering (${report.clustering[0]?.identities ?? 0} identities; * = oracle threshold)`);
  out.push(
    table(
      [
        'method',
        'B3 P',
        'B3 R',
        'B3 F',
        'pair P',
        'pair R',
        'pair F',
        'NMI',
        'clusters',
        'single',
        'unassigned',
        'impure',
      ],
      report.clustering.map((r) => [
        `${r.setting === 'oracle' ? '* ' : ''}${r.name}`,
        fixed(r.bcubed.precision),
        fixed(r.bcubed.recall),
        fixed(r.bcubed.f),
        fixed(r.pairwise.precision),
        fixed(r.pairwise.recall),
        fixed(r.pairwise.f),
        fixed(r.nmi),
        String(r.clusters),
        String(r.singletonClusters),
        String(r.unassigned),
        String(r.impureClusters),
      ]),
    ),
  );
  for (const r of report.clustering) {
    if (!r.suggestions) continue;
    const sg = r.suggestions;
    out.push(
      `${r.method}: ${sg.total} merge suggestion${sg.total === 1 ? '' : 's'}, ${sg.correct} of them right; a user accepting exactly the ` +
        `right ones would reach BCubed F ${fixed(sg.bcubedIfCorrectAccepted.f)}`,
    );
  }
  out.push('* oracle: the threshold (grid over [0, 1], plus the default) that maximises BCubed F on these labels.');
  out.push('  An upper bound that peeks at the answers, not a setting any library could ship. Values reaching that F:');
  for (const r of report.clustering) {
    if (r.setting === 'oracle' && r.oracleRange && r.parameter) {
      out.push(`  ${r.method}: ${r.parameter.name} ${fixed(r.oracleRange[0], 2)} .. ${fixed(r.oracleRange[1], 2)}`);
    }
  }
  out.push('');

  const o = report.openSet;
  out.push(
    `open-set assignment: ${o.enrolledFaces} faces of ${o.enrolledIdentities.length} identities enrolled; ` +
      `${o.methods[0]?.queries ?? 0} queries (${o.methods[0]?.known ?? 0} known, ${o.methods[0]?.unseen ?? 0} unseen: ` +
      `${o.unseenIdentities.join(', ') || 'none'})`,
  );
  out.push(
    table(
      ['method', 'precision', 'recall', 'unknown rate', 'unseen rejected', 'assigned', 'correct'],
      o.methods.map((m) => [
        m.name,
        pct(m.precision),
        pct(m.recall),
        pct(m.unknownRate),
        pct(m.unseenRejectionRate),
        String(m.assigned),
        String(m.correct),
      ]),
    ),
  );
  return `${out.join('\n')}\n`;
}
