import { describe, expect, it } from 'vitest';
import { HSV_BINS, hsvBin, hsvStripeHistogram, STRIPE_BINS } from '../../../src/perception/image/clothing.js';

function uniform(top: [number, number, number], bottom: [number, number, number], side = 64): Uint8Array {
  const rgb = new Uint8Array(side * side * 3);
  for (let p = 0; p < side * side; p++) rgb.set(p < (side * side) / 2 ? top : bottom, p * 3);
  return rgb;
}
const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);

describe('hsvBin', () => {
  it('puts vivid primaries in their hue bins and greys in the grey bins by brightness', () => {
    expect(hsvBin(255, 0, 0)).toBe(0 * 4 + 3); // hue 0, vivid, bright
    expect(hsvBin(0, 255, 0)).toBe(4 * 4 + 3); // hue 120° → bin 4
    expect(hsvBin(0, 0, 255)).toBe(8 * 4 + 3); // hue 240° → bin 8
    expect(hsvBin(120, 60, 60)).toBe(0 * 4 + 0); // muted, dark red
    expect(hsvBin(0, 0, 0)).toBe(48);
    expect(hsvBin(255, 255, 255)).toBe(51);
    expect(hsvBin(128, 128, 128)).toBe(50);
  });
});

describe('hsvStripeHistogram', () => {
  it('is unit length with 104 bins, one mass per stripe for uniform stripes', () => {
    const h = hsvStripeHistogram(uniform([255, 0, 0], [0, 0, 255]));
    expect(h.length).toBe(HSV_BINS);
    expect(cosine(h, h)).toBeCloseTo(1, 6);
    expect(h[3]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(h[STRIPE_BINS + 35]).toBeCloseTo(Math.SQRT1_2, 6);
  });

  it('has cosine equal to the mean Bhattacharyya coefficient of the two stripes', () => {
    const redBlue = hsvStripeHistogram(uniform([255, 0, 0], [0, 0, 255]));
    const redGreen = hsvStripeHistogram(uniform([255, 0, 0], [0, 255, 0]));
    expect(cosine(redBlue, redGreen)).toBeCloseTo(0.5, 6); // same shirt, other trousers
    expect(cosine(redBlue, hsvStripeHistogram(uniform([0, 255, 0], [255, 0, 0])))).toBeCloseTo(0, 6);
  });
});
