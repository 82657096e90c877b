import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Box, Face } from '../types.js';
import { torsoBelowFace } from '../perception/body-regions.js';
import { BACKBONE_MODEL, CNN_DIM, type TorsoBackbone } from '../perception/models/torso-cnn.js';

/** Written by `immich-people models body-mean` into the models folder; never committed (like the weights). */
export const TORSO_MEAN_FILE = 'centernet-torso-mean.json';
export const BODY_MEAN_COMMAND = 'immich-people models body-mean';

/** A torso narrower or shorter than this says too little to be worth a crop (as in observations.ts). */
const MIN_TORSO_SIDE = 12;

export const TorsoMeanSchema = z.object({
  model: z.literal(BACKBONE_MODEL),
  count: z.number().int().positive(),
  mean: z.array(z.number()).length(CNN_DIM),
  source: z.string(),
});
export type TorsoMean = z.infer<typeof TorsoMeanSchema>;

export class MissingTorsoMeanError extends Error {
  constructor(readonly path: string) {
    super(
      `the upper-body embedder 'hsv+cnn' needs the torso mean ${path}, which is missing; run "${BODY_MEAN_COMMAND} [photo folder]" (or set perception.bodies.embedder to 'hsv')`,
    );
    this.name = 'MissingTorsoMeanError';
  }
}

/** Reads and checks a torso-mean file; the vector as float32, ready for CnnTorsoEmbedder. */
export function readTorsoMean(path: string): { mean: Float32Array; file: TorsoMean } {
  if (!existsSync(path)) throw new MissingTorsoMeanError(path);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the torso mean ${path}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = TorsoMeanSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`invalid torso mean ${path} (re-run "${BODY_MEAN_COMMAND}"): ${z.prettifyError(parsed.error)}`);
  }
  return { mean: Float32Array.from(parsed.data.mean), file: parsed.data };
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

/**
 * Face-anchored torsos (models.md §3.6) of the clear faces whose whole torso height, to 2.25 face heights below the
 * chin, lies inside the photo; the sides are clipped. The population the mean and the proxy benchmark are taken over.
 */
export function clearFaceTorsos(faces: readonly Face[], width: number, height: number): Box[] {
  return faces
    .filter((f) => f.quality.clear && f.box[3] + 2.25 * (f.box[3] - f.box[1]) <= height)
    .map((f) => torsoBelowFace(f.box, width, height))
    .filter((t) => t[2] - t[0] >= MIN_TORSO_SIDE && t[3] - t[1] >= MIN_TORSO_SIDE);
}

/** The JSON written for a computed mean; 9 significant digits give back the same float32 values. */
export function torsoMeanJson(mean: Float32Array, count: number, source: string): TorsoMean {
  return { model: BACKBONE_MODEL, count, mean: Array.from(mean, (v) => Number(v.toPrecision(9))), source };
}
