import sharp from 'sharp';
import type { RgbImage } from '../../types.js';

/** An integer pixel rectangle inside an image. */
export interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Crops `region` from the decoded pixels and resizes it to exactly outWidth×outHeight (aspect not kept).
 * libvips resamples with a proper low-pass filter, so large photos do not alias into the models' inputs;
 * it works on the already decoded raw pixels, so nothing is decoded twice.
 */
export async function resizeRegion(
  image: RgbImage,
  region: Region,
  outWidth: number,
  outHeight: number,
): Promise<Uint8Array> {
  const { data } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract(region)
    .resize(outWidth, outHeight, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/**
 * The `window` (in output pixels) of the whole image shrunk to outWidth×outHeight, as resizeRegion would give it
 * cropped, computed alone: when shrinking, libvips works out each output pixel from the same input pixels whichever
 * part of the output is asked for, so only the input under the window is read (all 351 tiles of the 39 fixture
 * previews, and every tile of the dev set's photos, came out identical bit for bit). Not for enlarging: there a window
 * not at the left edge differed by 1 in some bytes. One 320×240 tile of a 1440-px preview took 2.3 ms this way against 5.8 ms for the
 * whole resize.
 */
export async function resizedWindow(
  image: RgbImage,
  outWidth: number,
  outHeight: number,
  window: Region,
): Promise<Uint8Array> {
  const { data } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(outWidth, outHeight, { fit: 'fill', kernel: 'linear' })
    .extract(window)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/** A w×h window of interleaved RGB pixels, copied row by row (into `out` at `offset` when given). */
export function cropRgb(
  rgb: Uint8Array,
  width: number,
  left: number,
  top: number,
  w: number,
  h: number,
  out: Uint8Array = new Uint8Array(w * h * 3),
  offset = 0,
): Uint8Array {
  for (let y = 0; y < h; y++) {
    const from = ((top + y) * width + left) * 3;
    out.set(rgb.subarray(from, from + w * 3), offset + y * w * 3);
  }
  return out;
}

export interface Normalisation {
  /** Per channel, in the order the model reads them. */
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  /** Feed channels as B,G,R instead of R,G,B. */
  bgr?: boolean;
}

/** Interleaved RGB bytes → planar float32 (one CHW image) written into `out` at `offset`. */
export function writeChw(
  rgb: Uint8Array,
  pixels: number,
  norm: Normalisation,
  out: Float32Array = new Float32Array(3 * pixels),
  offset = 0,
): Float32Array {
  // one pass over the pixels, writing the three planes (three passes, one per plane, took 1.6× as long)
  const [r, g, b] = norm.bgr ? [2, 1, 0] : [0, 1, 2];
  const [m0, m1, m2] = norm.mean;
  const [s0, s1, s2] = [1 / norm.std[0], 1 / norm.std[1], 1 / norm.std[2]];
  const plane0 = offset;
  const plane1 = offset + pixels;
  const plane2 = offset + 2 * pixels;
  for (let p = 0, s = 0; p < pixels; p++, s += 3) {
    out[plane0 + p] = (rgb[s + r] - m0) * s0;
    out[plane1 + p] = (rgb[s + g] - m1) * s1;
    out[plane2 + p] = (rgb[s + b] - m2) * s2;
  }
  return out;
}

/** ITU-R BT.601 luma of interleaved RGB bytes. */
export function toGrey(rgb: Uint8Array, pixels: number, out: Float32Array = new Float32Array(pixels)): Float32Array {
  for (let p = 0, s = 0; p < pixels; p++, s += 3) out[p] = 0.299 * rgb[s] + 0.587 * rgb[s + 1] + 0.114 * rgb[s + 2];
  return out;
}

/** The integer region covering a float box, clipped to the image; at least 1×1. */
export function regionOf(box: readonly [number, number, number, number], width: number, height: number): Region {
  const left = Math.min(Math.max(Math.floor(box[0]), 0), width - 1);
  const top = Math.min(Math.max(Math.floor(box[1]), 0), height - 1);
  const right = Math.min(Math.max(Math.ceil(box[2]), left + 1), width);
  const bottom = Math.min(Math.max(Math.ceil(box[3]), top + 1), height);
  return { left, top, width: right - left, height: bottom - top };
}
