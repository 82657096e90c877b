// first: onnxruntime's telemetry must be off before its native library sets up (see src/privacy.ts)
import '../privacy.js';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import * as ort from 'onnxruntime-node';

export class MissingModelError extends Error {
  constructor(readonly path: string) {
    super(`model file ${path} is missing; run "immich-people models fetch" (npm ci runs it too)`);
    this.name = 'MissingModelError';
  }
}

export interface SessionOptions {
  /** The most intra-op threads a session may use (config models.intraOpThreads); small models use fewer. */
  intraOpThreads: number;
}

export type GraphLevel = 'disabled' | 'basic' | 'extended' | 'all';

/** How one model file runs: its graph optimisation level(s), and whether a second thread pays for itself. */
export interface ModelTuning {
  /** With more than one, each is timed when the session is made and the fastest on this machine is kept. */
  levels: readonly GraphLevel[];
  /** Use more than one intra-op thread when the config allows it; false for models too small to split. */
  threads: boolean;
}

/** A model file without a measured tuning (e.g. a user's InsightFace pair): the ORT default level, any threads. */
export const DEFAULT_TUNING: ModelTuning = { levels: ['all'], threads: true };

/**
 * Measured with bench/model-options.ts on the app's own inputs (docs/perception-speed.md has the tables).
 * 'all' adds the NCHWc layout transformer to 'extended'; on the 2-core AMD EPYC (AVX2) it cut the CPU time of
 * UltraFace 2×, the landmark regressor 3.5×, the CenterNet backbone 2–3× and NanoDet 1.2× (with the transformer
 * disabled, 'all' was no faster than 'extended'). fr_feature depends on the CPU: 'all' took 69 ms per face against
 * 23.5 ms at 'extended' on an AVX-512 Xeon (issue 15), and 25.5 against 33 ms on the EPYC, so both are timed where
 * it runs (fastestSession). Those figures predate the PRelu rewrite at set-up (split-prelu.ts), after which one face
 * took 7.1 ms at 'all' and 12.9 at 'extended' on the EPYC. A second thread cut fr_feature on 5 faces 124 → 87 ms and NanoDet 103 → 67 ms on the
 * EPYC, and gained nothing on the landmarks. UltraFace gains on batches of tiles only (nine tiles 42–43 → 24–25 ms):
 * its adapter runs the full frame on a one-thread session of the same file (TileRunner in ultraface.ts).
 */
export const MODEL_TUNING: Readonly<Record<string, ModelTuning>> = {
  'fr_detect.onnx': { levels: ['all'], threads: true },
  'fr_landmark.onnx': { levels: ['all'], threads: false },
  'fr_feature.onnx': { levels: ['extended', 'all'], threads: true },
  'nanodet.onnx': { levels: ['all'], threads: true },
  'centernet-backbone.onnx': { levels: ['all'], threads: true },
};

export function tuningOf(path: string): ModelTuning {
  return MODEL_TUNING[basename(path)] ?? DEFAULT_TUNING;
}

/**
 * The ONNX Runtime options a session of `path` runs with at `level`. Memory arena and pattern are off: the arena
 * keeps the largest activation ever seen, and without it peak RSS fell 308 → 299 MB at equal speed. A pool of more
 * than one thread spins between the parallel sections of a run but stops when the run returns
 * (`session.force_spinning_stop`): a pool left spinning busy-waits on a whole core between runs, the core libvips needs
 * to decode the next photo, and a pool that never spins wakes its threads for every section, which on the EPYC made
 * two threads no faster than one (fr_feature, one face: 7.7–8.1 ms without spinning, 5.5–5.9 spinning within the run,
 * 9.4–9.6 on one thread, with idle gaps between runs as in the app).
 */
export function ortSessionOptions(
  path: string,
  options: SessionOptions,
  level: GraphLevel = tuningOf(path).levels[0],
): ort.InferenceSession.SessionOptions {
  const threads = tuningOf(path).threads ? Math.max(1, options.intraOpThreads) : 1;
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: level,
    executionMode: 'sequential',
    enableCpuMemArena: false,
    enableMemPattern: false,
    ...(threads > 1 ? { extra: { session: { force_spinning_stop: '1' } } } : {}),
  };
}

/** Timed runs per candidate level, after one untimed; the lowest time counts, as other processes only add to it. */
const CALIBRATION_RUNS = 3;

/** A zero tensor for every input, with each free dimension 1. */
function zeroFeeds(session: ort.InferenceSession): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  session.inputMetadata.forEach((meta, i) => {
    if (!meta.isTensor || meta.type !== 'float32') throw new Error(`cannot calibrate input ${meta.name}`);
    const dims = meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
    feeds[session.inputNames[i]] = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
  });
  return feeds;
}

/**
 * Of sessions of one model made at different levels, the fastest on this machine: each runs in turn, so that a
 * burst of load from elsewhere falls on all alike. The others are released.
 */
export async function fastestSession(candidates: readonly ort.InferenceSession[]): Promise<ort.InferenceSession> {
  if (candidates.length === 1) return candidates[0];
  const feeds = zeroFeeds(candidates[0]);
  const best = candidates.map(() => Infinity);
  for (let round = 0; round <= CALIBRATION_RUNS; round++) {
    for (const [i, session] of candidates.entries()) {
      const start = performance.now();
      await session.run(feeds);
      if (round > 0) best[i] = Math.min(best[i], performance.now() - start);
    }
  }
  const chosen = candidates[best.indexOf(Math.min(...best))];
  await Promise.all(candidates.filter((s) => s !== chosen).map((s) => s.release()));
  return chosen;
}

const levelsInUse = new Map<string, GraphLevel>();

/** The graph optimisation level each model file's session runs at in this process (after calibration). */
export function sessionLevels(): Record<string, GraphLevel> {
  return Object.fromEntries(levelsInUse);
}

async function createSession(path: string, options: SessionOptions): Promise<ort.InferenceSession> {
  const levels = tuningOf(path).levels;
  const candidates: ort.InferenceSession[] = [];
  // one after the other: two optimisers at once would only share the cores
  for (const level of levels)
    candidates.push(await ort.InferenceSession.create(path, ortSessionOptions(path, options, level)));
  const chosen = await fastestSession(candidates);
  levelsInUse.set(basename(path), levels[candidates.indexOf(chosen)]);
  return chosen;
}

const sessions = new Map<string, Promise<ort.InferenceSession>>();

/** One ONNX Runtime session per model file for the life of the process. */
export function loadSession(path: string, options: SessionOptions): Promise<ort.InferenceSession> {
  const key = `${path}#${options.intraOpThreads}`;
  let session = sessions.get(key);
  if (!session) {
    if (!existsSync(path)) return Promise.reject(new MissingModelError(path));
    session = createSession(path, options);
    session.catch(() => sessions.delete(key));
    sessions.set(key, session);
  }
  return session;
}

/** The fixed batch size of a session's first input, or null when it is free. */
export function fixedBatch(session: ort.InferenceSession): number | null {
  const meta = session.inputMetadata[0];
  if (!meta || !meta.isTensor) return null;
  const first = meta.shape[0];
  return typeof first === 'number' ? first : null;
}

export { ort };
