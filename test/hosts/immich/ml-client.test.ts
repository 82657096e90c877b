import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { createFacePipeline } from '../../../src/service/perception.js';
import { ImmichMlFaceAnalyzer, landmarksFromBox } from '../../../src/hosts/immich/ml-client.js';
import type { RgbImage } from '../../../src/types.js';

const seen: { entries: unknown; imageType: string; imageBytes: number }[] = [];
const server = setupServer(
  http.post('http://ml.test/predict', async ({ request }) => {
    const form = await request.formData();
    const image = form.get('image') as File;
    seen.push({ entries: JSON.parse(String(form.get('entries'))), imageType: image.type, imageBytes: image.size });
    return HttpResponse.json({
      'facial-recognition': [
        {
          boundingBox: { x1: 100, y1: 50, x2: 200, y2: 180 },
          embedding: JSON.stringify([3, 4, ...new Array(510).fill(0)]),
          score: 0.91,
        },
        {
          boundingBox: { x1: 10, y1: 10, x2: 18, y2: 18 },
          embedding: JSON.stringify(new Array(512).fill(1)),
          score: 0.72,
        },
      ],
      imageWidth: 400,
      imageHeight: 300,
    });
  }),
  http.post('http://broken-ml.test/predict', () => HttpResponse.json({ unexpected: true })),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

function checkerboard(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      data.fill(((x >> 2) + (y >> 2)) % 2 ? 230 : 20, (y * width + x) * 3, (y * width + x) * 3 + 3);
  return { width, height, data };
}

describe('the immich-ml face backend', () => {
  it("sends Immich's multipart request and reads boxes and embeddings back in our pixel space", async () => {
    const analyzer = new ImmichMlFaceAnalyzer('http://ml.test/', 'buffalo_l', 0.7);
    // our decoded image is twice the size Immich's service reports (it saw a re-encoded copy of the same pixels)
    const faces = await analyzer.analyze(checkerboard(800, 600));
    expect(seen[0].entries).toEqual({
      'facial-recognition': {
        detection: { modelName: 'buffalo_l', options: { minScore: 0.7 } },
        recognition: { modelName: 'buffalo_l' },
      },
    });
    expect(seen[0].imageType).toBe('image/jpeg');
    expect(faces).toHaveLength(2);
    expect(faces[0].box).toEqual([200, 100, 400, 360]);
    expect(faces[0].embedding!.model).toBe('immich-ml-buffalo_l');
    expect(Array.from(faces[0].embedding!.vector.subarray(0, 3))).toEqual([0.6000000238418579, 0.800000011920929, 0]);
    expect(faces[0].quality.clear).toBe(true);
    expect(faces[1].quality.clear).toBe(false); // 16 px: too small
    expect(faces[0].landmarks[0][0]).toBeGreaterThan(200);
  });

  it('is chosen by config and says what is missing', async () => {
    await expect(createFacePipeline(loadConfig({ env: { IMMICH_PEOPLE_FACE_BACKEND: 'immich-ml' } }))).rejects.toThrow(
      /IMMICH_ML_URL/,
    );
    const analyzer = await createFacePipeline(
      loadConfig({ env: { IMMICH_PEOPLE_FACE_BACKEND: 'immich-ml', IMMICH_ML_URL: 'http://ml.test' } }),
    );
    expect(analyzer.embedder.id).toBe('immich-ml-buffalo_l');
  });

  it('refuses an answer of the wrong shape with a clear error', async () => {
    const analyzer = new ImmichMlFaceAnalyzer('http://broken-ml.test', 'buffalo_l', 0.7);
    await expect(analyzer.analyze(checkerboard(64, 64))).rejects.toThrow(/unexpected answer/);
  });

  it('places stand-in landmarks inside the box', () => {
    for (const [x, y] of landmarksFromBox([100, 100, 212, 212])) {
      expect(x).toBeGreaterThan(100);
      expect(x).toBeLessThan(212);
      expect(y).toBeGreaterThan(100);
      expect(y).toBeLessThan(212);
    }
  });
});
