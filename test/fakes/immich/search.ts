/**
 * `POST /search/metadata` (`searchAssets`): validation of a `MetadataSearchDto`, filtering, ordering and both
 * paging styles.
 *
 * - 2.x: offset paging ordered only by `fileCreatedAt` (Immich 2.5.6 `ORDER BY asset."fileCreatedAt"` with no
 *   tiebreak). Ties come back in an order that depends on the page (seeded), so paging can return an item twice
 *   and never return another (immich.md §7). The response has no `nextCursor` property, as 2.5.6 has none.
 *   The v3-only keys `cursor`, `orderBy` and `filter` are refused with 400, as 2.5.6's whitelist refuses them.
 * - 3.x: ordered by `orderBy` (fileCreatedAt or localDateTime) with the asset id as tiebreak; `cursor` is an
 *   opaque keyset cursor, so cursor paging is complete and never repeats. `page` still works (stable offsets).
 *
 * Keys marked 'unsupported' below answer 400 "fake-immich does not implement …" so that a sidecar relying on
 * them fails loudly instead of getting silently wrong results. 'ignored' keys are accepted and have no effect.
 */
import {
  AssetOrder,
  AssetTypeEnum,
  AssetVisibility,
  SearchOrderField,
  type AssetResponseDto,
  type BoolFilter,
  type DateFilter,
  type DateFilterNullable,
  type EnumFilterAssetType,
  type EnumFilterAssetVisibility,
  type IdFilter,
  type IdsFilter,
  type MetadataSearchDto,
  type SearchAlbumResponseDto,
  type SearchAssetResponseDto,
  type SearchFilter,
  type SearchOrder,
} from '@immich/sdk';
import type { FakeAsset } from './model.js';
import { hash32 } from './model.js';
import {
  ApiError,
  asObject,
  badRequest,
  isObject,
  onlyKeys,
  optBool,
  optDate,
  optEnum,
  optEnumArray,
  optInt,
  optNullableString,
  optString,
  optStringArray,
  parseDate,
  type JsonObject,
} from './parse.js';

type Support = 'implemented' | 'ignored' | 'unsupported' | 'v3';

/** Every `MetadataSearchDto` key of the SDK (a new SDK key fails compilation here until it is classified). */
export const SEARCH_KEY_SUPPORT: Record<keyof MetadataSearchDto, Support> = {
  albumIds: 'unsupported',
  checksum: 'unsupported',
  city: 'unsupported',
  country: 'unsupported',
  createdAfter: 'implemented',
  createdBefore: 'implemented',
  cursor: 'v3',
  description: 'unsupported',
  encodedVideoPath: 'unsupported',
  filter: 'v3',
  id: 'implemented',
  isEncoded: 'unsupported',
  isFavorite: 'implemented',
  isMotion: 'unsupported',
  isNotInAlbum: 'unsupported',
  isOffline: 'unsupported',
  lensModel: 'unsupported',
  libraryId: 'unsupported',
  make: 'unsupported',
  model: 'unsupported',
  ocr: 'unsupported',
  order: 'implemented',
  orderBy: 'v3',
  originalFileName: 'unsupported',
  originalPath: 'unsupported',
  page: 'implemented',
  personIds: 'implemented',
  previewPath: 'unsupported',
  rating: 'unsupported',
  size: 'implemented',
  state: 'unsupported',
  tagIds: 'implemented',
  takenAfter: 'implemented',
  takenBefore: 'implemented',
  thumbnailPath: 'unsupported',
  trashedAfter: 'implemented',
  trashedBefore: 'implemented',
  type: 'implemented',
  updatedAfter: 'implemented',
  updatedBefore: 'implemented',
  visibility: 'implemented',
  withDeleted: 'implemented',
  withExif: 'ignored',
  withPeople: 'implemented',
  withStacked: 'ignored',
};

/** Every `SearchFilter` key of the SDK; `or` branches and string/number filters are not implemented. */
export const FILTER_KEY_SUPPORT: Record<keyof SearchFilter, boolean> = {
  albumIds: false,
  checksum: false,
  city: false,
  country: false,
  createdAt: true,
  description: false,
  encodedVideoPath: false,
  fileSizeInBytes: false,
  hasAlbums: false,
  hasPeople: false,
  hasTags: false,
  id: true,
  isEncoded: false,
  isFavorite: true,
  isMotion: false,
  isOffline: false,
  lensModel: false,
  libraryId: false,
  make: false,
  model: false,
  ocr: false,
  or: false,
  originalFileName: false,
  originalPath: false,
  personIds: true,
  rating: false,
  state: false,
  tagIds: true,
  takenAt: true,
  trashedAt: true,
  type: true,
  updatedAt: true,
  visibility: true,
};

