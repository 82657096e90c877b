import type { Box } from '../../types.js';

export function boxArea(box: Box): number {
  return Math.max(0, box[2] - box[0]) * Math.max(0, box[3] - box[1]);
}

export function intersectionArea(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

export function iou(a: Box, b: Box): number {
  const inter = intersectionArea(a, b);
  if (inter === 0) return 0;
  return inter / (boxArea(a) + boxArea(b) - inter);
}

export function clipBox(box: Box, width: number, height: number): Box {
  return [
    Math.min(Math.max(box[0], 0), width),
    Math.min(Math.max(box[1], 0), height),
    Math.min(Math.max(box[2], 0), width),
    Math.min(Math.max(box[3], 0), height),
  ];
}

/**
 * Greedy non-maximum suppression. Returns the indices kept, best score first; equal scores keep the lower index.
 * `overlap` decides when two boxes are the same object (IoU by default).
 */
export function nms(
  boxes: readonly Box[],
  scores: ArrayLike<number>,
  threshold: number,
  overlap: (a: Box, b: Box) => number = iou,
): number[] {
  const order = boxes.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const suppressed = new Uint8Array(boxes.length);
  const kept: number[] = [];
  for (const i of order) {
    if (suppressed[i]) continue;
    kept.push(i);
    for (const j of order) {
      if (!suppressed[j] && j !== i && overlap(boxes[i], boxes[j]) > threshold) suppressed[j] = 1;
    }
  }
  return kept;
}
