import type { Box } from '../types.js';
import { boxArea, intersectionArea } from './image/geometry.js';

/**
 * How well a face fits as the head of an upper body, 0 when it cannot be:
 * - overlap: most of the face lies inside the upper-body box (≥ 60 %);
 * - position: the face centre sits in the top part (0–65 % of the height) and near the horizontal middle; in
 *   close-ups the person box is the whole frame and the face centre measured 0.46–0.56 down it on the fixtures;
 * - size: face area is 2–60 % of the upper body's, as for heads on torsos from close-ups to full figures (NanoDet
 *   sometimes boxes only head and shoulders).
 * The score rewards a centred face high in the box with a typical size ratio (~12 %).
 */
export function headFit(face: Box, upper: Box): number {
  const faceArea = boxArea(face);
  const upperArea = boxArea(upper);
  if (faceArea <= 0 || upperArea <= 0) return 0;
  const inside = intersectionArea(face, upper) / faceArea;
  if (inside < 0.6) return 0;
  const w = upper[2] - upper[0];
  const h = upper[3] - upper[1];
  const dx = ((face[0] + face[2]) / 2 - (upper[0] + upper[2]) / 2) / w;
  const dy = ((face[1] + face[3]) / 2 - upper[1]) / h;
  if (Math.abs(dx) > 0.35 || dy < 0 || dy > 0.65) return 0;
  const ratio = faceArea / upperArea;
  if (ratio < 0.02 || ratio > 0.6) return 0;
  const centred = 1 - Math.abs(dx) / 0.35;
  const high = 1 - Math.max(0, dy - 0.25) / 0.45;
  const typical = 1 - Math.abs(Math.log(ratio / 0.12)) / Math.log(0.6 / 0.02);
  return inside * centred * high * Math.max(0.1, typical);
}

/**
 * One-to-one matching of faces to upper bodies by the best total fit: the pairs are taken greedily from the whole
 * score matrix, best first (never first-come by detection order). Returns for each face the index of its body or -1.
 */
export function pairFacesWithBodies(faces: readonly Box[], bodies: readonly Box[]): number[] {
  const candidates: { face: number; body: number; score: number }[] = [];
  faces.forEach((face, f) =>
    bodies.forEach((body, b) => {
      const score = headFit(face, body);
      if (score > 0) candidates.push({ face: f, body: b, score });
    }),
  );
  candidates.sort((a, b) => b.score - a.score || a.face - b.face || a.body - b.body);
  const faceToBody = new Array<number>(faces.length).fill(-1);
  const bodyTaken = new Uint8Array(bodies.length);
  for (const { face, body } of candidates) {
    if (faceToBody[face] !== -1 || bodyTaken[body]) continue;
    faceToBody[face] = body;
    bodyTaken[body] = 1;
  }
  return faceToBody;
}