const notImplemented = (what: string): ApiError => badRequest(`fake-immich does not implement search ${what}`);

function parseDateFilter(v: unknown, key: string): DateFilter {
  const o = asObject(v, key);
  onlyKeys(o, ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'], key);
  return {
    eq: optDate(o, 'eq'),
    ne: optDate(o, 'ne'),
    gt: optDate(o, 'gt'),
    gte: optDate(o, 'gte'),
    lt: optDate(o, 'lt'),
    lte: optDate(o, 'lte'),
  };
}

function parseNullableDateFilter(v: unknown, key: string): DateFilterNullable {
  const o = asObject(v, key);
  const { gt, gte, lt, lte } = parseDateFilter({ ...o, eq: undefined, ne: undefined }, key);
  const eq = optNullableString(o, 'eq');
  const ne = optNullableString(o, 'ne');
  if (eq) parseDate(eq, 'eq');
  if (ne) parseDate(ne, 'ne');
  return { eq, ne, gt, gte, lt, lte };
}

function parseEnumFilter<E extends Record<string, string>>(e: E, v: unknown, key: string) {
  const o = asObject(v, key);
  onlyKeys(o, ['eq', 'ne', 'in', 'notIn'], key);
  return {
    eq: optEnum(e, o, 'eq'),
    ne: optEnum(e, o, 'ne'),
    in: optEnumArray(e, o, 'in'),
    notIn: optEnumArray(e, o, 'notIn'),
  };
}

function parseIdFilter(v: unknown, key: string): IdFilter {
  const o = asObject(v, key);
  onlyKeys(o, ['eq', 'ne'], key);
  return { eq: optString(o, 'eq'), ne: optString(o, 'ne') };
}

function parseIdsFilter(v: unknown, key: string): IdsFilter {
  const o = asObject(v, key);
  onlyKeys(o, ['any', 'all', 'none'], key);
  return { any: optStringArray(o, 'any'), all: optStringArray(o, 'all'), none: optStringArray(o, 'none') };
}

function parseBoolFilter(v: unknown, key: string): BoolFilter {
  const o = asObject(v, key);
  onlyKeys(o, ['eq'], key);
  const eq = optBool(o, 'eq');
  if (eq === undefined) throw badRequest(`${key}.eq must be a boolean value`);
  return { eq };
}

function parseFilter(v: unknown): SearchFilter {
  const o = asObject(v, 'filter');
  const supported = Object.keys(FILTER_KEY_SUPPORT);
  for (const key of Object.keys(o)) {
    if (!supported.includes(key)) throw badRequest(`filter: property ${key} should not exist`);
    if (!FILTER_KEY_SUPPORT[key as keyof SearchFilter]) throw notImplemented(`filter.${key}`);
  }
  const filter: SearchFilter = {};
  if (o.updatedAt !== undefined) filter.updatedAt = parseDateFilter(o.updatedAt, 'filter.updatedAt');
  if (o.createdAt !== undefined) filter.createdAt = parseDateFilter(o.createdAt, 'filter.createdAt');
  if (o.takenAt !== undefined) filter.takenAt = parseDateFilter(o.takenAt, 'filter.takenAt');
  if (o.trashedAt !== undefined) filter.trashedAt = parseNullableDateFilter(o.trashedAt, 'filter.trashedAt');
  if (o.visibility !== undefined) {
    const f: EnumFilterAssetVisibility = parseEnumFilter(AssetVisibility, o.visibility, 'filter.visibility');
    filter.visibility = f;
  }
  if (o.type !== undefined) {
    const f: EnumFilterAssetType = parseEnumFilter(AssetTypeEnum, o.type, 'filter.type');
    filter.type = f;
  }
  if (o.id !== undefined) filter.id = parseIdFilter(o.id, 'filter.id');
  if (o.isFavorite !== undefined) filter.isFavorite = parseBoolFilter(o.isFavorite, 'filter.isFavorite');
  if (o.tagIds !== undefined) filter.tagIds = parseIdsFilter(o.tagIds, 'filter.tagIds');
  if (o.personIds !== undefined) filter.personIds = parseIdsFilter(o.personIds, 'filter.personIds');
  return filter;
}

function parseOrderBy(v: unknown): SearchOrder {
  const o = asObject(v, 'orderBy');
  onlyKeys(o, ['field', 'direction'], 'orderBy');
  const field = optEnum(SearchOrderField, o, 'field');
  if (field !== undefined && field !== SearchOrderField.FileCreatedAt && field !== SearchOrderField.LocalDateTime) {
    throw notImplemented(`orderBy.field ${field}`);
  }
  return { field, direction: optEnum(AssetOrder, o, 'direction') };
}

/** Validates a request body into the SDK's `MetadataSearchDto`. */
export function parseMetadataSearch(body: unknown, v3: boolean): MetadataSearchDto {
  const o: JsonObject = body === undefined ? {} : asObject(body);
  for (const key of Object.keys(o)) {
    const support: Support | undefined = (SEARCH_KEY_SUPPORT as Record<string, Support>)[key];
    if (support === undefined || (support === 'v3' && !v3)) throw badRequest(`property ${key} should not exist`);
    if (support === 'unsupported' && o[key] !== undefined) throw notImplemented(key);
  }
  const tagIds = o.tagIds === null ? null : optStringArray(o, 'tagIds');
  const dto: MetadataSearchDto = {
    type: optEnum(AssetTypeEnum, o, 'type'),
    visibility: optEnum(AssetVisibility, o, 'visibility'),
    updatedAfter: optDate(o, 'updatedAfter'),
    updatedBefore: optDate(o, 'updatedBefore'),
    createdAfter: optDate(o, 'createdAfter'),
    createdBefore: optDate(o, 'createdBefore'),
    takenAfter: optDate(o, 'takenAfter'),
    takenBefore: optDate(o, 'takenBefore'),
    trashedAfter: optDate(o, 'trashedAfter'),
    trashedBefore: optDate(o, 'trashedBefore'),
    withDeleted: optBool(o, 'withDeleted'),
    withPeople: optBool(o, 'withPeople'),
    withExif: optBool(o, 'withExif'),
    withStacked: optBool(o, 'withStacked'),
    isFavorite: optBool(o, 'isFavorite'),
    id: optString(o, 'id'),
    personIds: optStringArray(o, 'personIds'),
    tagIds,
    order: optEnum(AssetOrder, o, 'order'),
    page: optInt(o, 'page', 1, Number.MAX_SAFE_INTEGER, { lenient: true }),
    size: optInt(o, 'size', 1, 1000, { lenient: true }),
  };
  if (v3) {
    if (o.cursor !== undefined) dto.cursor = optString(o, 'cursor');
    if (o.orderBy !== undefined) dto.orderBy = parseOrderBy(o.orderBy);
    if (o.filter !== undefined) dto.filter = parseFilter(o.filter);
  }
  return dto;
}

type Predicate = (a: FakeAsset) => boolean;

function dateRange(get: (a: FakeAsset) => string | null, f: DateFilterNullable): Predicate {
  const ms = (s: string | undefined) => (s === undefined ? undefined : Date.parse(s));
  const [gt, gte, lt, lte] = [ms(f.gt), ms(f.gte), ms(f.lt), ms(f.lte)];
  return (a) => {
    const raw = get(a);
    if (f.eq === null && raw !== null) return false;
    if (f.ne === null && raw === null) return false;
    if (raw === null) return f.eq === null;
    const t = Date.parse(raw);
    if (typeof f.eq === 'string' && t !== Date.parse(f.eq)) return false;
    if (typeof f.ne === 'string' && t === Date.parse(f.ne)) return false;
    if (gt !== undefined && !(t > gt)) return false;
    if (gte !== undefined && !(t >= gte)) return false;
    if (lt !== undefined && !(t < lt)) return false;
    if (lte !== undefined && !(t <= lte)) return false;
    return true;
  };
}

function enumMatch<T>(value: T, f: { eq?: T; ne?: T; in?: T[]; notIn?: T[] }): boolean {
  if (f.eq !== undefined && value !== f.eq) return false;
  if (f.ne !== undefined && value === f.ne) return false;
  if (f.in !== undefined && !f.in.includes(value)) return false;
  if (f.notIn !== undefined && f.notIn.includes(value)) return false;
  return true;
}

function idsMatch(have: ReadonlySet<string>, f: IdsFilter): boolean {
  if (f.any !== undefined && !f.any.some((id) => have.has(id))) return false;
  if (f.all !== undefined && !f.all.every((id) => have.has(id))) return false;
  if (f.none !== undefined && f.none.some((id) => have.has(id))) return false;
  return true;
}

export interface SearchContext {
  assets: Iterable<FakeAsset>;
  /** The key owner and partners who share into the timeline. */
  ownerIds: ReadonlySet<string>;
  v3: boolean;
  seed: number;
  /** 2.x only: shuffle `fileCreatedAt` ties per page. */
  tieShuffle: boolean;
  /** Ids of people with a visible, non-deleted face on the asset. */
  personIdsOf: (assetId: string) => ReadonlySet<string>;
  toDto: (asset: FakeAsset, withPeople: boolean) => AssetResponseDto;
}

/** A 2.x search answer: 2.5.6 has no `nextCursor` property at all. */
export type V2SearchAssetResponse = Omit<SearchAssetResponseDto, 'nextCursor'>;
export interface SearchResult {
  albums: SearchAlbumResponseDto;
  assets: SearchAssetResponseDto | V2SearchAssetResponse;
}

interface CursorKey {
  f: SearchOrderField;
  d: AssetOrder;
  k: number;
  id: string;
}

function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string, field: SearchOrderField, direction: AssetOrder): CursorKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('Invalid cursor');
  }
  if (
    !isObject(parsed) ||
    parsed.f !== field ||
    parsed.d !== direction ||
    typeof parsed.k !== 'number' ||
    typeof parsed.id !== 'string'
  ) {
    throw badRequest('Invalid cursor');
  }
  return { f: field, d: direction, k: parsed.k, id: parsed.id };
}

