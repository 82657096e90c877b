import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { OPS } from '../../src/models/tfjs-to-onnx/index.js';
import { float16ToNumber } from '../../src/models/tfjs-to-onnx/weights.js';
import {
  attr,
  buildModel,
  convert,
  feed,
  maxAbsDiff,
  runOnnx,
  runTfjs,
  seeded,
  toFloat16,
  type ConstSpec,
  type GraphSpec,
  type NodeJson,
} from './tfjs-graph-fixture.js';

const { onnx } = onnxProto;

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const X = [1, 7, 7, 3];

function node(name: string, op: string, input: string[], attrs: NodeJson['attr'] = {}): NodeJson {
  return { name, op, input, attr: attrs };
}

function weights(shape: number[], seed: number, extra: Partial<ConstSpec> = {}): ConstSpec {
  return {
    shape,
    values: seeded(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    ...extra,
  };
}

function ints(values: number[], dtype: ConstSpec['dtype'] = 'int32'): ConstSpec {
  return { shape: [values.length], values, dtype };
}

function scalar(value: number, dtype: ConstSpec['dtype'] = 'int32'): ConstSpec {
  return { shape: [], values: [value], dtype };
}

const conv = (strides: number[], padding: string, extra: NodeJson['attr'] = {}): NodeJson['attr'] => ({
  strides: attr.ints(strides),
  padding: attr.s(padding),
  data_format: attr.s('NHWC'),
  dilations: attr.ints([1, 1, 1, 1]),
  ...extra,
});

const fused = (ops: string[], numArgs: number, extra: NodeJson['attr'] = {}): NodeJson['attr'] =>
  conv([1, 1, 1, 1], 'SAME', { fused_ops: attr.strs(ops), num_args: attr.i(numArgs), ...extra });

/** A graph of one op on input x (NHWC [1,7,7,3]) whose result is node "y". */
function oneOp(op: string, inputs: string[], attrs: NodeJson['attr'], consts: GraphSpec['consts'] = {}): GraphSpec {
  return { inputs: { x: X }, consts, nodes: [node('y', op, inputs, attrs)] };
}

interface Case {
  name: string;
  spec: GraphSpec;
  outputs?: string[];
  /** A different TF.js graph that computes the same thing, when TF.js cannot run `spec`. */
  reference?: GraphSpec;
}

const bn = {
  scale: weights([4], 11),
  offset: weights([4], 12),
  mean: weights([4], 13),
  variance: { shape: [4], values: [0.5, 1, 1.5, 2] },
};

const cases: Case[] = [
  {
    name: 'Conv2D SAME stride 2',
    spec: oneOp('Conv2D', ['x', 'w'], conv([1, 2, 2, 1], 'SAME'), { w: weights([3, 3, 3, 4], 1) }),
  },
  {
    name: 'Conv2D VALID dilation 2',
    spec: oneOp('Conv2D', ['x', 'w'], conv([1, 1, 1, 1], 'VALID', { dilations: attr.ints([1, 2, 2, 1]) }), {
      w: weights([3, 3, 3, 2], 2),
    }),
  },
  {
    name: 'Conv2D EXPLICIT padding',
    spec: oneOp(
      'Conv2D',
      ['x', 'w'],
      conv([1, 2, 2, 1], 'EXPLICIT', { explicit_paddings: attr.ints([0, 0, 1, 2, 0, 1, 0, 0]) }),
      { w: weights([3, 3, 3, 2], 3) },
    ),
  },
  {
    name: 'Conv2D with float16 weights',
    spec: oneOp('Conv2D', ['x', 'w'], conv([1, 1, 1, 1], 'SAME'), {
      w: weights([3, 3, 3, 4], 4, { quantization: 'float16' }),
    }),
  },
  {
    name: 'Conv2D with uint8-quantised weights',
    spec: oneOp('Conv2D', ['x', 'w'], conv([1, 1, 1, 1], 'SAME'), {
      w: weights([1, 1, 3, 4], 5, { quantization: 'uint8' }),
    }),
  },
  {
    name: 'Conv2D with uint16-quantised weights',
    spec: oneOp('Conv2D', ['x', 'w'], conv([1, 1, 1, 1], 'SAME'), {
      w: weights([3, 3, 3, 2], 24, { quantization: 'uint16' }),
    }),
  },
  {
    name: '_FusedConv2D BiasAdd+Relu',
    spec: oneOp('_FusedConv2D', ['x', 'w', 'b'], fused(['BiasAdd', 'Relu'], 1), {
      w: weights([3, 3, 3, 4], 6),
      b: weights([4], 7),
    }),
  },
  {
    name: '_FusedConv2D BiasAdd+Relu6',
    spec: oneOp('_FusedConv2D', ['x', 'w', 'b'], fused(['BiasAdd', 'Relu6'], 1), {
      w: { shape: [3, 3, 3, 4], values: seeded(108, 8).map((v) => v * 4) },
      b: weights([4], 9),
    }),
  },
  {
    name: '_FusedConv2D BiasAdd+LeakyRelu',
    spec: oneOp('_FusedConv2D', ['x', 'w', 'b'], fused(['BiasAdd', 'LeakyRelu'], 1, { leakyrelu_alpha: attr.f(0.3) }), {
      w: weights([3, 3, 3, 4], 10),
      b: weights([4], 11),
    }),
  },
  {
    name: '_FusedConv2D BiasAdd+Prelu',
    spec: oneOp('_FusedConv2D', ['x', 'w', 'b', 'a'], fused(['BiasAdd', 'Prelu'], 2), {
      w: weights([3, 3, 3, 4], 12),
      b: weights([4], 13),
      a: weights([4], 14),
    }),
  },
  {
    name: '_FusedConv2D FusedBatchNorm+Relu (against Conv2D → FusedBatchNormV3 → Relu)',
    spec: oneOp(
      '_FusedConv2D',
      ['x', 'w', 'scale', 'offset', 'mean', 'variance'],
      fused(['FusedBatchNorm', 'Relu'], 4, { epsilon: attr.f(0.001) }),
      {
        w: weights([3, 3, 3, 4], 15),
        ...bn,
      },
    ),
    reference: {
      inputs: { x: X },
      consts: { w: weights([3, 3, 3, 4], 15), ...bn },
      nodes: [
        node('c', 'Conv2D', ['x', 'w'], conv([1, 1, 1, 1], 'SAME')),
        node('n', 'FusedBatchNormV3', ['c', 'scale', 'offset', 'mean', 'variance'], {
          epsilon: attr.f(0.001),
          data_format: attr.s('NHWC'),
        }),
        node('y', 'Relu', ['n']),
      ],
    },
  },
  {
    name: 'DepthwiseConv2dNative multiplier 2, SAME stride 2',
    spec: oneOp('DepthwiseConv2dNative', ['x', 'w'], conv([1, 2, 2, 1], 'SAME'), { w: weights([3, 3, 3, 2], 16) }),
  },
  {
    name: 'FusedDepthwiseConv2dNative BiasAdd+Relu6',
    spec: oneOp('FusedDepthwiseConv2dNative', ['x', 'w', 'b'], fused(['BiasAdd', 'Relu6'], 1), {
      w: { shape: [3, 3, 3, 1], values: seeded(27, 17).map((v) => v * 5) },
      b: weights([3], 18),
    }),
  },
  {
    name: 'MaxPool SAME 3x3 stride 2',
    spec: oneOp('MaxPool', ['x'], { ...conv([1, 2, 2, 1], 'SAME'), ksize: attr.ints([1, 3, 3, 1]) }),
  },
  {
    name: 'MaxPool VALID 3x3 stride 2',
    spec: oneOp('MaxPool', ['x'], { ...conv([1, 2, 2, 1], 'VALID'), ksize: attr.ints([1, 3, 3, 1]) }),
  },
  {
    name: 'AvgPool SAME 2x2 stride 2',
    spec: oneOp('AvgPool', ['x'], { ...conv([1, 2, 2, 1], 'SAME'), ksize: attr.ints([1, 2, 2, 1]) }),
  },
  {
    name: 'Pad',
    spec: oneOp('Pad', ['x', 'p'], {}, { p: { shape: [4, 2], values: [0, 0, 1, 2, 2, 0, 0, 1] } }),
  },
  {
    name: 'PadV2 with a constant value',
    spec: oneOp(
      'PadV2',
      ['x', 'p', 'v'],
      {},
      { p: { shape: [4, 2], values: [0, 0, 1, 1, 0, 2, 0, 0] }, v: { shape: [], values: [1.5] } },
    ),
  },
  {
    name: 'MirrorPad REFLECT',
    spec: oneOp(
      'MirrorPad',
      ['x', 'p'],
      { mode: attr.s('REFLECT') },
      { p: { shape: [4, 2], values: [0, 0, 2, 1, 1, 2, 0, 0] } },
    ),
  },
  { name: 'Reshape with -1', spec: oneOp('Reshape', ['x', 's'], {}, { s: ints([1, -1, 3]) }) },
  ...[
    ['align_corners', true, false],
    ['half_pixel_centers', false, true],
    ['neither flag', false, false],
  ].flatMap(([label, align, half]) =>
    (['ResizeBilinear', 'ResizeNearestNeighbor'] as const).flatMap((op) =>
      [
        [10, 4],
        [3, 12],
      ].map(([h, w]) => ({
        name: `${op} ${label} to ${h}x${w}`,
        spec: oneOp(
          op,
          ['x', 'size'],
          { align_corners: attr.b(align as boolean), half_pixel_centers: attr.b(half as boolean) },
          { size: ints([h, w]) },
        ),
      })),
    ),
  ),
  {
    name: 'SplitV with -1, then Sigmoid on one part',
    spec: {
      inputs: { x: X },
      consts: { sizes: ints([1, -1]), axis: scalar(-1) },
      nodes: [node('s', 'SplitV', ['x', 'sizes', 'axis'], { num_split: attr.i(2) }), node('y', 'Sigmoid', ['s'])],
    },
    outputs: ['y', 's:1'],
  },
  {
    name: 'Split in 3',
    spec: {
      inputs: { x: X },
      consts: { axis: scalar(3) },
      nodes: [node('s', 'Split', ['axis', 'x'], { num_split: attr.i(3) })],
    },
    outputs: ['s', 's:1', 's:2'],
  },
  {
    name: 'ConcatV2 on the last axis',
    spec: {
      inputs: { x: X },
      consts: { axis: scalar(-1) },
      nodes: [node('t', 'Tanh', ['x']), node('y', 'ConcatV2', ['x', 't', 'axis'], { N: attr.i(2) })],
    },
  },
  { name: 'Transpose', spec: oneOp('Transpose', ['x', 'perm'], {}, { perm: ints([0, 3, 1, 2]) }) },
  ...(['Add', 'AddV2', 'Sub', 'Mul', 'RealDiv', 'Maximum', 'Minimum'] as const).map((op) => ({
    name: `${op} with a broadcast constant`,
    spec: oneOp(op, ['x', 'c'], {}, { c: { shape: [3], values: [0.5, -2, 3] } }),
  })),
  {
    name: 'Add of two run-time values',
    spec: { inputs: { x: X }, nodes: [node('e', 'Exp', ['x']), node('y', 'Add', ['x', 'e'])] },
  },
  ...(['Sigmoid', 'Relu', 'Relu6', 'Elu', 'Tanh', 'Neg', 'Abs', 'Exp', 'Square'] as const).map((op) => ({
    name: op,
    spec: {
      inputs: { x: X },
      consts: { k: { shape: [], values: [4] } },
      nodes: [node('m', 'Mul', ['x', 'k']), node('y', op, ['m'])],
    },
  })),
  { name: 'LeakyRelu', spec: oneOp('LeakyRelu', ['x'], { alpha: attr.f(0.1) }) },
  { name: 'Prelu', spec: oneOp('Prelu', ['x', 'a'], {}, { a: weights([3], 19) }) },
  {
    name: 'Sqrt and Rsqrt',
    spec: {
      inputs: { x: X },
      consts: { one: { shape: [], values: [1] } },
      nodes: [
        node('q', 'Square', ['x']),
        node('p', 'AddV2', ['q', 'one']),
        node('s', 'Sqrt', ['p']),
        node('y', 'Rsqrt', ['s']),
      ],
    },
  },
  { name: 'Mean keep_dims', spec: oneOp('Mean', ['x', 'axes'], { keep_dims: attr.b(true) }, { axes: ints([1, 2]) }) },
  { name: 'Sum', spec: oneOp('Sum', ['x', 'axes'], { keep_dims: attr.b(false) }, { axes: ints([-1]) }) },
  { name: 'Max', spec: oneOp('Max', ['x', 'axes'], { keep_dims: attr.b(false) }, { axes: ints([1]) }) },
  { name: 'BiasAdd', spec: oneOp('BiasAdd', ['x', 'b'], { data_format: attr.s('NHWC') }, { b: weights([3], 20) }) },
  {
    name: 'FusedBatchNormV3',
    spec: oneOp(
      'FusedBatchNormV3',
      ['x', 'scale', 'offset', 'mean', 'variance'],
      { epsilon: attr.f(0.001), data_format: attr.s('NHWC') },
      {
        scale: weights([3], 21),
        offset: weights([3], 22),
        mean: weights([3], 23),
        variance: { shape: [3], values: [0.3, 1, 2] },
      },
    ),
  },
  {
    name: 'ExpandDims, Pack and Squeeze',
    spec: {
      inputs: { x: X },
      consts: { axis: scalar(0) },
      nodes: [
        node('e', 'ExpandDims', ['x', 'axis']),
        node('p', 'Pack', ['x', 'x'], { axis: attr.i(-1), N: attr.i(2) }),
        node('y', 'Squeeze', ['e'], { squeeze_dims: attr.ints([0]) }),
      ],
    },
    outputs: ['y', 'p'],
  },
  {
    name: 'a reshape whose shape comes from SparseToDense + AddV2 on int64 constants (as in NanoDet)',
    spec: {
      inputs: { x: X },
      consts: {
        where: { shape: [0, 1], values: [], dtype: 'int64' },
        dense: ints([3], 'int64'),
        values: { shape: [0], values: [], dtype: 'int64' },
        zero: scalar(0, 'int64'),
        base: ints([1, -1, 3], 'int64'),
      },
      nodes: [
        node('sd', 'SparseToDense', ['where', 'dense', 'values', 'zero'], {
          T: attr.type('DT_INT64'),
          Tindices: attr.type('DT_INT64'),
        }),
        node('shape', 'AddV2', ['base', 'sd'], { T: attr.type('DT_INT64') }),
        node('y', 'Reshape', ['x', 'shape'], { Tshape: attr.type('DT_INT64') }),
      ],
    },
  },
];

describe('TF.js graph → ONNX op mappings', () => {
  it('Conv2D matches a hand computation', async () => {
    // x = 1..9 in a 3x3 single-channel image; the 2x2 filter [[1,0],[0,1]] adds each pixel to
    // its lower-right neighbour; a bias of 0.5 is fused.
    const model = buildModel({
      inputs: { x: [1, 3, 3, 1] },
      consts: { w: { shape: [2, 2, 1, 1], values: [1, 0, 0, 1] }, b: { shape: [1], values: [0.5] } },
      nodes: [node('y', '_FusedConv2D', ['x', 'w', 'b'], { ...fused(['BiasAdd'], 1), padding: attr.s('VALID') })],
    });
    const [y] = await runOnnx(
      model,
      { x: { shape: [1, 3, 3, 1], data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]) } },
      ['y'],
    );
    expect(y.dims).toEqual([1, 2, 2, 1]);
    expect(Array.from(y.data)).toEqual([6.5, 8.5, 12.5, 14.5]);
  });

  it.each(cases)('$name matches TF.js', async ({ spec, outputs = ['y'], reference }) => {
    const model = buildModel(spec);
    const feeds = { x: feed(X) };
    const got = await runOnnx(model, feeds, outputs);
    const want = await runTfjs(reference ? buildModel(reference) : model, feeds, outputs);
    expect(got.length).toBe(want.length);
    for (let k = 0; k < got.length; k++) {
      expect(got[k].dims).toEqual(want[k].dims);
      const scale = Math.max(1, ...Array.from(want[k].data, Math.abs));
      expect(maxAbsDiff(got[k].data, want[k].data)).toBeLessThanOrEqual(1e-5 * scale);
    }
  });

  it('folds SparseToDense away and writes opset 13', () => {
    const nanodetLike = cases[cases.length - 1];
    const { onnx: bytes, ops } = convert(buildModel(nanodetLike.spec), { outputs: ['y'] });
    const model = onnx.ModelProto.decode(bytes);
    expect(Number(model.opsetImport[0].version)).toBe(13);
    const types = (model.graph?.node ?? []).map((n) => n.opType);
    expect(types).toEqual(['Reshape']);
    expect(ops.SparseToDense).toBe(1);
  });

  it('honours inputShape and cuts the graph at outputs', () => {
    const model = buildModel({
      inputs: { x: [1, 7, 7, 3] },
      consts: { w: weights([3, 3, 3, 4], 1) },
      nodes: [
        node('c', 'Conv2D', ['x', 'w'], conv([1, 2, 2, 1], 'SAME')),
        node('y', 'Relu', ['c']),
        node('z', 'Sigmoid', ['y']),
      ],
    });
    const cut = convert(model, { inputShape: [1, 16, 12, 3], outputs: ['y'] });
    expect(cut.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: [1, 16, 12, 3] }]);
    expect(cut.outputs).toEqual([{ name: 'y', dtype: 'float32', shape: [1, 8, 6, 4] }]);
    expect(cut.ops.Sigmoid).toBeUndefined();
    // Without `outputs`, the graph's leaves are the outputs.
    expect(convert(model).outputs.map((o) => o.name)).toEqual(['z']);
  });

  it('names an unsupported op and where to add it', () => {
    const model = buildModel(oneOp('Cumsum', ['x'], {}));
    expect(() => convert(model, { outputs: ['y'] })).toThrow(
      /op Cumsum \(node y\) is not supported; add an entry to .*ops\.ts/,
    );
  });

  it('has a table entry for every op NanoDet and the CenterNet backbone use', () => {
    const needed = [
      'Add',
      'AddV2',
      'ConcatV2',
      'Conv2D',
      'LeakyRelu',
      'MaxPool',
      'Pad',
      'PadV2',
      'Reshape',
      'ResizeBilinear',
      'Sigmoid',
      'SparseToDense',
      'SplitV',
      'Transpose',
      '_FusedConv2D',
      'FusedDepthwiseConv2dNative',
      'DepthwiseConv2dNative',
      'Mul',
      'Relu6',
      'Mean',
    ];
    expect(needed.filter((op) => !(op in OPS))).toEqual([]);
  });

  it('decodes float16 like IEEE 754 binary16', () => {
    expect(float16ToNumber(0x3c00)).toBe(1);
    expect(float16ToNumber(0xc000)).toBe(-2);
    expect(float16ToNumber(0x3555)).toBeCloseTo(0.33325, 5);
    expect(float16ToNumber(0x0001)).toBe(2 ** -24);
    expect(float16ToNumber(0x7c00)).toBe(Infinity);
    expect(float16ToNumber(toFloat16(0.1))).toBeCloseTo(0.1, 3);
  });
});
