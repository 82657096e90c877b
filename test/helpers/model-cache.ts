import { existsSync } from 'node:fs';
import { sourceCachePath } from '../../src/models/fetch.js';
import { findModel, readManifest } from '../../src/models/manifest.js';
import { HAS_MODELS, MODELS_DIR } from './fixtures.js';

/**
 * Where set-up kept the verified original of a converted single-file model (`cacheSources` in the manifest), for
 * tests that compare the conversion against it; null when the models are not fetched or the original is not kept.
 */
export function cachedOriginal(modelId: string): string | null {
  if (!HAS_MODELS) return null;
  const found = findModel(readManifest(MODELS_DIR), modelId);
  if (!found?.file.path) return null;
  const path = sourceCachePath(MODELS_DIR, found.pkg, found.file.path);
  return existsSync(path) ? path : null;
}
