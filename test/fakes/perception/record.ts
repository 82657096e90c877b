/**
 * Runs a real Perception over every fixture photo under people/, groups/ and no_face/ and returns what it saw.
 * record.test.ts calls this with the ONNX pipeline and writes recorded.json (see README.md).
 */
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { decodeImage } from '../../../src/perception/image/decode.js';
import type { Perception } from '../../../src/types.js';
import type { RecordedImage, Recording } from './recording.js';
import { imageSignature } from './signature.js';

export const RECORDED_FOLDERS = ['people', 'groups', 'no_face'] as const;

/** Every image file under the recorded folders, relative to `fixtures`, with `/` separators, sorted. */
export function fixtureImages(fixtures: string): string[] {
  const files = RECORDED_FOLDERS.flatMap((folder) =>
    readdirSync(join(fixtures, folder), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && /\.(jpe?g|png|webp)$/i.test(entry.name))
      .map((entry) => relative(fixtures, join(entry.parentPath, entry.name)).split(sep).join('/')),
  );
  return files.sort();
}

/** Decodes each fixture as the scanner does (the project decoder, upright) and records its observations. */
export async function recordFixtures(perception: Perception, fixtures: string): Promise<Recording> {
  const images: RecordedImage[] = [];
  for (const path of fixtureImages(fixtures)) {
    const image = await decodeImage(join(fixtures, path), { maxPixels: perception.maxPixels });
    images.push({
      path,
      width: image.width,
      height: image.height,
      signature: imageSignature(image),
      observations: await perception.perceive(image),
    });
  }
  return { faceModel: perception.faceModel, images };
}
