import type { Box, Face } from '../types.js';
import { clipBox } from './image/geometry.js';

/**
 * The upper body inside a person box: the top min(h, max(1.1·w, 0.55·h)) of it (models.md §3.5). A standing person
 * is about 4 widths tall, so this is the head and torso; a seated or cropped one is mostly upper body already.
 */
export function upperBodyOfPerson(person: Box): Box {
  const w = person[2] - person[0];
  const h = person[3] - person[1];
  return [person[0], person[1], person[2], person[1] + Math.min(h, Math.max(1.1 * w, 0.55 * h))];
}

/** The torso inside an upper-body box: its lower 65 %, inner 80 % of the width (no head, little background). */
export function torsoOfUpperBody(upper: Box, width: number, height: number): Box {
  const w = upper[2] - upper[0];
  const h = upper[3] - upper[1];
  return clipBox([upper[0] + 0.1 * w, upper[3] - 0.65 * h, upper[2] - 0.1 * w, upper[3]], width, height);
}

/**
 * The torso below a face: x = centre ± 1.35 face widths, y from 0.25 to 2.25 face heights under the chin
 * (models.md §3.6); clipped to the image, so it may be empty for a face at the bottom edge.
 */
export function torsoBelowFace(face: Box, width: number, height: number): Box {
  const w = face[2] - face[0];
  const h = face[3] - face[1];
  const cx = (face[0] + face[2]) / 2;
  return clipBox([cx - 1.35 * w, face[3] + 0.25 * h, cx + 1.35 * w, face[3] + 2.25 * h], width, height);
}

/** An upper-body box anchored on a face: the head plus that torso, for faces no person detection matched. */
export function upperBodyBelowFace(face: Box, width: number, height: number): Box {
  const torso = torsoBelowFace(face, width, height);
  const h = face[3] - face[1];
  return clipBox([torso[0], face[1] - 0.2 * h, torso[2], torso[3]], width, height);
}

/** A torso narrower or shorter than this says too little to be worth a crop (as in observations.ts). */
const MIN_TORSO_SIDE = 12;

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
