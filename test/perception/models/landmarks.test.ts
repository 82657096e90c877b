import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSession } from '../../../src/models/session.js';
import { decodeImage } from '../../../src/perception/image/decode.js';
import { Landmark68 } from '../../../src/perception/models/landmarks.js';
import type { Box } from '../../../src/types.js';
import { counting } from '../../helpers/counting-session.js';
import { fixture, HAS_FIXTURES, HAS_MODELS, MODELS_DIR } from '../../helpers/fixtures.js';

describe.skipIf(!HAS_FIXTURES || !HAS_MODELS)('Landmark68 on a crowd', () => {
  it('runs four faces (eight crops with their mirrors) a call, each face’s points the same as alone', async () => {
    const image = await decodeImage(fixture('people/obama/obama_1.jpg'), { maxPixels: 1e8 });
    const { session, batches } = counting(
      await loadSession(join(MODELS_DIR, 'fr_landmark.onnx'), { intraOpThreads: 1 }),
    );
    const landmarks = new Landmark68(session);
    // nine boxes a few pixels apart: nine different crops of one face
    const boxes: Box[] = Array.from({ length: 9 }, (_, i) => [40 + i, 30 + i, 190 + i, 200 + i]);
    const crowd = await landmarks.locate(image, boxes);
    expect(batches).toEqual([8, 8, 2]);
    const alone = [];
    for (const box of boxes) alone.push(...(await landmarks.locate(image, [box])));
    expect(crowd).toEqual(alone);
    expect(new Set(crowd.map((points) => JSON.stringify(points))).size).toBe(9);
  });
});
