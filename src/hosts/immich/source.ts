import { IMMICH_SOURCE, type LoadedAsset, type Source, type SourceAsset, type SourceListing } from '../../ports.js';
import type { Store } from '../../store/store.js';
import { listingCost } from './asset-faces.js';
import { listAssets, listTrashed } from './asset-listing.js';
import { ImmichAuthError, type AssetResponseDto, type ImmichClient } from './client.js';
import type { ServerInfo } from './connection.js';

const CHECKPOINT = 'immich.sync.updatedAt';
const LAST_FULL = 'immich.sync.lastFull';
/** A listing by updatedAt starts this much before the checkpoint: clocks and commit order are not exact. */
const CHECKPOINT_OVERLAP_MS = 60_000;
/** A full listing (which also finds hard-deleted assets) at least this often. */
const FULL_LISTING_EVERY_MS = 24 * 3600_000;

/**
 * The key owner's Immich images as a source: listed by `updatedAt` since the checkpoint (a full listing at first and
 * once a day, which also finds hard-deleted assets), trashed ones reported as removed. Perception reads the preview,
 * the pixels Immich's own pipeline uses; Immich's checksum says whether the content changed, without a download.
 */
export class ImmichSource implements Source {
  readonly name = IMMICH_SOURCE;
  readonly retryFailed = 'backoff';
  /** The last listing's assets by id: the host reads their tags without asking again. */
  readonly listed = new Map<string, AssetResponseDto>();

  constructor(
    private readonly store: Store,
    private readonly client: ImmichClient,
    private readonly info: ServerInfo,
    private readonly now: () => number = Date.now,
  ) {}

  async list(): Promise<SourceListing> {
    const now = this.now();
    const checkpoint = this.store.checkpoints.get(CHECKPOINT) ?? null;
    const lastFull = Number(this.store.checkpoints.get(LAST_FULL) ?? '0');
    const full = checkpoint === null || now - lastFull > FULL_LISTING_EVERY_MS;
    const since = full ? null : new Date(Date.parse(checkpoint!) - CHECKPOINT_OVERLAP_MS).toISOString();
    const listing = await listAssets(this.client, this.info, since);
    const removed = full ? [] : await listTrashed(this.client, this.info, since!);
    this.listed.clear();
    for (const asset of listing.assets) this.listed.set(asset.id, asset);
    // labels read the tags of new or changed photos only
    const fresh = listing.assets.filter((asset) => {
      const known = this.store.assets.get(IMMICH_SOURCE, asset.id);
      return known?.status !== 'done' || known.contentHash !== asset.checksum;
    });
    await this.markUntagged(since, fresh.length);
    return {
      assets: listing.assets.map((asset): SourceAsset => ({
        id: asset.id,
        checksum: asset.checksum,
        capturedAt: Date.parse(asset.fileCreatedAt),
        latitude: asset.exifInfo?.latitude ?? null,
        longitude: asset.exifInfo?.longitude ?? null,
      })),
      complete: full,
      removed,
      commit: () => {
        if (listing.newest && (!checkpoint || listing.newest > checkpoint))
          this.store.checkpoints.set(CHECKPOINT, listing.newest);
        if (full) this.store.checkpoints.set(LAST_FULL, String(now));
      },
    };
  }

  /**
   * Search answers leave tags out, and labels want the tags of each new photo with one clear face. One listing of
   * the untagged assets among those listed (`tagIds: null`) marks them as having none, so that only a tagged photo
   * costs a read of its own; skipped when reading the `fresh` (new or changed) photos one by one costs less.
   */
  private async markUntagged(since: string | null, fresh: number): Promise<void> {
    if (fresh <= listingCost(fresh, this.info.cursorPaging)) return;
    const untagged = await listAssets(this.client, this.info, since, { untagged: true });
    for (const asset of untagged.assets) {
      const known = this.listed.get(asset.id);
      if (known && known.tags === undefined) known.tags = [];
    }
  }

  async load(asset: SourceAsset): Promise<LoadedAsset> {
    const bytes = await this.client.preview(asset.id);
    return {
      bytes,
      contentHash: asset.checksum ?? '',
      capturedAt: asset.capturedAt,
      latitude: asset.latitude,
      longitude: asset.longitude,
    };
  }

  /** A bad or revoked key fails every later call too. */
  isFatal(error: unknown): boolean {
    return error instanceof ImmichAuthError;
  }
}
