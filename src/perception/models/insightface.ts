import type * as ort from 'onnxruntime-node';
import { AlignedFaceEmbedder, arcFaceSpec } from './aligned-embedder.js';
import { ScrfdDetector } from './scrfd.js';

/**
 * The `onnx` face backend from already-loaded sessions: a user's InsightFace SCRFD detector and ArcFace recogniser
 * (found by models/insightface.ts). Their ids name the model pack, so vectors of two packs are never compared.
 */
export function insightFacePair(
  modelName: string,
  detection: ort.InferenceSession,
  recognition: ort.InferenceSession,
  minScore: number,
): { detector: ScrfdDetector; embedder: AlignedFaceEmbedder } {
  return {
    detector: new ScrfdDetector(`insightface-${modelName}-detection`, detection, { minScore, nmsIou: 0.4 }),
    embedder: new AlignedFaceEmbedder(recognition, arcFaceSpec(`insightface-${modelName}-recognition`)),
  };
}
