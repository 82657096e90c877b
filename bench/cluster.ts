/**
 * Scale benchmark of recognition (issue 4, "Scale benchmark"): `npm run bench:cluster -- [options]`.
 *
 * On synthetic 512-D face embeddings calibrated to our embedder (bench/cluster-data.ts), for each size:
 * the full re-cluster as the app runs it: the app's own `recognise()` (HNSW face index → pass 1 → pass 2 →
 * gallery → assignment of what the clusters left unknown), split by phase through its `onPhase` reports, with
 * pass 2 given an HNSW centroid index (bench/cluster-hnsw.ts); BCubed quality of
 * pass 1 and of the final clusters against the truth; peak RSS. Then the incremental assignment of new
 * faces against a dictionary of `--exemplars` atoms (sparse coding and nearest exemplar, each with an
 * HNSW search over the atoms): median and p99 ms per observation.
 *
 * Each size and the assignment run in a child process of their own, so that peak RSS and GC state are
 * those of that run alone. Flags given to node (e.g. --max-old-space-size, --cpu-prof) reach the
 * children. `--child cluster --sizes N` runs one size in this process (for profiling one phase).
 */

import '../src/privacy.js'; // first: every dependency's telemetry off before any of them loads
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { assignNearest } from '../src/recognition/assign-nearest.js';
import { assignSparse } from '../src/recognition/assign-sparse.js';
import { PASS1_NEIGHBOURS } from '../src/recognition/cluster-pass1.js';
import { recognise, type RecognitionObservation, type RecognitionPhase } from '../src/recognition/recognise.js';
import { vectorObservation, type ObservationSet } from '../src/recognition/observations.js';
import { hnswSearch } from '../src/service/recognition.js';
import { buildDictionary, buildGallery } from '../src/recognition/gallery.js';
import { clusteringScores, openSetScores, type ClusteringScores } from '../src/recognition/metrics.js';
import { bruteForceSearch, type NeighbourSearch } from '../src/recognition/neighbours.js';
import { row, type VectorMatrix } from '../src/recognition/vectors.js';
import { cosineCalibration, mulberry32, syntheticFaces, type CosineStats } from './cluster-data.js';
import {
  APP_HNSW,
  centroidSearch,
  centroidSearchViaFaces,
  newClock,
  timedIndex,
  type HnswParams,
} from './cluster-hnsw.js';
import { knnTable } from '../src/service/knn-tables.js';
import { tableNeighbours, type KnnTable, type QueryRows } from '../src/recognition/knn.js';
import type { IvfOptions } from '../src/recognition/ivf.js';
import { fmt, quantile, round, table } from './stats.js';

const USAGE = `usage: npm run bench:cluster -- [options]
  --sizes N,N,...      faces per re-cluster run (default 10000,100000; 1000000 takes long)
  --exemplars N        atoms in the assignment dictionary (default 100000; 0 skips assignment)
  --queries N          timed assignment queries, half known people, half strangers (default 2000)
  --seed N             data seed (default 1)
  --m N, --ef-construction N, --ef N
                       HNSW settings for every index (default: the app's VectorIndex, M 16 / 200 / 64)
  --centroids index|faces
                       pass-2 candidates: an HNSW index over cluster centroids (default), or the face
                       index of pass 1 asked for the 64 faces nearest to each centroid (no second index)
  --knn app|hnsw       app (default): what the app runs, k-nearest tables by IVF on onnxruntime in a worker
                       (src/service/knn-tables.ts); hnsw: the HNSW providers below (the app before issue 15)
  --probes N, --lists N, --threads N
                       IVF settings of --knn app (default: the app's, probes 8, lists √(probes·rows), all cores)
  --exact              also re-cluster with the exact brute-force providers (sizes <= 20000) for reference
  --json FILE          also write the JSON result to FILE (it is always printed as the last line)`;

/** Faces asked per centroid with `--centroids faces`. */
const CENTROID_FACE_VOTES = 64;

const TARGETS = { reclusterSeconds: 600, rssMB: 4000, reclusterFaces: 1_000_000, assignP99Ms: 5, exemplars: 100_000 };

