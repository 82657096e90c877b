import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { bytesInput } from '../../src/models/bytes-input.js';
import { writeChw, type Normalisation } from '../../src/perception/image/image-ops.js';
import { MODELS_DIR } from '../helpers/fixtures.js';
import { cachedOriginal } from '../helpers/model-cache.js';
import { tinyModel } from '../helpers/onnx-graph.js';
import { mulberry32 } from '../helpers/random.js';

const random = mulberry32(11);
const values = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);
const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
const [H, W] = [6, 5];

/** Conv (3 → 4 channels, 3×3, padded) → Relu, on a float input with a batch of 1: the shape of an image model. */
function imageModel(extra: Parameters<typeof tinyModel>[0]['nodes'] = []): Uint8Array {
  return tinyModel({
    inputs: [{ name: 'x', dims: [1, 3, H, W] }],
    outputs: [{ name: extra.length > 0 ? 'z' : 'y', dims: [1, 4, H, W] }],
    constants: [
      { name: 'w', dims: [4, 3, 3, 3], values: values(4 * 27, 0.05) },
      { name: 'b', dims: [4], values: values(4) },
    ],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attributes: { pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c'], outputs: ['y'] },
      ...extra,
    ],
  });
}

async function run(session: ort.InferenceSession, tensor: ort.Tensor): Promise<Float32Array> {
  const result = await session.run({ [session.inputNames[0]]: tensor });
  return result[session.outputNames[0]].data as Float32Array;
}

describe('bytesInput', () => {
  const norm: Normalisation = { mean: [127, 120, 100], std: [128, 64, 32] };

  it('gives the outputs of the float model fed (x − mean)/std planes, bit for bit, for a batch as for one', async () => {
    const model = imageModel();
    const original = await ort.InferenceSession.create(model);
    const converted = await ort.InferenceSession.create(bytesInput(model, norm));
    expect(converted.inputMetadata[0]).toMatchObject({ type: 'uint8', shape: ['N', H, W, 3] });
    const images = [bytes(H * W * 3), bytes(H * W * 3), bytes(H * W * 3)];
    const stacked = new Uint8Array(3 * H * W * 3);
    images.forEach((image, i) => stacked.set(image, i * H * W * 3));
    const batch = await run(converted, new ort.Tensor('uint8', stacked, [3, H, W, 3]));
    for (const [i, image] of images.entries()) {
      const planes = writeChw(image, H * W, norm);
      const expected = await run(original, new ort.Tensor('float32', planes, [1, 3, H, W]));
      const alone = await run(converted, new ort.Tensor('uint8', image, [1, H, W, 3]));
      expect(Array.from(alone)).toEqual(Array.from(expected));
      expect(Array.from(batch.subarray(i * expected.length, (i + 1) * expected.length))).toEqual(Array.from(expected));
    }
  });

  it('refuses a graph whose batch a constant Reshape fixes, and an input that is not float N×3×H×W', () => {
    const reshaped = onnxProto.onnx.ModelProto.decode(
      imageModel([{ op: 'Reshape', inputs: ['y', 'shape'], outputs: ['z'] }]),
    );
    const raw = new Uint8Array(32);
    [1, 4, H, W].forEach((d, i) => new DataView(raw.buffer).setBigInt64(8 * i, BigInt(d), true));
    reshaped.graph!.initializer!.push(
      onnxProto.onnx.TensorProto.create({ name: 'shape', dims: [4], dataType: 7, rawData: raw }),
    );
    expect(() => bytesInput(onnxProto.onnx.ModelProto.encode(reshaped).finish(), norm)).toThrow(/constant shape/);

    const grey = tinyModel({
      inputs: [{ name: 'x', dims: [1, 1, H, W] }],
      outputs: [{ name: 'y', dims: [1, 1, H, W] }],
      constants: [],
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
    });
    expect(() => bytesInput(grey, norm)).toThrow(/not float N×3×H×W/);
  });

  const cached = cachedOriginal('ultraface-rfb320');
  it.skipIf(cached === null)(
    'gives the fetched fr_detect on bytes the outputs of the original on float planes, bit for bit',
    async () => {
      const original = await ort.InferenceSession.create(readFileSync(cached!));
      const converted = await ort.InferenceSession.create(join(MODELS_DIR, 'fr_detect.onnx'));
      expect(converted.inputMetadata[0]).toMatchObject({ type: 'uint8', shape: ['N', 240, 320, 3] });
      const ultraface: Normalisation = { mean: [127, 127, 127], std: [128, 128, 128] };
      const inputs = [bytes(240 * 320 * 3), bytes(240 * 320 * 3)];
      const stacked = new Uint8Array(2 * inputs[0].length);
      inputs.forEach((input, i) => stacked.set(input, i * input.length));
      const batch = await converted.run({ input: new ort.Tensor('uint8', stacked, [2, 240, 320, 3]) });
      for (const [i, input] of inputs.entries()) {
        const planes = writeChw(input, 240 * 320, ultraface);
        const expected = await original.run({ input: new ort.Tensor('float32', planes, [1, 3, 240, 320]) });
        for (const name of ['scores', 'boxes']) {
          const want = expected[name].data as Float32Array;
          const got = (batch[name].data as Float32Array).subarray(i * want.length, (i + 1) * want.length);
          expect(Array.from(got), name).toEqual(Array.from(want));
        }
      }
    },
  );
});
