import PQueue from 'p-queue';
import type { Logger } from 'pino';
import { decodeImage } from '../perception/image/decode.js';
import type { Host, SkippedEntry, Source, SourceAsset } from '../ports.js';
import type { AssetRow } from '../store/assets.js';
import { DEFAULT_LIBRARY } from '../store/libraries.js';
import type { Store } from '../store/store.js';
import type { Observation, Perception } from '../types.js';
import { PeopleService } from './people.js';
import { RecognitionService, type RecognitionSummary } from './recognition.js';
import { recognitionWorker } from './recognition-off-thread.js';
import { exceedsRemovalGuard, missingFromListing, RemovalGuardError } from './removals.js';
import { existingPeopleSuggestions } from './suggest-merges.js';

/** A failed photo is tried again after 1, 2, 4 … minutes, up to a day (sources with `retryFailed: 'backoff'`). */
export function retryDelayMs(attempts: number): number {
  return Math.min(24 * 3600_000, 60_000 * 2 ** Math.max(0, attempts - 1));
}

export interface EngineOptions {
  /** Photos loaded and decoded at once; inference runs one photo at a time. At most twice this many wait. */
  concurrency: number;
  /** Where the HNSW caches live (beside the store); null keeps them in memory. */
  indexPath: string | null;
  log?: Logger;
}

export type EngineProgress = (done: number, total: number, assetId: string) => void;

export interface IngestSummary {
  listed: number;
  analysed: number;
  unchanged: number;
  failed: number;
  removed: number;
  /** Photos found again under a new path by their content: kept as they were, not analysed. */
  moved: number;
  /** Observations that got their person back from a removed photo with the same content. */
  restored: number;
  /** New faces found in the photos analysed. */
  faces: number;
  /** Each photo that failed in this pass, and why. */
  failures: PhotoFailure[];
  /** What the listing passed over (unreadable folders, FIFOs …), and why. */
  skipped: readonly SkippedEntry[];
}

export interface PhotoFailure {
  id: string;
  error: string;
}

export interface IngestOptions {
  progress?: EngineProgress;
  /**
   * Remove whatever a located library's listing no longer shows, however much; without it a pass that would remove
   * more than REMOVAL_GUARD allows stops with a RemovalGuardError before removing anything.
   */
  prune?: boolean;
}

export interface CycleSummary<EditSummary, ApplySummary> extends IngestSummary {
  reclustered: boolean;
  recognition: RecognitionSummary;
  edits: EditSummary | null;
  applied: ApplySummary | null;
}

interface Due {
  asset: SourceAsset;
  known: AssetRow | undefined;
}

/** What one pass works in: the source's library, and (for a located library) its photos that went missing. */
interface Pass {
  source: Source;
  library: number;
  /** Missing photos analysed before, by content hash: a new path with the same content is the same photo, moved. */
  missingByContent: Map<string, AssetRow[]>;
  /** Rows of missing photos found again under a new path. */
  moved: Set<number>;
  failures: PhotoFailure[];
}

/**
 * The one engine: source → perception → store → recognition → host, for folders and Immich alike. Each photo's
 * observations are committed on their own, so a pass that is interrupted resumes where it stopped; a cycle ends at a
 * fixed point, so the next cycle over an unchanged library changes nothing.
 */
export class Engine {
  private readonly recognition: RecognitionService;

  constructor(
    private readonly store: Store,
    private readonly perception: Perception,
    private readonly options: EngineOptions,
  ) {
    const offThread = recognitionWorker(store.path, { faceModel: perception.faceModel });
    this.recognition = new RecognitionService(store, {
      faceModel: perception.faceModel,
      indexPath: options.indexPath,
      ...(offThread ? { offThread } : {}),
    });
  }

  /** Photos to (re)analyse: new or changed ones, and failed ones whose turn has come. */
  private due(source: Source, library: number, assets: readonly SourceAsset[], now: number): Due[] {
    const due = new Map<string, Due>();
    for (const asset of assets) {
      const known = this.store.assets.get(source.name, asset.id, library);
      const same = asset.checksum !== null && known?.contentHash === asset.checksum;
      if (same && known?.status === 'done') continue;
      if (same && source.retryFailed === 'backoff') continue; // a failed photo: taken below, on schedule
      due.set(asset.id, { asset, known });
    }
    if (source.retryFailed === 'backoff') {
      for (const row of this.store.assets.list(source.name, library)) {
        if (row.status === 'done' || due.has(row.sourceId)) continue;
        if (row.status === 'pending' || now >= row.updatedAt + retryDelayMs(row.attempts)) {
          const asset = {
            id: row.sourceId,
            checksum: row.contentHash,
            capturedAt: row.capturedAt,
            latitude: row.latitude,
            longitude: row.longitude,
          };
          due.set(row.sourceId, { asset, known: row });
        }
      }
    }
    return [...due.values()];
  }

