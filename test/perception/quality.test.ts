import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { alignFace, ARCFACE_TEMPLATE } from '../../src/perception/image/align.js';
import { createFacePipeline } from '../../src/service/perception.js';
import { decodeImage } from '../../src/perception/image/decode.js';
import { assessFace, DEFAULT_QUALITY, estimateYaw, laplacianVariance } from '../../src/perception/quality.js';
import type { FaceAnalyzer, FiveLandmarks, Point } from '../../src/types.js';
import { fixture, HAS_FIXTURES, HAS_MODELS } from '../helpers/fixtures.js';

describe('laplacianVariance', () => {
  it('is 0 on a flat or linear ramp image and exact on a checkerboard', () => {
    expect(laplacianVariance(new Float32Array(25).fill(7), 5, 5)).toBe(0);
    const ramp = Float32Array.from({ length: 25 }, (_, i) => i % 5);
    expect(laplacianVariance(ramp, 5, 5)).toBe(0);
    // checkerboard of 0/1: the Laplacian is +4 or −4 alternately, mean 0 over the 3×3 interior (5 of −4, 4 of +4)
    const board = Float32Array.from({ length: 25 }, (_, i) => ((i % 5) + Math.floor(i / 5)) % 2);
    const values = [-4, 4, -4, 4, -4, 4, -4, 4, -4];
    const mean = values.reduce((a, b) => a + b) / 9;
    expect(laplacianVariance(board, 5, 5)).toBeCloseTo(values.reduce((s, v) => s + (v - mean) ** 2, 0) / 9, 10);
  });
});

describe('estimateYaw', () => {
  it('is 0 for the frontal template and grows with the nose offset, signed towards image right', () => {
    expect(Math.abs(estimateYaw(ARCFACE_TEMPLATE))).toBeLessThan(2);
    const shifted = (dx: number) =>
      ARCFACE_TEMPLATE.map((p, i) => (i === 2 ? [p[0] + dx, p[1]] : p) as Point) as FiveLandmarks;
    const eyeDistance = ARCFACE_TEMPLATE[1][0] - ARCFACE_TEMPLATE[0][0];
    const nose =
      (ARCFACE_TEMPLATE[0][0] + ARCFACE_TEMPLATE[1][0] + ARCFACE_TEMPLATE[3][0] + ARCFACE_TEMPLATE[4][0]) / 4;
    // a nose displaced by 0.55·eyeDistance from the midline is 45°
    const at45 = shifted(nose - ARCFACE_TEMPLATE[2][0] + 0.55 * eyeDistance);
    expect(estimateYaw(at45)).toBeCloseTo(45, 0);
    expect(estimateYaw(shifted(-10))).toBeLessThan(-10);
  });
});

describe('assessFace', () => {
  const aligned = new Uint8Array(112 * 112 * 3);
  for (let i = 0; i < aligned.length; i++) aligned[i] = (Math.floor(i / 3) * 37) % 256;
  const good = { score: 0.99, box: [0, 0, 100, 120], landmarks: ARCFACE_TEMPLATE, aligned };

  it('passes a sharp, large, frontal, confident face and flags each failing measure', () => {
    expect(assessFace(good).clear).toBe(true);
    expect(assessFace({ ...good, score: DEFAULT_QUALITY.minScore - 0.01 }).clear).toBe(false);
    expect(assessFace({ ...good, box: [0, 0, 20, 120] }).clear).toBe(false);
    expect(assessFace({ ...good, aligned: new Uint8Array(aligned.length).fill(90) }).clear).toBe(false);
    const turned = ARCFACE_TEMPLATE.map((p, i) => (i === 2 ? [p[0] + 40, p[1]] : p)) as FiveLandmarks;
    expect(assessFace({ ...good, landmarks: turned }).clear).toBe(false);
  });
});

describe.skipIf(!HAS_FIXTURES || !HAS_MODELS)('quality on real faces', () => {
  let pipeline: FaceAnalyzer;
  beforeAll(async () => {
    pipeline = await createFacePipeline(loadConfig({ env: {} }));
  });

  it('flags a blurred face as unclear while the sharp original is clear', async () => {
    for (const path of ['people/obama/obama_1.jpg', 'people/rose_leslie/rose_leslie_1.jpg', 'groups/two_people.jpg']) {
      const bytes = readFileSync(fixture(path));
      const sharpImage = await decodeImage(bytes, { maxPixels: 1e8 });
      const faces = await pipeline.analyze(sharpImage, { embeddings: false });
      const face = faces.reduce((a, b) => (b.quality.size > a.quality.size ? b : a));
      expect(face.quality.clear, path).toBe(true);
      // σ = 3 px at the aligned 112 px scale, converted to this face's scale
      const eyeDistance = Math.hypot(
        face.landmarks[1][0] - face.landmarks[0][0],
        face.landmarks[1][1] - face.landmarks[0][1],
      );
      const sigma = (3 * eyeDistance) / (ARCFACE_TEMPLATE[1][0] - ARCFACE_TEMPLATE[0][0]);
      const blurred = await decodeImage(await sharp(bytes).blur(sigma).jpeg().toBuffer(), { maxPixels: 1e8 });
      const crop = alignFace(blurred, face.landmarks);
      const quality = assessFace({ ...face, aligned: crop });
      expect(quality.blur, path).toBeLessThan(DEFAULT_QUALITY.minBlur);
      expect(quality.clear, path).toBe(false);
    }
  });
});
