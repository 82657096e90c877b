/**
 * The evaluation harness (issue 4, "Evaluation harness"; metrics of anchors.md §3.1; library scale: issue 11):
 * every face of a labelled set of photos in, one report out, every figure computed on the same vectors. No models,
 * no files, no store: the CLI (`immich-people eval`) embeds the photos (through its cache,
 * evaluation/perception-cache.ts) and hands the vectors here. The parts live in evaluation/: prepare (visiting
 * order), verification, ours, sweep (baselines), scoring, open-set, format.
 *
 * Labels: the largest face of a labelled photo carries its label (evaluation/labelled-folder.ts); every other face
 * of the photo is a BACKGROUND face. Background faces are fed to every method (ours and the baselines cluster all
 * faces of all photos, as a library would), and excluded from every score: BCubed, pairwise, NMI, impure clusters,
 * verification and the open set are over labelled faces only. Scoring them as singletons instead would punish a
 * method for finding the same bystander in two photos (the Friends cast stand in each other's photos). What they
 * cost shows as `junkPeople`: predicted people more than half of whose faces are background faces.
 *
 * What is measured
 * - Verification over ALL pairs of faces (genuine = same identity): ROC AUC, TAR at FAR 1e-2 and 1e-3, and the
 *   best-accuracy cosine threshold.
 * - Clustering, every method on the same faces in the same visiting order:
 *   - ours: the app's own `recognise()` (full mode: pass 1, pass 2, gallery, then assignment of what the
 *     clusters left unknown) with the app's defaults and its in-memory HNSW providers, so the figure is what
 *     `scan` and `run` produce. The faces of one photo share its image (a person at most once per photo), there
 *     are no bodies and no moments (-1). A face no gallery person holds (an unclear face, or one of a person with fewer than 3
 *     clear faces) is unassigned: a singleton that costs recall, never precision;
 *   - Immich's DBSCAN-like incremental clustering (cosine distance 0.5, minFaces 3), Ente's greedy chaining
 *     (cosine similarity 0.76) and plain average-linkage HAC (cut at distance 0.60, i.e. cos 0.40, the
 *     clustering level models.md suggests for our embedder). The baselines see every face, clear or not (their
 *     own quality gates use detector scores we do not have). Their defaults were calibrated for other models;
 *   - each baseline ALSO at its ORACLE threshold, its best in hindsight: the value that maximises BCubed F on
 *     these very labels, over a coarse grid (`coarseStep`, default 0.05, over [0, 1], plus the default itself)
 *     refined on a fine grid (`fineStep`, default 0.01) within one coarse step of the best coarse value. It is an
 *     upper bound that no deployment can reach (it peeks at the answers), not a fair setting. Ties go to the
 *     value nearest the default, then the lower.
 *   Metrics: BCubed P/R/F (the headline), pairwise P/R/F, NMI, identities, impure clusters (people holding
 *   labelled faces of two or more identities), unassigned labelled faces (over labelled faces); clusters,
 *   singleton clusters, junk people (of any size, and of two or more faces) and unassigned background faces (over
 *   every face).
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
 * "identity/file" for a labelled face, "identity/file#k" for the k-th face of a photo otherwise (ties by that
 * string): a fixed pseudo-random order that does not group faces by person (a library is not sorted by person)
 * and that does not depend on the input order or on the other files.
 *
 * JSON shape (`EvaluationReport`, written by `immich-people eval --json`; numbers are plain, a threshold that
 * accepts everything is null):
 *
 *     {"dataset": {"identities": 8, "images": 24, "faces": 24, "clearFaces": 23, "backgroundFaces": 3,
 *                  "missed": [{"identity": "x", "file": "x_1.jpg", "reason": "no face"}]},
 *      "verification": {"genuinePairs": 34, "impostorPairs": 242, "auc": 0.998,
 *                       "tarAtFar": [{"targetFar": 0.01, "tar": 0.97, "far": 0.008, "threshold": 0.41}, ...],
 *                       "bestAccuracy": {"threshold": 0.42, "accuracy": 0.99}} | null,
 *      "calibration": {"clustering": {"mean", "spread", "referenceMean", "referenceSpread"} | null,
 *                      "assignment": {...} | null},
 *      "clustering": [{"method": "ours"|"immich"|"ente"|"hac", "setting": "default"|"oracle", "name": "...",
 *                      "parameter": {"name": "maxDistance"|"minSimilarity", "value": 0.5} | null,
 *                      "oracleRange": [lo, hi] | null,
 *                      "bcubed": {"precision", "recall", "f"}, "pairwise": {"precision", "recall", "f"},
 *                      "nmi", "clusters", "singletonClusters", "unassigned", "unassignedBackground",
 *                      "junkPeople", "junkPeopleOfTwoOrMore", "identities", "impureClusters",
 *                      "suggestions": {"total", "correct", "bcubedIfCorrectAccepted": {"precision", "recall", "f"}}
 *                                     | null}],
 *      "openSet": {"enrolledIdentities": ["..."], "unseenIdentities": ["..."], "enrolledFaces": 8,
 *                  "methods": [{"method": "sparse"|"nearest", "name": "...", "queries", "known", "unseen",
 *                               "assigned", "correct", "precision", "recall", "unknownRate",
 *                               "unseenRejectionRate"}],
 *                  "queries": [{"identity", "file", "known": true, "clear": true,
 *                               "sparse": "identity"|null, "nearest": "identity"|null}]},
 *      "faces": [{"identity", "file", "face": 0, "labelled": true, "clear", "ours": 0, "immich": -1, "ente": 3,
 *                 "hac": 0}]}
 *
 * `clustering[0]` is ours; then each baseline's default row and oracle row. `faces` lists every face in
 * visiting order with its cluster under each method at the default setting (-1 = unassigned); cluster numbers
 * are per method.
 *
 * Cost: one Float32 n×n similarity matrix (4,000 faces: 64 MB, seconds to fill) shared by verification and
 * every baseline run; each run is then O(n²) (Immich, Ente) or a cut of one O(n²) dendrogram (HAC), and the sweeps
 * try about 32 values per baseline. Ours runs once, as the app does. At 4,000 faces the clustering figures take
 * well under a minute on the 2-core machine (see `eval`'s timing line).
 */
