import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { splitPRelu } from '../../src/models/split-prelu.js';
import { HAS_MODELS, MODELS_DIR } from '../helpers/fixtures.js';
import { tinyModel } from '../helpers/onnx-graph.js';
import { mulberry32 } from '../helpers/random.js';

const C = 16;
const random = mulberry32(7);
const values = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);

/** Conv → PRelu (one slope per channel, of both signs and beyond ±1) → Conv → PRelu (one slope per column). */
function model(): Uint8Array {
  const slopes = values(C, 1.5);
  slopes[0] = 0;
  slopes[1] = -1;
  return tinyModel({
    inputs: [{ name: 'x', dims: ['N', C, 6, 5] }],
    outputs: [{ name: 'y', dims: ['N', C, 6, 5] }],
    constants: [
      { name: 'w1', dims: [C, C, 3, 3], values: values(C * C * 9, 0.3) },
      { name: 'b1', dims: [C], values: values(C) },
      { name: 'slope', dims: [C, 1, 1], values: slopes },
      { name: 'w2', dims: [C, C, 1, 1], values: values(C * C, 0.3) },
      { name: 'columns', dims: [5], values: values(5) },
    ],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attributes: { pads: [1, 1, 1, 1] } },
      { op: 'PRelu', inputs: ['c1', 'slope'], outputs: ['p1'] },
      { op: 'Conv', inputs: ['p1', 'w2'], outputs: ['c2'] },
      { op: 'PRelu', inputs: ['c2', 'columns'], outputs: ['y'] },
    ],
  });
}

const opTypes = (bytes: Uint8Array) => (onnxProto.onnx.ModelProto.decode(bytes).graph?.node ?? []).map((n) => n.opType);

async function outputs(bytes: Uint8Array, level: 'disabled' | 'all', x: Float32Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: level });
  const { y } = await session.run({ x: new ort.Tensor('float32', x, [2, C, 6, 5]) });
  await session.release();
  return y.data as Float32Array;
}

describe('splitPRelu', () => {
  it('rewrites a per-channel PRelu into Relu, BatchNormalization and Add, and leaves any other PRelu', () => {
    const ops = opTypes(splitPRelu(model()));
    expect(ops).toEqual(['Conv', 'Relu', 'BatchNormalization', 'Relu', 'BatchNormalization', 'Add', 'Conv', 'PRelu']);
    const graph = onnxProto.onnx.ModelProto.decode(splitPRelu(model())).graph!;
    const names = (graph.initializer ?? []).map((t) => t.name);
    expect(names).not.toContain('slope');
    expect(names).toContain('columns');
  });

  it('gives the same outputs bit for bit, with and without the graph optimisations', async () => {
    const original = model();
    const split = splitPRelu(original);
    const x = values(2 * C * 30, 2);
    for (const level of ['disabled', 'all'] as const) {
      const before = await outputs(original, level, x);
      const after = await outputs(split, level, x);
      expect(before.some((v) => v < 0)).toBe(true);
      expect(Array.from(after)).toEqual(Array.from(before));
    }
  });

  it('returns a model without a per-channel PRelu unchanged', () => {
    const once = splitPRelu(model());
    expect(splitPRelu(once)).toBe(once);
  });

  it.skipIf(!HAS_MODELS)('leaves no PRelu in the fetched fr_feature', () => {
    const ops = opTypes(readFileSync(join(MODELS_DIR, 'fr_feature.onnx')));
    expect(ops).not.toContain('PRelu');
    expect(ops.filter((op) => op === 'BatchNormalization')).toHaveLength(66);
  });
});
