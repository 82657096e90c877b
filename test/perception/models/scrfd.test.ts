import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeScrfd, letterboxSize, SCRFD_INPUT, SCRFD_STRIDES } from '../../../src/perception/models/scrfd.js';
import { loadConfig } from '../../../src/config/load.js';
import { createFacePipeline } from '../../../src/service/perception.js';
import { findInsightFaceModels } from '../../../src/models/insightface.js';
import type { RgbImage } from '../../../src/types.js';
import { tinyModel, type TinyTensor } from '../../helpers/onnx-graph.js';

/** Empty SCRFD outputs for a size×size input, with one face planted at stride 16. */
function plantedOutputs(size: number) {
  const outputs = SCRFD_STRIDES.flatMap(() => [] as Float32Array[]);
  const cells = SCRFD_STRIDES.map((s) => (size / s) * (size / s) * 2);
  const scores = cells.map((n) => new Float32Array(n));
  const boxes = cells.map((n) => new Float32Array(n * 4));
  const kps = cells.map((n) => new Float32Array(n * 10));
  // stride 16, grid 40 wide: cell (x=10, y=5), second anchor → row (5·40 + 10)·2 + 1
  const row = (5 * (size / 16) + 10) * 2 + 1;
  scores[1][row] = 0.9;
  boxes[1].set([2, 3, 4, 5], row * 4); // distances in strides: l, t, r, b
  kps[1].set([-1, -1, 1, -1, 0, 0, -1, 1, 1, 1], row * 10);
  scores[2][0] = 0.3; // below threshold: ignored
  outputs.push(...scores, ...boxes, ...kps);
  return { outputs, scores, boxes, kps };
}

describe('SCRFD decoding', () => {
  it('decodes a planted face exactly: anchor centre (x·s, y·s), box centre ∓ d·s, keypoints centre + k·s', () => {
    const { outputs } = plantedOutputs(640);
    const faces = decodeScrfd(outputs, 640, 640, 0.5, 0.5);
    expect(faces).toHaveLength(1);
    // centre (160, 80); box (160 − 32, 80 − 48, 160 + 64, 80 + 80), then ÷ 0.5
    expect(faces[0].box).toEqual([256, 64, 448, 320]);
    expect(faces[0].score).toBeCloseTo(0.9, 6);
    expect(faces[0].landmarks).toEqual([
      [288, 128],
      [352, 128],
      [320, 160],
      [288, 192],
      [352, 192],
    ]);
  });

  it('refuses outputs that do not match the input size', () => {
    const { outputs } = plantedOutputs(640);
    expect(() => decodeScrfd(outputs, 320, 320, 1, 0.5)).toThrow(/do not match/);
    expect(() => decodeScrfd(outputs.slice(0, 6), 640, 640, 1, 0.5)).toThrow(/9 outputs/);
  });

  it('letterboxes to 640 keeping the aspect', () => {
    expect(letterboxSize(1280, 960)).toEqual({ scale: 0.5, width: 640, height: 480 });
    expect(letterboxSize(300, 600)).toEqual({ scale: 640 / 600, width: 320, height: 640 });
  });
});

describe('the onnx face backend (SCRFD + ArcFace files in an Immich-style model cache)', () => {
  /** Writes facial-recognition/<name>/{detection,recognition}/model.onnx built by the test itself. */
  function fakeModelCache(): { dir: string; weights: Float32Array } {
    const { scores, boxes, kps } = plantedOutputs(SCRFD_INPUT);
    const named = (prefix: string, list: Float32Array[], width: number): TinyTensor[] =>
      list.map((values, i) => ({ name: `${prefix}${SCRFD_STRIDES[i]}`, dims: [values.length / width, width], values }));
    const constants = [...named('score_', scores, 1), ...named('bbox_', boxes, 4), ...named('kps_', kps, 10)];
    const detection = tinyModel({
      inputs: [{ name: 'input.1', dims: [1, 3, 'H', 'W'] }],
      outputs: constants.map((c) => ({ name: `out_${c.name}`, dims: c.dims })),
      constants,
      nodes: constants.map((c) => ({ op: 'Identity', inputs: [c.name], outputs: [`out_${c.name}`] })),
    });
    // ArcFace stand-in: global average of each channel, times a 3×4 matrix: output = mean(normalised RGB) · W
    const weights = new Float32Array([1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1]);
    const recognition = tinyModel({
      inputs: [{ name: 'input.1', dims: ['N', 3, 112, 112] }],
      outputs: [{ name: 'embedding', dims: ['N', 4] }],
      constants: [{ name: 'W', dims: [3, 4], values: weights }],
      nodes: [
        { op: 'GlobalAveragePool', inputs: ['input.1'], outputs: ['pooled'] },
        { op: 'Flatten', inputs: ['pooled'], outputs: ['flat'], attributes: { axis: 1 } },
        { op: 'MatMul', inputs: ['flat', 'W'], outputs: ['embedding'] },
      ],
    });
    const dir = mkdtempSync(join(tmpdir(), 'model-cache-'));
    for (const [leaf, bytes] of [
      ['detection', detection],
      ['recognition', recognition],
    ] as const) {
      // a revision folder in between, as newer Immich versions lay it out
      const folder = join(dir, 'facial-recognition', 'buffalo_l', 'rev1', leaf);
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'model.onnx'), bytes);
    }
    return { dir, weights };
  }

  it('finds the models, decodes faces back to image pixels and embeds with (x − 127.5)/127.5 in RGB order', async () => {
    const { dir } = fakeModelCache();
    expect(findInsightFaceModels(dir, 'buffalo_l').detection).toMatch(/rev1\/detection\/model\.onnx$/);
    expect(() => findInsightFaceModels(dir, 'antelopev2')).toThrow(/no antelopev2 models/);

    const config = loadConfig({
      env: {
        IMMICH_PEOPLE_FACE_BACKEND: 'onnx',
        IMMICH_PEOPLE_MODEL_CACHE: dir,
        IMMICH_PEOPLE_MODEL_NAME: 'buffalo_l',
      },
    });
    const pipeline = await createFacePipeline(config);
    // a 1280×960 image letterboxes at scale 0.5: the planted face, (128, 32)–(224, 160) in the input, doubles
    const data = new Uint8Array(1280 * 960 * 3);
    for (let i = 0; i < data.length; i += 3) data.set([255, 128, 0], i);
    const image: RgbImage = { width: 1280, height: 960, data };
    const faces = await pipeline.analyze(image, { embeddings: true });
    expect(faces).toHaveLength(1);
    expect(faces[0].box).toEqual([256, 64, 448, 320]);
    expect(faces[0].landmarks[0]).toEqual([288, 128]);
    expect(faces[0].embedding!.model).toBe('insightface-buffalo_l-recognition');

    // the face lies well inside the image, so its aligned crop is the uniform colour
    const v = faces[0].embedding!.vector;
    const normalised = [(255 - 127.5) / 127.5, (128 - 127.5) / 127.5, (0 - 127.5) / 127.5];
    const expected = [normalised[0], normalised[1], normalised[2], normalised[0] + normalised[1] + normalised[2]];
    const norm = Math.hypot(...expected);
    expected.forEach((e, i) => expect(v[i]).toBeCloseTo(e / norm, 4));
  });
});
