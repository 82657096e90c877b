/**
 * The torso-mean file next to the models: its format, reading it and the JSON written for it. File I/O lives here,
 * in models/; perception receives the mean as a Float32Array (perception/models/torso-cnn.ts computes it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';

/** The manifest id of `centernet-backbone.onnx`: CenterNet-MobileNetV3 cut at expanded_conv_14 (models.md §3.6). */
export const BACKBONE_MODEL = 'centernet-mobilenetv3-backbone-128';
/** The width of the backbone's pooled feature, and so of the mean. */
export const CNN_DIM = 120;

/** Written by `immich-people models body-mean` into the models folder; never committed (like the weights). */
export const TORSO_MEAN_FILE = 'centernet-torso-mean.json';
export const BODY_MEAN_COMMAND = 'immich-people models body-mean';

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

/** The JSON written for a computed mean; 9 significant digits give back the same float32 values. */
export function torsoMeanJson(mean: Float32Array, count: number, source: string): TorsoMean {
  return { model: BACKBONE_MODEL, count, mean: Array.from(mean, (v) => Number(v.toPrecision(9))), source };
}
