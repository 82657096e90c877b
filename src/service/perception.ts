import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { resolveModelsDir } from '../config/load.js';
import { loadSession } from '../models/session.js';
import { AlignedFaceEmbedder, FACEPLUGIN_FEATURE } from '../perception/models/aligned-embedder.js';
import { FacePipeline, type FaceAnalyzer, type StageTimer } from '../perception/face-pipeline.js';
import { ImmichMlFaceAnalyzer } from '../hosts/immich/ml-client.js';
import { Landmark68 } from '../perception/models/landmarks.js';
import { DEFAULT_ULTRAFACE, UltraFaceDetector } from '../perception/models/ultraface.js';
import { createInsightFacePair } from '../models/insightface.js';
import { HsvTorsoEmbedder } from '../perception/image/clothing.js';
import { NanoDetPersonDetector } from '../perception/models/nanodet.js';
import type { BodyPerception, BodyStage } from '../perception/observations.js';
import { PerceptionPipeline } from '../perception/perceive.js';
import { createFusedTorsoEmbedder } from '../perception/models/torso-cnn.js';
import { readTorsoMean, TORSO_MEAN_FILE } from '../models/torso-mean.js';

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
  const [detect, landmark, feature] = await Promise.all([
    loadSession(join(dir, 'fr_detect.onnx'), threads),
    loadSession(join(dir, 'fr_landmark.onnx'), threads),
    loadSession(join(dir, 'fr_feature.onnx'), threads),
  ]);
  const { minScore, nmsIou, tiles } = config.perception.detector;
  const detector = new UltraFaceDetector(
    detect,
    new Landmark68(landmark),
    { ...DEFAULT_ULTRAFACE, minScore, nmsIou, tiles },
    timer,
  );
  return new FacePipeline(detector, new AlignedFaceEmbedder(feature, FACEPLUGIN_FEATURE), undefined, timer);
}

/** Faces and bodies as the config says, with the decoder's pixel limit: what scan and the sidecar analyse with. */
export async function createPerception(config: Config): Promise<PerceptionPipeline> {
  const [faces, bodies] = await Promise.all([createFacePipeline(config), createBodyPerception(config)]);
  return new PerceptionPipeline(faces, bodies, config.perception.maxInputPixels);
}