function buildPredicates(dto: MetadataSearchDto, ctx: SearchContext): Predicate[] {
  const p: Predicate[] = [(a) => ctx.ownerIds.has(a.ownerId)];
  const f = dto.filter ?? {};
  if (dto.visibility !== undefined) {
    const v = dto.visibility;
    p.push((a) => a.visibility === v);
  }
  if (f.visibility !== undefined) {
    const fv = f.visibility;
    p.push((a) => enumMatch(a.visibility, fv));
  }
  if (dto.visibility === undefined && f.visibility === undefined) {
    p.push((a) => a.visibility === AssetVisibility.Timeline);
  }
  if (dto.type !== undefined) {
    const t = dto.type;
    p.push((a) => a.type === t);
  }
  if (f.type !== undefined) {
    const ft = f.type;
    p.push((a) => enumMatch(a.type, ft));
  }
  const trashedFilter = dto.trashedAfter !== undefined || dto.trashedBefore !== undefined;
  const withDeleted = dto.withDeleted === true || trashedFilter || f.trashedAt !== undefined;
  if (!withDeleted) p.push((a) => a.deletedAt === null);
  if (trashedFilter) {
    p.push((a) => a.deletedAt !== null);
    p.push(dateRange((a) => a.deletedAt, { gte: dto.trashedAfter, lte: dto.trashedBefore }));
  }
  if (f.trashedAt !== undefined) p.push(dateRange((a) => a.deletedAt, f.trashedAt));
  p.push(dateRange((a) => a.updatedAt, { gte: dto.updatedAfter, lte: dto.updatedBefore }));
  p.push(dateRange((a) => a.createdAt, { gte: dto.createdAfter, lte: dto.createdBefore }));
  p.push(dateRange((a) => a.fileCreatedAt, { gte: dto.takenAfter, lte: dto.takenBefore }));
  if (f.updatedAt !== undefined) p.push(dateRange((a) => a.updatedAt, f.updatedAt));
  if (f.createdAt !== undefined) p.push(dateRange((a) => a.createdAt, f.createdAt));
  if (f.takenAt !== undefined) p.push(dateRange((a) => a.fileCreatedAt, f.takenAt));
  if (dto.id !== undefined) {
    const id = dto.id;
    p.push((a) => a.id === id);
  }
  if (f.id !== undefined) {
    const fid = f.id;
    p.push((a) => (fid.eq === undefined || a.id === fid.eq) && (fid.ne === undefined || a.id !== fid.ne));
  }
  if (dto.isFavorite !== undefined) {
    const fav = dto.isFavorite;
    p.push((a) => a.isFavorite === fav);
  }
  if (f.isFavorite !== undefined) {
    const fav = f.isFavorite.eq;
    p.push((a) => a.isFavorite === fav);
  }
  if (dto.tagIds === null) p.push((a) => a.tagIds.length === 0);
  else if (dto.tagIds !== undefined) {
    const all = dto.tagIds;
    p.push((a) => idsMatch(new Set(a.tagIds), { all }));
  }
  if (f.tagIds !== undefined) {
    const ft = f.tagIds;
    p.push((a) => idsMatch(new Set(a.tagIds), ft));
  }
  if (dto.personIds !== undefined) {
    const all = dto.personIds;
    p.push((a) => idsMatch(ctx.personIdsOf(a.id), { all }));
  }
  if (f.personIds !== undefined) {
    const fp = f.personIds;
    p.push((a) => idsMatch(ctx.personIdsOf(a.id), fp));
  }
  return p;
}

