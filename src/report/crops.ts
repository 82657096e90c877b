/**
 * Thumbnails for the HTML report. Layering: report/ may import perception/image/* (pure image code: one decoder,
 * one set of pixel ops for the whole project), never the rest of perception; sharp here only encodes the JPEGs.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import sharp from 'sharp';
import { decodeImage } from '../perception/image/decode.js';
import { cropRgb } from '../perception/image/image-ops.js';
import type { Box, RgbImage } from '../types.js';

/** One thumbnail to cut: a box in upright pixels of an asset's photo. */
export interface CropRequest {
  /** The observation the crop shows; crops come back keyed by it. */
  id: number;
  assetId: number;
  box: Box;
  /** A face gets a square with a margin; an upper body is cut from the top, where the head is. */
  kind: 'face' | 'body';
}

/** The photo a crop is cut from: where it is, and its upright size as the scan saw it (null if unknown). */
export interface CropAsset {
  sourceId: string;
  width: number | null;
  height: number | null;
}

/**
 * Decodes a photo upright (EXIF rotation applied), optionally shrunk to `size`: JPEG shrink-on-load makes a
 * big photo much cheaper when its crops only need a fraction of its pixels.
 */
export type DecodeUpright = (file: string, size: { width: number; height: number } | null) => Promise<RgbImage>;

/** sharp's own default input limit, which this decoder had before it used perception's decodeImage. */
const REPORT_MAX_PIXELS = 0x3fff * 0x3fff;

/** Reads the photo and decodes it with perception's decoder (upright 8-bit sRGB), shrunk on load to `size`. */
export const decodeUpright: DecodeUpright = async (file, size) =>
  // the report reads the file: perception only ever sees bytes
  decodeImage(await readFile(file), { maxPixels: REPORT_MAX_PIXELS, size });

export interface CropOptions {
  /** Side of the square thumbnails, in pixels. */
  size?: number;
  /** JPEG quality of the thumbnails. */
  quality?: number;
  /** Margin around a face, as a fraction of the face's longer side, on each side. */
  margin?: number;
  /** Photos decoded at the same time. */
  concurrency?: number;
  decode?: DecodeUpright;
}

type Rect = { left: number; top: number; width: number; height: number };

/** The region of the upright photo (in its own pixels) that a request's thumbnail shows. */
export function cropRegion(request: CropRequest, imageWidth: number, imageHeight: number, margin = 0.25): Rect {
  const [x1, y1, x2, y2] = request.box;
  const w = Math.max(1, x2 - x1);
  const h = Math.max(1, y2 - y1);
  let left: number, top: number, width: number, height: number;
  if (request.kind === 'face') {
    const side = Math.max(w, h) * (1 + 2 * margin);
    width = height = side;
    left = (x1 + x2) / 2 - side / 2;
    top = (y1 + y2) / 2 - side / 2;
  } else {
    // head and shoulders: a square as wide as the body, from the top of the box
    const side = Math.min(w, h);
    width = height = side;
    left = (x1 + x2) / 2 - side / 2;
    top = y1;
  }
  // slide the square back inside the photo where it can, then clip what still sticks out
  left = Math.min(Math.max(left, 0), Math.max(0, imageWidth - width));
  top = Math.min(Math.max(top, 0), Math.max(0, imageHeight - height));
  const l = Math.max(0, Math.floor(left));
  const t = Math.max(0, Math.floor(top));
  const r = Math.min(imageWidth, Math.ceil(left + width));
  const b = Math.min(imageHeight, Math.ceil(top + height));
  return { left: l, top: t, width: Math.max(1, r - l), height: Math.max(1, b - t) };
}

/** The photo's path under root, or null when the stored id would lead outside it. */
function photoPath(root: string, sourceId: string): string | null {
  const file = resolve(root, sourceId);
  const rel = relative(resolve(root), file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? null : file;
}

async function cropAsset(
  root: string,
  asset: CropAsset,
  requests: readonly CropRequest[],
  options: Required<CropOptions>,
): Promise<Map<number, string | null>> {
  const out = new Map<number, string | null>(requests.map((r) => [r.id, null]));
  const file = photoPath(root, asset.sourceId);
  if (!file) return out;
  const known = asset.width !== null && asset.height !== null && asset.width > 0 && asset.height > 0;
  // decode only as large as the largest-scaled crop needs: every thumbnail still gets ≥ size pixels a side
  let target: { width: number; height: number } | null = null;
  if (known) {
    const need =
      Math.max(
        ...requests.map((r) => {
          const region = cropRegion(r, asset.width!, asset.height!, options.margin);
          return options.size / Math.max(1, Math.min(region.width, region.height));
        }),
      ) * 1.1;
    if (need < 0.5) {
      target = {
        width: Math.max(1, Math.round(asset.width! * need)),
        height: Math.max(1, Math.round(asset.height! * need)),
      };
    }
  }
  let image: RgbImage;
  try {
    image = await options.decode(file, target);
  } catch {
    return out; // missing or unreadable photo: its crops stay placeholders
  }
  // boxes are in the pixels the scan saw; map them onto what was decoded now
  const sx = known ? image.width / asset.width! : 1;
  const sy = known ? image.height / asset.height! : 1;
  for (const request of requests) {
    const [x1, y1, x2, y2] = request.box;
    const scaled: CropRequest = { ...request, box: [x1 * sx, y1 * sy, x2 * sx, y2 * sy] };
    if (![x1, y1, x2, y2].every(Number.isFinite) || x2 * sx <= 0 || y2 * sy <= 0) continue;
    if (x1 * sx >= image.width || y1 * sy >= image.height) continue;
    try {
      const region = cropRegion(scaled, image.width, image.height, options.margin);
      const { left, top, width, height } = region;
      if (left < 0 || top < 0 || left + width > image.width || top + height > image.height) continue;
      const pixels = cropRgb(image.data, image.width, left, top, width, height);
      const jpeg = await sharp(pixels, { raw: { width, height, channels: 3 } })
        .resize(options.size, options.size, { fit: 'cover', position: request.kind === 'face' ? 'centre' : 'top' })
        .jpeg({ quality: options.quality })
        .toBuffer();
      out.set(request.id, `data:image/jpeg;base64,${jpeg.toString('base64')}`);
    } catch {
      // a box that does not fit this photo any more: placeholder
    }
  }
  return out;
}

/**
 * Cuts thumbnails as data: URIs, keyed by request id; null where the photo is missing or unreadable. Each
 * photo is decoded at most once, however many crops it gives.
 */
export async function renderCrops(
  root: string,
  assets: ReadonlyMap<number, CropAsset>,
  requests: readonly CropRequest[],
  options: CropOptions = {},
): Promise<Map<number, string | null>> {
  const settings: Required<CropOptions> = {
    size: options.size ?? 96,
    quality: options.quality ?? 80,
    margin: options.margin ?? 0.25,
    concurrency: options.concurrency ?? 4,
    decode: options.decode ?? decodeUpright,
  };
  const byAsset = new Map<number, CropRequest[]>();
  const seen = new Set<number>();
  for (const r of requests) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    const list = byAsset.get(r.assetId);
    if (list) list.push(r);
    else byAsset.set(r.assetId, [r]);
  }
  const result = new Map<number, string | null>();
  const jobs = [...byAsset.entries()];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const [assetId, list] = jobs[next++];
      const asset = assets.get(assetId);
      const crops = asset ? await cropAsset(root, asset, list, settings) : new Map(list.map((r) => [r.id, null]));
      crops.forEach((uri, id) => result.set(id, uri));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(settings.concurrency, jobs.length)) }, worker));
  return result;
}