interface Options {
  sizes: number[];
  exemplars: number;
  queries: number;
  seed: number;
  hnsw: HnswParams | 'app';
  /** Pass-2 candidates: a second HNSW index over centroids, or votes of the faces near a centroid. */
  centroids: 'index' | 'faces';
  /** app: the app's k-nearest tables; hnsw: the HNSW providers the app used before issue 15. */
  knn: 'app' | 'hnsw';
  ivf: IvfOptions;
  threads: number | undefined;
  exact: boolean;
  json: string | null;
  child: 'cluster' | 'assign' | null;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string', default: '10000,100000' },
      exemplars: { type: 'string', default: '100000' },
      queries: { type: 'string', default: '2000' },
      seed: { type: 'string', default: '1' },
      m: { type: 'string' },
      'ef-construction': { type: 'string' },
      ef: { type: 'string' },
      centroids: { type: 'string', default: 'index' },
      knn: { type: 'string', default: 'app' },
      probes: { type: 'string' },
      lists: { type: 'string' },
      threads: { type: 'string' },
      exact: { type: 'boolean', default: false },
      json: { type: 'string' },
      child: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name: string, raw: string, min: number): number => {
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be an integer >= ${min}`);
    return v;
  };
  const custom = values.m !== undefined || values['ef-construction'] !== undefined || values.ef !== undefined;
  const child = values.child ?? null;
  if (child !== null && child !== 'cluster' && child !== 'assign') throw new Error(`unknown --child ${child}`);
  const centroids = values.centroids;
  if (centroids !== 'index' && centroids !== 'faces') throw new Error('--centroids must be index or faces');
  const knn = values.knn;
  if (knn !== 'app' && knn !== 'hnsw') throw new Error('--knn must be app or hnsw');
  return {
    sizes: values.sizes
      .split(',')
      .filter((s) => s.trim() !== '')
      .map((s) => int('sizes', s.trim(), 2)),
    exemplars: int('exemplars', values.exemplars, 0),
    queries: int('queries', values.queries, 2),
    seed: int('seed', values.seed, 0),
    hnsw: custom
      ? {
          m: int('m', values.m ?? String(APP_HNSW.m), 2),
          efConstruction: int('ef-construction', values['ef-construction'] ?? String(APP_HNSW.efConstruction), 1),
          ef: int('ef', values.ef ?? String(APP_HNSW.ef), 1),
        }
      : 'app',
    centroids,
    knn,
    ivf: {
      ...(values.probes !== undefined ? { probes: int('probes', values.probes, 1) } : {}),
      ...(values.lists !== undefined ? { lists: int('lists', values.lists, 1) } : {}),
    },
    threads: values.threads === undefined ? undefined : int('threads', values.threads, 1),
    exact: values.exact,
    json: values.json ?? null,
    child,
  };
}

/** Peak RSS of this process so far, in MB of 10^6 bytes. */
const peakRssMB = (): number => (process.resourceUsage().maxRSS * 1024) / 1e6;
const currentRssMB = (): number => process.memoryUsage.rss() / 1e6;

/** CPU time of all processes (ms, from /proc/stat), or null where there is none. */
function machineBusyMs(): number | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const idle = fields[3] + fields[4];
    const total = fields.reduce((a, b) => a + b, 0);
    return (total - idle) * 10; // USER_HZ = 100
  } catch {
    return null;
  }
}

/** How many cores this process, and everything else on the machine, kept busy over a window. */
function cpuWindow(): () => { ownCores: number; otherCores: number | null } {
  const wall0 = performance.now();
  const own0 = process.cpuUsage();
  const busy0 = machineBusyMs();
  return () => {
    const wall = performance.now() - wall0;
    const own = process.cpuUsage(own0);
    const ownMs = (own.user + own.system) / 1000;
    const busy1 = machineBusyMs();
    const other = busy0 === null || busy1 === null ? null : Math.max(0, busy1 - busy0 - ownMs) / wall;
    return { ownCores: ownMs / wall, otherCores: other };
  };
}

const log = (msg: string): void => {
  process.stderr.write(`[bench:cluster ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
};

/** The synthetic set as the app's recognition takes it: one observation per row, vectors as views (no copy). */
function asObservations(set: ObservationSet): RecognitionObservation[] {
  return Array.from({ length: set.count }, (_, i): RecognitionObservation => {
    const face = set.hasFace[i]
      ? vectorObservation('synthetic', row(set.faces, i), set.clearFace[i] === 1).face
      : undefined;
    const body = set.hasBody[i] && set.bodies ? row(set.bodies, i) : null;
    return {
      id: i,
      image: set.image[i],
      moment: set.moment[i],
      personId: null,
      assignedBy: null,
      observation: {
        ...(face ? { face } : {}),
        ...(body
          ? {
              upperBody: {
                box: [0, 0, 0, 0],
                score: 1,
                source: 'person',
                embedding: { model: 'synthetic-body', vector: body },
              },
            }
          : {}),
      },
    };
  });
}

/** Runs fn; returns its result, wall ms and CPU ms of this process (all threads). */
function time<T>(fn: () => T): [T, number, number] {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const out = fn();
  const c = process.cpuUsage(c0);
  return [out, performance.now() - t0, (c.user + c.system) / 1000];
}

// ---------------------------------------------------------------------------------------------
// One re-cluster run.

interface Quality {
  precision: number;
  recall: number;
  f: number;
  pairwiseF: number;
  nmi: number;
  clusters: number;
  singletonClusters: number;
}

const quality = (s: ClusteringScores): Quality => ({
  precision: s.bcubed.precision,
  recall: s.bcubed.recall,
  f: s.bcubed.f,
  pairwiseF: s.pairwise.f,
  nmi: s.nmi,
  clusters: s.clusters,
  singletonClusters: s.singletonClusters,
});

interface ClusterResult {
  kind: 'cluster';
  faces: number;
  identities: number;
  largestIdentity: number;
  strangers: number;
  images: number;
  hnsw: HnswParams;
  calibration: { genuine: CosineStats; impostor: CosineStats; impostorMaxOf1690: number };
  /**
   * Wall milliseconds. `total` = the whole re-cluster; on a shared machine `cpuMs` (this process's CPU time, all
   * threads) is the comparable figure.
   */
  ms: {
    generate: number;
    indexBuild: number;
    pass1: number;
    pass1Search: number;
    pass2: number;
    pass2IndexBuild: number;
    pass2Search: number;
    gallery: number;
    /** Absorption and assignment, each with its own bipartite table (--knn app). */
    absorb: number;
    assign: number;
    /** Packing the observations into typed arrays and the user's constraints. */
    pack: number;
    total: number;
  };
  cpuMs: {
    indexBuild: number;
    pass1: number;
    pass2: number;
    pass2IndexBuild: number;
    gallery: number;
    absorb: number;
    assign: number;
    total: number;
  };
  pass1Clusters: number;
  pass2: { clusters: number; merges: number; suggestions: number; centroids: number };
  centroidProvider: 'index' | 'faces';
  knn: 'app' | 'hnsw';
  gallery: { people: number; exemplars: number };
  quality: { pass1: Quality; final: Quality };
  /** Recall of the face index's k nearest against exact search, on a sample of faces. */
  annRecall: { queries: number; k: number; recall: number };
  rssMB: { afterGenerate: number; afterIndex: number; afterPass1: number; afterPass2: number; peak: number };
  cpu: { ownCores: number; otherCores: number | null };
  exact: { pass1Ms: number; pass2Ms: number; pass1: Quality; final: Quality } | null;
}

/** The rows whose neighbours annRecall checks: `queries` random rows (the same for every provider). */
function recallSample(count: number, queries: number): number[] {
  const rand = mulberry32(99);
  return Array.from({ length: queries }, () => Math.floor(rand() * count));
}

/** `found(i)`: the provider's k + 1 nearest of row i, itself included (as pass 1 asks a search). */
function annRecall(found: (i: number) => number[], exact: NeighbourSearch, faces: VectorMatrix, sample: number[]) {
  const k = PASS1_NEIGHBOURS + 1;
  const queries = sample.length;
  let hit = 0;
  let total = 0;
  for (const i of sample) {
    const want = exact(row(faces, i), k).map((nb) => nb.index);
    const got = new Set(found(i));
    for (const x of want) if (got.has(x)) hit++;
    total += want.length;
  }
  return { queries, k, recall: total === 0 ? 1 : hit / total };
}

function runCluster(size: number, o: Options): ClusterResult {
  log(`${size} faces: generating`);
  const [data, generateMs] = time(() => syntheticFaces({ faces: size, seed: o.seed }, o.knn === 'app'));
  const { set, truth } = data;
  const calibration = cosineCalibration(data, 20_000);
  const afterGenerate = currentRssMB();
  const params = o.hnsw === 'app' ? APP_HNSW : o.hnsw;

  // the app's own recognise(), full mode, with the bench's timed index providers plugged in
  const cpu = cpuWindow();
  const faceClock = newClock();
  const centroidClock = newClock();
  let faceSearch: NeighbourSearch | null = null;
  const phases = new Map<RecognitionPhase['phase'], RecognitionPhase & { cpuMs: number; rssMB: number }>();
  let cpuMark = process.cpuUsage();
  // --knn app: the app's table provider; its first call is over the faces (pass 1), its second over the centroids;
  // absorption's and assignment's bipartite tables are timed within their phases
  // only the sampled rows of the face table are kept for the recall check: at 1M faces the table is 192 MB, which the
  // app frees after pass 1
  // (filled by the first table over the faces; empty until then, as the sample is never empty)
  const faceTable = new Map<number, number[]>();
  const sample = recallSample(size, Math.max(20, Math.min(200, Math.floor(2e7 / size))));
  const otherClock = newClock();
  const timedTable = (matrix: VectorMatrix, include: Uint8Array, k: number, queries?: QueryRows): KnnTable => {
    const clock = queries ? otherClock : faceTable.size > 0 ? centroidClock : faceClock;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const table = knnTable(matrix, include, k, { ivf: o.ivf, ...(o.threads ? { threads: o.threads } : {}) }, queries);
    const c = process.cpuUsage(c0);
    clock.buildMs += performance.now() - t0;
    clock.buildCpuMs += (c.user + c.system) / 1000;
    clock.builds++;
    for (let i = 0; i < matrix.count; i++) if (include[i]) clock.rows++;
    if (!queries && faceTable.size === 0) {
      for (const i of sample)
        faceTable.set(
          i,
          tableNeighbours(table, i, PASS1_NEIGHBOURS).map((nb) => nb.index),
        );
    }
    return table;
  };
  log(`${size} faces: recognise() (face index, pass 1, pass 2, gallery, assignment)`);
  const [result, totalMs, totalCpu] = time(() =>
    recognise(
      { observations: asObservations(set), people: [], mustLink: [], cannotLink: [], rejected: [] },
      {
        mode: 'full',
        search:
          o.knn === 'app'
            ? { table: timedTable, exemplars: hnswSearch('synthetic', null).exemplars }
            : {
                exemplars: hnswSearch('synthetic', null).exemplars,
                faces: (faces, include) => {
                  faceSearch = timedIndex(faces, include, o.hnsw, faceClock);
                  return faceSearch;
                },
                centroids:
                  o.centroids === 'faces'
                    ? (centroids, include) =>
                        centroidSearchViaFaces(
                          faceSearch!,
                          phases.get('pass1')!.labels!,
                          CENTROID_FACE_VOTES,
                          centroidClock,
                        )(centroids, include)
                    : centroidSearch(o.hnsw, centroidClock),
              },
        onPhase: (report) => {
          const c = process.cpuUsage(cpuMark);
          cpuMark = process.cpuUsage();
          phases.set(report.phase, { ...report, cpuMs: (c.user + c.system) / 1000, rssMB: currentRssMB() });
          log(
            `${size} faces: ${report.phase} took ${fmt(report.ms / 1000)} s (peak RSS so far ${fmt(peakRssMB(), 0)} MB)`,
          );
        },
      },
    ),
  );
  const cpuAll = cpu();
  const peak = peakRssMB();
  const phase = (name: RecognitionPhase['phase']) => phases.get(name)!;
  const pass1 = { labels: phase('pass1').labels!, clusterCount: phase('pass1').clusters! };
  const finalLabels = new Int32Array(size).fill(-1);
  const personIndex = new Map(result.people.map((p, k) => [p.id, k]));
  for (const a of result.assignments) if (a.personId !== null) finalLabels[a.id] = personIndex.get(a.personId)!;
  const afterIndex = currentRssMB();

  // Not timed: how many of the exact k nearest the index returns.
  const recall = annRecall(
    faceTable.size > 0
      ? (i) => [i, ...faceTable.get(i)!]
      : (i) => faceSearch!(row(set.faces, i), PASS1_NEIGHBOURS + 1).map((nb) => nb.index),
    bruteForceSearch(set.faces, set.clearFace),
    set.faces,
    sample,
  );
  const indexCpuMs = faceClock.buildCpuMs;
  const pass1Ms = phase('pass1').ms - faceClock.buildMs;
  const pass1Cpu = phase('pass1').cpuMs - indexCpuMs;
  const pass2Ms = phase('pass2').ms;
  const pass2Cpu = phase('pass2').cpuMs;
  const galleryMs = phase('gallery').ms;
  const galleryCpu = phase('gallery').cpuMs;

  let exact: ClusterResult['exact'] = null;
  if (o.exact && size <= 20_000) {
    log(`${size} faces: exact reference (recognise() with brute-force providers)`);
    const reference = new Map<RecognitionPhase['phase'], RecognitionPhase>();
    const exactResult = recognise(
      { observations: asObservations(set), people: [], mustLink: [], cannotLink: [], rejected: [] },
      { mode: 'full', onPhase: (report) => reference.set(report.phase, report) },
    );
    const exactIndex = new Map(exactResult.people.map((p, k) => [p.id, k]));
    const exactLabels = new Int32Array(size).fill(-1);
    for (const a of exactResult.assignments) if (a.personId !== null) exactLabels[a.id] = exactIndex.get(a.personId)!;
    exact = {
      pass1Ms: reference.get('pass1')!.ms,
      pass2Ms: reference.get('pass2')!.ms,
      pass1: quality(clusteringScores(reference.get('pass1')!.labels!, truth)),
      final: quality(clusteringScores(exactLabels, truth)),
    };
  }

  let images = 0;
  for (let i = 0; i < size; i++) if (set.image[i] + 1 > images) images = set.image[i] + 1;
  return {
    kind: 'cluster',
    faces: size,
    identities: data.identities,
    largestIdentity: data.largestIdentity,
    strangers: truth.filter((t) => t < 0).length,
    images,
    hnsw: params,
    calibration,
    ms: {
      generate: generateMs,
      indexBuild: faceClock.buildMs,
      pass1: pass1Ms,
      pass1Search: faceClock.searchMs,
      pass2: pass2Ms,
      pass2IndexBuild: centroidClock.buildMs,
      pass2Search: centroidClock.searchMs,
      gallery: galleryMs,
      absorb: phase('absorb').ms,
      assign: phase('assign').ms,
      pack: phase('pack').ms,
      total: totalMs,
    },
    cpuMs: {
      indexBuild: indexCpuMs,
      pass1: pass1Cpu,
      pass2: pass2Cpu,
      pass2IndexBuild: centroidClock.buildCpuMs,
      gallery: galleryCpu,
      absorb: phase('absorb').cpuMs,
      assign: phase('assign').cpuMs,
      total: totalCpu,
    },
    pass1Clusters: pass1.clusterCount,
    pass2: {
      clusters: phase('pass2').clusters!,
      merges: phase('pass2').merges!,
      suggestions: result.suggestions?.length ?? 0,
      centroids: centroidClock.rows,
    },
    centroidProvider: o.centroids,
    knn: o.knn,
    gallery: { people: result.people.length, exemplars: result.people.reduce((n, p) => n + p.exemplars.length, 0) },
    quality: {
      pass1: quality(clusteringScores(pass1.labels, truth)),
      final: quality(clusteringScores(finalLabels, truth)),
    },
    annRecall: recall,
    rssMB: {
      afterGenerate,
      afterIndex,
      afterPass1: phase('pass1').rssMB,
      afterPass2: phase('pass2').rssMB,
      peak,
    },
    cpu: cpuAll,
    exact,
  };
}

// ---------------------------------------------------------------------------------------------
// Incremental assignment.

interface LatencyFigures {
  queries: number;
  medianMs: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
}

interface AssignResult {
  kind: 'assign';
  exemplars: number;
  people: number;
  hnsw: HnswParams;
  indexBuildMs: number;
  generateMs: number;
  /** Cores kept busy while the indexed queries were timed: by this process, by everything else. */
  cpu: { ownCores: number; otherCores: number | null };
  /** HNSW search of the 64 nearest atoms alone. */
  search: LatencyFigures & { cpuP99Ms: number };
  sparse: LatencyFigures & { cpuP99Ms: number; precision: number; recall: number; unseenRejection: number };
  nearest: LatencyFigures & { cpuP99Ms: number; precision: number; recall: number; unseenRejection: number };
  /** Without an index (every atom coded / compared): a few queries, for scale. */
  sparseExact: LatencyFigures;
  nearestExact: LatencyFigures;
  rssMB: { peak: number };
}

const EXEMPLARS_PER_PERSON = 8;
const FACES_PER_PERSON = 18;

function latencies(ms: readonly number[]): LatencyFigures {
  return {
    queries: ms.length,
    medianMs: quantile(ms, 0.5),
    p99Ms: quantile(ms, 0.99),
    meanMs: ms.reduce((a, b) => a + b, 0) / Math.max(1, ms.length),
    maxMs: Math.max(...ms),
  };
}

function runAssign(o: Options): AssignResult {
  const people = Math.ceil(o.exemplars / EXEMPLARS_PER_PERSON);
  const unseen = Math.floor(o.queries / 2);
  const known = o.queries - unseen;
  const identityFaces = people * FACES_PER_PERSON;
  const faces = identityFaces + unseen;
  log(`assignment: generating ${people} people × ${FACES_PER_PERSON} faces and ${unseen} strangers`);
  const [data, generateMs] = time(() =>
    syntheticFaces({
      faces,
      seed: o.seed + 1000,
      zipf: 0,
      meanIdentitySize: FACES_PER_PERSON,
      singletonShare: unseen / faces,
    }),
  );
  const { set, truth } = data;
  // Hold out one face of every person as a possible query; the rest make the gallery.
  const heldOut = new Int32Array(data.identities).fill(-1);
  for (let i = set.count - 1; i >= 0; i--) if (truth[i] >= 0 && heldOut[truth[i]] < 0) heldOut[truth[i]] = i;
  const labels = Int32Array.from(truth);
  for (const i of heldOut) if (i >= 0) labels[i] = -1;
  const gallery = buildGallery({ faces: set.faces, clearFace: set.clearFace, labels }, {});
  let total = 0;
  const trimmed = gallery.map((p) => {
    const keep = Math.max(0, Math.min(p.exemplars.length, o.exemplars - total));
    total += keep;
    return { ...p, exemplars: p.exemplars.subarray(0, keep) };
  });
  const inDictionary = trimmed.filter((p) => p.exemplars.length > 0);
  const dictionary = buildDictionary(set.faces, inDictionary);
  const personOfLabel = new Map(inDictionary.map((p, index) => [p.label, index]));
  log(`assignment: ${dictionary.atoms.count} atoms of ${inDictionary.length} people; building the atom index`);

  const clock = newClock();
  const search = timedIndex(dictionary.atoms, new Uint8Array(dictionary.atoms.count).fill(1), o.hnsw, clock);

  // Queries: held-out faces of random people in the dictionary, and strangers, interleaved.
  const rand = mulberry32(o.seed + 2000);
  const knownIds = [...personOfLabel.keys()];
  const queries: { row: number; truth: number }[] = [];
  const strangers: number[] = [];
  for (let i = 0; i < set.count; i++) if (truth[i] < 0) strangers.push(i);
  for (let q = 0; q < known; q++) {
    const label = knownIds[Math.floor(rand() * knownIds.length)];
    queries.push({ row: heldOut[label], truth: personOfLabel.get(label) ?? -1 });
  }
  for (let q = 0; q < unseen && q < strangers.length; q++) queries.push({ row: strangers[q], truth: -1 });
  for (let i = queries.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [queries[i], queries[j]] = [queries[j], queries[i]];
  }
  const truthOf = Int32Array.from(queries, (q) => q.truth);

  /** Wall ms per query, and CPU ms (this process): on a shared machine a preempted query shows in wall only. */
  const timeEach = (
    count: number,
    fn: (v: Float32Array) => number,
  ): { ms: number[]; cpuMs: number[]; out: Int32Array } => {
    // Warm-up (JIT) on queries that are not timed: the last ones.
    const warm = Math.min(Math.max(1, Math.floor(count / 10)), 100, queries.length);
    for (let q = 0; q < warm; q++) fn(row(set.faces, queries[queries.length - 1 - q].row));
    const ms: number[] = [];
    const cpuMs: number[] = [];
    const out = new Int32Array(count);
    for (let q = 0; q < count; q++) {
      const v = row(set.faces, queries[q].row);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      out[q] = fn(v);
      ms.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpuMs.push((c.user + c.system) / 1000);
    }
    return { ms, cpuMs, out };
  };
  const scored = (r: { ms: number[]; cpuMs: number[]; out: Int32Array }) => {
    const s = openSetScores(r.out, truthOf.subarray(0, r.out.length));
    return {
      ...latencies(r.ms),
      cpuP99Ms: quantile(r.cpuMs, 0.99),
      precision: s.precision,
      recall: s.recall,
      unseenRejection: s.unseenRejectionRate,
    };
  };
  log('assignment: timing');
  const window = cpuWindow();
  const searchOnly = timeEach(queries.length, (v) => search(v, 64).length);
  const sparse = timeEach(queries.length, (v) => assignSparse(v, dictionary, { search }).identity ?? -1);
  const nearest = timeEach(queries.length, (v) => assignNearest(v, dictionary, { search }).identity ?? -1);
  log(`assignment: sparse p99 ${fmt(quantile(sparse.ms, 0.99), 3)} ms; timing a few queries without an index`);
  const busy = window();
  const fewExact = Math.min(3, queries.length); // seconds each: every atom with cos > λ becomes active
  const sparseExact = timeEach(fewExact, (v) => assignSparse(v, dictionary).identity ?? -1);
  const nearestExact = timeEach(fewExact, (v) => assignNearest(v, dictionary).identity ?? -1);
  return {
    kind: 'assign',
    exemplars: dictionary.atoms.count,
    people: inDictionary.length,
    hnsw: o.hnsw === 'app' ? APP_HNSW : o.hnsw,
    indexBuildMs: clock.buildMs,
    generateMs,
    cpu: busy,
    search: { ...latencies(searchOnly.ms), cpuP99Ms: quantile(searchOnly.cpuMs, 0.99) },
    sparse: scored(sparse),
    nearest: scored(nearest),
    sparseExact: latencies(sparseExact.ms),
    nearestExact: latencies(nearestExact.ms),
    rssMB: { peak: peakRssMB() },
  };
}

// ---------------------------------------------------------------------------------------------
// Orchestration and report.

const RESULT_PREFIX = '@@bench-cluster-result ';

interface ChildOutcome<T> {
  result: T | null;
  error: string | null;
  wallMs: number;
}

function childArgs(o: Options, kind: 'cluster' | 'assign', size: number): string[] {
  const args = ['--child', kind, '--seed', String(o.seed)];
  if (kind === 'cluster') args.push('--sizes', String(size));
  args.push('--exemplars', String(o.exemplars), '--queries', String(o.queries));
  if (o.hnsw !== 'app') {
    args.push('--m', String(o.hnsw.m), '--ef-construction', String(o.hnsw.efConstruction), '--ef', String(o.hnsw.ef));
  }
  args.push('--centroids', o.centroids, '--knn', o.knn);
  if (o.ivf.probes !== undefined) args.push('--probes', String(o.ivf.probes));
  if (o.ivf.lists !== undefined) args.push('--lists', String(o.ivf.lists));
  if (o.threads !== undefined) args.push('--threads', String(o.threads));
  if (o.exact) args.push('--exact');
  return args;
}

function runChild<T>(args: string[]): Promise<ChildOutcome<T>> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // A timeout or Ctrl-C on the bench ends the run in progress too.
    const stop = (signal: NodeJS.Signals): void => {
      child.kill(signal);
      process.exit(1);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    child.on('exit', () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (out += chunk));
    child.on('close', (code, signal) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      const wallMs = performance.now() - t0;
      if (line === undefined) {
        resolve({ result: null, error: `child exited with ${signal ?? code} and no result`, wallMs });
        return;
      }
      resolve({ result: JSON.parse(line.slice(RESULT_PREFIX.length)) as T, error: null, wallMs });
    });
  });
}

