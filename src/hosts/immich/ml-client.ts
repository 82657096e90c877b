import sharp from 'sharp';
import { z } from 'zod';
import type { AnalyzeOptions, Box, Face, FaceAnalyzer, FiveLandmarks, Point, RgbImage } from '../../types.js';
import { l2Normalise } from '../../perception/models/aligned-embedder.js';
import { ARCFACE_TEMPLATE, ALIGNED_SIZE } from '../../perception/image/align.js';
import { regionOf, resizeRegion, toGrey } from '../../perception/image/image-ops.js';
import { DEFAULT_QUALITY, FACE_REGION, laplacianVariance } from '../../perception/quality.js';

const PredictResponse = z.object({
  'facial-recognition': z
    .array(
      z.object({
        boundingBox: z.object({ x1: z.number(), y1: z.number(), x2: z.number(), y2: z.number() }),
        embedding: z.union([z.string(), z.array(z.number())]),
        score: z.number(),
      }),
    )
    .default([]),
  imageWidth: z.number().positive(),
  imageHeight: z.number().positive(),
});

/**
 * The ArcFace template placed in a face box the way SCRFD boxes sit around it (eyes at ~40 % of the height). Immich's
 * ML service keeps its keypoints to itself, so these stand in for the JSON output; nothing is aligned from them.
 */
export function landmarksFromBox(box: Box): FiveLandmarks {
  const w = box[2] - box[0];
  const h = box[3] - box[1];
  return ARCFACE_TEMPLATE.map(
    ([x, y]) => [box[0] + (x / ALIGNED_SIZE) * w, box[1] + ((y - 8) / ALIGNED_SIZE) * h] as Point,
  ) as FiveLandmarks;
}

/**
 * The `immich-ml` face backend: POSTs the image to Immich's machine-learning service (`/predict`, buffalo_l by
 * default) and takes its boxes and 512-D embeddings, byte-identical to what Immich itself stores.
 */
export class ImmichMlFaceAnalyzer implements FaceAnalyzer {
  readonly embedder: { readonly id: string };

  constructor(
    private readonly url: string,
    private readonly modelName: string,
    private readonly minScore: number,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly timeoutMs = 60_000,
  ) {
    this.embedder = { id: `immich-ml-${modelName}` };
  }

  async analyze(image: RgbImage, options: AnalyzeOptions = { embeddings: true }): Promise<Face[]> {
    const jpeg = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
      .jpeg({ quality: 92 })
      .toBuffer();
    const form = new FormData();
    form.append(
      'entries',
      JSON.stringify({
        'facial-recognition': {
          detection: { modelName: this.modelName, options: { minScore: this.minScore } },
          recognition: { modelName: this.modelName },
        },
      }),
    );
    form.append('image', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'image.jpg');
    const endpoint = `${this.url.replace(/\/+$/, '')}/predict`;
    const response = await this.fetchImpl(endpoint, {
      method: 'POST',
      body: form,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw new Error(`Immich ML ${endpoint} answered ${response.status}`);
    const parsed = PredictResponse.safeParse(await response.json());
    if (!parsed.success)
      throw new Error(`Immich ML ${endpoint} sent an unexpected answer: ${z.prettifyError(parsed.error)}`);
    const { imageWidth, imageHeight } = parsed.data;
    const sx = image.width / imageWidth;
    const sy = image.height / imageHeight;
    const faces: Face[] = [];
    for (const found of parsed.data['facial-recognition']) {
      const b = found.boundingBox;
      const box: Box = [b.x1 * sx, b.y1 * sy, b.x2 * sx, b.y2 * sy];
      const size = Math.min(box[2] - box[0], box[3] - box[1]);
      const crop = await resizeRegion(image, regionOf(box, image.width, image.height), ALIGNED_SIZE, ALIGNED_SIZE);
      const blur = laplacianVariance(
        toGrey(crop, ALIGNED_SIZE * ALIGNED_SIZE),
        ALIGNED_SIZE,
        ALIGNED_SIZE,
        FACE_REGION,
      );
      const clear = found.score >= this.minScore && size >= DEFAULT_QUALITY.minSize && blur >= DEFAULT_QUALITY.minBlur;
      const vector = typeof found.embedding === 'string' ? (JSON.parse(found.embedding) as number[]) : found.embedding;
      faces.push({
        box,
        score: found.score,
        landmarks: landmarksFromBox(box),
        // yaw is unknown without keypoints: 0 here, and not part of `clear`
        quality: {
          clear,
          score: clear ? Math.min(1, found.score) : 0,
          blur: Math.round(blur * 10) / 10,
          yaw: 0,
          size: Math.round(size),
        },
        ...(options.embeddings
          ? { embedding: { model: this.embedder.id, vector: l2Normalise(Float32Array.from(vector)) } }
          : {}),
      });
    }
    return faces;
  }
}
