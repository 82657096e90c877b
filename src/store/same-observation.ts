import type { Box } from '../types.js';

/** Two boxes of the same photo's same content overlap this much (IoU) when they are the same observation. */
export const SAME_OBSERVATION_IOU = 0.5;

export function iou(a: Box, b: Box): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  const area = (box: Box) => (box[2] - box[0]) * (box[3] - box[1]);
  return inter > 0 ? inter / (area(a) + area(b) - inter) : 0;
}

/** An observation as the pairing sees it: its face box, or for a body seen without a face, its body box. */
export interface BoxedObservation {
  id: number;
  kind: 'face' | 'body';
  box: Box;
}

/**
 * Pairs the observations of two analyses of one photo that are the same face (or the same faceless body): each pair
 * of one kind whose boxes overlap at least SAME_OBSERVATION_IOU, the most overlapping first, each observation in one
 * pair at most (ties: the earlier observation of `before`, then of `after`). Returns before's id → after's id.
 */
export function pairSameObservations(
  before: readonly BoxedObservation[],
  after: readonly BoxedObservation[],
): Map<number, number> {
  const candidates: { from: number; to: number; overlap: number; order: number }[] = [];
  before.forEach((b, i) =>
    after.forEach((a, j) => {
      if (a.kind !== b.kind) return;
      const overlap = iou(b.box, a.box);
      if (overlap >= SAME_OBSERVATION_IOU)
        candidates.push({ from: b.id, to: a.id, overlap, order: i * after.length + j });
    }),
  );
  candidates.sort((x, y) => y.overlap - x.overlap || x.order - y.order);
  const pairs = new Map<number, number>();
  const taken = new Set<number>();
  for (const { from, to } of candidates) {
    if (pairs.has(from) || taken.has(to)) continue;
    pairs.set(from, to);
    taken.add(to);
  }
  return pairs;
}
