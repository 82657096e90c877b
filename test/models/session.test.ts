import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TUNING,
  fastestSession,
  MODEL_TUNING,
  ort,
  ortSessionOptions,
  tuningOf,
} from '../../src/models/session.js';

describe('session options per model', () => {
  it('keeps the small models on one thread whatever the config allows', () => {
    for (const model of ['fr_detect.onnx', 'fr_landmark.onnx']) {
      const options = ortSessionOptions(`/models/${model}`, { intraOpThreads: 4 });
      expect(options.intraOpNumThreads).toBe(1);
      expect(options.extra).toBeUndefined();
      expect(options.graphOptimizationLevel).toBe('all');
    }
  });

  it('gives the large models the configured threads, with a pool that does not spin', () => {
    const options = ortSessionOptions('/models/nanodet.onnx', { intraOpThreads: 2 });
    expect(options.intraOpNumThreads).toBe(2);
    expect(options.extra).toEqual({ session: { intra_op: { allow_spinning: '0' } } });
    expect(ortSessionOptions('/models/nanodet.onnx', { intraOpThreads: 1 }).extra).toBeUndefined();
  });

  it('runs without memory arena or pattern, at the level asked for or the first candidate', () => {
    const options = ortSessionOptions('/models/fr_feature.onnx', { intraOpThreads: 1 });
    expect(options).toMatchObject({ enableCpuMemArena: false, enableMemPattern: false, executionMode: 'sequential' });
    expect(options.graphOptimizationLevel).toBe(MODEL_TUNING['fr_feature.onnx'].levels[0]);
    expect(ortSessionOptions('/models/fr_feature.onnx', { intraOpThreads: 1 }, 'all').graphOptimizationLevel).toBe(
      'all',
    );
  });

  it('tunes a model file it does not know (a user InsightFace pair) as ONNX Runtime would by default', () => {
    expect(tuningOf('/cache/buffalo_l/detection/model.onnx')).toBe(DEFAULT_TUNING);
    expect(DEFAULT_TUNING.levels).toEqual(['all']);
  });
});

/** A stand-in session whose run takes `ms`; it records its feeds' shapes and whether it was released. */
function fakeSession(ms: number) {
  const fake = {
    inputNames: ['input'],
    inputMetadata: [{ name: 'input', isTensor: true, type: 'float32', shape: ['N', 3, 4, 4] }],
    shapes: [] as (readonly number[])[],
    released: false,
    async run(feeds: Record<string, ort.Tensor>) {
      fake.shapes.push(feeds.input.dims);
      await sleep(ms);
      return {};
    },
    async release() {
      fake.released = true;
    },
  };
  return fake;
}
const asSession = (fake: ReturnType<typeof fakeSession>) => fake as unknown as ort.InferenceSession;

describe('fastestSession', () => {
  it('keeps the faster of two candidates and releases the other', async () => {
    const slow = fakeSession(30);
    const fast = fakeSession(1);
    expect(await fastestSession([asSession(slow), asSession(fast)])).toBe(asSession(fast));
    expect(slow.released).toBe(true);
    expect(fast.released).toBe(false);
    // one untimed run and three timed, each on zeros with the free batch dimension set to 1
    expect(fast.shapes).toEqual(Array(4).fill([1, 3, 4, 4]));
    expect(slow.shapes).toHaveLength(4);
  });

  it('returns a single candidate without running it', async () => {
    const only = fakeSession(1);
    expect(await fastestSession([asSession(only)])).toBe(asSession(only));
    expect(only.shapes).toEqual([]);
  });
});
