import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { detectFiles, type ImageResult } from '../../src/service/detect.js';
import type { Face, Observation, Perception, PerceiveOptions, RgbImage } from '../../src/types.js';

const face = (x: number): Face => ({
  box: [x, 10, x + 20, 30],
  score: 0.9,
  landmarks: [
    [x + 5, 15],
    [x + 15, 15],
    [x + 10, 20],
    [x + 6, 25],
    [x + 14, 25],
  ],
  quality: { clear: true, score: 0.9, blur: 100, yaw: 0, size: 20 },
});

/** Two faces (the second with its body) and one body-only person, whatever the image. */
class FakePerception implements Perception {
  readonly faceModel = 'fake';
  readonly calls: { width: number; options?: PerceiveOptions }[] = [];
  constructor(readonly maxPixels: number) {}
  async perceive(image: RgbImage, options?: PerceiveOptions): Promise<Observation[]> {
    this.calls.push({ width: image.width, options });
    return [
      { face: face(0) },
      { face: face(40), upperBody: { box: [30, 0, 70, 60], score: 0.8, source: 'person' } },
      { upperBody: { box: [80, 0, 100, 60], score: 0.7, source: 'person' } },
    ];
  }
}

async function collect(files: string[], perception: Perception): Promise<ImageResult[]> {
  const out: ImageResult[] = [];
  for await (const result of detectFiles(files, perception, { embeddings: false })) out.push(result);
  return out;
}

describe('detectFiles', () => {
  it('reads, decodes and perceives each file; faces are the observations that have one, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'detect-'));
    const photo = join(dir, 'a.png');
    await sharp({ create: { width: 120, height: 80, channels: 3, background: { r: 9, g: 9, b: 9 } } })
      .png()
      .toFile(photo);
    writeFileSync(join(dir, 'broken.jpg'), Buffer.from('not an image'));
    const perception = new FakePerception(1e6);
    const [ok, broken, missing] = await collect([photo, join(dir, 'broken.jpg'), join(dir, 'gone.jpg')], perception);

    expect(perception.calls).toEqual([{ width: 120, options: { embeddings: false } }]);
    if ('error' in ok) throw new Error(ok.error);
    expect([ok.width, ok.height]).toEqual([120, 80]);
    expect(ok.observations).toHaveLength(3);
    expect(ok.faces.map((f) => f.box[0])).toEqual([0, 40]);
    expect(ok.faces[1]).toBe(ok.observations[1].face);
    expect('error' in broken && broken.faces).toEqual([]);
    expect('error' in missing && missing.error).toMatch(/ENOENT|no such file/);
  });

  it("decodes with the perception's pixel limit", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'detect-big-'));
    const photo = join(dir, 'big.png');
    await sharp({ create: { width: 200, height: 200, channels: 3, background: { r: 0, g: 0, b: 0 } } })
      .png()
      .toFile(photo);
    const [result] = await collect([photo], new FakePerception(100 * 100));
    expect('error' in result && result.error).toMatch(/decompression-bomb/);
  });
});
