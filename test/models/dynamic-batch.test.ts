import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { makeBatchDynamic } from '../../src/models/dynamic-batch.js';
import { HAS_MODELS, MODELS_DIR } from '../helpers/fixtures.js';
import { tinyModel } from '../helpers/onnx-graph.js';

function seeded(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1);
}

describe('makeBatchDynamic', () => {
  it('frees the batch of a fixed-batch graph with a Reshape to [1, -1]', async () => {
    const model = onnxProto.onnx.ModelProto.decode(
      tinyModel({
        inputs: [{ name: 'x', dims: [1, 2, 3] }],
        outputs: [{ name: 'y', dims: [1, 6] }],
        constants: [],
        nodes: [{ op: 'Reshape', inputs: ['x', 'shape'], outputs: ['y'] }],
      }),
    );
    // the Reshape's shape as an int64 initializer, written as the exporters do (raw little-endian)
    const raw = new Uint8Array(16);
    new DataView(raw.buffer).setBigInt64(0, 1n, true);
    new DataView(raw.buffer).setBigInt64(8, -1n, true);
    model.graph!.initializer!.push(
      onnxProto.onnx.TensorProto.create({ name: 'shape', dims: [2], dataType: 7, rawData: raw }),
    );
    const fixed = onnxProto.onnx.ModelProto.encode(model).finish();
    const x = Float32Array.from({ length: 12 }, (_, i) => i);
    const before = await ort.InferenceSession.create(fixed);
    await expect(before.run({ x: new ort.Tensor('float32', x, [2, 2, 3]) })).rejects.toThrow();

    const session = await ort.InferenceSession.create(makeBatchDynamic(fixed));
    const { y } = await session.run({ x: new ort.Tensor('float32', x, [2, 2, 3]) });
    expect(y.dims).toEqual([2, 6]);
    expect(Array.from(y.data as Float32Array)).toEqual(Array.from(x));
  });

  it.skipIf(!HAS_MODELS)('gives fr_feature the same vectors in one batch as one face at a time', async () => {
    const session = await ort.InferenceSession.create(join(MODELS_DIR, 'fr_feature.onnx'));
    const meta = session.inputMetadata[0];
    expect(meta.isTensor && meta.shape[0]).toBe('N');
    const faces = [seeded(3 * 112 * 112, 1), seeded(3 * 112 * 112, 2), seeded(3 * 112 * 112, 3)];
    const batch = new Float32Array(faces.length * faces[0].length);
    faces.forEach((f, i) => batch.set(f, i * f.length));
    const together = (await session.run({ input: new ort.Tensor('float32', batch, [3, 3, 112, 112]) })).output
      .data as Float32Array;
    for (let i = 0; i < faces.length; i++) {
      const alone = (await session.run({ input: new ort.Tensor('float32', faces[i], [1, 3, 112, 112]) })).output
        .data as Float32Array;
      for (let k = 0; k < 512; k++) expect(together[i * 512 + k]).toBeCloseTo(alone[k], 4);
    }
  });
});
