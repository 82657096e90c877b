import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { createPerception } from '../../../src/service/perception.js';
import { decodeImage } from '../../../src/perception/image/decode.js';
import type { Box, Embedding, Observation, RgbImage } from '../../../src/types.js';
import { MediaCache } from '../immich/media.js';
import { FIXTURES, HAS_FIXTURES, HAS_MODELS, readLabels } from '../../helpers/fixtures.js';
import { mulberry32 } from '../../helpers/random.js';
import { MAX_SIGNATURE_DISTANCE, readRecording, RecordedPerception, signatureDistance } from './index.js';
import { fixtureImages } from './record.js';

const decode = (input: Buffer | string): Promise<RgbImage> => decodeImage(input, { maxPixels: 1e8 });
const recording = readRecording();
const recordOf = (path: string) => {
  const found = recording.images.find((image) => image.path === path);
  if (!found) throw new Error(`${path} is not in the recording`);
  return found;
};
/** The recorded paths that are this photo: itself, and any other file holding the same picture (an EXIF twin). */
const samePicture = (path: string): string[] =>
  recording.images
    .filter((image) => signatureDistance(image.signature, recordOf(path).signature) <= MAX_SIGNATURE_DISTANCE)
    .map((image) => image.path);
const faces = (observations: Observation[]) => observations.filter((o) => o.face);

