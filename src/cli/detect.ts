import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { loadConfig } from '../config/load.js';
import { walkImages, type SkippedItem } from '../hosts/folder/walk.js';
import { createPerception } from '../service/perception.js';
import { detectFiles, type ImageResult } from '../service/detect.js';
import type { Face, UpperBody } from '../types.js';
import { runCommandLine, UsageError, type Outcome } from './command-runner.js';
import { AtomicFileStream, checkOutputPath, writeLine } from './output-file.js';
import { Progress } from './progress.js';

const round = (value: number, digits: number) => Number(value.toFixed(digits));

function faceJson(face: Face, embeddings: boolean) {
  return {
    box: face.box.map((v) => round(v, 1)),
    score: round(face.score, 4),
    landmarks: face.landmarks.map(([x, y]) => [round(x, 1), round(y, 1)]),
    quality: face.quality,
    ...(embeddings && face.embedding
      ? { model: face.embedding.model, embedding: Array.from(face.embedding.vector, (v) => round(v, 6)) }
      : {}),
  };
}

function upperBodyJson(body: UpperBody, embeddings: boolean) {
  return {
    box: body.box.map((v) => round(v, 1)),
    score: round(body.score, 4),
    source: body.source,
    ...(embeddings && body.embedding
      ? { model: body.embedding.model, embedding: Array.from(body.embedding.vector, (v) => round(v, 6)) }
      : {}),
  };
}

/** `faces` stays as the face-only view; `observations` pairs each face with its upper body and adds body-only ones. */
export function resultJson(result: ImageResult, embeddings: boolean) {
  if ('error' in result) return { file: result.file, faces: [], observations: [], error: result.error };
  return {
    file: result.file,
    width: result.width,
    height: result.height,
    faces: result.faces.map((face) => faceJson(face, embeddings)),
    observations: result.observations.map((o) => ({
      face: o.face ? faceJson(o.face, embeddings) : null,
      upperBody: o.upperBody ? upperBodyJson(o.upperBody, embeddings) : null,
    })),
  };
}

/** `immich-people detect <paths...>`: one JSON line per image on stdout, or atomically into --out. */
export function detectCli(outcome: Outcome): CommandUnknownOpts {
  return new Command('detect')
    .description('faces and upper bodies of photos, one JSON line per image')
    .argument('<paths...>', 'photos, or folders walked recursively')
    .option('--embeddings', 'add each face and body embedding')
    .option('--out <file>', 'write the JSON Lines to this file (whole or not at all) instead of stdout')
    .action(async (paths, options) => {
      outcome.code = await detect(paths, { embeddings: options.embeddings ?? false, out: options.out });
    });
}

export function detectCommand(args: readonly string[]): Promise<number> {
  return runCommandLine([detectCli], ['detect', ...args]);
}

async function detect(paths: readonly string[], options: { embeddings: boolean; out?: string }): Promise<number> {
  const outPath = options.out === undefined ? null : await checkOutputPath(options.out, '--out');
  let files: string[];
  let skipped: SkippedItem[];
  try {
    ({ files, skipped } = await walkImages(paths));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const config = loadConfig();
  const perception = await createPerception(config);

  const file = outPath === null ? null : new AtomicFileStream(outPath);
  const out = file?.stream ?? process.stdout;
  const progress = new Progress(files.length);
  let failed = 0;
  let faces = 0;
  let done = 0;
  try {
    // what the walk never opened (a FIFO, an unreadable folder) is reported like a file that failed
    for (const item of skipped) {
      failed++;
      const line = { file: item.path, faces: [], observations: [], error: item.reason };
      await writeLine(out, `${JSON.stringify(line)}\n`);
    }
    for await (const result of detectFiles(files, perception, { embeddings: options.embeddings })) {
      if ('error' in result) failed++;
      faces += result.faces.length;
      await writeLine(out, `${JSON.stringify(resultJson(result, options.embeddings))}\n`);
      progress.update(++done, result.file);
    }
    await file?.commit();
  } catch (error) {
    await file?.abort();
    throw error;
  }
  progress.done();
  process.stderr.write(`${files.length + skipped.length} images, ${faces} faces, ${failed} failed\n`);
  return 0;
}
