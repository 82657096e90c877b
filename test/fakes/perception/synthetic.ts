/**
 * SyntheticPerception: one face per photo, with a vector drawn around one of N identity centres, so that a library
 * of any size (the 100,000-photo Immich benchmark, the kill -9 test) gives recognition real work without a model
 * or a fixture photo.
 *
 * The photo says which it is by its size alone: photo `index` is `syntheticSize(index)` pixels, which a fake
 * Immich serves as a plain grey preview (tiny, and never resized: previews only shrink above 1440 px), and the
 * perception reads the index back from the decoded image's width and height. Which identity a photo shows and its
 * face's vector follow from (seed, index) alone, in any process.
 *
 * Face model: face = normalise(centre + σ·n), centre and n drawn N(0, I/dim), so two faces of one identity have a
 * cosine of about 1/(1+σ²) (0.73 at the default σ = 0.6, near our embedder's measured same-person mean of 0.71,
 * docs/models.md) and two identities about 0.
 */
import type { Observation, Perception, RgbImage } from '../../../src/types.js';
import { mulberry32 } from '../../helpers/random.js';

export const SYNTHETIC_FACE_MODEL = 'synthetic-face-512';

/** Photo sizes: widths run over WIDTHS values from MIN_EDGE, heights count the rows of that. */
const MIN_EDGE = 64;
const WIDTHS = 256;
/** Photos one process can tell apart: heights stay below the 1440 px where a preview would shrink. */
export const MAX_SYNTHETIC_PHOTOS = WIDTHS * (1440 - MIN_EDGE);

export interface SyntheticOptions {
  /** Identity centres the faces are drawn around. */
  identities: number;
  seed?: number;
  /** Spread of a face around its centre (σ above); default 0.6. */
  sigma?: number;
  dim?: number;
}

/** The pixel size of synthetic photo `index` (0-based). */
export function syntheticSize(index: number): { width: number; height: number } {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_SYNTHETIC_PHOTOS) {
    throw new Error(`synthetic photo index ${index} is outside 0..${MAX_SYNTHETIC_PHOTOS - 1}`);
  }
  return { width: MIN_EDGE + (index % WIDTHS), height: MIN_EDGE + Math.floor(index / WIDTHS) };
}

/** The index of the synthetic photo of this size; throws for any other size. */
export function syntheticIndex(width: number, height: number): number {
  const column = width - MIN_EDGE;
  const row = height - MIN_EDGE;
  if (column < 0 || column >= WIDTHS || row < 0 || row * WIDTHS >= MAX_SYNTHETIC_PHOTOS) {
    throw new Error(`SyntheticPerception: a ${width}×${height} image is no synthetic photo`);
  }
  return row * WIDTHS + column;
}

function mix(seed: number, n: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(n + 1, 0xc2b2ae35)) >>> 0;
}

/** Standard normal draws (Box–Muller). */
function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** The identity photo `index` shows: uniform over the identities, fixed by (seed, index). */
export function syntheticIdentity(index: number, options: SyntheticOptions): number {
  return Math.floor(mulberry32(mix(options.seed ?? 1, index))() * options.identities);
}

/** The one face of every synthetic photo: a frontal face in the middle, 40 % of the shorter side. */
export function syntheticFaceBox(width: number, height: number): [number, number, number, number] {
  const side = Math.round(Math.min(width, height) * 0.4);
  const x1 = Math.round((width - side) / 2);
  const y1 = Math.round((height - side) / 2);
  return [x1, y1, x1 + side, y1 + side];
}

export class SyntheticPerception implements Perception {
  readonly faceModel = SYNTHETIC_FACE_MODEL;
  readonly maxPixels = 100e6;
  private readonly centres = new Map<number, Float32Array>();
  private readonly seed: number;
  private readonly sigma: number;
  private readonly dim: number;
  /** Photos perceived, by index, in call order. */
  readonly perceived: number[] = [];

  constructor(private readonly options: SyntheticOptions) {
    this.seed = options.seed ?? 1;
    this.sigma = options.sigma ?? 0.6;
    this.dim = options.dim ?? 512;
  }

  private draw(seed: number): Float32Array {
    const normal = gaussian(mulberry32(seed));
    const scale = 1 / Math.sqrt(this.dim);
    return Float32Array.from({ length: this.dim }, () => normal() * scale);
  }

  private centre(identity: number): Float32Array {
    let centre = this.centres.get(identity);
    if (!centre) {
      centre = this.draw(mix(this.seed ^ 0x51ed270b, identity));
      this.centres.set(identity, centre);
    }
    return centre;
  }

  /** The face vector of photo `index`, L2-normalised. */
  vector(index: number): Float32Array {
    const centre = this.centre(syntheticIdentity(index, this.options));
    const noise = this.draw(mix(this.seed ^ 0x2545f491, index));
    const v = centre.map((c, k) => c + this.sigma * noise[k]);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  }

  async perceive(image: RgbImage, options: { embeddings?: boolean } = {}): Promise<Observation[]> {
    const index = syntheticIndex(image.width, image.height);
    this.perceived.push(index);
    const box = syntheticFaceBox(image.width, image.height);
    const [x1, y1] = box;
    const side = box[2] - x1;
    const at = (fx: number, fy: number): [number, number] => [x1 + fx * side, y1 + fy * side];
    return [
      {
        face: {
          box,
          score: 0.99,
          landmarks: [at(0.3, 0.35), at(0.7, 0.35), at(0.5, 0.55), at(0.35, 0.75), at(0.65, 0.75)],
          quality: { clear: true, score: 0.9, blur: 200, yaw: 0, size: side },
          ...(options.embeddings === false ? {} : { embedding: { model: this.faceModel, vector: this.vector(index) } }),
        },
      },
    ];
  }
}
