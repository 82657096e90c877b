/**
 * A fingerprint of a picture that survives JPEG re-encoding and resizing: the image box-averaged down to
 * SIGNATURE_SIDE × SIGNATURE_SIDE grey cells. Two renditions of one photo differ by about a grey level per cell;
 * different photos by tens.
 */
import type { RgbImage } from '../../../src/types.js';

export const SIGNATURE_SIDE = 16;

/** Grey cells, row-major, each 0..255 rounded to an integer (so the recording stores it exactly). */
export function imageSignature(image: RgbImage): number[] {
  const side = SIGNATURE_SIDE;
  const sums = new Float64Array(side * side);
  const counts = new Float64Array(side * side);
  const { width, height, data } = image;
  for (let y = 0; y < height; y++) {
    const row = Math.floor((y * side) / height) * side;
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const cell = row + Math.floor((x * side) / width);
      sums[cell] += 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
      counts[cell] += 1;
    }
  }
  // a picture narrower than the grid leaves cells without pixels: they take the pixel under their centre
  return Array.from(sums, (sum, cell) => {
    if (counts[cell] > 0) return Math.round(sum / counts[cell]);
    const x = Math.floor((((cell % side) + 0.5) * width) / side);
    const y = Math.floor(((Math.floor(cell / side) + 0.5) * height) / side);
    const i = (y * width + x) * 3;
    return Math.round(0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2]);
  });
}

/** Mean absolute difference of two signatures, in grey levels. */
export function signatureDistance(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`signatures of different sizes: ${a.length} and ${b.length}`);
  let total = 0;
  for (let i = 0; i < a.length; i++) total += Math.abs(a[i] - b[i]);
  return total / a.length;
}

/** Relative difference of two aspect ratios (width / height); 0 when equal. */
export function aspectDifference(a: { width: number; height: number }, b: { width: number; height: number }): number {
  const ra = a.width / a.height;
  const rb = b.width / b.height;
  return Math.abs(ra - rb) / Math.min(ra, rb);
}
