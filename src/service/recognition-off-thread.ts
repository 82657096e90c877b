/**
 * Recognition off the calling thread (issue 15, item 3): a re-cluster of a large library takes minutes of CPU, and
 * run on the sidecar's main thread it would stall the review page and the status endpoint for all of them. A worker
 * thread (recognition-worker.ts) reads its own snapshot of the store and recognises; RecognitionService.runOffThread
 * writes the result, or throws it away when the user edited something meanwhile.
 */

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RecognitionOptions } from '../recognition/recognise.js';
import type { ComputedRun, OffThreadRunner } from './recognition.js';

export interface RecognitionJob {
  storePath: string;
  faceModel: string;
  exemplarIndexAbove?: number;
  mode: RecognitionOptions['mode'];
}

export type RecognitionReply = { ok: true; computed: ComputedRun } | { ok: false; error: string };

const WORKER = new URL('./recognition-worker.js', import.meta.url);

/**
 * A runner for RecognitionService's `offThread` over the store file at `storePath`; undefined for a store in memory
 * (a worker cannot open it) and when running from the TypeScript sources (tests), where there is no built worker.
 */
export function recognitionWorker(
  storePath: string,
  options: { faceModel: string; exemplarIndexAbove?: number },
): OffThreadRunner | undefined {
  if (storePath === ':memory:' || !existsSync(fileURLToPath(WORKER))) return undefined;
  return (mode) =>
    new Promise<ComputedRun>((resolve, reject) => {
      const job: RecognitionJob = { storePath, ...options, mode };
      const worker = new Worker(WORKER, { workerData: job });
      let settled = false;
      worker.once('message', (reply: RecognitionReply) => {
        settled = true;
        if (reply.ok) resolve(reply.computed);
        else reject(new Error(`recognition failed in its worker: ${reply.error}`));
      });
      worker.once('error', (error) => {
        settled = true;
        reject(error);
      });
      worker.once('exit', (code) => {
        if (!settled) reject(new Error(`the recognition worker stopped (exit code ${code}) before it answered`));
      });
    });
}
