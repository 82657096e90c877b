import type { RgbImage } from '../../types.js';
import type { Region } from './image-ops.js';

/**
 * Most samples a side of one output pixel takes when shrinking. A 64-px landmark crop of a 1000-px face reads 16 of
 * its ~240 pixels; the face's outline, eyes and mouth, which the regressor reads, are far coarser than that.
 */
const MAX_SAMPLES_PER_SIDE = 4;

/** Where one output coordinate reads along one axis: `taps` source offsets and their weights, for every output. */
interface AxisTaps {
  taps: number;
  index: Int32Array;
  weight: Float32Array;
}

/**
 * The taps along one axis mapping [start, start + length) of the source onto `size` outputs. Shrinking by s ≥ 1.5
 * averages round(s) (at most MAX_SAMPLES_PER_SIDE) evenly spaced source pixels under each output pixel (a box filter,
 * sampled); otherwise two taps interpolate linearly between pixel centres. Taps never leave the region, as a crop
 * then resize would not.
 */
function axisTaps(start: number, length: number, size: number): AxisTaps {
  const scale = length / size;
  const last = start + length - 1;
  const samples = Math.min(MAX_SAMPLES_PER_SIDE, Math.round(scale));
  if (samples >= 2) {
    const index = new Int32Array(size * samples);
    const weight = new Float32Array(size * samples).fill(1 / samples);
    for (let o = 0; o < size; o++) {
      for (let k = 0; k < samples; k++) {
        index[o * samples + k] = Math.min(last, start + Math.floor((o + (k + 0.5) / samples) * scale));
      }
    }
    return { taps: samples, index, weight };
  }
  const index = new Int32Array(size * 2);
  const weight = new Float32Array(size * 2);
  for (let o = 0; o < size; o++) {
    const at = Math.min(Math.max(start + (o + 0.5) * scale - 0.5, start), last);
    const before = Math.floor(at);
    const fraction = at - before;
    index[2 * o] = before;
    index[2 * o + 1] = Math.min(before + 1, last);
    weight[2 * o] = 1 - fraction;
    weight[2 * o + 1] = fraction;
  }
  return { taps: 2, index, weight };
}

/**
 * `region` of an interleaved RGB image resampled to size×size grey levels (ITU-R BT.601 luma, times `gain`), written
 * into `out` at `offset`. For the landmark regressor's small crops: a libvips pipeline per face cost 2.6–3.0 ms, most
 * of it fixed, against 0.24–0.48 ms for this (a 30 %-of-the-photo face of a 1440-px preview; docs/perception-speed.md).
 */
export function sampleGrey(
  image: RgbImage,
  region: Region,
  size: number,
  out: Float32Array,
  offset = 0,
  gain = 1,
): Float32Array {
  const { width, data } = image;
  const xs = axisTaps(region.left, region.width, size);
  const ys = axisTaps(region.top, region.height, size);
  const r = 0.299 * gain;
  const g = 0.587 * gain;
  const b = 0.114 * gain;
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      let sum = 0;
      for (let j = 0; j < ys.taps; j++) {
        const row = ys.index[oy * ys.taps + j] * width;
        let line = 0;
        for (let i = 0; i < xs.taps; i++) {
          const p = (row + xs.index[ox * xs.taps + i]) * 3;
          line += xs.weight[ox * xs.taps + i] * (r * data[p] + g * data[p + 1] + b * data[p + 2]);
        }
        sum += ys.weight[oy * ys.taps + j] * line;
      }
      out[offset + oy * size + ox] = sum;
    }
  }
  return out;
}
