/**
 * One bench worker thread: owns its own face pipeline (its own ONNX Runtime sessions, since the session cache is
 * per module instance and every worker has its own), and runs one job at a time.
 */
import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import { loadConfig } from '../src/config/load.js';
import { sessionLevels } from '../src/models/session.js';
import { createBodyPerception, createFacePipeline } from '../src/service/perception.js';
import { PerceptionPipeline } from '../src/perception/perceive.js';
import { decodeImage } from '../src/perception/image/decode.js';
import { freeUnusedPixels } from '../src/perception/image/pixel-memory.js';
import type { Job, JobResult, Stage, WorkerMessage } from './protocol.js';

if (!parentPort) throw new Error('bench/worker.js must run as a worker thread');
const port = parentPort;

const send = (message: WorkerMessage): void => port.postMessage(message);

/** The stage times of the job being run; the worker runs one job at a time, so one accumulator is enough. */
let stages: Partial<Record<Stage, number>> = {};
const timer = (stage: Stage, ms: number): void => {
  stages[stage] = (stages[stage] ?? 0) + ms;
};

async function main(): Promise<void> {
  const config = loadConfig();
  const maxPixels = config.perception.maxInputPixels;
  const start = performance.now();
  // the pieces rather than createPerception: the bench turns bodies on by its own switch, not by the config
  const faces = await createFacePipeline(config, timer);
  const bodies = process.env.IMMICH_PEOPLE_BENCH_BODIES === '1' ? await createBodyPerception(config, timer) : null;
  const perception = new PerceptionPipeline(faces, bodies, maxPixels);
  send({
    type: 'ready',
    setupMs: performance.now() - start,
    intraOpThreads: config.models.intraOpThreads,
    levels: sessionLevels(),
  });

  async function run(job: Job): Promise<JobResult> {
    stages = {};
    const bytes = await readFile(job.file);
    // the floor frees done photos' pixels as decodeImage does (else its dead buffers would set the bench's peak
    // RSS), but before its clock starts: its time stays the decode's alone, the pipeline's includes the collection
    if (job.kind === 'floor') freeUnusedPixels();
    const begin = performance.now();
    if (job.kind === 'floor') {
      await sharp(bytes).rotate().raw().toBuffer();
      return { type: 'result', id: job.id, ms: performance.now() - begin, faces: 0, stages: {} };
    }
    const image = await decodeImage(bytes, { maxPixels });
    timer('decode', performance.now() - begin);
    const observations = await perception.perceive(image, { embeddings: true });
    const found = observations.filter((o) => o.face).length;
    return { type: 'result', id: job.id, ms: performance.now() - begin, faces: found, stages };
  }

  port.on('message', (job: Job) => {
    run(job).then(send, (error: unknown) =>
      send({
        type: 'result',
        id: job.id,
        ms: 0,
        faces: 0,
        stages: {},
        error: error instanceof Error ? error.message : String(error),
      }),
    );
  });
}

main().catch((error: unknown) =>
  send({ type: 'failed', error: error instanceof Error ? error.message : String(error) }),
);