describe('RecordedPerception without models', () => {
  it('replays the recorded face model id and the decoder limit', () => {
    const perception = new RecordedPerception();
    expect(perception.faceModel).toBe(recording.faceModel);
    expect(perception.faceModel).not.toBe('');
    expect(perception.maxPixels).toBe(100e6);
  });

  it('throws, naming the nearest recording and its distance, for a picture it never recorded', async () => {
    const perception = new RecordedPerception();
    const random = mulberry32(10);
    const noise = { width: 64, height: 48, data: Uint8Array.from({ length: 64 * 48 * 3 }, () => random() * 256) };
    await expect(perception.perceive(noise)).rejects.toThrow(
      /no recorded fixture photo.*Nearest picture: \S+\.jpg.*distance \d+\.\d\d/,
    );
    const grey = await decode(
      await sharp({ create: { width: 800, height: 533, channels: 3, background: '#808080' } })
        .png()
        .toBuffer(),
    );
    await expect(perception.perceive(grey)).rejects.toThrow(/no recorded fixture photo/);
    expect(perception.calls).toBe(0);
  });

  it('replays a synthetic recording by signature, scaled, and copies what it returns', async () => {
    const image: RgbImage = { width: 4, height: 2, data: new Uint8Array(4 * 2 * 3).fill(200) };
    const face: Observation['face'] = {
      box: [1, 0.5, 3, 1.5],
      score: 0.9,
      landmarks: [
        [1, 1],
        [2, 1],
        [1.5, 1.2],
        [1.2, 1.4],
        [1.8, 1.4],
      ],
      quality: { clear: true, score: 0.8, blur: 100, yaw: 2, size: 1 },
      embedding: { model: 'm', vector: Float32Array.from([0.6, 0.8]) },
    };
    const light = {
      path: 'light.jpg',
      width: 4,
      height: 2,
      signature: new Array<number>(256).fill(200),
      observations: [{ face }],
    };
    const dark = {
      path: 'dark.jpg',
      width: 4,
      height: 2,
      signature: new Array<number>(256).fill(20),
      observations: [],
    };
    const perception = new RecordedPerception({ faceModel: 'm', images: [dark, light] });
    const doubled: RgbImage = { width: 8, height: 4, data: new Uint8Array(8 * 4 * 3).fill(198) };
    const [seen] = await perception.perceive(doubled);
    expect(seen.face?.box).toEqual([2, 1, 6, 3]);
    expect(seen.face?.landmarks[2]).toEqual([3, 2.4]);
    expect(seen.face?.quality.size).toBe(2);
    seen.face!.embedding!.vector[0] = 0;
    seen.face!.box[0] = -1;
    const [again] = await perception.perceive(image);
    expect(again.face?.box).toEqual([1, 0.5, 3, 1.5]);
    expect(Array.from(again.face!.embedding!.vector)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(perception.perceived).toEqual(['light.jpg', 'light.jpg']);
    // same picture, another shape: not this recording
    await expect(perception.perceive({ width: 4, height: 4, data: new Uint8Array(48).fill(200) })).rejects.toThrow(
      /Nearest picture: light\.jpg \(4×2\), distance 0\.00/,
    );
  });
});

describe.skipIf(!HAS_FIXTURES)('RecordedPerception over the fixture photos, without models', () => {
  const files = HAS_FIXTURES ? fixtureImages(FIXTURES) : [];

  it('has a recording of every fixture photo under people/, groups/ and no_face/', () => {
    expect(recording.images.map((image) => image.path)).toEqual(files);
  });

  it('knows every fixture decoded from its file as itself and replays its observations exactly', async () => {
    const perception = new RecordedPerception();
    for (const path of files) {
      const image = await decode(join(FIXTURES, path));
      expect(perception.identify(image).image.path, path).toBe(path);
      expect(await perception.perceive(image), path).toEqual(recordOf(path).observations);
    }
    expect(perception.calls).toBe(files.length);
  });

  it('knows every fixture from the fake Immich’s preview (re-encoded JPEG q80, upright)', async () => {
    const perception = new RecordedPerception();
    const media = new MediaCache();
    for (const path of files) {
      const preview = await decode((await media.get({ file: join(FIXTURES, path) }, 'preview')).data);
      const match = perception.identify(preview);
      expect(samePicture(path), path).toContain(match.image.path);
      expect(match.distance, path).toBeLessThan(2);
    }
    expect(samePicture('groups/curie_portrait_exif_orientation6.jpg')).toEqual([
      'groups/curie_portrait.jpg',
      'groups/curie_portrait_exif_orientation6.jpg',
    ]);
  });

  it('scales boxes and landmarks exactly to a 2× downscaled picture', async () => {
    const path = 'groups/obama_and_biden.jpg'; // 800×571: halves to 400×286 (y scale 286/571)
    const recorded = recordOf(path);
    const half = await decode(await sharp(join(FIXTURES, path)).resize(400, 286, { fit: 'fill' }).jpeg().toBuffer());
    const seen = await new RecordedPerception().perceive(half);
    const [sx, sy] = [400 / recorded.width, 286 / recorded.height];
    expect(seen).toHaveLength(recorded.observations.length);
    seen.forEach((o, i) => {
      const want = recorded.observations[i];
      const scaled = (b: Box): Box => [b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy];
      if (want.face) {
        expect(o.face?.box).toEqual(scaled(want.face.box));
        expect(o.face?.landmarks).toEqual(want.face.landmarks.map(([x, y]) => [x * sx, y * sy]));
        expect(o.face?.embedding?.vector).toEqual(want.face.embedding?.vector);
      }
      if (want.upperBody) expect(o.upperBody?.box).toEqual(scaled(want.upperBody.box));
    });
  });

  it('refuses a fixture squeezed to another aspect ratio', async () => {
    const squeezed = await decode(
      await sharp(join(FIXTURES, 'people/obama/obama_1.jpg')).resize(640, 400, { fit: 'fill' }).jpeg().toBuffer(),
    );
    await expect(new RecordedPerception().perceive(squeezed)).rejects.toThrow(/no recorded fixture photo/);
  });

  it('returns several people for the group photos and nobody for the photos without faces', async () => {
    const perception = new RecordedPerception();
    const labelled = readLabels().images.filter((image) => image.file.startsWith('groups/') && image.people.length > 1);
    expect(labelled.length).toBeGreaterThan(3);
    for (const { file, people } of labelled) {
      const seen = await perception.perceive(await decode(join(FIXTURES, file)));
      expect(faces(seen).length, file).toBeGreaterThanOrEqual(people.length);
    }
    for (const path of files.filter((f) => f.startsWith('no_face/'))) {
      expect(await perception.perceive(await decode(join(FIXTURES, path))), path).toEqual([]);
    }
  });

  it('leaves the embeddings out when asked to, as the real pipeline does', async () => {
    const image = await decode(join(FIXTURES, 'groups/kit_with_rose.jpg'));
    const perception = new RecordedPerception();
    const full = await perception.perceive(image);
    const bare = await perception.perceive(image, { embeddings: false });
    expect(full.some((o) => o.face?.embedding && o.upperBody?.embedding)).toBe(true);
    expect(bare.every((o) => !o.face?.embedding && !o.upperBody?.embedding)).toBe(true);
    expect(bare.map((o) => o.face?.box)).toEqual(full.map((o) => o.face?.box));
    expect(perception.calls).toBe(2);
  });
});

const cosine = (a: Embedding, b: Embedding): number => {
  let dot = 0;
  for (let i = 0; i < a.vector.length; i++) dot += a.vector[i] * b.vector[i];
  return dot / Math.hypot(...a.vector) / Math.hypot(...b.vector);
};

describe.skipIf(!HAS_FIXTURES || !HAS_MODELS)('the recording against the real models (fails when it is stale)', () => {
  const sample = [
    'people/obama/obama_1.jpg',
    'people/biden/biden_2.jpg',
    'groups/obama_and_biden.jpg',
    'groups/curie_portrait_exif_orientation6.jpg',
  ];
  let real: Awaited<ReturnType<typeof createPerception>>;
  beforeAll(async () => {
    real = await createPerception(loadConfig({ env: {} }));
  });

  it('sees the same people, boxes within 1 px and embeddings with cosine > 0.999', async () => {
    const fake = new RecordedPerception();
    expect(fake.faceModel).toBe(real.faceModel);
    for (const path of sample) {
      const image = await decode(join(FIXTURES, path));
      const [now, recorded] = [await real.perceive(image), await fake.perceive(image)];
      expect(faces(now).length, path).toBe(faces(recorded).length);
      expect(now.length, path).toBe(recorded.length);
      now.forEach((o, i) => {
        const r = recorded[i];
        for (const [part, want] of [
          [o.face, r.face],
          [o.upperBody, r.upperBody],
        ] as const) {
          expect(Boolean(part), `${path} #${i}`).toBe(Boolean(want));
          if (!part || !want) continue;
          part.box.forEach((v, k) => expect(Math.abs(v - want.box[k]), `${path} #${i} box`).toBeLessThanOrEqual(1));
          expect(Boolean(part.embedding), `${path} #${i}`).toBe(Boolean(want.embedding));
          if (part.embedding && want.embedding) {
            expect(part.embedding.model).toBe(want.embedding.model);
            expect(cosine(part.embedding, want.embedding), `${path} #${i} embedding`).toBeGreaterThan(0.999);
          }
        }
      });
    }
  });
});
