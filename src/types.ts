/** Types shared by every stage. Coordinates are pixels of the upright (EXIF-rotated) image. */

export type Box = [x1: number, y1: number, x2: number, y2: number];
export type Point = [x: number, y: number];

/** A decoded image: 8-bit sRGB, 3 channels, row-major, interleaved RGBRGB… */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** An L2-normalised vector and the id of the model that made it. Never compare vectors of two models. */
export interface Embedding {
  readonly model: string;
  readonly vector: Float32Array;
}

export interface FaceQuality {
  /** true when the face is good enough to seed or join an identity. */
  clear: boolean;
  /** 0..1, higher is better; a soft summary of the measures below. */
  score: number;
  /** Variance of the Laplacian of the aligned 112×112 grey crop. */
  blur: number;
  /** Estimated head yaw in degrees from the landmarks; 0 is frontal, sign is image-left/right. */
  yaw: number;
  /** Face size in pixels: the shorter side of the box. */
  size: number;
}

/** Five points in ArcFace order: eye L, eye R, nose, mouth L, mouth R (image-left / image-right). */
export type FiveLandmarks = [Point, Point, Point, Point, Point];

export interface DetectedFace {
  box: Box;
  score: number;
  landmarks: FiveLandmarks;
}

export interface Face extends DetectedFace {
  quality: FaceQuality;
  embedding?: Embedding;
}

export interface UpperBody {
  box: Box;
  /** The person detector's score, or the face's score for a body anchored on a face. */
  score: number;
  /** 'person': found by the person detector; 'face': placed below a face that no person detection matched. */
  source: 'person' | 'face';
  embedding?: Embedding;
}

/** Who put an observation on its person: the clustering, incremental assignment, or the user (whose word stands). */
export type AssignedBy = 'cluster' | 'assign' | 'user';

/** One person seen in one image. At least one of the two is present. */
export interface Observation {
  face?: Face;
  upperBody?: UpperBody;
}

export interface FaceDetector {
  readonly id: string;
  detect(image: RgbImage): Promise<DetectedFace[]>;
}

/** Embeds faces from their five landmarks; one batched call per image. Vectors are L2-normalised. */
export interface FaceEmbedder {
  readonly id: string;
  embed(image: RgbImage, faces: readonly DetectedFace[]): Promise<Float32Array[]>;
}

export interface AnalyzeOptions {
  embeddings: boolean;
}

/**
 * Anything that turns a decoded image into faces: our detector + embedder (perception/face-pipeline.ts), or
 * Immich's ML service (hosts/immich/ml-client.ts). Here, not in perception, so that hosts implement it from types.
 */
export interface FaceAnalyzer {
  /** `embedder.id` tags every vector it makes. */
  readonly embedder: { readonly id: string };
  analyze(image: RgbImage, options?: AnalyzeOptions): Promise<Face[]>;
}

export interface PersonDetector {
  readonly id: string;
  detect(image: RgbImage): Promise<{ box: Box; score: number }[]>;
}

export interface BodyEmbedder {
  readonly id: string;
  embed(image: RgbImage, boxes: readonly Box[]): Promise<Float32Array[]>;
}

export interface PerceiveOptions {
  /** false: boxes, landmarks and quality only (detect without --embeddings); true by default. */
  embeddings?: boolean;
}

/**
 * The perception port: one decoded image in, its observations out. Built once per process (sessions are loaded
 * once); the engine, `detect` and the benchmarks all call this one method.
 */
export interface Perception {
  /** The id of the face model whose vectors `perceive` makes; asked once by the engine and the store. */
  readonly faceModel: string;
  /** The decoder's pixel limit (decompression-bomb guard). */
  readonly maxPixels: number;
  perceive(image: RgbImage, options?: PerceiveOptions): Promise<Observation[]>;
}

/**
 * A block product for the k-nearest tables: for each of `nq` query rows (row-major in `queries`), the positions
 * (0..nc-1) of its min(k, nc) candidate rows with the largest dot product, largest first; the result is nq·k long
 * and -1 pads. Recognition's IVF search takes one (recognition/ivf.ts); models/top-dot.ts makes one on onnxruntime.
 */
export type TopDotKernel = (
  queries: Float32Array,
  nq: number,
  candidates: Float32Array,
  nc: number,
  dim: number,
  k: number,
) => Promise<Int32Array>;
