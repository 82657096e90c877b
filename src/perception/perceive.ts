import type { FaceAnalyzer, Observation, Perception, PerceiveOptions, RgbImage } from '../types.js';
import { observe, type BodyPerception } from './observations.js';

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
