/**
 * The file format of recorded.json: the real perception's observations of every fixture photo, written by
 * record.ts and replayed by RecordedPerception. Vectors are the exact Float32Array bytes in base64; pixel
 * coordinates are rounded to 1/100 px and scores to 1e-6, which replay returns as they are.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Box, Embedding, FiveLandmarks, Observation, Point } from '../../../src/types.js';
import { SIGNATURE_SIDE } from './signature.js';

export const RECORDING_FILE = join(dirname(fileURLToPath(import.meta.url)), 'recorded.json');
export const RECORDING_VERSION = 1;

/** One fixture photo as the recorder decoded and perceived it. */
export interface RecordedImage {
  /** Path relative to the fixture folder, e.g. `people/obama/obama_1.jpg`. */
  path: string;
  /** Size of the upright decoded image, the space of every box and landmark below. */
  width: number;
  height: number;
  /** imageSignature() of the decoded image. */
  signature: number[];
  observations: Observation[];
}

export interface Recording {
  faceModel: string;
  images: RecordedImage[];
}

interface StoredEmbedding {
  model: string;
  /** base64 of the Float32Array's bytes (little-endian) */
  vector: string;
}
interface StoredObservation {
  face?: {
    box: number[];
    score: number;
    landmarks: number[][];
    quality: { clear: boolean; score: number; blur: number; yaw: number; size: number };
    embedding?: StoredEmbedding;
  };
  upperBody?: { box: number[]; score: number; source: 'person' | 'face'; embedding?: StoredEmbedding };
}
interface StoredImage {
  path: string;
  width: number;
  height: number;
  /** base64 of the SIGNATURE_SIDE² grey cells, one byte each */
  signature: string;
  observations: StoredObservation[];
}
interface StoredRecording {
  version: number;
  signatureSide: number;
  faceModel: string;
  images: StoredImage[];
}

const px = (v: number): number => Math.round(v * 100) / 100;
const fraction = (v: number): number => Math.round(v * 1e6) / 1e6;

function storeEmbedding(e: Embedding | undefined): StoredEmbedding | undefined {
  if (!e) return undefined;
  return {
    model: e.model,
    vector: Buffer.from(e.vector.buffer, e.vector.byteOffset, e.vector.byteLength).toString('base64'),
  };
}

function loadEmbedding(e: StoredEmbedding | undefined): Embedding | undefined {
  if (!e) return undefined;
  const bytes = new Uint8Array(Buffer.from(e.vector, 'base64')); // a fresh, aligned copy
  return { model: e.model, vector: new Float32Array(bytes.buffer, 0, bytes.byteLength / 4) };
}

function storeObservation({ face, upperBody }: Observation): StoredObservation {
  const stored: StoredObservation = {};
  if (face) {
    const { clear, score, blur, yaw, size } = face.quality;
    stored.face = {
      box: face.box.map(px),
      score: fraction(face.score),
      landmarks: face.landmarks.map((p) => p.map(px)),
      quality: { clear, score: fraction(score), blur: px(blur), yaw: px(yaw), size },
      embedding: storeEmbedding(face.embedding),
    };
  }
  if (upperBody) {
    stored.upperBody = {
      box: upperBody.box.map(px),
      score: fraction(upperBody.score),
      source: upperBody.source,
      embedding: storeEmbedding(upperBody.embedding),
    };
  }
  return stored;
}

function loadObservation({ face, upperBody }: StoredObservation): Observation {
  const observation: Observation = {};
  if (face) {
    const embedding = loadEmbedding(face.embedding);
    observation.face = {
      box: face.box as Box,
      score: face.score,
      landmarks: face.landmarks.map((p) => p as Point) as FiveLandmarks,
      quality: { ...face.quality },
      ...(embedding ? { embedding } : {}),
    };
  }
  if (upperBody) {
    const embedding = loadEmbedding(upperBody.embedding);
    observation.upperBody = {
      box: upperBody.box as Box,
      score: upperBody.score,
      source: upperBody.source,
      ...(embedding ? { embedding } : {}),
    };
  }
  return observation;
}

/** recorded.json's text: one image per line, so that a re-recording diffs photo by photo. */
export function serializeRecording(recording: Recording): string {
  const images = recording.images.map((image): StoredImage => ({
    path: image.path,
    width: image.width,
    height: image.height,
    signature: Buffer.from(Uint8Array.from(image.signature)).toString('base64'),
    observations: image.observations.map(storeObservation),
  }));
  const header = { version: RECORDING_VERSION, signatureSide: SIGNATURE_SIDE, faceModel: recording.faceModel };
  const lines = images.map((image) => JSON.stringify(image));
  return `${JSON.stringify(header).slice(0, -1)},"images":[\n${lines.join(',\n')}\n]}\n`;
}

export function parseRecording(text: string): Recording {
  const stored = JSON.parse(text) as StoredRecording;
  if (stored.version !== RECORDING_VERSION || stored.signatureSide !== SIGNATURE_SIDE) {
    throw new Error(
      `recording is version ${stored.version} with ${stored.signatureSide}² signatures; this fake reads version ` +
        `${RECORDING_VERSION} with ${SIGNATURE_SIDE}²: re-record it (see test/fakes/perception/README.md)`,
    );
  }
  return {
    faceModel: stored.faceModel,
    images: stored.images.map((image) => ({
      path: image.path,
      width: image.width,
      height: image.height,
      signature: Array.from(Buffer.from(image.signature, 'base64')),
      observations: image.observations.map(loadObservation),
    })),
  };
}

let cached: Recording | undefined;

/** The committed recording, parsed once per test process. */
export function readRecording(file = RECORDING_FILE): Recording {
  if (file !== RECORDING_FILE) return parseRecording(readFileSync(file, 'utf8'));
  cached ??= parseRecording(readFileSync(file, 'utf8'));
  return cached;
}
