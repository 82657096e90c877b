import { inChunks } from './chunks.js';
import type * as ort from 'onnxruntime-node';
import { fixedBatch, ort as runtime } from '../../models/session.js';
import type { DetectedFace, FaceEmbedder, RgbImage } from '../../types.js';
import { ALIGNED_SIZE, alignFace } from '../image/align.js';
import { writeChw, type Normalisation } from '../image/image-ops.js';

export interface AlignedEmbedderSpec {
  /** Tagged onto every vector; vectors of different ids are never compared. */
  id: string;
  normalisation: Normalisation;
}

/** faceplugin fr_feature (MobileFaceNet-style, 512-D): RGB (x − 127)/128 (models.md §3.3). */
export const FACEPLUGIN_FEATURE: AlignedEmbedderSpec = {
  id: 'faceplugin-feature512',
  normalisation: { mean: [127, 127, 127], std: [128, 128, 128] },
};

/** InsightFace ArcFace (w600k_r50, w600k_mbf, glintr100): RGB (x − 127.5)/127.5, as Immich normalises. */
export function arcFaceSpec(id: string): AlignedEmbedderSpec {
  return { id, normalisation: { mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] } };
}

export function l2Normalise(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i] * vector[i];
  const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  for (let i = 0; i < vector.length; i++) vector[i] *= scale;
  return vector;
}

/**
 * Faces per model call at most. onnxruntime holds a call's activations at once, about 9 MB a face for fr_feature
 * (peak above the session: 4, 12, 24, 32 and 74 MB for 1, 2, 3, 4 and 8 faces), so a crowd of 30 would take 270 MB
 * in one call. Four faces a call cost no speed on the EPYC: 7.5–11 ms a face for any batch on one thread, 4.6–5.2 for
 * four and 3.9–5.5 for eight on two; and the vectors are the same bit for bit whatever the chunk.
 */
export const MAX_FACES_PER_CALL = 4;

/** A face embedder that reads 112×112 crops aligned to the ArcFace template, a few to a session call. */
export class AlignedFaceEmbedder implements FaceEmbedder {
  readonly id: string;
  private readonly batch: number | null;

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly spec: AlignedEmbedderSpec,
  ) {
    this.id = spec.id;
    this.batch = fixedBatch(session);
  }

  embed(image: RgbImage, faces: readonly DetectedFace[]): Promise<Float32Array[]> {
    return this.embedAligned(faces.map((face) => alignFace(image, face.landmarks)));
  }

  /** Embeds crops made by alignFace, up to MAX_FACES_PER_CALL a call when the model takes a free batch. */
  async embedAligned(crops: readonly Uint8Array[]): Promise<Float32Array[]> {
    return inChunks(crops, this.batch ?? MAX_FACES_PER_CALL, (chunk) => this.run(chunk));
  }

  private async run(crops: readonly Uint8Array[]): Promise<Float32Array[]> {
    const pixels = ALIGNED_SIZE * ALIGNED_SIZE;
    const input = new Float32Array(crops.length * 3 * pixels);
    crops.forEach((crop, i) => writeChw(crop, pixels, this.spec.normalisation, input, i * 3 * pixels));
    const result = await this.session.run({
      [this.session.inputNames[0]]: new runtime.Tensor('float32', input, [crops.length, 3, ALIGNED_SIZE, ALIGNED_SIZE]),
    });
    const output = result[this.session.outputNames[0]];
    const data = output.data as Float32Array;
    const dim = data.length / crops.length;
    return crops.map((_, i) => l2Normalise(data.slice(i * dim, (i + 1) * dim)));
  }
}
