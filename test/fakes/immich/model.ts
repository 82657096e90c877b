/** The fake's internal state records, a seeded id generator and a monotonic clock. */
import type { AssetTypeEnum, AssetVisibility, SourceType } from '@immich/sdk';

import { mulberry32 as prng } from '../../helpers/random.js';

export { prng };

export interface FakeUser {
  id: string;
  email: string;
  name: string;
}

export interface FakeAsset {
  id: string;
  ownerId: string;
  type: AssetTypeEnum;
  /** Fixture photo the preview and thumbnail are rendered from; null serves a plain grey image. */
  file: string | null;
  originalFileName: string;
  originalPath: string;
  checksum: string;
  /** Upload time. */
  createdAt: string;
  /** Row update time: moved by trash/restore/visibility/date edits and tag writes, never by face writes. */
  updatedAt: string;
  /** Capture time; the only sort key of a 2.x search. */
  fileCreatedAt: string;
  fileModifiedAt: string;
  localDateTime: string;
  /** Original dimensions (display orientation); null when unknown. */
  width: number | null;
  height: number | null;
  visibility: AssetVisibility;
  isFavorite: boolean;
  /** Set while the asset is in the trash. */
  deletedAt: string | null;
  tagIds: string[];
}

export interface FakeFace {
  id: string;
  assetId: string;
  personId: string | null;
  imageWidth: number;
  imageHeight: number;
  boundingBoxX1: number;
  boundingBoxY1: number;
  boundingBoxX2: number;
  boundingBoxY2: number;
  sourceType: SourceType;
  /** Soft delete: a tombstone that getFaces hides. */
  deletedAt: string | null;
  isVisible: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface FakePerson {
  id: string;
  ownerId: string;
  name: string;
  birthDate: string | null;
  isHidden: boolean;
  isFavorite: boolean;
  color: string | null;
  createdAt: string;
  updatedAt: string;
  /** Face whose crop is the person's thumbnail. */
  featureFaceId: string | null;
  /** '' until the thumbnail job has run for the current feature face. */
  thumbnailPath: string;
}

export interface FakeTag {
  id: string;
  ownerId: string;
  /** Full path, e.g. 'People/Alice'. */
  value: string;
  parentId: string | null;
  color: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A stable 32-bit hash (FNV-1a) of a string, for seeded per-request orderings. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Deterministic RFC 4122 version-4 UUIDs, so that ids validate like Immich's. */
export function uuidGenerator(seed: number): () => string {
  const next = prng(seed ^ 0x5bd1e995);
  return () => {
    const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16));
    hex[12] = '4';
    hex[16] = ((Number.parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
    const s = hex.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  };
}

/**
 * Wall-clock milliseconds that never go backwards, plus a test-controlled offset. It does not run ahead of the
 * wall clock: records updated within one millisecond share a timestamp, as they can on a real server, and
 * `after()` gives a record's new timestamp strictly greater than its previous one.
 */
export class Clock {
  private last = 0;
  private offset = 0;

  constructor(private readonly source: () => number = Date.now) {}

  now(): number {
    this.last = Math.max(this.source() + this.offset, this.last);
    return this.last;
  }

  iso(): string {
    return new Date(this.now()).toISOString();
  }

  /** Now, but later than `previous` (an ISO timestamp of the record being updated). */
  after(previous: string): string {
    return new Date(Math.max(this.now(), Date.parse(previous) + 1)).toISOString();
  }

  advance(ms: number): void {
    this.offset += ms;
  }
}
