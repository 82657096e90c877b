import type { BodyEmbedder, Box, RgbImage } from '../../types.js';
import { regionOf, resizeRegion } from './image-ops.js';

const SIDE = 64;
const HUES = 12;
/** Below this saturation or value a pixel has no reliable hue: it counts as one of four grey levels. */
const GREY_BELOW = 0.2;
/** Splits between "muted/vivid" saturation and "dark/bright" value for coloured pixels. */
const SATURATION_SPLIT = 0.55;
const VALUE_SPLIT = 0.6;
const GREYS = 4;
export const STRIPE_BINS = HUES * 2 * 2 + GREYS;
export const HSV_BINS = 2 * STRIPE_BINS;

/** The histogram bin of one RGB pixel within a stripe. */
export function hsvBin(r: number, g: number, b: number): number {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const value = max / 255;
  const saturation = max === 0 ? 0 : (max - min) / max;
  if (saturation < GREY_BELOW || value < GREY_BELOW) return HUES * 4 + Math.min(GREYS - 1, Math.floor(value * GREYS));
  const d = max - min;
  let hue = max === r ? (g - b) / d : max === g ? 2 + (b - r) / d : 4 + (r - g) / d;
  hue = (hue + 6) % 6; // 0..6
  const h = Math.min(HUES - 1, Math.floor((hue / 6) * HUES));
  return h * 4 + (saturation >= SATURATION_SPLIT ? 2 : 0) + (value >= VALUE_SPLIT ? 1 : 0);
}

/**
 * Two horizontal stripes (chest, belly) × 52 HSV bins of a 64×64 torso crop. Each stripe is normalised, square-rooted
 * and the whole L2-normalised, so the cosine of two vectors is the mean Bhattacharyya coefficient of the stripes.
 */
export function hsvStripeHistogram(rgb: Uint8Array, side = SIDE): Float32Array {
  const counts = new Float32Array(HSV_BINS);
  const half = side / 2;
  for (let y = 0; y < side; y++) {
    const stripe = y < half ? 0 : STRIPE_BINS;
    for (let x = 0; x < side; x++) {
      const p = (y * side + x) * 3;
      counts[stripe + hsvBin(rgb[p], rgb[p + 1], rgb[p + 2])]++;
    }
  }
  const perStripe = half * side;
  let norm = 0;
  for (let i = 0; i < HSV_BINS; i++) {
    counts[i] = Math.sqrt(counts[i] / perStripe);
    norm += counts[i] * counts[i];
  }
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < HSV_BINS; i++) counts[i] *= scale;
  return counts;
}

/** Clothing colour as the upper-body descriptor: no model, ~1 ms per torso, robust to pose and scale. */
export class HsvTorsoEmbedder implements BodyEmbedder {
  readonly id = 'hsv-2stripe-104';

  async embed(image: RgbImage, boxes: readonly Box[]): Promise<Float32Array[]> {
    const crops = await Promise.all(
      boxes.map((box) => resizeRegion(image, regionOf(box, image.width, image.height), SIDE, SIDE)),
    );
    return crops.map((rgb) => hsvStripeHistogram(rgb));
  }
}
