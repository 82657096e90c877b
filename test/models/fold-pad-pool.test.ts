import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { foldPadIntoMaxPool } from '../../src/models/fold-pad-pool.js';
import { HAS_MODELS, MODELS_DIR } from '../helpers/fixtures.js';
import { tinyModel } from '../helpers/onnx-graph.js';
import { mulberry32 } from '../helpers/random.js';

const { onnx } = onnxProto;

/** x → Pad (value `padValue`, 1 px around H and W) → Transpose to NHWC and back → MaxPool 3×3 stride 2 → y. */
function model(padValue: number, extraConsumer = false): Uint8Array {
  const decoded = onnx.ModelProto.decode(
    tinyModel({
      inputs: [{ name: 'x', dims: [1, 4, 7, 6] }],
      outputs: [
        { name: 'y', dims: [1, 4, 4, 3] },
        ...(extraConsumer ? [{ name: 'padded_relu', dims: [1, 4, 9, 8] }] : []),
      ],
      constants: [{ name: 'value', dims: [], values: Float32Array.of(padValue) }],
      nodes: [
        { op: 'Pad', inputs: ['x', 'pads', 'value'], outputs: ['padded'] },
        { op: 'Transpose', inputs: ['padded'], outputs: ['nhwc'], attributes: { perm: [0, 2, 3, 1] } },
        { op: 'Transpose', inputs: ['nhwc'], outputs: ['nchw'], attributes: { perm: [0, 3, 1, 2] } },
        { op: 'MaxPool', inputs: ['nchw'], outputs: ['y'], attributes: { kernel_shape: [3, 3], strides: [2, 2] } },
        ...(extraConsumer ? [{ op: 'Relu', inputs: ['padded'], outputs: ['padded_relu'] }] : []),
      ],
    }),
  );
  const raw = new Uint8Array(64);
  [0, 0, 1, 1, 0, 0, 1, 1].forEach((p, i) => new DataView(raw.buffer).setBigInt64(8 * i, BigInt(p), true));
  decoded.graph!.initializer!.push(onnx.TensorProto.create({ name: 'pads', dims: [8], dataType: 7, rawData: raw }));
  return onnx.ModelProto.encode(decoded).finish();
}

const opTypes = (bytes: Uint8Array) => (onnx.ModelProto.decode(bytes).graph?.node ?? []).map((n) => n.opType);

async function run(bytes: Uint8Array, x: Float32Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
  const { y } = await session.run({ x: new ort.Tensor('float32', x, [1, 4, 7, 6]) });
  await session.release();
  return y.data as Float32Array;
}

describe('foldPadIntoMaxPool', () => {
  it('moves a −∞ Pad into the MaxPool through Transposes that cancel, with the same output bit for bit', async () => {
    const original = model(-Infinity);
    const folded = foldPadIntoMaxPool(original);
    expect(opTypes(folded)).toEqual(['MaxPool']);
    const pool = onnx.ModelProto.decode(folded).graph!.node![0];
    expect(pool.input).toEqual(['x']);
    expect(pool.attribute!.find((a) => a.name === 'pads')!.ints!.map(Number)).toEqual([1, 1, 1, 1]);
    // all negative, so that a pad of 0 instead of −∞ would change every border window
    const random = mulberry32(3);
    const x = Float32Array.from({ length: 4 * 7 * 6 }, () => -1 - random());
    expect(Array.from(await run(folded, x))).toEqual(Array.from(await run(original, x)));
  });

  it('leaves a Pad of any other value, and one whose output is read elsewhere too', () => {
    const zero = model(0);
    expect(foldPadIntoMaxPool(zero)).toBe(zero);
    const shared = model(-Infinity, true);
    expect(foldPadIntoMaxPool(shared)).toBe(shared);
  });

  it.skipIf(!HAS_MODELS)('leaves no Pad before a MaxPool in the converted NanoDet', () => {
    const graph = onnx.ModelProto.decode(readFileSync(join(MODELS_DIR, 'nanodet.onnx'))).graph!;
    const producer = new Map(graph.node!.flatMap((n) => n.output!.map((o) => [o, n] as const)));
    const pools = graph.node!.filter((n) => n.opType === 'MaxPool');
    expect(pools.length).toBeGreaterThan(0);
    for (const pool of pools) expect(producer.get(pool.input![0])?.opType).not.toBe('Pad');
  });
});
