import { describe, expect, it } from 'vitest';
import { cropRgb, resizedWindow, resizeRegion, writeChw } from '../../../src/perception/image/image-ops.js';
import { mulberry32 } from '../../helpers/random.js';

describe('writeChw', () => {
  // two pixels: (10, 20, 30) and (200, 100, 0)
  const rgb = Uint8Array.from([10, 20, 30, 200, 100, 0]);

  it('writes planar R, G, B with each channel’s mean and scale', () => {
    const out = writeChw(rgb, 2, { mean: [10, 20, 30], std: [2, 4, 5] });
    expect(Array.from(out)).toEqual([0, 95, 0, 20, 0, -6]);
  });

  it('writes B, G, R when asked, at an offset into a larger batch, leaving the rest', () => {
    const out = new Float32Array(8).fill(7);
    writeChw(rgb, 2, { mean: [0, 0, 0], std: [1, 1, 1], bgr: true }, out, 1);
    expect(Array.from(out)).toEqual([7, 30, 0, 20, 100, 10, 200, 7]);
  });
});

describe('resizedWindow', () => {
  // noise, so that any difference in which input pixels a window reads shows
  const random = mulberry32(11);
  const image = { width: 517, height: 389, data: Uint8Array.from({ length: 517 * 389 * 3 }, () => random() * 256) };

  it('gives the very pixels of the whole shrink cropped, inside, at the edges and in the corners', async () => {
    const [sw, sh] = [203, 151]; // a shrink of 2.55 × 2.58, as between a preview and its tile scale
    const whole = await resizeRegion(image, { left: 0, top: 0, width: image.width, height: image.height }, sw, sh);
    const windows = [
      { left: 37, top: 29, width: 64, height: 48 },
      { left: 0, top: 0, width: 64, height: 48 },
      { left: sw - 64, top: sh - 48, width: 64, height: 48 },
      { left: 0, top: 0, width: sw, height: sh },
    ];
    for (const w of windows) {
      const alone = await resizedWindow(image, sw, sh, w);
      expect(
        Buffer.compare(Buffer.from(alone), Buffer.from(cropRgb(whole, sw, w.left, w.top, w.width, w.height))),
      ).toBe(0);
    }
  });
});
