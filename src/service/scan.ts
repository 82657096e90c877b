import type { Source } from '../ports.js';
import type { Store } from '../store/store.js';
import type { Perception } from '../types.js';
import { Engine, type EngineProgress } from './engine.js';
import type { RecognitionSummary } from './recognition.js';

export interface ScanSummary extends RecognitionSummary {
  images: number;
  analysed: number;
  unchanged: number;
  failed: number;
  removed: number;
  faces: number;
  reclustered: boolean;
  seconds: number;
}

/** Files read and decoded while the one before is analysed (one ahead per core is enough on 2 cores). */
const FOLDER_CONCURRENCY = 2;

/** Local library mode: one engine cycle over a folder, with no host to write to (the report and JSON are the sink). */
export class ScanService {
  private readonly engine: Engine;

  constructor(store: Store, perception: Perception, options: { indexPath: string | null }) {
    this.engine = new Engine(store, perception, { concurrency: FOLDER_CONCURRENCY, indexPath: options.indexPath });
  }

  async scan(source: Source, options: { recluster: boolean; progress?: EngineProgress }): Promise<ScanSummary> {
    const started = performance.now();
    const cycle = await this.engine.cycle(source, null, options);
    return {
      ...cycle.recognition,
      images: cycle.listed,
      analysed: cycle.analysed,
      unchanged: cycle.unchanged,
      failed: cycle.failed,
      removed: cycle.removed,
      faces: cycle.faces,
      reclustered: cycle.reclustered,
      seconds: (performance.now() - started) / 1000,
    };
  }
}
