import { join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadSession } from '../../../src/models/session.js';
import {
  AlignedFaceEmbedder,
  FACEPLUGIN_FEATURE,
  MAX_FACES_PER_CALL,
} from '../../../src/perception/models/aligned-embedder.js';
import { ALIGNED_SIZE } from '../../../src/perception/image/align.js';
import { mulberry32 } from '../../helpers/random.js';
import { HAS_MODELS, MODELS_DIR } from '../../helpers/fixtures.js';

const PIXELS = ALIGNED_SIZE * ALIGNED_SIZE;

/**
 * A session of a free-batch embedder that records each call's batch and answers, for each crop, a 2-D vector of its
 * first input value and 1 (so each vector says which crop it came from).
 */
function recordingSession(batch: number | string = 'N') {
  const calls: number[] = [];
  const session = {
    inputNames: ['input'],
    outputNames: ['output'],
    inputMetadata: [{ name: 'input', isTensor: true, type: 'float32', shape: [batch, 3, ALIGNED_SIZE, ALIGNED_SIZE] }],
    async run(feeds: Record<string, ort.Tensor>) {
      const input = feeds.input;
      const n = input.dims[0];
      calls.push(n);
      const data = input.data as Float32Array;
      const out = new Float32Array(n * 2);
      for (let i = 0; i < n; i++) {
        out[2 * i] = data[i * 3 * PIXELS];
        out[2 * i + 1] = 1;
      }
      return { output: { data: out } };
    },
  };
  return { session: session as unknown as ort.InferenceSession, calls };
}

/** A crop whose every byte is `value`: its normalised first input is (value − 127) / 128. */
const crop = (value: number) => new Uint8Array(3 * PIXELS).fill(value);

describe('AlignedFaceEmbedder', () => {
  it(`runs a crowd ${MAX_FACES_PER_CALL} faces a call, each vector still its own crop's, in order`, async () => {
    const { session, calls } = recordingSession();
    const embedder = new AlignedFaceEmbedder(session, FACEPLUGIN_FEATURE);
    const values = [0, 30, 60, 90, 120, 150, 180, 210, 240];
    const vectors = await embedder.embedAligned(values.map(crop));
    expect(MAX_FACES_PER_CALL).toBe(4);
    expect(calls).toEqual([4, 4, 1]);
    // [(v − 127)/128, 1] normalised to unit length
    const expected = values.map((v) => {
      const x = (v - 127) / 128;
      const norm = Math.hypot(x, 1);
      return [x / norm, 1 / norm];
    });
    vectors.forEach((vector, i) => {
      expect(vector[0]).toBeCloseTo(expected[i][0], 6);
      expect(vector[1]).toBeCloseTo(expected[i][1], 6);
    });
  });

  it('runs a model with a fixed batch of one one face a call', async () => {
    const { session, calls } = recordingSession(1);
    await new AlignedFaceEmbedder(session, FACEPLUGIN_FEATURE).embedAligned([crop(1), crop(2), crop(3)]);
    expect(calls).toEqual([1, 1, 1]);
  });

  it('makes no call for no face', async () => {
    const { session, calls } = recordingSession();
    expect(await new AlignedFaceEmbedder(session, FACEPLUGIN_FEATURE).embedAligned([])).toEqual([]);
    expect(calls).toEqual([]);
  });
});

describe.skipIf(!HAS_MODELS)('AlignedFaceEmbedder on fr_feature', () => {
  it('gives every face the same vector bit for bit, alone or among a crowd run a few to a call', async () => {
    const session = await loadSession(join(MODELS_DIR, 'fr_feature.onnx'), { intraOpThreads: 2 });
    const embedder = new AlignedFaceEmbedder(session, FACEPLUGIN_FEATURE);
    const draw = mulberry32(5);
    const crops = Array.from({ length: 6 }, () => Uint8Array.from({ length: 3 * PIXELS }, () => draw() * 256));
    const crowd = await embedder.embedAligned(crops);
    const alone = await Promise.all(crops.map(async (c) => (await embedder.embedAligned([c]))[0]));
    expect(crowd).toEqual(alone);
  });
});
