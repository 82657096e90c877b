import { availableParallelism } from 'node:os';
import { join } from 'node:path';
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
import { HAS_MODELS, MODELS_DIR } from '../helpers/fixtures.js';

describe('session options per model', () => {
  it('keeps the landmark regressor on one thread whatever the config allows', () => {
    const options = ortSessionOptions('/models/fr_landmark.onnx', { intraOpThreads: 4 });
    expect(options.intraOpNumThreads).toBe(1);
    expect(options.extra).toBeUndefined();
    expect(options.graphOptimizationLevel).toBe('all');
  });

  it('gives the large models the configured threads, with a pool that stops spinning when a run returns', () => {
    const options = ortSessionOptions('/models/nanodet.onnx', { intraOpThreads: 2 });
    expect(options.intraOpNumThreads).toBe(2);
    // fr_detect too: its batches of tiles run on the configured threads, its full frame on a one-thread session
    expect(ortSessionOptions('/models/fr_detect.onnx', { intraOpThreads: 2 }).intraOpNumThreads).toBe(2);
    expect(options.extra).toEqual({ session: { force_spinning_stop: '1' } });
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

  // a pool left spinning keeps a core busy for ~40 ms after each run (measured: 0.99 cores over 20 ms gaps)
  it.skipIf(!HAS_MODELS || availableParallelism() < 2)(
    'leaves the cores idle between runs of a two-thread session',
    async () => {
      const path = join(MODELS_DIR, 'fr_feature.onnx');
      const session = await ort.InferenceSession.create(path, ortSessionOptions(path, { intraOpThreads: 2 }, 'all'));
      const input = new ort.Tensor('float32', new Float32Array(3 * 112 * 112).fill(0.5), [1, 3, 112, 112]);
      let cpuMs = 0;
      let gapMs = 0;
      try {
        for (let i = 0; i < 6; i++) {
          await session.run({ [session.inputNames[0]]: input });
          const before = process.cpuUsage();
          const start = performance.now();
          await sleep(20);
          const used = process.cpuUsage(before);
          cpuMs += (used.user + used.system) / 1000;
          gapMs += performance.now() - start;
        }
      } finally {
        await session.release();
      }
      expect(cpuMs / gapMs).toBeLessThan(0.5);
    },
  );

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
