import type { AssetFaceResponseDto } from '@immich/sdk';
import { iou } from '../../perception/image/geometry.js';
import type { Box } from '../../types.js';

/** Immich's own rule for "the same face" (re-detection reconciliation): IoU above 0.5. */
export const SAME_FACE_IOU = 0.5;

/** An Immich face's box in the pixel space of an image `width` wide (Immich stores boxes in its preview's space). */
export function immichBox(face: AssetFaceResponseDto, width: number, height: number): Box {
  const sx = face.imageWidth > 0 ? width / face.imageWidth : 1;
  const sy = face.imageHeight > 0 ? height / face.imageHeight : 1;
  return [face.boundingBoxX1 * sx, face.boundingBoxY1 * sy, face.boundingBoxX2 * sx, face.boundingBoxY2 * sy];
}

/** The Immich face that is the same as `box` (best IoU ≥ 0.5), if any. */
export function matchFace(
  box: Box,
  faces: readonly AssetFaceResponseDto[],
  width: number,
  height: number,
): AssetFaceResponseDto | undefined {
  let best: AssetFaceResponseDto | undefined;
  let bestIou = SAME_FACE_IOU;
  for (const face of faces) {
    const overlap = iou(box, immichBox(face, width, height));
    if (overlap >= bestIou) {
      best = face;
      bestIou = overlap;
    }
  }
  return best;
}
