import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSession, ort } from '../../../src/models/session.js';
import { decodeImage } from '../../../src/perception/image/decode.js';
import { Landmark68 } from '../../../src/perception/models/landmarks.js';
import { DEFAULT_ULTRAFACE, TILE_BATCH, UltraFaceDetector } from '../../../src/perception/models/ultraface.js';
import type { RgbImage } from '../../../src/types.js';
import { fixture, HAS_FIXTURES, HAS_MODELS, MODELS_DIR } from '../../helpers/fixtures.js';
import { cachedOriginal } from '../../helpers/model-cache.js';
import { counting } from '../../helpers/counting-session.js';

describe.skipIf(!HAS_FIXTURES || !HAS_MODELS)('UltraFace detector', () => {
  let group: RgbImage;
  let landmarks: Landmark68;
  const detectPath = join(MODELS_DIR, 'fr_detect.onnx');

  beforeAll(async () => {
    // the five-face group photo as a 1440-px preview: a group photo that large runs all nine tiles of a 3×3 grid
    const preview = await sharp(fixture('groups/compreface_000_5.jpg'))
      .resize({ height: 1440 })
      .jpeg({ quality: 90 })
      .toBuffer();
    group = await decodeImage(preview, { maxPixels: 1e8 });
    landmarks = new Landmark68(await loadSession(join(MODELS_DIR, 'fr_landmark.onnx'), { intraOpThreads: 1 }));
  });

  it('finds the same boxes and scores with its tiles in batches as one tile a call', async () => {
    const single = counting(await loadSession(detectPath, { intraOpThreads: 1 }));
    const alone = await new UltraFaceDetector(single.session, landmarks, DEFAULT_ULTRAFACE).detectBoxes(group);
    expect(single.batches).toEqual(Array(10).fill(1));

    const tiles = counting(await loadSession(detectPath, { intraOpThreads: 2 }));
    const full = counting(await loadSession(detectPath, { intraOpThreads: 1 }));
    const runner = { session: tiles.session, batch: TILE_BATCH };
    const batched = await new UltraFaceDetector(
      full.session,
      landmarks,
      DEFAULT_ULTRAFACE,
      undefined,
      runner,
    ).detectBoxes(group);
    expect(full.batches).toEqual([1]);
    expect(tiles.batches).toEqual([3, 3, 3]);
    expect(batched.length).toBeGreaterThanOrEqual(5);
    expect(batched).toEqual(alone);
  });

  const original = cachedOriginal('ultraface-rfb320');
  it.skipIf(original === null)('says to fetch the models again when fr_detect is the float model of old', async () => {
    const old = await ort.InferenceSession.create(readFileSync(original!));
    const current = await loadSession(detectPath, { intraOpThreads: 1 });
    const fetchAgain = /run "immich-people models fetch"/;
    expect(() => new UltraFaceDetector(old, landmarks)).toThrow(fetchAgain);
    const oldTiles = { session: old, batch: TILE_BATCH };
    expect(() => new UltraFaceDetector(current, landmarks, DEFAULT_ULTRAFACE, undefined, oldTiles)).toThrow(fetchAgain);
    expect(() => new UltraFaceDetector(current, landmarks)).not.toThrow();
  });
});
