import type { FaceQuality, FiveLandmarks } from '../types.js';
import { ALIGNED_SIZE } from './image/align.js';
import { toGrey } from './image/image-ops.js';

export interface QualityThresholds {
  minScore: number;
  minSize: number;
  minBlur: number;
  maxYaw: number;
}

/**
 * Thresholds for `clear`. Each was set on ../shared/fixtures/photos (see the measurements in the README):
 * - minScore 0.95: every real face in people/ and groups/ scores ≥ 0.98; the full-frame false positives that
 *   pass the detector's 0.7 (a painted background in biden_2: 0.90) score lower.
 * - minSize 24 px: models.md §4.1 measured TAR@1e-2 100 % at 36 px and 85.7 % at 20 px; 24 px keeps faces whose
 *   embeddings still verify most of the time.
 * - minBlur 25: Laplacian variance over the inner face of the aligned 112×112 crop. Every face detected in the
 *   fixtures measures 53–3100; the same faces blurred with σ = 2 px at the aligned scale measure about 10, with
 *   σ = 1 px about 42 (still usable for recognition).
 * - maxYaw 50°: past this the far eye is hidden and the landmark fit — so the alignment — breaks down.
 */
export const DEFAULT_QUALITY: QualityThresholds = { minScore: 0.95, minSize: 24, minBlur: 25, maxYaw: 50 };

/** The inner face of the aligned crop (brows to chin, cheek to cheek): background and hair do not count. */
export const FACE_REGION = { left: 24, top: 36, right: 88, bottom: 108 } as const;

/**
 * Variance of the 4-neighbour Laplacian over a window of a grey image: low means blurred. With `inside`, pixels
 * whose neighbourhood reaches outside the photo (the warp's black fill, a false sharp edge) are skipped.
 */
export function laplacianVariance(
  grey: Float32Array,
  width: number,
  height: number,
  window = { left: 0, top: 0, right: width, bottom: height },
  inside?: Uint8Array,
): number {
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = Math.max(1, window.top); y < Math.min(height - 1, window.bottom); y++) {
    for (let x = Math.max(1, window.left); x < Math.min(width - 1, window.right); x++) {
      const i = y * width + x;
      if (inside && !(inside[i] && inside[i - 1] && inside[i + 1] && inside[i - width] && inside[i + width])) continue;
      const v = grey[i - 1] + grey[i + 1] + grey[i - width] + grey[i + width] - 4 * grey[i];
      sum += v;
      sumSq += v * v;
      n++;
    }
  }
  if (n === 0) return 0;
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

/**
 * Yaw in degrees from five landmarks. The nose tip sits in front of the eye plane by about 0.55 of the
 * inter-ocular distance (adult anthropometry: 3.5 cm vs 6.3 cm), so turning the head by θ moves it sideways
 * by d·sin θ while the eyes' projected distance shrinks by cos θ: θ = atan(offset / (0.55 · eyeDistance)),
 * with offset measured from the midline through the eye and mouth centres. Positive = nose towards image right.
 */
export function estimateYaw(landmarks: FiveLandmarks): number {
  const [eyeL, eyeR, nose, mouthL, mouthR] = landmarks;
  const eyeMid = [(eyeL[0] + eyeR[0]) / 2, (eyeL[1] + eyeR[1]) / 2];
  const mouthMid = [(mouthL[0] + mouthR[0]) / 2, (mouthL[1] + mouthR[1]) / 2];
  const axisX = eyeR[0] - eyeL[0];
  const axisY = eyeR[1] - eyeL[1];
  const eyeDistance = Math.hypot(axisX, axisY);
  if (eyeDistance === 0) return 90;
  // midline point level with the nose, interpolated between eye and mouth centres
  const t = 0.5;
  const midX = eyeMid[0] + (mouthMid[0] - eyeMid[0]) * t;
  const midY = eyeMid[1] + (mouthMid[1] - eyeMid[1]) * t;
  const offset = ((nose[0] - midX) * axisX + (nose[1] - midY) * axisY) / eyeDistance;
  return (Math.atan(offset / (0.55 * eyeDistance)) * 180) / Math.PI;
}

export function assessFace(
  input: {
    score: number;
    box: readonly number[];
    landmarks: FiveLandmarks;
    aligned: Uint8Array;
    /** From alignFace: 1 where the crop saw the photo rather than the black fill. */
    inside?: Uint8Array;
  },
  thresholds: QualityThresholds = DEFAULT_QUALITY,
): FaceQuality {
  const size = Math.min(input.box[2] - input.box[0], input.box[3] - input.box[1]);
  const pixels = ALIGNED_SIZE * ALIGNED_SIZE;
  const grey = toGrey(input.aligned, pixels);
  const blur = laplacianVariance(grey, ALIGNED_SIZE, ALIGNED_SIZE, FACE_REGION, input.inside);
  const yaw = estimateYaw(input.landmarks);
  const clear =
    input.score >= thresholds.minScore &&
    size >= thresholds.minSize &&
    blur >= thresholds.minBlur &&
    Math.abs(yaw) <= thresholds.maxYaw;
  // each factor is 1 at or beyond "comfortably good" and falls towards 0 at the threshold's far side
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  const score =
    clamp(input.score) *
    clamp(size / (2 * thresholds.minSize)) *
    clamp(blur / (2 * thresholds.minBlur)) *
    clamp(1 - Math.abs(yaw) / 90);
  return {
    clear,
    score: Math.round(score * 1000) / 1000,
    blur: Math.round(blur * 10) / 10,
    yaw: Math.round(yaw * 10) / 10,
    size: Math.round(size),
  };
}
