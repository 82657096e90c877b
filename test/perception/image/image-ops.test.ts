import { describe, expect, it } from 'vitest';
import { writeChw } from '../../../src/perception/image/image-ops.js';

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
