import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const PROJECT_ROOT = resolve(here, '../..');
/** Real photos shared by every checkout; never copied into the project. */
export const FIXTURES = resolve(PROJECT_ROOT, '../shared/fixtures/photos');
export const HAS_FIXTURES = existsSync(join(FIXTURES, 'labels.json'));
export const MODELS_DIR = join(PROJECT_ROOT, 'models');
export const HAS_MODELS = ['fr_detect.onnx', 'fr_landmark.onnx', 'fr_feature.onnx'].every((f) =>
  existsSync(join(MODELS_DIR, f)),
);

if (!HAS_FIXTURES) {
  console.warn(`[skip] fixture photos not found at ${FIXTURES}: tests on real photos are skipped`);
}
if (!HAS_MODELS) {
  console.warn(`[skip] models not fetched into ${MODELS_DIR} (run "immich-people models fetch"): model tests skipped`);
}

export interface LabelledPerson {
  identity: string;
  order_ltr?: number;
  nose_xy?: [number, number];
}
export interface Labels {
  images: { file: string; width: number; height: number; people: LabelledPerson[]; face_count?: number }[];
  no_face: string[];
}

export function readLabels(): Labels {
  return JSON.parse(readFileSync(join(FIXTURES, 'labels.json'), 'utf8')) as Labels;
}

export function fixture(path: string): string {
  return join(FIXTURES, path);
}

/** Fixture portraits as Immich assets with readable ids, "<identity>~<n>" → file; every identity when none are given. */
export function portraitAssets(identities?: readonly string[]): Record<string, string> {
  const photos: Record<string, string> = {};
  for (const identity of identities ?? readdirSync(join(FIXTURES, 'people')).sort()) {
    readdirSync(join(FIXTURES, 'people', identity))
      .sort()
      .forEach((file, i) => (photos[`${identity}~${i + 1}`] = fixture(`people/${identity}/${file}`)));
  }
  return photos;
}
