import { describe, expect, it } from 'vitest';
import { decodeNanoDet, integral, type NanoDetLevel } from '../../../src/perception/models/nanodet.js';

describe('NanoDet GFL decoding', () => {
  it('takes the expected bin under a softmax', () => {
    const reg = new Float32Array(11);
    reg[4] = 50; // all mass on bin 4
    expect(integral(reg, 0)).toBeCloseTo(4, 6);
    expect(integral(new Float32Array(11), 0)).toBeCloseTo(5, 6); // uniform: mean of 0..10
  });

  it('decodes one planted person exactly, in image pixels', () => {
    const levels: NanoDetLevel[] = [8, 16, 32].map((stride) => {
      const cells = (416 / stride) ** 2;
      return { stride, cls: new Float32Array(cells * 80), reg: new Float32Array(cells * 44) };
    });
    const level = levels[1]; // stride 16, grid 26
    const cell = 10 * 26 + 5; // column 5, row 10 → centre (88, 168)
    (level.cls as Float32Array)[cell * 80] = 0.8; // person
    (level.cls as Float32Array)[cell * 80 + 1] = 0.99; // a bicycle: not a person, ignored
    const sides = [2, 3, 2, 6]; // l, t, r, b in bins
    sides.forEach((bin, side) => ((level.reg as Float32Array)[cell * 44 + side * 11 + bin] = 60));
    const found = decodeNanoDet(levels, 416, 0.5, 0.35);
    expect(found).toHaveLength(1);
    expect(found[0].score).toBeCloseTo(0.8, 6);
    // (88 − 32, 168 − 48, 88 + 32, 168 + 96) / 0.5
    found[0].box.forEach((v, i) => expect(v).toBeCloseTo([112, 240, 240, 528][i], 4));
  });

  it('refuses heads that do not match the input size', () => {
    expect(() =>
      decodeNanoDet([{ stride: 8, cls: new Float32Array(10), reg: new Float32Array(10) }], 416, 1, 0.3),
    ).toThrow(/do not match/);
  });
});
