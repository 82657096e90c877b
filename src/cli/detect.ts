import { createWriteStream, type WriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { listImages } from '../hosts/folder/walk.js';
import { createPerception } from '../service/perception.js';
import { detectFiles, type ImageResult } from '../service/detect.js';
import type { Face, UpperBody } from '../types.js';
import { Progress } from './progress.js';

const USAGE = 'usage: immich-people detect <file|dir>... [--embeddings] [--out file.jsonl]\n';

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

function write(stream: NodeJS.WritableStream, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.write(line)) resolve();
    else stream.once('drain', resolve).once('error', reject);
  });
}

export async function detectCommand(args: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { embeddings: { type: 'boolean', default: false }, out: { type: 'string' } },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (parsed.positionals.length === 0) {
    process.stderr.write(USAGE);
    return 2;
  }
  let files: string[];
  try {
    files = await listImages(parsed.positionals);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const config = loadConfig();
  const perception = await createPerception(config);
  const embeddings = parsed.values.embeddings ?? false;

  const out: NodeJS.WritableStream = parsed.values.out ? createWriteStream(parsed.values.out) : process.stdout;
  const progress = new Progress(files.length);
  let failed = 0;
  let faces = 0;
  let done = 0;
  for await (const result of detectFiles(files, perception, { embeddings })) {
    if ('error' in result) failed++;
    faces += result.faces.length;
    await write(out, `${JSON.stringify(resultJson(result, embeddings))}\n`);
    progress.update(++done, result.file);
  }
  progress.done();
  if (out !== process.stdout) await new Promise<void>((resolve) => (out as WriteStream).end(resolve));
  process.stderr.write(`${files.length} images, ${faces} faces, ${failed} failed\n`);
  return 0;
}
