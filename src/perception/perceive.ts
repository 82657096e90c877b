import type { Observation, RgbImage } from '../types.js';
import type { FaceAnalyzer } from './face-pipeline.js';
import { observe, type BodyPerception } from './observations.js';

/** Everything perception needs, built once per process from config. */
export interface Perception {
  faces: FaceAnalyzer;
  bodies: BodyPerception | null;
  maxPixels: number;
}

/** One decoded image → observations: faces with embeddings, each paired with its upper body, and body-only people. */
export async function perceive(perception: Perception, image: RgbImage): Promise<Observation[]> {
  const faces = await perception.faces.analyze(image, { embeddings: true });
  return perception.bodies
    ? observe(image, faces, perception.bodies, { embeddings: true })
    : faces.map((face) => ({ face }));
}