  /**
   * Lists the source, drops what is gone, and analyses what is new or changed. A located library (a folder) drops
   * what is gone only after the new paths are hashed, so that a photo that moved keeps everything it had, and only
   * within the removal guard unless `prune`.
   */
  async ingest(source: Source, options: IngestOptions = {}): Promise<IngestSummary> {
    const progress = options.progress ?? (() => {});
    const now = Date.now();
    const listing = await source.list();
    const listed = new Set(listing.assets.map((a) => a.id));
    this.store.assets.requeueOtherModels(this.perception.faceModel);
    let removed = 0;
    let library = DEFAULT_LIBRARY;
    let missing: AssetRow[] = [];
    let stored = 0;
    if (source.location === undefined) {
      if (listing.complete) removed += this.store.assets.removeMissing(source.name, listed);
      for (const id of listing.removed) if (this.store.assets.remove(source.name, id)) removed++;
    } else {
      const row = this.store.libraries.ensure(source.name, source.location);
      this.store.libraries.claimUnrecorded(row, listed);
      library = row.id;
      const rows = this.store.assets.list(source.name, library);
      stored = rows.length;
      if (listing.complete) missing = missingFromListing(rows, listed, listing.unlisted ?? []);
    }
    const pass: Pass = { source, library, missingByContent: new Map(), moved: new Set(), failures: [] };
    for (const row of missing) {
      if (row.status !== 'done' || row.contentHash === null) continue;
      pass.missingByContent.set(row.contentHash, [...(pass.missingByContent.get(row.contentHash) ?? []), row]);
    }

    const due = this.due(source, library, listing.assets, now);
    const summary: IngestSummary = {
      listed: listing.assets.length,
      analysed: 0,
      unchanged: listing.assets.length - due.filter((d) => listed.has(d.asset.id)).length,
      failed: 0,
      removed,
      moved: 0,
      restored: 0,
      faces: 0,
      failures: pass.failures,
      skipped: listing.skipped ?? [],
    };
    const loading = new PQueue({ concurrency: this.options.concurrency });
    const inference = new PQueue({ concurrency: 1 });
    let stop: unknown = null;
    let done = 0;
    for (const item of due) {
      // bounded memory: no more than a few decoded photos wait for inference
      await loading.onSizeLessThan(this.options.concurrency * 2);
      if (stop !== null) break;
      void loading.add(async () => {
        if (stop !== null) return; // queued before the pass stopped: left for the next pass
        try {
          const outcome = await this.analyse(pass, item, inference);
          if (outcome === 'unchanged') summary.unchanged++;
          else if (outcome === 'moved') summary.moved++;
          else if (outcome === 'failed') summary.failed++;
          else {
            summary.analysed++;
            summary.faces += outcome.observations.filter((o) => o.face).length;
            summary.restored += outcome.restored;
          }
        } catch (error) {
          stop ??= error; // fatal for the whole pass
        }
        try {
          if (stop === null) progress(++done, due.length, item.asset.id);
        } catch (error) {
          stop ??= error; // the caller asked to stop (an interrupted scan)
        }
      });
    }
    await loading.onIdle();
    await inference.onIdle();
    if (stop !== null) throw stop;
    if (source.location !== undefined) {
      const gone = missing.filter((r) => !pass.moved.has(r.id));
      if (!options.prune && exceedsRemovalGuard(gone.length, stored)) {
        throw new RemovalGuardError(source.location, gone.length, stored);
      }
      this.store.removedLabels.removeAssets(gone.map((r) => r.id));
      summary.removed += gone.length;
      this.store.libraries.markScanned(library);
    }
    // the checkpoint moves only after a complete listing and analysis
    listing.commit();
    return summary;
  }

