import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { loadSession, type SessionOptions } from './session.js';
import { AlignedFaceEmbedder, arcFaceSpec } from '../perception/models/aligned-embedder.js';
import { ScrfdDetector } from '../perception/models/scrfd.js';

/** Finds `<dir>/**\/<leaf>/model.onnx` breadth-first, a few levels deep (Immich may add a revision folder). */
function findModel(root: string, leaf: string, depth = 3): string | null {
  const direct = join(root, leaf, 'model.onnx');
  if (existsSync(direct)) return direct;
  if (depth === 0 || !existsSync(root)) return null;
  for (const entry of readdirSync(root).sort()) {
    const child = join(root, entry);
    if (statSync(child).isDirectory()) {
      const found = findModel(child, leaf, depth - 1);
      if (found) return found;
    }
  }
  return null;
}

export interface InsightFacePaths {
  detection: string;
  recognition: string;
}

/** Locates SCRFD and ArcFace inside Immich's model cache: facial-recognition/<name>/{detection,recognition}/model.onnx. */
export function findInsightFaceModels(modelCache: string, modelName: string): InsightFacePaths {
  const root = join(modelCache, 'facial-recognition', modelName);
  const detection = findModel(root, 'detection');
  const recognition = findModel(root, 'recognition');
  if (!detection || !recognition) {
    throw new Error(
      `no ${modelName} models under ${root} (expected detection/model.onnx and recognition/model.onnx); ` +
        `mount Immich's model-cache volume read-only and set perception.onnx.modelCache, or use faceBackend "embedded"`,
    );
  }
  return { detection, recognition };
}

/**
 * The `onnx` face backend: a user's InsightFace SCRFD + ArcFace files. Their weights are licensed for
 * non-commercial research only, so they are read in place from the user's volume and never copied.
 */
export async function createInsightFacePair(config: Config, threads: SessionOptions) {
  const { modelCache, modelName, minScore } = config.perception.onnx;
  if (!modelCache) throw new Error('faceBackend "onnx" needs perception.onnx.modelCache (IMMICH_PEOPLE_MODEL_CACHE)');
  const paths = findInsightFaceModels(modelCache, modelName);
  const [detection, recognition] = await Promise.all([
    loadSession(paths.detection, threads),
    loadSession(paths.recognition, threads),
  ]);
  return {
    detector: new ScrfdDetector(`insightface-${modelName}-detection`, detection, { minScore, nmsIou: 0.4 }),
    embedder: new AlignedFaceEmbedder(recognition, arcFaceSpec(`insightface-${modelName}-recognition`)),
  };
}