export function searchMetadata(dto: MetadataSearchDto, ctx: SearchContext): SearchResult {
  const predicates = buildPredicates(dto, ctx);
  const matches = [...ctx.assets].filter((a) => predicates.every((p) => p(a)));
  const size = dto.size ?? 250;
  const page = dto.page ?? 1;
  const albums: SearchAlbumResponseDto = { total: 0, count: 0, items: [], facets: [] };

  if (!ctx.v3) {
    const direction = dto.order ?? AssetOrder.Desc;
    const sign = direction === AssetOrder.Asc ? 1 : -1;
    // Postgres returns ties in whatever order its top-N sort for this LIMIT/OFFSET produces: model that as a
    // seeded shuffle that differs from page to page (and is the same when the same page is asked again).
    const tieKey = (a: FakeAsset) => (ctx.tieShuffle ? hash32(`${ctx.seed}:${page}:${size}:${a.id}`) : 0);
    const sorted = matches
      .map((a) => ({ a, t: Date.parse(a.fileCreatedAt), k: tieKey(a) }))
      .sort((x, y) => sign * (x.t - y.t) || x.k - y.k || (x.a.id < y.a.id ? -1 : x.a.id > y.a.id ? 1 : 0))
      .map((x) => x.a);
    const offset = (page - 1) * size;
    const items = sorted.slice(offset, offset + size).map((a) => ctx.toDto(a, dto.withPeople === true));
    const assets: V2SearchAssetResponse = {
      total: items.length,
      count: items.length,
      items,
      facets: [],
      nextPage: sorted.length > offset + size ? String(page + 1) : null,
    };
    return { albums, assets };
  }

  const field = dto.orderBy?.field ?? SearchOrderField.FileCreatedAt;
  const direction = dto.orderBy?.direction ?? dto.order ?? AssetOrder.Desc;
  const sign = direction === AssetOrder.Asc ? 1 : -1;
  const keyOf = (a: FakeAsset) =>
    Date.parse(field === SearchOrderField.LocalDateTime ? a.localDateTime : a.fileCreatedAt);
  const compare = (k1: number, id1: string, k2: number, id2: string) =>
    sign * (k1 - k2) || sign * (id1 < id2 ? -1 : id1 > id2 ? 1 : 0);
  let sorted = matches.map((a) => ({ a, k: keyOf(a) })).sort((x, y) => compare(x.k, x.a.id, y.k, y.a.id));
  let offset = (page - 1) * size;
  if (dto.cursor !== undefined) {
    const after = decodeCursor(dto.cursor, field, direction);
    sorted = sorted.filter((x) => compare(x.k, x.a.id, after.k, after.id) > 0);
    offset = 0;
  }
  const slice = sorted.slice(offset, offset + size);
  const more = sorted.length > offset + size;
  const last = slice.at(-1);
  const assets: SearchAssetResponseDto = {
    total: slice.length,
    count: slice.length,
    items: slice.map((x) => ctx.toDto(x.a, dto.withPeople === true)),
    facets: [],
    nextPage: more && dto.cursor === undefined ? String(page + 1) : null,
    nextCursor: more && last ? encodeCursor({ f: field, d: direction, k: last.k, id: last.a.id }) : null,
  };
  return { albums, assets };
}