  /**
   * One photo: load, decode, perceive, commit. A photo's failure is recorded; a fatal error is thrown. A new path
   * whose content is a missing photo's is that photo, moved: it keeps its row, observations and people.
   */
  private async analyse(
    pass: Pass,
    { asset, known }: Due,
    inference: PQueue,
  ): Promise<{ observations: Observation[]; restored: number } | 'unchanged' | 'moved' | 'failed'> {
    const { source, library } = pass;
    const located = source.location !== undefined;
    const record = (
      hash: string,
      loaded?: { capturedAt: number | null; latitude: number | null; longitude: number | null },
    ) =>
      this.store.assets.upsert({
        source: source.name,
        library,
        sourceId: asset.id,
        contentHash: hash,
        capturedAt: loaded?.capturedAt ?? asset.capturedAt ?? known?.capturedAt ?? null,
        latitude: loaded?.latitude ?? asset.latitude ?? known?.latitude ?? null,
        longitude: loaded?.longitude ?? asset.longitude ?? known?.longitude ?? null,
      });
    const fail = (hash: string, message: string): 'failed' => {
      const row = record(hash);
      this.store.assets.markFailed(row.id, message);
      pass.failures.push({ id: asset.id, error: message });
      this.options.log?.warn({ asset: asset.id, error: message }, 'photo failed; it will be tried again');
      return 'failed';
    };
    let loaded;
    try {
      loaded = await source.load(asset);
    } catch (error) {
      if (source.isFatal(error)) throw error;
      return fail(asset.checksum ?? known?.contentHash ?? '', `cannot read the photo: ${(error as Error).message}`);
    }
    if (asset.checksum === null && known?.status === 'done' && known.contentHash === loaded.contentHash) {
      return 'unchanged';
    }
    if (located && known === undefined) {
      // synchronous from here to the move: two copies of one photo cannot both take the same missing row
      const moved = pass.missingByContent.get(loaded.contentHash)?.find((r) => !pass.moved.has(r.id));
      if (moved) {
        pass.moved.add(moved.id);
        this.store.assets.move(moved.id, asset.id);
        return 'moved';
      }
    }
    let image;
    try {
      image = await decodeImage(loaded.bytes, { maxPixels: this.perception.maxPixels });
    } catch (error) {
      return fail(loaded.contentHash, (error as Error).message);
    }
    const row = record(loaded.contentHash, loaded);
    return inference.add(async () => {
      let observations: Observation[];
      try {
        observations = await this.perception.perceive(image);
      } catch (error) {
        const message = `analysis failed: ${(error as Error).message}`;
        this.store.assets.markFailed(row.id, message);
        pass.failures.push({ id: asset.id, error: message });
        return 'failed' as const;
      }
      const restored = this.store.transaction(() => {
        this.store.observations.replaceForAsset(row.id, observations);
        this.store.assets.markDone(row.id, image);
        // a photo that left a folder library and came back gets its people back
        return located ? this.store.removedLabels.restore(row.id, loaded.contentHash) : 0;
      });
      return { observations, restored };
    });
  }

  /**
   * One cycle: ingest, the user's edits, recognition, then the host. People are re-clustered from scratch when
   * asked, when there is no gallery yet, when photos left, or when the user labelled new photos; otherwise new faces
   * are assigned to the gallery. In suggest mode the host's people stand: we assign and suggest only.
   */
  async cycle<E, A>(
    source: Source,
    host: Host<E, A> | null,
    options: { recluster?: boolean } & IngestOptions = {},
  ): Promise<CycleSummary<E, A>> {
    const ingest = await this.ingest(source, options);
    // every analysed photo whose labels were not read yet: this cycle's, and those of a cycle killed before its read
    const unread = this.store.assets.awaitingUserEdits(source.name);
    const sourceIds = unread.map((a) => a.sourceId);
    const edits = host ? await host.readUserEdits(sourceIds, new PeopleService(this.store)) : null;
    // read and stored (a kill before this line reads them again: labels are the same the second time); no host: none
    this.store.assets.markUserEditsRead(unread.map((a) => a.id));
    if (host?.mode === 'suggest') {
      this.store.suggestions.replaceOpen(existingPeopleSuggestions(this.store, this.perception.faceModel));
      const recognition = this.recognition.run('incremental');
      return { ...ingest, reclustered: false, recognition, edits: edits?.summary ?? null, applied: await host.apply() };
    }
    const noGallery = this.store.people.list().every((p) => p.exemplars.length === 0);
    // a photo that came back restored people whose gallery is gone: a re-cluster gives them exemplars again
    const reclustered =
      Boolean(options.recluster) ||
      noGallery ||
      ingest.removed > 0 ||
      ingest.restored > 0 ||
      Boolean(edits?.relabelled);
    // a re-cluster runs off this thread (minutes at a large library); assigning new faces is quick
    const recognition = reclustered ? await this.recognition.runOffThread('full') : this.recognition.run('incremental');
    const applied = host ? await host.apply() : null;
    return { ...ingest, reclustered, recognition, edits: edits?.summary ?? null, applied };
  }
}
