import type { FaceAnalyzer, Observation, Perception, PerceiveOptions, RgbImage } from '../types.js';
import { observe, type BodyPerception } from './observations.js';

/**
 * Bump when a change alters what perception returns from the same models and settings (which tiles run, how crops
 * are cut, the quality measures), so that caches of its results keyed on models and settings (the eval's) miss. The
 * eval's cache had none: entries written by earlier perception code (the cache predated issue 15's tile policy) were
 * still read, and 165 of the dev set's 3,915 photos were scored on faces the current code does not return
 * (2026-12-07).
 */
export const PERCEPTION_REVISION = 2;

/** Faces (with their upper bodies when body perception is on) from one decoded image: the Perception port. */
export class PerceptionPipeline implements Perception {
  readonly faceModel: string;

  constructor(
    readonly faces: FaceAnalyzer,
    readonly bodies: BodyPerception | null,
    readonly maxPixels: number,
  ) {
    this.faceModel = faces.embedder.id;
  }

  /** Faces with embeddings, each paired with its upper body, and body-only people. */
  async perceive(image: RgbImage, options: PerceiveOptions = {}): Promise<Observation[]> {
    const embeddings = options.embeddings ?? true;
    const faces = await this.faces.analyze(image, { embeddings });
    return this.bodies ? observe(image, faces, this.bodies, { embeddings }) : faces.map((face) => ({ face }));
  }
}
