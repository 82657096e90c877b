/**
 * The composition root of perception: reads the Config, finds the model files (models/), loads each ONNX session
 * once and hands them to perception's adapters. Perception itself never sees the Config or the file system.
 */
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { resolveModelsDir } from '../config/load.js';
import { ImmichMlFaceAnalyzer } from '../hosts/immich/ml-client.js';
import { findInsightFaceModels } from '../models/insightface.js';
import { loadSession, type SessionOptions } from '../models/session.js';
import { readTorsoMean, TORSO_MEAN_FILE } from '../models/torso-mean.js';
import { FacePipeline, type StageTimer } from '../perception/face-pipeline.js';
import { HsvTorsoEmbedder } from '../perception/image/clothing.js';
import { AlignedFaceEmbedder, FACEPLUGIN_FEATURE } from '../perception/models/aligned-embedder.js';
import { insightFacePair } from '../perception/models/insightface.js';
import { Landmark68 } from '../perception/models/landmarks.js';
import { NanoDetPersonDetector } from '../perception/models/nanodet.js';
import { createFusedTorsoEmbedder } from '../perception/models/torso-cnn.js';
import { DEFAULT_ULTRAFACE, TILE_BATCH, UltraFaceDetector } from '../perception/models/ultraface.js';
import type { BodyPerception, BodyStage } from '../perception/observations.js';
import { PerceptionPipeline } from '../perception/perceive.js';
import type { FaceAnalyzer } from '../types.js';

/** Per-stage timers for the benchmarks; each is handed to the pipeline piece that runs those stages. */
export interface PerceptionTimers {
  faces?: StageTimer;
  bodies?: (stage: BodyStage, ms: number) => void;
}

/** Builds the body half of perception when the config enables it. */
export async function createBodyPerception(
  config: Config,
  timer?: (stage: BodyStage, ms: number) => void,
): Promise<BodyPerception | null> {
  const { enabled, minScore, nmsIou, embedder } = config.perception.bodies;
  if (!enabled) return null;
  const dir = resolveModelsDir(config);
  const threads = { intraOpThreads: config.models.intraOpThreads };
  // read the mean first, so that a missing one is reported with the command that makes it
  const mean = embedder === 'hsv+cnn' ? readTorsoMean(join(dir, TORSO_MEAN_FILE)).mean : null;
  const [session, backbone] = await Promise.all([
    loadSession(join(dir, 'nanodet.onnx'), threads),
    mean ? loadSession(join(dir, 'centernet-backbone.onnx'), threads) : null,
  ]);
  return {
    detector: new NanoDetPersonDetector(session, { minScore, nmsIou }),
    embedder: backbone && mean ? createFusedTorsoEmbedder(backbone, mean) : new HsvTorsoEmbedder(),
    timer,
  };
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
  return insightFacePair(modelName, detection, recognition, minScore);
}

/** Builds the face pipeline that the config selects; sessions are created once per process. */
export async function createFacePipeline(config: Config, timer?: StageTimer): Promise<FaceAnalyzer> {
  const threads = { intraOpThreads: config.models.intraOpThreads };
  if (config.perception.faceBackend === 'immich-ml') {
    const { url, modelName, minScore } = config.perception.immichMl;
    if (!url) throw new Error('faceBackend "immich-ml" needs perception.immichMl.url (IMMICH_ML_URL)');
    return new ImmichMlFaceAnalyzer(url, modelName, minScore);
  }
  if (config.perception.faceBackend === 'onnx') {
    const { detector, embedder } = await createInsightFacePair(config, threads);
    return new FacePipeline(detector, embedder, undefined, timer);
  }
  const dir = resolveModelsDir(config);
  const detectPath = join(dir, 'fr_detect.onnx');
  // the full frame on one thread, tiles in batches on the configured threads (TileRunner says why)
  const [detect, detectTiles, landmark, feature] = await Promise.all([
    loadSession(detectPath, { intraOpThreads: 1 }),
    threads.intraOpThreads > 1 ? loadSession(detectPath, threads) : null,
    loadSession(join(dir, 'fr_landmark.onnx'), threads),
    loadSession(join(dir, 'fr_feature.onnx'), threads),
  ]);
  const { minScore, nmsIou, tiles } = config.perception.detector;
  const detector = new UltraFaceDetector(
    detect,
    new Landmark68(landmark),
    { ...DEFAULT_ULTRAFACE, minScore, nmsIou, tiles },
    timer,
    detectTiles ? { session: detectTiles, batch: TILE_BATCH } : undefined,
  );
  return new FacePipeline(detector, new AlignedFaceEmbedder(feature, FACEPLUGIN_FEATURE), undefined, timer);
}

/**
 * Faces and bodies as the config says, with the decoder's pixel limit: what scan, detect and the sidecar analyse
 * with. `timers` (optional) receive each stage's time, as the benchmarks want.
 */
export async function createPerception(config: Config, timers: PerceptionTimers = {}): Promise<PerceptionPipeline> {
  const [faces, bodies] = await Promise.all([
    createFacePipeline(config, timers.faces),
    createBodyPerception(config, timers.bodies),
  ]);
  return new PerceptionPipeline(faces, bodies, config.perception.maxInputPixels);
}