const s = (ms: number): string => fmt(ms / 1000, 1);
const pct = (x: number): string => fmt(100 * x, 1);

function clusterTable(results: readonly ClusterResult[]): string {
  const rows: string[][] = [['', ...results.map((r) => `${r.faces.toLocaleString('en-US')} faces`)]];
  const add = (name: string, cell: (r: ClusterResult) => string): void => {
    rows.push([name, ...results.map(cell)]);
  };
  add('identities (strangers)', (r) => `${r.identities} (${r.strangers})`);
  add('genuine cos mean/min', (r) => `${fmt(r.calibration.genuine.mean, 2)}/${fmt(r.calibration.genuine.min, 2)}`);
  add(
    'impostor cos mean/max(1690)',
    (r) => `${fmt(r.calibration.impostor.mean, 3)}/${fmt(r.calibration.impostorMaxOf1690, 2)}`,
  );
  add('face index build s, wall (CPU)', (r) => `${s(r.ms.indexBuild)} (${s(r.cpuMs.indexBuild)})`);
  add('pass 1 s, wall (CPU)', (r) => `${s(r.ms.pass1)} (${s(r.cpuMs.pass1)})`);
  add('  of which index search, wall', (r) => s(r.ms.pass1Search));
  add('pass 2 s, wall (CPU)', (r) => `${s(r.ms.pass2)} (${s(r.cpuMs.pass2)})`);
  add('  of which candidates: build/search', (r) =>
    r.centroidProvider === 'index'
      ? `index ${s(r.ms.pass2IndexBuild)} / ${s(r.ms.pass2Search)}`
      : `face votes – / ${s(r.ms.pass2Search)}`,
  );
  add('gallery s, wall (CPU)', (r) => `${s(r.ms.gallery)} (${s(r.cpuMs.gallery)})`);
  add('absorb s, wall (CPU)', (r) => `${s(r.ms.absorb)} (${s(r.cpuMs.absorb)})`);
  add('assign s, wall (CPU)', (r) => `${s(r.ms.assign)} (${s(r.cpuMs.assign)})`);
  add('re-cluster total s, wall (CPU)', (r) => `${s(r.ms.total)} (${s(r.cpuMs.total)})`);
  add('peak RSS MB', (r) => fmt(r.rssMB.peak, 0));
  add('RSS after index / pass 1 / pass 2', (r) =>
    [r.rssMB.afterIndex, r.rssMB.afterPass1, r.rssMB.afterPass2].map((x) => fmt(x, 0)).join(' / '),
  );
  add('pass-1 clusters', (r) => String(r.pass1Clusters));
  add('final clusters (merges)', (r) => `${r.pass2.clusters} (${r.pass2.merges})`);
  add('gallery people (atoms)', (r) => `${r.gallery.people} (${r.gallery.exemplars})`);
  add('BCubed P/R/F pass 1 %', (r) =>
    [r.quality.pass1.precision, r.quality.pass1.recall, r.quality.pass1.f].map(pct).join('/'),
  );
  add('BCubed P/R/F final %', (r) =>
    [r.quality.final.precision, r.quality.final.recall, r.quality.final.f].map(pct).join('/'),
  );
  add('index recall@17 %', (r) => pct(r.annRecall.recall));
  if (results.some((r) => r.exact)) {
    add('exact: BCubed P/R/F final %', (r) =>
      r.exact ? [r.exact.final.precision, r.exact.final.recall, r.exact.final.f].map(pct).join('/') : '–',
    );
    add('exact: pass 1 + pass 2 s', (r) => (r.exact ? s(r.exact.pass1Ms + r.exact.pass2Ms) : '–'));
  }
  add(
    'cores busy: bench / others',
    (r) => `${fmt(r.cpu.ownCores, 2)} / ${r.cpu.otherCores === null ? '–' : fmt(r.cpu.otherCores, 2)}`,
  );
  return table(rows);
}

