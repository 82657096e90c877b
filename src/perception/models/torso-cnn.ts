import { inChunks } from './chunks.js';
import { createHash } from 'node:crypto';
import type * as ort from 'onnxruntime-node';
import { fixedBatch, ort as runtime } from '../../models/session.js';
import { CNN_DIM } from '../../models/torso-mean.js';
import type { BodyEmbedder, Box, RgbImage } from '../../types.js';
import { l2Normalise } from './aligned-embedder.js';
import { HSV_BINS, HsvTorsoEmbedder } from '../image/clothing.js';
import { regionOf, resizeRegion } from '../image/image-ops.js';

/** The backbone (BACKBONE_MODEL) reads 128×128 NHWC RGB in 0..255 and gives a [4,4,CNN_DIM] map. */
export const CNN_SIDE = 128;

/** Crops each box (clipped to the image) and resizes it, aspect not kept, to side×side RGB bytes. */
export function cropBoxes(image: RgbImage, boxes: readonly Box[], side: number): Promise<Uint8Array[]> {
  return Promise.all(boxes.map((box) => resizeRegion(image, regionOf(box, image.width, image.height), side, side)));
}

/** Global average pool of one NHWC feature map (cells × channels, channels fastest) at `offset`. */
export function globalAveragePool(map: Float32Array, cells: number, channels: number, offset = 0): Float32Array {
  const pooled = new Float32Array(channels);
  for (let cell = 0; cell < cells; cell++) {
    const base = offset + cell * channels;
    for (let c = 0; c < channels; c++) pooled[c] += map[base + c];
  }
  for (let c = 0; c < channels; c++) pooled[c] /= cells;
  return pooled;
}

/**
 * The CenterNet-MobileNetV3 backbone as a crop descriptor: 128×128 RGB crops in, raw (not centred, not normalised)
 * 120-D global-average-pooled features out. One model call per chunk: the whole list when the model takes a free
 * batch, else one crop at a time (the converted model is fixed at batch 1).
 */
export class TorsoBackbone {
  private readonly batch: number | null;

  constructor(private readonly session: ort.InferenceSession) {
    this.batch = fixedBatch(session);
  }

  async pool(crops: readonly Uint8Array[]): Promise<Float32Array[]> {
    return inChunks(crops, this.batch ?? Math.max(crops.length, 1), (chunk) => this.run(chunk));
  }

  private async run(crops: readonly Uint8Array[]): Promise<Float32Array[]> {
    const pixels = CNN_SIDE * CNN_SIDE * 3;
    const input = new Float32Array(crops.length * pixels);
    crops.forEach((crop, i) => {
      if (crop.length !== pixels) throw new Error(`backbone crop ${i} has ${crop.length} bytes, not ${pixels}`);
      input.set(crop, i * pixels); // NHWC RGB 0..255, exactly the byte layout
    });
    const result = await this.session.run({
      [this.session.inputNames[0]]: new runtime.Tensor('float32', input, [crops.length, CNN_SIDE, CNN_SIDE, 3]),
    });
    const data = result[this.session.outputNames[0]].data as Float32Array;
    const perCrop = data.length / crops.length;
    if (perCrop % CNN_DIM !== 0) throw new Error(`backbone output of ${perCrop} values is not a map of ${CNN_DIM}`);
    return crops.map((_, i) => globalAveragePool(data, perCrop / CNN_DIM, CNN_DIM, i * perCrop));
  }
}

/** The mean raw (pooled, not normalised) backbone feature over 128×128 torso crops. */
export async function computeTorsoMean(backbone: TorsoBackbone, crops: readonly Uint8Array[]): Promise<Float32Array> {
  if (crops.length === 0) throw new Error('no torso crops to average');
  const sum = new Float64Array(CNN_DIM);
  for (const pooled of await backbone.pool(crops)) {
    for (let c = 0; c < CNN_DIM; c++) sum[c] += pooled[c];
  }
  return Float32Array.from(sum, (v) => v / crops.length);
}

/** A short, stable fingerprint of a mean vector (its float32 bytes), so that a new mean makes a new model id. */
export function meanHash(mean: Float32Array): string {
  return createHash('sha256')
    .update(new Uint8Array(mean.buffer, mean.byteOffset, mean.byteLength))
    .digest('hex')
    .slice(0, 8);
}

/** pooled − mean, L2-normalised (a new array). */
export function centre(pooled: Float32Array, mean: Float32Array): Float32Array {
  if (pooled.length !== mean.length) throw new Error(`mean has ${mean.length} values, feature ${pooled.length}`);
  const out = new Float32Array(pooled.length);
  for (let i = 0; i < out.length; i++) out[i] = pooled[i] - mean[i];
  return l2Normalise(out);
}

/** The CNN term alone: centred backbone features of the torso, 120-D, unit length. */
export class CnnTorsoEmbedder implements BodyEmbedder {
  readonly id: string;
  /** meanHash of the mean this embedder subtracts. */
  readonly meanId: string;

  constructor(
    private readonly backbone: TorsoBackbone,
    private readonly mean: Float32Array,
  ) {
    if (mean.length !== CNN_DIM) throw new Error(`the torso mean has ${mean.length} values, not ${CNN_DIM}`);
    this.meanId = meanHash(mean);
    this.id = `centernet120c-v1-${this.meanId}`;
  }

  async embed(image: RgbImage, boxes: readonly Box[]): Promise<Float32Array[]> {
    return this.embedCrops(await cropBoxes(image, boxes, CNN_SIDE));
  }

  /** Embeds 128×128 RGB crops (as made by cropBoxes). */
  async embedCrops(crops: readonly Uint8Array[]): Promise<Float32Array[]> {
    return (await this.backbone.pool(crops)).map((pooled) => centre(pooled, this.mean));
  }
}

/**
 * [a/‖a‖, b/‖b‖] / √2: unit length, and the cosine of two fused vectors is the mean of the two parts' cosines.
 * The parts are normalised here, so callers may pass any non-zero vectors.
 */
export function fuse(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  l2Normalise(out.subarray(0, a.length));
  l2Normalise(out.subarray(a.length));
  for (let i = 0; i < out.length; i++) out[i] *= Math.SQRT1_2;
  return out;
}

/**
 * Clothing colour (2-stripe HSV, 104-D) and the centred CNN term (120-D), each one half of a 224-D unit vector
 * (models.md §4.4: AUC 0.996 vs 0.979 for the histogram alone). The id carries the mean's hash.
 */
export class FusedTorsoEmbedder implements BodyEmbedder {
  readonly id: string;

  constructor(
    private readonly hsv: HsvTorsoEmbedder,
    private readonly cnn: CnnTorsoEmbedder,
  ) {
    this.id = `hsv104+centernet120-v1-${cnn.meanId}`;
  }

  async embed(image: RgbImage, boxes: readonly Box[]): Promise<Float32Array[]> {
    const [colours, features] = await Promise.all([this.hsv.embed(image, boxes), this.cnn.embed(image, boxes)]);
    return colours.map((colour, i) => {
      if (colour.length !== HSV_BINS) throw new Error(`HSV part has ${colour.length} bins, not ${HSV_BINS}`);
      return fuse(colour, features[i]);
    });
  }
}

/** Builds the fused embedder from a backbone session and the torso mean. */
export function createFusedTorsoEmbedder(session: ort.InferenceSession, mean: Float32Array): FusedTorsoEmbedder {
  return new FusedTorsoEmbedder(new HsvTorsoEmbedder(), new CnnTorsoEmbedder(new TorsoBackbone(session), mean));
}
