import { describe, expect, it } from 'vitest';
import {
  ARCFACE_TEMPLATE,
  alignFace,
  applySimilarity,
  estimateSimilarity,
  warpAligned,
} from '../../../src/perception/image/align.js';
import type { FiveLandmarks, Point, RgbImage } from '../../../src/types.js';
import { mulberry32 } from '../../helpers/random.js';

describe('estimateSimilarity (Umeyama, 2-D, no reflection)', () => {
  it('recovers an exact rotation, scale and translation from noiseless points', () => {
    const angle = (30 * Math.PI) / 180;
    const scale = 2.5;
    const truth = { a: scale * Math.cos(angle), b: scale * Math.sin(angle), tx: 7, ty: -3 };
    const source = ARCFACE_TEMPLATE;
    const target = source.map((p) => applySimilarity(truth, p));
    const found = estimateSimilarity(source, target);
    expect(found.a).toBeCloseTo(truth.a, 10);
    expect(found.b).toBeCloseTo(truth.b, 10);
    expect(found.tx).toBeCloseTo(truth.tx, 10);
    expect(found.ty).toBeCloseTo(truth.ty, 10);
  });

  it('maps the template onto itself with the identity', () => {
    const t = estimateSimilarity(ARCFACE_TEMPLATE, ARCFACE_TEMPLATE);
    expect([t.a, t.b, t.tx, t.ty].map((v) => Math.round(v * 1e9) / 1e9)).toEqual([1, 0, 0, 0]);
  });

  it('never reflects: mirrored targets give the best rotation, not a mirror', () => {
    const mirrored = ARCFACE_TEMPLATE.map(([x, y]) => [-x, y] as Point);
    const t = estimateSimilarity(ARCFACE_TEMPLATE, mirrored);
    // a similarity without reflection has determinant a² + b² > 0 by construction; check it fits worse than a mirror would
    const residual = ARCFACE_TEMPLATE.reduce((sum, p, i) => {
      const q = applySimilarity(t, p);
      return sum + (q[0] - mirrored[i][0]) ** 2 + (q[1] - mirrored[i][1]) ** 2;
    }, 0);
    expect(residual).toBeGreaterThan(1);
  });

  it('gives the least-squares fit for noisy points (residual orthogonal to the parameters)', () => {
    const target: Point[] = ARCFACE_TEMPLATE.map(([x, y], i) => [x * 2 + (i % 2 ? 0.5 : -0.5), y * 2 + (i % 3) * 0.3]);
    const t = estimateSimilarity(ARCFACE_TEMPLATE, target);
    // gradient of the squared error with respect to a, b, tx, ty vanishes at the optimum
    let ga = 0,
      gb = 0,
      gx = 0,
      gy = 0;
    ARCFACE_TEMPLATE.forEach((p, i) => {
      const q = applySimilarity(t, p);
      const ex = q[0] - target[i][0];
      const ey = q[1] - target[i][1];
      ga += ex * p[0] + ey * p[1];
      gb += -ex * p[1] + ey * p[0];
      gx += ex;
      gy += ey;
    });
    for (const g of [ga, gb, gx, gy]) expect(Math.abs(g)).toBeLessThan(1e-8);
  });
});

describe('warpAligned', () => {
  it('copies pixels exactly under the identity and blacks out what lies outside', () => {
    const width = 120;
    const height = 120;
    const data = new Uint8Array(width * height * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 251;
    const image: RgbImage = { width, height, data };
    const out = warpAligned(image, { a: 1, b: 0, tx: 0, ty: 0 }, 112);
    expect(out[(5 * 112 + 9) * 3 + 1]).toBe(data[(5 * width + 9) * 3 + 1]);
    const shifted = warpAligned(image, { a: 1, b: 0, tx: 100, ty: 0 }, 112);
    expect(shifted[(10 * 112 + 50) * 3]).toBe(0);
    expect(shifted[(10 * 112 + 105) * 3]).toBe(data[(10 * width + 5) * 3]);
  });

  it('samples bilinearly with black outside, inside and across the border alike', () => {
    const width = 40;
    const height = 30;
    const random = mulberry32(5);
    const data = Uint8Array.from({ length: width * height * 3 }, () => Math.floor(random() * 256));
    const image: RgbImage = { width, height, data };
    // rotated and shrunk, placed so that the output covers the image's corner and the black beyond it
    const t = { a: 2.1, b: 0.7, tx: 30, ty: -8 };
    const inside = new Uint8Array(32 * 32);
    const out = warpAligned(image, t, 32, inside);
    const pixel = (x: number, y: number, c: number) =>
      x >= 0 && y >= 0 && x < width && y < height ? data[(y * width + x) * 3 + c] : 0;
    // the inverse as warpAligned writes it, so that floor() sees the same coordinates
    const ia = t.a / (t.a * t.a + t.b * t.b);
    const ib = t.b / (t.a * t.a + t.b * t.b);
    let straddling = 0;
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        const sx = ia * (x - t.tx) + ib * (y - t.ty);
        const sy = -ib * (x - t.tx) + ia * (y - t.ty);
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const fx = sx - x0;
        const fy = sy - y0;
        const whole = x0 >= 0 && y0 >= 0 && x0 < width - 1 && y0 < height - 1;
        expect(inside[y * 32 + x], `inside at ${x},${y}`).toBe(whole ? 1 : 0);
        const outside = sx < -1 || sy < -1 || sx > width || sy > height;
        if (!whole && !outside) straddling++;
        for (let c = 0; c < 3; c++) {
          const top = pixel(x0, y0, c) + (pixel(x0 + 1, y0, c) - pixel(x0, y0, c)) * fx;
          const bottom = pixel(x0, y0 + 1, c) + (pixel(x0 + 1, y0 + 1, c) - pixel(x0, y0 + 1, c)) * fx;
          const expected = outside ? 0 : Math.round(top + (bottom - top) * fy);
          expect(out[(y * 32 + x) * 3 + c], `${x},${y},${c}`).toBe(expected);
        }
      }
    }
    expect(straddling).toBeGreaterThan(0);
    expect(inside.includes(1) && inside.includes(0)).toBe(true);
  });

  it('puts the landmarks of a face onto the template', () => {
    // a synthetic image with bright dots at landmark positions of a face twice the template size, rotated 90°
    const width = 400;
    const height = 400;
    const data = new Uint8Array(width * height * 3);
    const landmarks = ARCFACE_TEMPLATE.map(([x, y]) => [300 - 2 * y, 50 + 2 * x] as Point) as FiveLandmarks;
    for (const [x, y] of landmarks) {
      for (let dy = -2; dy <= 2; dy++)
        for (let dx = -2; dx <= 2; dx++)
          data.fill(
            255,
            ((Math.round(y) + dy) * width + Math.round(x) + dx) * 3,
            ((Math.round(y) + dy) * width + Math.round(x) + dx) * 3 + 3,
          );
    }
    const aligned = alignFace({ width, height, data }, landmarks);
    for (const [x, y] of ARCFACE_TEMPLATE)
      expect(aligned[(Math.round(y) * 112 + Math.round(x)) * 3]).toBeGreaterThan(200);
  });
});