import { similarityMatrix } from '../recognition/baselines/similarity.js';
import { formatReport } from './evaluation/format.js';
import { openSet } from './evaluation/open-set.js';
import { ourClustering, suggestionReport } from './evaluation/ours.js';
import { byCodePoint, prepare } from './evaluation/prepare.js';
import { clusteringRow } from './evaluation/scoring.js';
import { BASELINES, baselineRows } from './evaluation/sweep.js';
import type {
  ClusteringMethod,
  EvaluationOptions,
  EvaluationReport,
  LabelledFace,
  MissedImage,
} from './evaluation/types.js';
import { verification } from './evaluation/verification.js';

export { formatReport };
export type * from './evaluation/types.js';

/** Every figure of the harness, on the same embeddings. */
export function evaluate(
  input: readonly LabelledFace[],
  missed: readonly MissedImage[] = [],
  options: EvaluationOptions = {},
): EvaluationReport {
  const timing = options.onTiming ?? (() => {});
  let last = performance.now();
  const lap = (stage: string) => {
    const now = performance.now();
    timing(stage, (now - last) / 1000);
    last = now;
  };
  const steps = { coarse: options.coarseStep ?? 0.05, fine: options.fineStep ?? 0.01 };
  const p = prepare(input);
  const sim = similarityMatrix(p.matrix);
  lap('similarity matrix');
  const our = ourClustering(p);
  const ours = clusteringRow(
    {
      method: 'ours',
      setting: 'default',
      name: 'ours: the app (recognise), defaults',
      parameter: null,
      oracleRange: null,
    },
    our.labels,
    p,
    suggestionReport(our.labels, our.suggestions, p),
  );
  lap('ours');
  const baselines = BASELINES.map((b) => {
    const result = { method: b.method, ...baselineRows(b, p, sim, steps) };
    lap(`${b.method} sweep`);
    return result;
  });
  const labelsOf = (method: ClusteringMethod): Int32Array =>
    method === 'ours' ? our.labels : baselines.find((b) => b.method === method)!.labels;
  let clearFaces = 0;
  for (const i of p.labelled) clearFaces += p.clear[i];
  const verified = verification(sim, p.labelled, p.truth);
  lap('verification');
  const open = openSet(p);
  lap('open set');
  return {
    dataset: {
      identities: p.identities.length,
      images: p.labelled.length + missed.length,
      faces: p.labelled.length,
      clearFaces,
      backgroundFaces: p.faces.length - p.labelled.length,
      missed: [...missed].sort((a, b) => byCodePoint(`${a.identity}/${a.file}`, `${b.identity}/${b.file}`)),
    },
    verification: verified,
    calibration: our.calibration,
    clustering: [ours, ...baselines.flatMap((b) => b.rows)],
    openSet: open,
    faces: p.faces.map((f, i) => ({
      identity: f.identity,
      file: f.file,
      face: f.face ?? 0,
      labelled: p.truth[i] >= 0,
      clear: f.clear,
      ours: labelsOf('ours')[i],
      immich: labelsOf('immich')[i],
      ente: labelsOf('ente')[i],
      hac: labelsOf('hac')[i],
    })),
  };
}
