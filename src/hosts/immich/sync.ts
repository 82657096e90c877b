import PQueue from 'p-queue';
import type { Logger } from 'pino';
import { decodeImage } from '../../perception/image/decode.js';
import { RecognitionService, type RecognitionSummary } from '../../service/recognition.js';
import type { Store } from '../../store/store.js';
import type { Perception } from '../../types.js';
import { listAssets, listTrashed } from './asset-listing.js';
import { ImmichLabelService, type LabelSummary } from './labels.js';
import { immichMergeSuggestions } from './merge-suggestions.js';
import { ImmichAuthError, type AssetResponseDto, type ImmichClient } from './client.js';
import type { ServerInfo } from './connection.js';
import { UserChangesService, type UserChangesSummary } from './user-changes.js';
import { IMMICH_SOURCE, WriteBackService, type WriteBackOptions, type WriteBackSummary } from './write-back.js';

const CHECKPOINT = 'immich.sync.updatedAt';
const LAST_FULL = 'immich.sync.lastFull';
/** A listing by updatedAt starts this much before the checkpoint: clocks and commit order are not exact. */
const CHECKPOINT_OVERLAP_MS = 60_000;
/** A full listing (which also finds hard-deleted assets) at least this often. */
const FULL_LISTING_EVERY_MS = 24 * 3600_000;
/** Per-asset retries back off 1, 2, 4 … minutes up to a day. */
export function retryDelayMs(attempts: number): number {
  return Math.min(24 * 3600_000, 60_000 * 2 ** Math.max(0, attempts - 1));
}

export interface SyncOptions {
  mode: 'manage' | 'suggest';
  writeBack: WriteBackOptions;
  /** Previews downloaded and decoded at once; inference runs one image at a time. */
  downloads: number;
  /** Where the HNSW caches live (beside the store); null keeps them in memory. */
  indexPath: string | null;
}

export interface CycleSummary {
  listed: number;
  analysed: number;
  unchanged: number;
  failed: number;
  removed: number;
  labels: LabelSummary;
  reclustered: boolean;
  recognition: RecognitionSummary;
  userChanges: UserChangesSummary | null;
  writeBack: WriteBackSummary | null;
}

export type CycleProgress = (stage: string, done: number, total: number) => void;

/** One sync cycle with Immich: list → analyse new previews → read back user changes → recognise → write back. */
export class ImmichSyncService {
  constructor(
    private readonly store: Store,
    private readonly client: ImmichClient,
    private readonly info: ServerInfo,
    private readonly perception: Perception,
    private readonly options: SyncOptions,
    private readonly log: Logger,
  ) {
    this.recognition = new RecognitionService(store, {
      faceModel: perception.faceModel,
      indexPath: options.indexPath,
    });
  }

  private readonly recognition: RecognitionService;

  /** Assets to (re)analyse: listed ones whose checksum changed, and failed ones whose back-off has passed. */
  private due(listed: AssetResponseDto[], now: number): { id: string; asset: AssetResponseDto | null }[] {
    const due = new Map<string, AssetResponseDto | null>();
    for (const asset of listed) {
      const known = this.store.assets.get(IMMICH_SOURCE, asset.id);
      // our own tag writes bump updatedAt; an unchanged checksum means nothing to do
      if (known?.status === 'done' && known.contentHash === asset.checksum) continue;
      if (known && known.status !== 'done' && known.contentHash === asset.checksum) continue; // taken below, on schedule
      due.set(asset.id, asset);
    }
    for (const failed of this.store.assets.list(IMMICH_SOURCE).filter((a) => a.status !== 'done')) {
      if (due.has(failed.sourceId)) continue;
      if (failed.status === 'pending' || now >= failed.updatedAt + retryDelayMs(failed.attempts)) {
        due.set(failed.sourceId, null);
      }
    }
    return [...due.entries()].map(([id, asset]) => ({ id, asset }));
  }

