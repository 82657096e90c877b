/**
 * RecordedPerception: a Perception that replays recorded.json, the real models' observations of the fixture
 * photos, so that service and sidecar tests run without ONNX. It recognises a fixture by its picture, so it works
 * on the photo decoded from the file and on the fake Immich's re-encoded, resized preview alike.
 */
import type { Box, Embedding, Observation, PerceiveOptions, Perception, Point, RgbImage } from '../../../src/types.js';
import { readRecording, type RecordedImage, type Recording } from './recording.js';
import { aspectDifference, imageSignature, signatureDistance } from './signature.js';

export { readRecording, RECORDING_FILE, type RecordedImage, type Recording } from './recording.js';
export { imageSignature, signatureDistance } from './signature.js';

/**
 * Farthest a picture may be from a recording, in grey levels per signature cell, and still be that photo.
 * Re-encoding at q60–q80 and halving move a fixture by at most ~1.3; two different fixtures are ≥ 15 apart.
 */
export const MAX_SIGNATURE_DISTANCE = 5;
/** Largest relative difference of aspect ratios that is still rounding from a resize (1 px in 100). */
export const MAX_ASPECT_DIFFERENCE = 0.01;

export interface RecordedMatch {
  image: RecordedImage;
  /** signatureDistance to the recorded picture */
  distance: number;
}

export class RecordedPerception implements Perception {
  readonly faceModel: string;
  readonly maxPixels = 100e6;
  /** The recorded path of each image perceived, in call order: tests assert "analysed once" with it. */
  readonly perceived: string[] = [];
  private readonly recording: Recording;

  /** Replays `recording`, by default the committed recorded.json. */
  constructor(recording: Recording = readRecording()) {
    this.recording = recording;
    this.faceModel = recording.faceModel;
  }

  /** How many times perceive() was called. */
  get calls(): number {
    return this.perceived.length;
  }

  /** The recorded fixture this picture is; throws, naming the nearest, when it is none of them. */
  identify(image: RgbImage): RecordedMatch {
    const signature = imageSignature(image);
    const ranked = this.recording.images
      .map((recorded) => ({ image: recorded, distance: signatureDistance(signature, recorded.signature) }))
      .sort((a, b) => a.distance - b.distance);
    const match = ranked.find((m) => aspectDifference(m.image, image) <= MAX_ASPECT_DIFFERENCE);
    if (match && match.distance <= MAX_SIGNATURE_DISTANCE) return match;
    const nearest = ranked[0];
    const shape = (s: { width: number; height: number }) => `${s.width}×${s.height}`;
    throw new Error(
      `RecordedPerception: this ${shape(image)} image is no recorded fixture photo. Nearest picture: ` +
        `${nearest?.image.path ?? '(none recorded)'} (${nearest ? shape(nearest.image) : '-'}), ` +
        `distance ${nearest?.distance.toFixed(2) ?? '-'}` +
        (match && match !== nearest
          ? `; nearest of the same shape: ${match.image.path}, ${match.distance.toFixed(2)}`
          : '') +
        ` (a match is ≤ ${MAX_SIGNATURE_DISTANCE} with an aspect ratio within ${MAX_ASPECT_DIFFERENCE * 100}%). ` +
        'Perceive only fixtures under people/, groups/ or no_face/, or re-record (test/fakes/perception/README.md).',
    );
  }

  async perceive(image: RgbImage, options: PerceiveOptions = {}): Promise<Observation[]> {
    const { image: recorded } = this.identify(image);
    this.perceived.push(recorded.path);
    const scale = { x: image.width / recorded.width, y: image.height / recorded.height };
    const embeddings = options.embeddings ?? true;
    return recorded.observations.map((o) => scaleObservation(o, scale, embeddings));
  }
}

interface Scale {
  x: number;
  y: number;
}

const scaleBox = ([x1, y1, x2, y2]: Box, s: Scale): Box => [x1 * s.x, y1 * s.y, x2 * s.x, y2 * s.y];
const scalePoint = ([x, y]: Point, s: Scale): Point => [x * s.x, y * s.y];
const copyEmbedding = (e: Embedding): Embedding => ({ model: e.model, vector: new Float32Array(e.vector) });

/** A deep copy in the given image's pixels; embeddings copied as recorded, or left out. */
function scaleObservation({ face, upperBody }: Observation, s: Scale, embeddings: boolean): Observation {
  const copy: Observation = {};
  if (face) {
    const { box, score, landmarks, quality, embedding } = face;
    copy.face = {
      box: scaleBox(box, s),
      score,
      landmarks: landmarks.map((p) => scalePoint(p, s)) as typeof landmarks,
      // size is the box's shorter side; blur and yaw are measured on the aligned crop, which resizing keeps
      quality: {
        ...quality,
        size: s.x === 1 && s.y === 1 ? quality.size : Math.round(quality.size * Math.min(s.x, s.y)),
      },
      ...(embeddings && embedding ? { embedding: copyEmbedding(embedding) } : {}),
    };
  }
  if (upperBody) {
    const { box, score, source, embedding } = upperBody;
    copy.upperBody = {
      box: scaleBox(box, s),
      score,
      source,
      ...(embeddings && embedding ? { embedding: copyEmbedding(embedding) } : {}),
    };
  }
  return copy;
}
