import { readFile } from 'node:fs/promises';
import { decodeImage } from '../perception/image/decode.js';
import type { StageTimer } from '../perception/face-pipeline.js';
import type { Face, Observation, Perception, RgbImage } from '../types.js';

export type ImageResult =
  | { file: string; width: number; height: number; faces: Face[]; observations: Observation[] }
  | { file: string; faces: []; observations: []; error: string };

/**
 * Runs perception over files one after another while the next file is read and decoded on libuv's threads, so
 * decoding overlaps inference. A failing image becomes an error result; the run goes on. `faces` is the face-only
 * view of the observations: every face is in exactly one observation, in detection order (perception/observations.ts).
 */
export async function* detectFiles(
  files: readonly string[],
  perception: Perception,
  options: { embeddings: boolean; timer?: StageTimer },
): AsyncGenerator<ImageResult> {
  const timer = options.timer ?? (() => {});
  const load = async (file: string): Promise<RgbImage> => {
    const bytes = await readFile(file);
    const start = performance.now();
    const image = await decodeImage(bytes, { maxPixels: perception.maxPixels });
    timer('decode', performance.now() - start);
    return image;
  };
  const settle = (promise: Promise<RgbImage>) =>
    promise.then(
      (image) => ({ image }),
      (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
    );

  let next = files.length > 0 ? settle(load(files[0])) : null;
  for (let i = 0; i < files.length; i++) {
    const current = await next!;
    next = i + 1 < files.length ? settle(load(files[i + 1])) : null;
    if ('error' in current) {
      yield { file: files[i], faces: [], observations: [], error: current.error };
      continue;
    }
    try {
      const { image } = current;
      const observations = await perception.perceive(image, { embeddings: options.embeddings });
      const faces = observations.flatMap((o) => (o.face ? [o.face] : []));
      yield { file: files[i], width: image.width, height: image.height, faces, observations };
    } catch (error) {
      yield { file: files[i], faces: [], observations: [], error: `analysis failed: ${(error as Error).message}` };
    }
  }
}
