import type {
  AnalyzeOptions,
  DetectedFace,
  Face,
  FaceAnalyzer,
  FaceDetector,
  FaceEmbedder,
  RgbImage,
} from '../types.js';
import { ALIGNED_SIZE, alignFace } from './image/align.js';
import { assessFace, DEFAULT_QUALITY, type QualityThresholds } from './quality.js';

export type Stage = 'decode' | 'detect' | 'landmarks' | 'align' | 'embed';
export type StageTimer = (stage: Stage, ms: number) => void;

/** An embedder that can reuse crops already aligned for the quality measure (all of ours can). */
interface CropEmbedder extends FaceEmbedder {
  embedAligned(crops: readonly Uint8Array[]): Promise<Float32Array[]>;
}

function takesCrops(embedder: FaceEmbedder): embedder is CropEmbedder {
  return typeof (embedder as Partial<CropEmbedder>).embedAligned === 'function';
}

/** Detect → align (once) → quality → embed, for one decoded image. */
export class FacePipeline implements FaceAnalyzer {
  constructor(
    readonly detector: FaceDetector,
    readonly embedder: FaceEmbedder,
    private readonly thresholds: QualityThresholds = DEFAULT_QUALITY,
    private readonly timer: StageTimer = () => {},
  ) {}

  async analyze(image: RgbImage, options: AnalyzeOptions = { embeddings: true }): Promise<Face[]> {
    const detected: DetectedFace[] = await this.detector.detect(image);
    let start = performance.now();
    const masks = detected.map(() => new Uint8Array(ALIGNED_SIZE * ALIGNED_SIZE));
    const crops = detected.map((face, i) => alignFace(image, face.landmarks, ALIGNED_SIZE, masks[i]));
    this.timer('align', performance.now() - start);

    const faces: Face[] = detected.map((face, i) => ({
      ...face,
      quality: assessFace({ ...face, aligned: crops[i], inside: masks[i] }, this.thresholds),
    }));
    if (!options.embeddings || faces.length === 0) return faces;

    start = performance.now();
    const vectors = takesCrops(this.embedder)
      ? await this.embedder.embedAligned(crops)
      : await this.embedder.embed(image, detected);
    this.timer('embed', performance.now() - start);
    faces.forEach((face, i) => (face.embedding = { model: this.embedder.id, vector: vectors[i] }));
    return faces;
  }
}
