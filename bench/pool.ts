/** Worker threads for the bench, each with its own face pipeline, fed one image at a time from a shared queue. */
import { Worker } from 'node:worker_threads';
import { cpuMeter } from './machine.js';
import type { Job, JobKind, JobResult, WorkerMessage } from './protocol.js';

export class BenchWorker {
  private readonly pending = new Map<number, { resolve: (r: JobResult) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private broken: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    readonly setupMs: number,
    readonly intraOpThreads: number,
    readonly levels: Record<string, string>,
  ) {
    worker.on('message', (message: WorkerMessage) => {
      if (message.type !== 'result') return;
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      waiting?.resolve(message);
    });
    const fail = (error: Error): void => {
      this.broken = error;
      for (const { reject } of this.pending.values()) reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`bench worker exited with code ${code}`)));
  }

  /**
   * Starts a worker and waits until its pipeline (ORT sessions) exists. `intraOpThreads` overrides the config's
   * (IMMICH_PEOPLE_THREADS in the worker's environment).
   */
  static start(intraOpThreads?: number): Promise<BenchWorker> {
    const env =
      intraOpThreads === undefined ? process.env : { ...process.env, IMMICH_PEOPLE_THREADS: `${intraOpThreads}` };
    const worker = new Worker(new URL('./worker.js', import.meta.url), { env });
    return new Promise((resolve, reject) => {
      const onMessage = (message: WorkerMessage): void => {
        worker.off('message', onMessage);
        worker.off('error', reject);
        if (message.type === 'ready')
          resolve(new BenchWorker(worker, message.setupMs, message.intraOpThreads, message.levels));
        else {
          void worker.terminate();
          reject(new Error(message.type === 'failed' ? message.error : 'bench worker sent a result before ready'));
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  }

  run(kind: JobKind, file: string): Promise<JobResult> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    const job: Job = { id, kind, file };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(job);
    });
  }

  async terminate(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

export interface Pass {
  kind: JobKind;
  inFlight: number;
  wallMs: number;
  /** CPU time of the whole process (all threads) during the pass. */
  cpuMs: number;
  /** CPU time other processes used during the pass (NaN where unknown). */
  otherCpuMs: number;
  /** In input order. */
  results: JobResult[];
}

/** Runs every image once through `workers`, one image in flight per worker, and times the whole pass. */
export async function runPass(
  workers: readonly BenchWorker[],
  kind: JobKind,
  images: readonly string[],
): Promise<Pass> {
  const results = new Array<JobResult>(images.length);
  let next = 0;
  const stop = cpuMeter();
  await Promise.all(
    workers.map(async (worker) => {
      while (next < images.length) {
        const i = next++;
        results[i] = await worker.run(kind, images[i]);
      }
    }),
  );
  return { kind, inFlight: workers.length, ...stop(), results };
}
