import PQueue from 'p-queue';
import type { Logger } from 'pino';
import { decodeImage } from '../perception/image/decode.js';
import type { Host, Source, SourceAsset } from '../ports.js';
import type { AssetRow } from '../store/assets.js';
import type { Store } from '../store/store.js';
import type { Observation, Perception } from '../types.js';
import { PeopleService } from './people.js';
import { RecognitionService, type RecognitionSummary } from './recognition.js';
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
  /** New faces found in the photos analysed. */
  faces: number;
  /** Source ids of the photos analysed in this pass. */
  analysedIds: string[];
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
    this.recognition = new RecognitionService(store, {
      faceModel: perception.faceModel,
      indexPath: options.indexPath,
    });
  }

  /** Photos to (re)analyse: new or changed ones, and failed ones whose turn has come. */
  private due(source: Source, assets: readonly SourceAsset[], now: number): Due[] {
    const due = new Map<string, Due>();
    for (const asset of assets) {
      const known = this.store.assets.get(source.name, asset.id);
      const same = asset.checksum !== null && known?.contentHash === asset.checksum;
      if (same && known?.status === 'done') continue;
      if (same && source.retryFailed === 'backoff') continue; // a failed photo: taken below, on schedule
      due.set(asset.id, { asset, known });
    }
    if (source.retryFailed === 'backoff') {
      for (const row of this.store.assets.list(source.name)) {
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

  /** Lists the source, drops what is gone, and analyses what is new or changed. */
  async ingest(source: Source, progress: EngineProgress = () => {}): Promise<IngestSummary> {
    const now = Date.now();
    const listing = await source.list();
    const listed = new Set(listing.assets.map((a) => a.id));
    this.store.assets.requeueOtherModels(this.perception.faceModel);
    let removed = 0;
    if (listing.complete) removed += this.store.assets.removeMissing(source.name, listed);
    for (const id of listing.removed) if (this.store.assets.remove(source.name, id)) removed++;

    const due = this.due(source, listing.assets, now);
    const summary: IngestSummary = {
      listed: listing.assets.length,
      analysed: 0,
      unchanged: listing.assets.length - due.filter((d) => listed.has(d.asset.id)).length,
      failed: 0,
      removed,
      faces: 0,
      analysedIds: [],
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
          const outcome = await this.analyse(source, item, inference);
          if (outcome === 'unchanged') summary.unchanged++;
          else if (outcome === 'failed') summary.failed++;
          else {
            summary.analysed++;
            summary.faces += outcome.filter((o) => o.face).length;
            summary.analysedIds.push(item.asset.id);
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
    // the checkpoint moves only after a complete listing and analysis
    listing.commit();
    summary.analysedIds.sort();
    return summary;
  }

  /** One photo: load, decode, perceive, commit. A photo's failure is recorded; a fatal error is thrown. */
  private async analyse(
    source: Source,
    { asset, known }: Due,
    inference: PQueue,
  ): Promise<Observation[] | 'unchanged' | 'failed'> {
    const record = (
      hash: string,
      loaded?: { capturedAt: number | null; latitude: number | null; longitude: number | null },
    ) =>
      this.store.assets.upsert({
        source: source.name,
        sourceId: asset.id,
        contentHash: hash,
        capturedAt: loaded?.capturedAt ?? asset.capturedAt ?? known?.capturedAt ?? null,
        latitude: loaded?.latitude ?? asset.latitude ?? known?.latitude ?? null,
        longitude: loaded?.longitude ?? asset.longitude ?? known?.longitude ?? null,
      });
    const fail = (hash: string, message: string): 'failed' => {
      const row = record(hash);
      this.store.assets.markFailed(row.id, message);
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
        this.store.assets.markFailed(row.id, `analysis failed: ${(error as Error).message}`);
        return 'failed' as const;
      }
      this.store.transaction(() => {
        this.store.observations.replaceForAsset(row.id, observations);
        this.store.assets.markDone(row.id, image);
      });
      return observations;
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
    options: { recluster?: boolean; progress?: EngineProgress } = {},
  ): Promise<CycleSummary<E, A>> {
    const ingest = await this.ingest(source, options.progress);
    const edits = host ? await host.readUserEdits(ingest.analysedIds, new PeopleService(this.store)) : null;
    if (host?.mode === 'suggest') {
      this.store.suggestions.replaceOpen(existingPeopleSuggestions(this.store, this.perception.faceModel));
      const recognition = this.recognition.run('incremental');
      return { ...ingest, reclustered: false, recognition, edits: edits?.summary ?? null, applied: await host.apply() };
    }
    const noGallery = this.store.people.list().every((p) => p.exemplars.length === 0);
    const reclustered = Boolean(options.recluster) || noGallery || ingest.removed > 0 || Boolean(edits?.relabelled);
    const recognition = this.recognition.run(reclustered ? 'full' : 'incremental');
    const applied = host ? await host.apply() : null;
    return { ...ingest, reclustered, recognition, edits: edits?.summary ?? null, applied };
  }
}