function assignTable(r: AssignResult): string {
  const rows: string[][] = [
    ['per observation', 'median ms', 'p99 ms', 'p99 CPU ms', 'max ms', 'queries', 'P %', 'R %', 'reject %'],
  ];
  const line = (
    name: string,
    l: LatencyFigures & { cpuP99Ms?: number },
    q?: { precision: number; recall: number; unseenRejection: number },
  ) =>
    rows.push([
      name,
      fmt(l.medianMs, 3),
      fmt(l.p99Ms, 3),
      l.cpuP99Ms === undefined ? '' : fmt(l.cpuP99Ms, 3),
      fmt(l.maxMs, 2),
      String(l.queries),
      q ? pct(q.precision) : '',
      q ? pct(q.recall) : '',
      q ? pct(q.unseenRejection) : '',
    ]);
  line('sparse (lasso) + HNSW', r.sparse, r.sparse);
  line('nearest exemplar + HNSW', r.nearest, r.nearest);
  line('HNSW search k=64 alone', r.search);
  line('sparse, no index', r.sparseExact);
  line('nearest, no index', r.nearestExact);
  const others = r.cpu.otherCores === null ? '' : `; other processes kept ${fmt(r.cpu.otherCores, 2)} cores busy`;
  return `${table(rows)}\n  (P/R: open-set precision/recall of known people; reject: strangers left unknown${others})`;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (o.child === 'cluster') {
    const result = runCluster(o.sizes[0], o);
    process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
    return;
  }
  if (o.child === 'assign') {
    const result = runAssign(o);
    process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
    return;
  }

  const clusters: ClusterResult[] = [];
  const failures: { job: string; error: string; wallMs: number }[] = [];
  for (const size of o.sizes) {
    const outcome = await runChild<ClusterResult>(childArgs(o, 'cluster', size));
    if (outcome.result) clusters.push(outcome.result);
    else failures.push({ job: `cluster ${size}`, error: outcome.error ?? 'unknown', wallMs: outcome.wallMs });
  }
  let assign: AssignResult | null = null;
  if (o.exemplars > 0) {
    const outcome = await runChild<AssignResult>(childArgs(o, 'assign', 0));
    assign = outcome.result;
    if (!assign) failures.push({ job: 'assign', error: outcome.error ?? 'unknown', wallMs: outcome.wallMs });
  }

  const params = o.hnsw === 'app' ? APP_HNSW : o.hnsw;
  const settings =
    o.knn === 'app'
      ? 'the app: k-nearest tables by IVF on onnxruntime in a worker, counted as "index build" (searches included); ' +
        `HNSW M ${params.m} for the exemplars`
      : `HNSW M ${params.m}, efConstruction ${params.efConstruction}, ef ${params.ef}` +
        (o.hnsw === 'app' ? ', the app settings' : '') +
        (o.centroids === 'faces' ? '; pass-2 candidates by face votes' : '');
  if (clusters.length > 0) console.log(`\nRe-cluster (${settings}):\n${clusterTable(clusters)}`);
  if (assign) {
    console.log(
      `\nIncremental assignment: ${assign.exemplars} exemplars of ${assign.people} people (${settings}; atom index built in ${s(assign.indexBuildMs)} s):`,
    );
    console.log(assignTable(assign));
  }
  for (const f of failures) console.log(`\n${f.job}: FAILED after ${s(f.wallMs)} s: ${f.error}`);

  const big = clusters.find((r) => r.faces >= TARGETS.reclusterFaces);
  const verdict = (ok: boolean | null): string => (ok === null ? 'not run' : ok ? 'met' : 'MISSED');
  const targets = {
    recluster1MUnder10Min: big ? big.ms.total / 1000 < TARGETS.reclusterSeconds : null,
    recluster1MUnder4GB: big ? big.rssMB.peak < TARGETS.rssMB : null,
    assignP99Under5Ms:
      assign && assign.exemplars >= TARGETS.exemplars ? assign.sparse.p99Ms < TARGETS.assignP99Ms : null,
    assignNearestP99Under5Ms:
      assign && assign.exemplars >= TARGETS.exemplars ? assign.nearest.p99Ms < TARGETS.assignP99Ms : null,
  };
  console.log('\nTargets:');
  console.log(
    `  1M faces re-clustered < 10 min: ${verdict(targets.recluster1MUnder10Min)}${big ? ` (${s(big.ms.total)} s)` : ''}`,
  );
  console.log(
    `  1M faces re-clustered < 4 GB RSS: ${verdict(targets.recluster1MUnder4GB)}${big ? ` (${fmt(big.rssMB.peak, 0)} MB)` : ''}`,
  );
  console.log(
    `  assignment p99 < 5 ms, 100k exemplars: sparse ${verdict(targets.assignP99Under5Ms)}, nearest ${verdict(targets.assignNearestP99Under5Ms)}`,
  );

  const json = {
    hnsw: params,
    clusters: clusters.map((r) => roundDeep(r)),
    assign: assign ? roundDeep(assign) : null,
    failures,
    targets,
  };
  const text = JSON.stringify(json);
  if (o.json) writeFileSync(o.json, `${JSON.stringify(json, null, 2)}\n`);
  console.log(text);
  if (failures.length > 0) process.exitCode = 1;
}

/** Numbers rounded to 4 decimals for the JSON. */
function roundDeep<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' ? (round(v, 4) ?? null) : v)),
  ) as T;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
