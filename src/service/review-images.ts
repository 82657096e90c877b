import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import PQueue from 'p-queue';
import sharp from 'sharp';
import { decodeImage } from '../perception/image/decode.js';
import { cropRgb } from '../perception/image/image-ops.js';
import { cropRegion } from '../report/crops.js';
import type { AssetRow } from '../store/assets.js';
import type { Store } from '../store/store.js';
import type { RgbImage } from '../types.js';

/** The bytes of a stored photo: a folder's file, or Immich's preview. Null when it is gone. */
export type PhotoBytes = (asset: AssetRow) => Promise<Uint8Array | null>;

/** A folder library's photos, read from its root; null when the path would leave the root or the file is gone. */
export function folderPhotoBytes(store: Store): PhotoBytes {
  const roots = new Map(store.libraries.list().map((l) => [l.id, l.root]));
  return async (asset) => {
    const root = roots.get(asset.library);
    if (!root) return null;
    const file = resolve(root, asset.sourceId);
    const rel = relative(resolve(root), file);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null;
    return readFile(file).catch(() => null);
  };
}

/** Side of a face thumbnail on the page, in pixels (shown at 96–128 CSS pixels; sharp on a 2× screen). */
const FACE_SIZE = 192;
/** The longest side of a photo as the face page shows it. */
const PHOTO_SIZE = 1600;
/** Face thumbnails kept in memory (about 8 KB each): a few pages of faces. */
const FACE_CACHE_ENTRIES = 4000;
/** sharp's own default input limit. */
const MAX_PIXELS = 0x3fff * 0x3fff;

/** A small LRU over a Map's insertion order. */
class Lru<K, V> {
  private readonly entries = new Map<K, V>();
  constructor(private readonly capacity: number) {}
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }
  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as K);
  }
}

/**
 * Face thumbnails and photos for the review page, cut from the photos themselves on demand (nothing is written to
 * disk). Decodes are queued two at a time, so a page of 100 faces cannot flood a home server; a photo decoded for one
 * face serves the other faces on it that are asked for meanwhile.
 */
export class ReviewImages {
  private readonly faces = new Lru<number, Buffer | null>(FACE_CACHE_ENTRIES);
  private readonly decodes = new PQueue({ concurrency: 2 });
  private readonly pending = new Map<string, Promise<RgbImage | null>>();

  constructor(
    private readonly store: Store,
    private readonly photoBytes: PhotoBytes,
  ) {}

  /** A square JPEG of one face with a margin, or null when the face or its photo is gone. */
  async face(observationId: number): Promise<Buffer | null> {
    const cached = this.faces.get(observationId);
    if (cached !== undefined) return cached;
    const face = this.store.review.face(observationId);
    const asset = face && this.store.assets.byId(face.assetId);
    if (!face || !asset) return null;
    const image = await this.decoded(asset, FACE_SIZE / Math.max(1, Math.min(...boxSides(face.box))));
    let jpeg: Buffer | null = null;
    if (image) {
      const sx = asset.width ? image.width / asset.width : 1;
      const sy = asset.height ? image.height / asset.height : 1;
      const [x1, y1, x2, y2] = face.box;
      const region = cropRegion(
        { id: observationId, assetId: asset.id, kind: 'face', box: [x1 * sx, y1 * sy, x2 * sx, y2 * sy] },
        image.width,
        image.height,
      );
      const pixels = cropRgb(image.data, image.width, region.left, region.top, region.width, region.height);
      jpeg = await sharp(pixels, { raw: { width: region.width, height: region.height, channels: 3 } })
        .resize(FACE_SIZE, FACE_SIZE, { fit: 'cover' })
        .jpeg({ quality: 82 })
        .toBuffer();
    }
    this.faces.set(observationId, jpeg);
    return jpeg;
  }

  /** The photo, upright, at most PHOTO_SIZE a side, as JPEG; null when it is gone or unreadable. */
  async photo(assetId: number): Promise<Buffer | null> {
    const asset = this.store.assets.byId(assetId);
    if (!asset) return null;
    const longest = Math.max(asset.width ?? 0, asset.height ?? 0);
    const image = await this.decoded(asset, longest > 0 ? PHOTO_SIZE / longest : 1);
    if (!image) return null;
    return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
      .resize(PHOTO_SIZE, PHOTO_SIZE, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 85 })
      .toBuffer();
  }

  /**
   * The photo decoded upright, shrunk on load when `scale` (wanted pixels per stored pixel) is well below 1; photos
   * decode in the pixel space the scan measured boxes in (its recorded width and height).
   */
  private decoded(asset: AssetRow, scale: number): Promise<RgbImage | null> {
    const size =
      asset.width && asset.height && scale * 1.1 < 0.5
        ? {
            width: Math.max(1, Math.round(asset.width * scale * 1.1)),
            height: Math.max(1, Math.round(asset.height * scale * 1.1)),
          }
        : null;
    const key = `${asset.id}:${size ? size.width : 'full'}`;
    const running = this.pending.get(key);
    if (running) return running;
    const work = this.decodes
      .add(async () => {
        const bytes = await this.photoBytes(asset);
        if (!bytes) return null;
        return decodeImage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
          maxPixels: MAX_PIXELS,
          size,
        });
      })
      .catch(() => null) // a photo that went missing or broke since the scan: the page shows a placeholder
      .then((image) => image ?? null)
      .finally(() => this.pending.delete(key));
    this.pending.set(key, work);
    return work;
  }
}

function boxSides([x1, y1, x2, y2]: readonly number[]): [number, number] {
  return [Math.max(1, x2 - x1), Math.max(1, y2 - y1)];
}
