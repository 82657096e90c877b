import { readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { loadConfig, resolveModelsDir } from '../config/load.js';
import { listImages } from '../hosts/folder/walk.js';
import { loadSession } from '../models/session.js';
import { packageRoot } from '../package-root.js';
import { createFacePipeline } from '../service/perception.js';
import { decodeImage } from '../perception/image/decode.js';
import { CNN_SIDE, computeTorsoMean, cropBoxes, meanHash, TorsoBackbone } from '../perception/models/torso-cnn.js';
import { TORSO_MEAN_FILE, torsoMeanJson } from '../models/torso-mean.js';
import { clearFaceTorsos } from '../perception/body-regions.js';

/**
 * `immich-people models body-mean [dir]`: the mean CenterNet-backbone feature over the face-anchored torsos of the
 * clear faces in a folder of photos, written to models/centernet-torso-mean.json for the 'hsv+cnn' body embedder.
 */
export async function computeBodyMean(folder: string | undefined): Promise<number> {
  const root = packageRoot();
  const dir = resolve(folder ?? join(root, '..', 'shared', 'fixtures', 'photos'));
  const config = loadConfig();
  const modelsDir = resolveModelsDir(config);
  const threads = { intraOpThreads: config.models.intraOpThreads };
  const [faces, session] = await Promise.all([
    createFacePipeline(config),
    loadSession(join(modelsDir, 'centernet-backbone.onnx'), threads),
  ]);
  const backbone = new TorsoBackbone(session);

  const files = await listImages([dir]);
  const crops: Uint8Array[] = [];
  let photos = 0;
  for (const file of files) {
    try {
      const image = await decodeImage(await readFile(file), { maxPixels: config.perception.maxInputPixels });
      const torsos = clearFaceTorsos(await faces.analyze(image, { embeddings: false }), image.width, image.height);
      if (torsos.length > 0) photos++;
      crops.push(...(await cropBoxes(image, torsos, CNN_SIDE)));
    } catch (error) {
      process.stderr.write(`skipping ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
  if (crops.length === 0) {
    process.stderr.write(`no clear face with its torso in view among ${files.length} photos in ${dir}\n`);
    return 1;
  }
  const mean = await computeTorsoMean(backbone, crops);
  const shown = relative(root, dir) || '.';
  const json = torsoMeanJson(
    mean,
    crops.length,
    `mean pooled backbone feature of ${crops.length} face-anchored torsos (clear faces, torso inside the photo) from ${photos} of ${files.length} photos in ${shown}`,
  );
  const out = join(modelsDir, TORSO_MEAN_FILE);
  await writeFile(out, `${JSON.stringify(json, null, 2)}\n`);
  // the hash of the values as they will be read back, i.e. the one in the fused embedder's model id
  process.stderr.write(
    `${out}: mean of ${crops.length} torsos from ${photos} photos (model id suffix ${meanHash(Float32Array.from(json.mean))})\n`,
  );
  return 0;
}
