import { AssetOrder, AssetTypeEnum, AssetVisibility, type AssetResponseDto, type MetadataSearchDto } from '@immich/sdk';
import type { ImmichClient } from './client.js';
import type { ServerInfo } from './connection.js';

export interface Listing {
  /** Own image assets, each once. */
  assets: AssetResponseDto[];
  /** The newest updatedAt seen (ISO), or null. */
  newest: string | null;
}

/** Offset paging (2.x) sorts only by fileCreatedAt, so ties can shift between pages: walk again until nothing new. */
const MAX_PASSES = 4;

async function walk(
  client: ImmichClient,
  info: ServerInfo,
  base: MetadataSearchDto,
  seen: Map<string, AssetResponseDto>,
) {
  let added = 0;
  let cursor: string | null = null;
  for (let page = 1; ; page++) {
    const dto: MetadataSearchDto = info.cursorPaging ? { ...base, ...(cursor ? { cursor } : {}) } : { ...base, page };
    const result = await client.searchPage(dto);
    for (const asset of result.items) {
      if (!seen.has(asset.id)) added++;
      seen.set(asset.id, asset);
    }
    if (info.cursorPaging) {
      cursor = result.nextCursor;
      if (!cursor) return added;
    } else if (!result.nextPage || result.items.length === 0) {
      return added;
    }
  }
}

/**
 * Lists the key owner's images (timeline and archive) updated since `since` (all when null). On 2.x the listing is
 * repeated until a pass adds no new id, because offset paging without a tiebreak skips and repeats items.
 */
export async function listAssets(
  client: ImmichClient,
  info: ServerInfo,
  since: string | null,
  pageSize = 1000,
): Promise<Listing> {
  const seen = new Map<string, AssetResponseDto>();
  for (const visibility of [AssetVisibility.Timeline, AssetVisibility.Archive]) {
    const base: MetadataSearchDto = {
      type: AssetTypeEnum.Image,
      visibility,
      order: AssetOrder.Asc,
      size: pageSize,
      ...(since ? { updatedAfter: since } : {}),
    };
    for (let pass = 0; pass < (info.cursorPaging ? 1 : MAX_PASSES); pass++) {
      const added = await walk(client, info, base, seen);
      if (pass > 0 && added === 0) break;
    }
  }
  const assets = [...seen.values()].filter((a) => a.ownerId === info.ownerId && !a.isTrashed);
  let newest: string | null = null;
  for (const a of seen.values()) if (newest === null || a.updatedAt > newest) newest = a.updatedAt;
  return { assets, newest };
}

/** Ids of the owner's assets trashed since `since`. */
export async function listTrashed(client: ImmichClient, info: ServerInfo, since: string): Promise<string[]> {
  const seen = new Map<string, AssetResponseDto>();
  await walk(client, info, { type: AssetTypeEnum.Image, withDeleted: true, trashedAfter: since, size: 1000 }, seen);
  return [...seen.values()].filter((a) => a.ownerId === info.ownerId && a.isTrashed).map((a) => a.id);
}
