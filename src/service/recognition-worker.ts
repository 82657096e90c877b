/**
 * Worker of recognition-off-thread.ts: opens the store on its own connection, reads one run's input in one
 * transaction, recognises (its k-nearest tables run in their own worker, knn-tables.ts) and posts the computed run
 * back; it writes nothing. The calling thread's event loop stays free meanwhile.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { Store } from '../store/store.js';
import { RecognitionService } from './recognition.js';
import type { RecognitionJob, RecognitionReply } from './recognition-off-thread.js';

const job = workerData as RecognitionJob;
const port = parentPort!;
let reply: RecognitionReply;
const store = Store.open(job.storePath);
try {
  const service = new RecognitionService(store, {
    faceModel: job.faceModel,
    indexPath: null,
    ...(job.exemplarIndexAbove !== undefined ? { exemplarIndexAbove: job.exemplarIndexAbove } : {}),
  });
  reply = { ok: true, computed: service.compute(job.mode) };
} catch (error) {
  reply = { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
} finally {
  store.close();
}
port.postMessage(reply);
