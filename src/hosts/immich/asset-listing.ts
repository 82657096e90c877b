import { AssetOrder, AssetTypeEnum, AssetVisibility, type AssetResponseDto, type MetadataSearchDto } from '@immich/sdk';
import type { ImmichClient } from './client.js';
import type { ServerInfo } from './connection.js';

export interface Listing {
  /** Own image assets, each once. */
  assets: AssetResponseDto[];
  /** The newest updatedAt seen (ISO), or null. */
  newest: string | null;
}

/** Immich's largest page. */
const PAGE_SIZE = 1000;
/** Pages of one tied timestamp asked for at most, should a whole burst share it (pathological). */
const MAX_TIE_PAGES = 20;

/** Walks every page of a search; returns the fileCreatedAt values that sat at a page boundary. */
async function walk(
  client: ImmichClient,
  info: ServerInfo,
  base: MetadataSearchDto,
  seen: Map<string, AssetResponseDto>,
  maxPages = Number.POSITIVE_INFINITY,
): Promise<Set<string>> {
  const boundaries = new Set<string>();
  let cursor: string | null = null;
  for (let page = 1; page <= maxPages; page++) {
    const dto: MetadataSearchDto = info.cursorPaging ? { ...base, ...(cursor ? { cursor } : {}) } : { ...base, page };
    const result = await client.searchPage(dto);
    for (const asset of result.items) seen.set(asset.id, asset);
    const more = info.cursorPaging ? Boolean(result.nextCursor) : Boolean(result.nextPage) && result.items.length > 0;
    if (!more) return boundaries;
    const last = result.items[result.items.length - 1];
    if (last) boundaries.add(last.fileCreatedAt);
    cursor = result.nextCursor ?? null;
  }
  return boundaries;
}

export interface ListingOptions {
  /** Page size (Immich's largest by default). */
  pageSize?: number;
  /** Each asset with the people on it (2.x: with their faces, and the faces on nobody; see asset-faces.ts). */
  withPeople?: boolean;
  /** Only assets without any tag (`tagIds: null`). */
  untagged?: boolean;
}

/**
 * Lists the key owner's images (timeline and archive) updated since `since` (all when null).
 *
 * 3.x pages with a cursor and is complete. 2.x pages by offset over `ORDER BY fileCreatedAt` alone: photos with the
 * same time straddling a page boundary come back in a different order on each page, so some repeat and some never
 * come. Only such boundary times can lose items, so each one is asked for again as its own one-page window
 * (takenAfter = takenBefore = that time), which returns the whole tie at once.
 */
export async function listAssets(
  client: ImmichClient,
  info: ServerInfo,
  since: string | null,
  options: ListingOptions = {},
): Promise<Listing> {
  const seen = new Map<string, AssetResponseDto>();
  for (const visibility of [AssetVisibility.Timeline, AssetVisibility.Archive]) {
    const base: MetadataSearchDto = {
      type: AssetTypeEnum.Image,
      visibility,
      order: AssetOrder.Asc,
      size: options.pageSize ?? PAGE_SIZE,
      ...(since ? { updatedAfter: since } : {}),
      ...(options.withPeople ? { withPeople: true } : {}),
      ...(options.untagged ? { tagIds: null } : {}),
    };
    const boundaries = await walk(client, info, base, seen);
    if (info.cursorPaging) continue;
    for (const time of boundaries) {
      await walk(client, info, { ...base, size: PAGE_SIZE, takenAfter: time, takenBefore: time }, seen, MAX_TIE_PAGES);
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
  await walk(
    client,
    info,
    { type: AssetTypeEnum.Image, withDeleted: true, trashedAfter: since, size: PAGE_SIZE },
    seen,
  );
  return [...seen.values()].filter((a) => a.ownerId === info.ownerId && a.isTrashed).map((a) => a.id);
}
