import type { SkippedEntry, Source } from '../ports.js';
import type { Store } from '../store/store.js';
import type { Perception } from '../types.js';
import { Engine, type EngineProgress, type PhotoFailure } from './engine.js';
import type { RecognitionSummary } from './recognition.js';

export { RemovalGuardError, REMOVAL_GUARD } from './removals.js';

export interface ScanSummary extends RecognitionSummary {
  images: number;
  analysed: number;
  unchanged: number;
  /** Photos found again under a new path by their content, with everything they had. */
  moved: number;
  failed: number;
  removed: number;
  /** Observations of photos that came back which got their people (and names) back. */
  restored: number;
  faces: number;
  reclustered: boolean;
  /** Each photo that failed, and why. */
  failures: PhotoFailure[];
  /** What the walk passed over (unreadable folders, FIFOs, devices, broken links), and why. */
  skipped: readonly SkippedEntry[];
  seconds: number;
}

export interface ScanOptions {
  recluster: boolean;
  /**
   * Remove the photos gone from the folder however many they are. Without it a scan that would remove more than
   * REMOVAL_GUARD allows stops with a RemovalGuardError before removing anything.
   */
  prune?: boolean;
  progress?: EngineProgress;
}

/** Files read and decoded while the one before is analysed (one ahead per core is enough on 2 cores). */
const FOLDER_CONCURRENCY = 2;

/**
 * What the scan summary line only counts, by name: moved photos, failed files with their errors and skipped entries
 * with their reasons, the first `shown` of each, then how many more (--json lists them all).
 */
export function describeProblems(
  summary: Pick<ScanSummary, 'failures' | 'skipped' | 'moved' | 'restored'>,
  shown = 5,
): string {
  const list = (title: string, items: readonly string[]) =>
    items.length === 0
      ? ''
      : `${title}:\n${items
          .slice(0, shown)
          .map((i) => `  ${i}\n`)
          .join('')}${items.length > shown ? `  … and ${items.length - shown} more (--json lists them all)\n` : ''}`;
  return (
    (summary.moved > 0 ? `${summary.moved} moved or renamed photos kept their people\n` : '') +
    (summary.restored > 0 ? `${summary.restored} faces on photos that came back got their people back\n` : '') +
    list(
      `${summary.failures.length} failed`,
      summary.failures.map((f) => `${f.id}: ${f.error}`),
    ) +
    list(
      `${summary.skipped.length} skipped`,
      summary.skipped.map((s) => `${s.path}: ${s.reason}`),
    )
  );
}

/** Local library mode: one engine cycle over a folder, with no host to write to (the report and JSON are the sink). */
export class ScanService {
  private readonly engine: Engine;

  constructor(store: Store, perception: Perception, options: { indexPath: string | null }) {
    this.engine = new Engine(store, perception, { concurrency: FOLDER_CONCURRENCY, indexPath: options.indexPath });
  }

  async scan(source: Source, options: ScanOptions): Promise<ScanSummary> {
    const started = performance.now();
    const cycle = await this.engine.cycle(source, null, options);
    return {
      ...cycle.recognition,
      images: cycle.listed,
      analysed: cycle.analysed,
      unchanged: cycle.unchanged,
      moved: cycle.moved,
      failed: cycle.failed,
      removed: cycle.removed,
      restored: cycle.restored,
      faces: cycle.faces,
      reclustered: cycle.reclustered,
      failures: cycle.failures,
      skipped: cycle.skipped,
      seconds: (performance.now() - started) / 1000,
    };
  }
}
