/** Messages between bench.ts (main thread) and worker.ts (one face pipeline per worker thread). */

export type FaceStage = 'decode' | 'detect' | 'landmarks' | 'align' | 'embed';
export type BodyStage = 'persons' | 'pairing' | 'bodyEmbed';
export type Stage = FaceStage | BodyStage;
export const FACE_STAGES: readonly FaceStage[] = ['decode', 'detect', 'landmarks', 'align', 'embed'];
export const BODY_STAGES: readonly BodyStage[] = ['persons', 'pairing', 'bodyEmbed'];
/** The stages timed: the body stages only with --bodies (which sets IMMICH_PEOPLE_BENCH_BODIES=1 for the workers). */
export function stages(): readonly Stage[] {
  return process.env.IMMICH_PEOPLE_BENCH_BODIES === '1' ? [...FACE_STAGES, ...BODY_STAGES] : FACE_STAGES;
}

/** `floor`: sharp decode + rotate to raw RGB only. `pipeline`: decodeImage + FacePipeline.analyze with embeddings. */
export type JobKind = 'floor' | 'pipeline';

export interface Job {
  id: number;
  kind: JobKind;
  /** The worker reads the file before its clock starts: file I/O is timed in no mode. */
  file: string;
}

export interface JobResult {
  type: 'result';
  id: number;
  /** Decode + analysis time measured inside the worker. */
  ms: number;
  faces: number;
  /** Summed ms per stage for this image; a stage that did not run is absent. */
  stages: Partial<Record<Stage, number>>;
  error?: string;
}

export interface WorkerReady {
  type: 'ready';
  /** Pipeline (ORT session) creation, excluded from every timing. */
  setupMs: number;
  intraOpThreads: number;
  /** Graph optimisation level per model file, as chosen when the worker's sessions were made. */
  levels: Record<string, string>;
}

export interface WorkerFailed {
  type: 'failed';
  error: string;
}

export type WorkerMessage = JobResult | WorkerReady | WorkerFailed;
