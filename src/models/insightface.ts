/**
 * Finding a user's InsightFace files in Immich's model cache (file-system look-ups, so here in models/); the
 * sessions are loaded by service/perception.ts and handed to perception/models/insightface.ts.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

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
