import sharp, { type Metadata, type Sharp } from 'sharp';
import type { RgbImage } from '../../types.js';
import { decodeHeif, needsHeifFallback, type RgbaImage } from './heif.js';
import { freeUnusedPixels } from './pixel-memory.js';

export type DecodeFailure = 'empty' | 'unsupported' | 'too-large' | 'corrupt';

/** A per-image decoding failure with a message a user can act on. */
export class ImageDecodeError extends Error {
  constructor(
    readonly reason: DecodeFailure,
    message: string,
  ) {
    super(message);
    this.name = 'ImageDecodeError';
  }
}

export interface DecodeOptions {
  /** Refuse images with more pixels than this before decoding them (decompression bombs). */
  maxPixels: number;
  /**
   * Resize the upright image to exactly this size (aspect not kept) while decoding: JPEG shrink-on-load makes a big
   * photo much cheaper when only a fraction of its pixels is needed (the report's thumbnails). Absent: full size.
   */
  size?: { width: number; height: number } | null;
}

function explain(error: unknown, maxPixels: number): ImageDecodeError {
  const message = error instanceof Error ? error.message : String(error);
  if (/empty/i.test(message)) return new ImageDecodeError('empty', 'empty file (0 bytes)');
  if (/unsupported image format|bad seek|not a known file format/i.test(message)) {
    return new ImageDecodeError('unsupported', 'not an image in a format this build can decode');
  }
  if (/pixel limit/i.test(message)) {
    return new ImageDecodeError('too-large', `image has more than ${maxPixels} pixels (decompression-bomb guard)`);
  }
  return new ImageDecodeError('corrupt', `corrupt or truncated image: ${message.trim()}`);
}

/** The one normalisation every decoder's output goes through: size, alpha onto white, 8-bit sRGB, 3 channels. */
async function toRgb(upright: Sharp, options: DecodeOptions): Promise<RgbImage> {
  const sized = options.size
    ? upright.resize({ width: options.size.width, height: options.size.height, fit: 'fill' })
    : upright;
  const { data, info } = await sized
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decoder produced ${info.channels} channels, expected 3`);
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** HEVC-coded HEIC, which sharp's prebuilt libvips cannot decode: libheif (wasm) gives upright RGBA. */
async function decodeHeicFallback(input: Buffer | string, options: DecodeOptions): Promise<RgbImage> {
  if (!Buffer.isBuffer(input)) {
    throw new ImageDecodeError(
      'unsupported',
      'HEVC-coded HEIC is decoded from its bytes: pass the contents, not a path',
    );
  }
  let decoded: RgbaImage;
  try {
    decoded = await decodeHeif(input);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ImageDecodeError('corrupt', `corrupt or truncated HEIC image: ${message.trim()}`);
  }
  const { width, height, rgba } = decoded;
  try {
    // already upright (libheif applied irot/imir), so no EXIF rotation here
    return await toRgb(
      sharp(rgba, { raw: { width, height, channels: 4 }, limitInputPixels: options.maxPixels }),
      options,
    );
  } catch (error) {
    throw explain(error, options.maxPixels);
  }
}

/** The refusal of a photo above the pixel limit, with its size read from the header. */
function tooLarge(header: Metadata, maxPixels: number): ImageDecodeError | null {
  const pixels = (header.width ?? 0) * (header.height ?? 0);
  if (pixels <= maxPixels) return null;
  return new ImageDecodeError(
    'too-large',
    `image is ${header.width}×${header.height} (${(pixels / 1e6).toFixed(0)} MP), above the limit of ${(maxPixels / 1e6).toFixed(0)} MP (decompression-bomb guard; raise perception.maxInputPixels to allow it)`,
  );
}

/**
 * Decodes once to upright 8-bit sRGB: applies EXIF orientation, flattens alpha onto white, converts grey,
 * CMYK and 16-bit input. Truncated data is an error rather than a half-grey picture. sharp decodes first; HEVC-coded
 * HEIC, which its prebuilt libvips cannot, falls back to libheif (wasm) and joins the same normalisation.
 * The pixel limit is libvips' own, checked from the header before any pixel is decoded; only when decoding fails is
 * the header read again, to name the photo's size or to choose the HEIC fallback (reading it before every decode cost
 * 0.3–0.4 ms a photo).
 */
export async function decodeImage(input: Buffer | string, options: DecodeOptions): Promise<RgbImage> {
  if (Buffer.isBuffer(input) && input.length === 0) throw new ImageDecodeError('empty', 'empty file (0 bytes)');
  freeUnusedPixels();
  try {
    const source = sharp(input, { limitInputPixels: options.maxPixels, failOn: 'truncated', animated: false });
    return await toRgb(source.rotate(), options);
  } catch (error) {
    let header: Metadata;
    try {
      // the header alone, without the pixel limit, so that a bomb is refused with its real size
      header = await sharp(input, { limitInputPixels: false }).metadata();
    } catch {
      throw explain(error, options.maxPixels);
    }
    const refused = tooLarge(header, options.maxPixels);
    if (refused) throw refused;
    if (!needsHeifFallback(header)) throw explain(error, options.maxPixels);
  }
  return decodeHeicFallback(input, options);
}