  async cycle(options: { recluster?: boolean; progress?: CycleProgress } = {}): Promise<CycleSummary> {
    const progress = options.progress ?? (() => {});
    const now = Date.now();
    const checkpoint = this.store.checkpoints.get(CHECKPOINT) ?? null;
    const lastFull = Number(this.store.checkpoints.get(LAST_FULL) ?? '0');
    const full = checkpoint === null || now - lastFull > FULL_LISTING_EVERY_MS;
    const since = full ? null : new Date(Date.parse(checkpoint!) - CHECKPOINT_OVERLAP_MS).toISOString();
    const listing = await listAssets(this.client, this.info, since);
    this.store.assets.requeueOtherModels(this.perception.faceModel);

    let removed = 0;
    if (full) {
      removed += this.store.assets.removeMissing(IMMICH_SOURCE, new Set(listing.assets.map((a) => a.id)));
    } else {
      for (const id of await listTrashed(this.client, this.info, since!)) {
        if (this.store.assets.remove(IMMICH_SOURCE, id)) removed++;
      }
    }

    const due = this.due(listing.assets, now);
    const analysedAssets: AssetResponseDto[] = [];
    let analysed = 0;
    let failed = 0;
    let fatal: Error | null = null;
    const downloads = new PQueue({ concurrency: this.options.downloads });
    const inference = new PQueue({ concurrency: 1 });
    let done = 0;
    for (const { id, asset } of due) {
      // bounded memory: no more than a few decoded previews wait for inference
      await downloads.onSizeLessThan(this.options.downloads * 2);
      if (fatal) break;
      void downloads.add(async () => {
        const known = this.store.assets.get(IMMICH_SOURCE, id);
        const row = this.store.assets.upsert({
          source: IMMICH_SOURCE,
          sourceId: id,
          contentHash: asset?.checksum ?? known?.contentHash ?? '',
          capturedAt: asset ? Date.parse(asset.fileCreatedAt) : (known?.capturedAt ?? null),
          latitude: asset?.exifInfo?.latitude ?? known?.latitude ?? null,
          longitude: asset?.exifInfo?.longitude ?? known?.longitude ?? null,
        });
        try {
          const image = await decodeImage(await this.client.preview(id), { maxPixels: this.perception.maxPixels });
          await inference.add(async () => {
            const observations = await this.perception.perceive(image);
            this.store.transaction(() => {
              this.store.observations.replaceForAsset(row.id, observations);
              this.store.assets.markDone(row.id, image);
            });
          });
          analysed++;
          if (asset) analysedAssets.push(asset);
        } catch (error) {
          if (error instanceof ImmichAuthError) fatal = error;
          this.store.assets.markFailed(row.id, (error as Error).message);
          this.log.warn({ asset: id, error: (error as Error).message }, 'asset failed; it will be retried later');
          failed++;
        } finally {
          progress('analyse', ++done, due.length);
        }
      });
    }
    await downloads.onIdle();
    await inference.onIdle();
    if (fatal) throw fatal;

    // the checkpoint moves only after a complete listing and analysis
    if (listing.newest && (!checkpoint || listing.newest > checkpoint))
      this.store.checkpoints.set(CHECKPOINT, listing.newest);
    if (full) this.store.checkpoints.set(LAST_FULL, String(now));

    const labels = await new ImmichLabelService(this.store, this.client, this.log).run(analysedAssets);
    const counts = {
      listed: listing.assets.length,
      analysed,
      unchanged: listing.assets.length - due.filter((d) => d.asset).length,
      failed,
      removed,
      labels,
    };
    if (this.options.mode === 'suggest') {
      // never touches Immich: suggests merges among its people and proposes people for its unassigned faces
      this.store.suggestions.replaceOpen(immichMergeSuggestions(this.store, this.perception.faceModel));
      return {
        ...counts,
        reclustered: false,
        recognition: this.recognition.assignNew(),
        userChanges: null,
        writeBack: null,
      };
    }
    const userChanges = await new UserChangesService(this.store, this.client, this.log).run();
    const noGallery = this.store.people.list().every((p) => p.exemplars.length === 0);
    const reclustered =
      Boolean(options.recluster) || noGallery || removed > 0 || labels.fromFaces + labels.fromTags > 0;
    const recognition = reclustered ? this.recognition.recluster() : this.recognition.assignNew();
    const writeBack = await new WriteBackService(this.store, this.client, this.options.writeBack, this.log).run();
    return { ...counts, reclustered, recognition, userChanges, writeBack };
  }
}
