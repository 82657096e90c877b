import { describe, expect, it } from 'vitest';
import { sampleGrey } from '../../../src/perception/image/grey-sample.js';
import type { RgbImage } from '../../../src/types.js';

/** A grey image (R = G = B) from its levels, row by row. */
function greyImage(width: number, height: number, level: (x: number, y: number) => number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.fill(level(x, y), (y * width + x) * 3, (y * width + x + 1) * 3);
  }
  return { width, height, data };
}

const levels = (out: Float32Array): number[] => Array.from(out, (v) => Math.round(v * 1000) / 1000);

describe('sampleGrey', () => {
  it('weighs red, green and blue as BT.601 luma', () => {
    const image: RgbImage = { width: 1, height: 1, data: Uint8Array.from([100, 50, 200]) };
    const out = sampleGrey(image, { left: 0, top: 0, width: 1, height: 1 }, 1, new Float32Array(1));
    expect(out[0]).toBeCloseTo(0.299 * 100 + 0.587 * 50 + 0.114 * 200, 4);
  });

  it('copies the pixels at their own size', () => {
    const image = greyImage(3, 3, (x, y) => 10 * x + 100 * y);
    const out = sampleGrey(image, { left: 0, top: 0, width: 3, height: 3 }, 3, new Float32Array(9));
    expect(levels(out)).toEqual([0, 10, 20, 100, 110, 120, 200, 210, 220]);
    const corner = sampleGrey(image, { left: 1, top: 1, width: 2, height: 2 }, 2, new Float32Array(4));
    expect(levels(corner)).toEqual([110, 120, 210, 220]);
  });

  it('averages each block when shrinking by a whole factor', () => {
    // 2×2 blocks of 0, 40 / 80, 120
    const image = greyImage(4, 4, (x, y) => 40 * (x >> 1) + 80 * (y >> 1));
    const out = sampleGrey(image, { left: 0, top: 0, width: 4, height: 4 }, 2, new Float32Array(4));
    expect(levels(out)).toEqual([0, 40, 80, 120]);
  });

  it('takes four evenly spaced samples a side at most, centred under the output pixel', () => {
    // columns 0..9 (level = 10 × x), one output: the samples fall on columns 1, 3, 6 and 8, whose mean is the box's
    const image = greyImage(10, 10, (x) => 10 * x);
    const out = sampleGrey(image, { left: 0, top: 0, width: 10, height: 10 }, 1, new Float32Array(1));
    expect(out[0]).toBeCloseTo(45, 4);
    // levels 0 except column 9: a sample never lands on it, as a box of 10 read 4 times a side skips columns
    const edge = greyImage(10, 10, (x) => (x === 9 ? 250 : 0));
    expect(sampleGrey(edge, { left: 0, top: 0, width: 10, height: 10 }, 1, new Float32Array(1))[0]).toBe(0);
  });

  it('interpolates linearly between pixel centres when enlarging', () => {
    const image = greyImage(2, 1, (x) => 100 * x);
    const out = sampleGrey(image, { left: 0, top: 0, width: 2, height: 1 }, 4, new Float32Array(16));
    // output centres at −0.25, 0.25, 0.75, 1.25 source pixels, held inside the region at either end
    expect(levels(out.subarray(0, 4))).toEqual([0, 25, 75, 100]);
    expect(levels(out.subarray(12, 16))).toEqual([0, 25, 75, 100]);
  });

  it('reads only the region, shrinking or enlarging, and writes at the offset with the gain', () => {
    // a dark 6×6 square at (5, 7) in a bright 20×20 image
    const image = greyImage(20, 20, (x, y) => (x >= 5 && x < 11 && y >= 7 && y < 13 ? 8 : 255));
    const region = { left: 5, top: 7, width: 6, height: 6 };
    for (const size of [2, 3, 6, 9, 17]) {
      const out = new Float32Array(size * size + 2).fill(-1);
      sampleGrey(image, region, size, out, 1, 1 / 8);
      expect(out[0]).toBe(-1);
      expect(out[size * size + 1]).toBe(-1);
      for (const v of out.subarray(1, size * size + 1)) expect(v).toBeCloseTo(1, 5);
    }
  });
});
