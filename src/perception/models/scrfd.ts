import type * as ort from 'onnxruntime-node';
import { ort as runtime } from '../../models/session.js';
import type { Box, DetectedFace, FaceDetector, FiveLandmarks, RgbImage } from '../../types.js';
import { clipBox, nms } from '../image/geometry.js';
import { resizeRegion, writeChw, type Normalisation } from '../image/image-ops.js';

export const SCRFD_STRIDES = [8, 16, 32] as const;
const ANCHORS = 2;
export const SCRFD_INPUT = 640;
/** InsightFace feeds RGB (x − 127.5)/128; the letterbox padding is black before normalising. */
const NORMALISATION: Normalisation = { mean: [127.5, 127.5, 127.5], std: [128, 128, 128] };

export interface ScrfdOptions {
  /** Immich's default minScore for face detection. */
  minScore: number;
  /** InsightFace scrfd.py's NMS threshold. */
  nmsIou: number;
}

export const DEFAULT_SCRFD: ScrfdOptions = { minScore: 0.7, nmsIou: 0.4 };

/**
 * Decodes SCRFD's nine outputs [score_8, score_16, score_32, bbox_8, bbox_16, bbox_32, kps_8, kps_16, kps_32]
 * (rows of 1 / 4 / 10 values, two anchors per cell) as InsightFace's scrfd.py does: anchor centres (x·s, y·s),
 * box = centre ∓ distance·s, keypoints = centre + offset·s, then divided by the letterbox scale.
 * Returns candidates above minScore, not yet suppressed.
 */
export function decodeScrfd(
  outputs: readonly ArrayLike<number>[],
  inputWidth: number,
  inputHeight: number,
  scale: number,
  minScore: number,
): DetectedFace[] {
  if (outputs.length !== 9) throw new Error(`SCRFD with keypoints has 9 outputs, got ${outputs.length}`);
  const faces: DetectedFace[] = [];
  SCRFD_STRIDES.forEach((stride, level) => {
    const scores = outputs[level];
    const boxes = outputs[level + 3];
    const kps = outputs[level + 6];
    const cols = Math.ceil(inputWidth / stride);
    const rows = Math.ceil(inputHeight / stride);
    const count = rows * cols * ANCHORS;
    if (scores.length !== count || boxes.length !== count * 4 || kps.length !== count * 10) {
      throw new Error(`SCRFD stride ${stride}: output sizes do not match a ${inputWidth}×${inputHeight} input`);
    }
    for (let i = 0; i < count; i++) {
      const score = scores[i];
      if (score < minScore) continue;
      const cell = Math.floor(i / ANCHORS);
      const cx = (cell % cols) * stride;
      const cy = Math.floor(cell / cols) * stride;
      const box: Box = [
        (cx - boxes[4 * i] * stride) / scale,
        (cy - boxes[4 * i + 1] * stride) / scale,
        (cx + boxes[4 * i + 2] * stride) / scale,
        (cy + boxes[4 * i + 3] * stride) / scale,
      ];
      const landmarks = [0, 1, 2, 3, 4].map(
        (k) => [(cx + kps[10 * i + 2 * k] * stride) / scale, (cy + kps[10 * i + 2 * k + 1] * stride) / scale] as const,
      ) as unknown as FiveLandmarks;
      faces.push({ box, score, landmarks });
    }
  });
  return faces;
}

/** The letterbox InsightFace uses: fit inside size×size keeping the aspect, anchored at the top-left. */
export function letterboxSize(width: number, height: number, size = SCRFD_INPUT) {
  const scale = Math.min(size / width, size / height);
  return {
    scale,
    width: Math.max(1, Math.min(size, Math.round(width * scale))),
    height: Math.max(1, Math.min(size, Math.round(height * scale))),
  };
}

/** SCRFD (det_10g, det_500m, scrfd_10g_bnkps…) from a user's model file, e.g. Immich's buffalo_l. */
export class ScrfdDetector implements FaceDetector {
  constructor(
    readonly id: string,
    private readonly session: ort.InferenceSession,
    private readonly options: ScrfdOptions = DEFAULT_SCRFD,
  ) {}

  async detect(image: RgbImage): Promise<DetectedFace[]> {
    const fit = letterboxSize(image.width, image.height);
    const rgb = await resizeRegion(
      image,
      { left: 0, top: 0, width: image.width, height: image.height },
      fit.width,
      fit.height,
    );
    const padded = new Uint8Array(SCRFD_INPUT * SCRFD_INPUT * 3);
    for (let y = 0; y < fit.height; y++) {
      padded.set(rgb.subarray(y * fit.width * 3, (y + 1) * fit.width * 3), y * SCRFD_INPUT * 3);
    }
    const input = writeChw(padded, SCRFD_INPUT * SCRFD_INPUT, NORMALISATION);
    const result = await this.session.run({
      [this.session.inputNames[0]]: new runtime.Tensor('float32', input, [1, 3, SCRFD_INPUT, SCRFD_INPUT]),
    });
    const outputs = this.session.outputNames.map((name) => result[name].data as Float32Array);
    const scale = fit.width / image.width;
    const candidates = decodeScrfd(outputs, SCRFD_INPUT, SCRFD_INPUT, scale, this.options.minScore);
    const kept = nms(
      candidates.map((c) => c.box),
      candidates.map((c) => c.score),
      this.options.nmsIou,
    );
    return kept.map((i) => ({ ...candidates[i], box: clipBox(candidates[i].box, image.width, image.height) }));
  }
}
