/** Messages between bench.ts (main thread) and worker.ts (one face pipeline per worker thread). */

export type Stage = 'decode' | 'detect' | 'landmarks' | 'align' | 'embed';
export const STAGES: readonly Stage[] = ['decode', 'detect', 'landmarks', 'align', 'embed'];

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
}

export interface WorkerFailed {
  type: 'failed';
  error: string;
}

export type WorkerMessage = JobResult | WorkerReady | WorkerFailed;
