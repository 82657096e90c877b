/**
 * The TF op → ONNX table. One entry per TF op: `convert` emits ONNX nodes, `fold` evaluates the
 * op on constants (so that shape arithmetic and SparseToDense vanish at conversion time).
 * To support another model, add its missing ops here; the converter names any op it lacks.
 */
import type { OnnxAttr } from './builder.js';
import { elemType } from './builder.js';
import type { OpContext, OpConverter, Out } from './context.js';
import { activation, convolution, pool, resize } from './layout.js';
import {
  allocate,
  broadcastBinary,
  broadcastShapes,
  dtypeFromTf,
  makeTensor,
  scalarValue,
  sizeOf,
  stridesOf,
  toNumbers,
  transposeConst,
  type ConstTensor,
  type Shape,
} from './tensor.js';

// ---------------------------------------------------------------- small helpers

const normAxis = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

function single(
  ctx: OpContext,
  onnxOp: string,
  inputs: string[],
  attrs: Record<string, OnnxAttr | undefined>,
  shape: Shape,
): Out[] {
  const x = ctx.inputs[0];
  return [{ name: ctx.add(onnxOp, inputs, attrs, [ctx.outName()])[0], dtype: x.dtype, shape }];
}

/** An elementwise op of one input. */
function unary(onnxOp: string, attrs: (ctx: OpContext) => Record<string, OnnxAttr> = () => ({})): OpConverter {
  return { convert: (ctx) => single(ctx, onnxOp, [ctx.use(0)], attrs(ctx), ctx.inputs[0].shape) };
}

/** A broadcasting elementwise op of two inputs; `fn` lets constants fold. */
function binary(onnxOp: string, fn?: (a: number, b: number) => number): OpConverter {
  return {
    fold: fn ? ([a, b]) => [broadcastBinary(a, b, a.dtype, fn)] : undefined,
    convert: (ctx) => {
      const [a, b] = ctx.inputs;
      const shape = a.shape && b.shape ? broadcastShapes(a.shape, b.shape) : null;
      return single(ctx, onnxOp, [ctx.use(0), ctx.use(1)], {}, shape);
    },
  };
}

function fusedActivation(kind: string): OpConverter {
  return {
    convert: (ctx) => {
      const name = activation(ctx, kind, ctx.use(0), ctx.outName(), {
        leakyAlpha: ctx.attrs.float('alpha', 0.2),
        alpha: ctx.inputs.length > 1 ? ctx.use(1) : undefined,
      });
      return [{ name, dtype: ctx.inputs[0].dtype, shape: ctx.inputs[0].shape }];
    },
  };
}

function reshapeShape(input: Shape, target: readonly number[]): number[] {
  const unknown = target.indexOf(-1);
  if (unknown < 0 || !input || input.some((d) => d < 0)) return [...target];
  const known = target.reduce((p, d, i) => (i === unknown ? p : p * d), 1);
  const out = [...target];
  out[unknown] = sizeOf(input) / known;
  return out;
}

function concatConst(parts: readonly ConstTensor[], axis: number): ConstTensor {
  const first = parts[0];
  const rank = first.shape.length;
  const a = normAxis(axis, rank);
  const shape = [...first.shape];
  shape[a] = parts.reduce((n, t) => n + t.shape[a], 0);
  const outer = sizeOf(first.shape.slice(0, a));
  const out = allocate(first.dtype, sizeOf(shape));
  let at = 0;
  for (let o = 0; o < outer; o++) {
    for (const t of parts) {
      const inner = sizeOf(t.shape.slice(a));
      out.set(t.data.subarray(o * inner, (o + 1) * inner), at);
      at += inner;
    }
  }
  return { dtype: first.dtype, shape, data: out };
}

function expandDims(t: ConstTensor, axis: number): ConstTensor {
  const shape = [...t.shape];
  shape.splice(normAxis(axis, t.shape.length + 1), 0, 1);
  return { ...t, shape };
}

function squeezeShape(shape: readonly number[], dims: readonly number[]): number[] {
  const axes = new Set(dims.map((d) => normAxis(d, shape.length)));
  return shape.filter((d, i) => (axes.size === 0 ? d !== 1 : !axes.has(i)));
}

/** Pad, PadV2, MirrorPad: paddings [[before, after] per dim] → ONNX pads [befores…, afters…]. */
function pad(mode: 'constant' | 'mirror'): OpConverter {
  return {
    convert: (ctx) => {
      const x = ctx.inputs[0];
      const p = ctx.constant(1);
      const rank = p.shape[0];
      const pads = [
        ...Array.from({ length: rank }, (_, i) => p.data[2 * i]),
        ...Array.from({ length: rank }, (_, i) => p.data[2 * i + 1]),
      ];
      const inputs = [ctx.use(0), ctx.int64(pads, 'pads')];
      let onnxMode = 'constant';
      if (mode === 'mirror') {
        const m = ctx.attrs.str('mode');
        if (m !== 'REFLECT') throw ctx.fail(`MirrorPad mode ${m} is not supported (ONNX has only reflect)`);
        onnxMode = 'reflect';
      } else if (ctx.inputs.length > 2) {
        const value = scalarValue(ctx.constant(2));
        if (value !== 0) inputs.push(ctx.initializer(makeTensor(x.dtype, [], [value]), 'value'));
      }
      const shape = x.shape?.map((d, i) => (d < 0 ? -1 : d + pads[i] + pads[i + rank])) ?? null;
      return single(ctx, 'Pad', inputs, { mode: onnxMode }, shape);
    },
  };
}

/** Mean, Sum, Max, Min, Prod over constant axes. ReduceSum takes its axes as an input in opset 13. */
function reduce(onnxOp: string): OpConverter {
  return {
    convert: (ctx) => {
      const x = ctx.inputs[0];
      const keep = ctx.attrs.bool('keep_dims', false);
      const rank = x.shape?.length;
      const axes = toNumbers(ctx.constant(1)).map((a) => (rank === undefined ? a : normAxis(a, rank)));
      if (axes.length === 0) return single(ctx, 'Identity', [ctx.use(0)], {}, x.shape);
      const shape = x.shape
        ? keep
          ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
          : x.shape.filter((_, i) => !axes.includes(i))
        : null;
      if (onnxOp === 'ReduceSum') {
        return single(ctx, onnxOp, [ctx.use(0), ctx.int64(axes, 'axes')], { keepdims: keep ? 1 : 0 }, shape);
      }
      return single(ctx, onnxOp, [ctx.use(0)], { axes, keepdims: keep ? 1 : 0 }, shape);
    },
  };
}

function split(ctx: OpContext, valueIndex: number, axis: number, sizes: number[] | null, count: number): Out[] {
  const x = ctx.inputs[valueIndex];
  const rank = x.shape?.length;
  const a = rank === undefined ? axis : normAxis(axis, rank);
  const dim = x.shape ? x.shape[a] : -1;
  let splits = sizes;
  if (splits && splits.includes(-1)) {
    if (dim < 0) throw ctx.fail('size_splits has -1 but the split dimension is unknown');
    const rest = splits.reduce((n, s) => (s === -1 ? n : n + s), 0);
    splits = splits.map((s) => (s === -1 ? dim - rest : s));
  }
  if (!splits && dim >= 0) splits = Array.from({ length: count }, () => dim / count);
  const names = Array.from({ length: count }, (_, k) => ctx.outName(k));
  const inputs = [ctx.use(valueIndex)].concat(splits ? [ctx.int64(splits, 'split')] : []);
  ctx.add('Split', inputs, { axis: a }, names);
  return names.map((name, k) => ({
    name,
    dtype: x.dtype,
    shape: x.shape && splits ? x.shape.map((d, i) => (i === a ? splits[k] : d)) : null,
  }));
}

/** FusedBatchNorm (inference): y = x·s + t with s = scale/√(var+ε), t = offset − mean·s. */
const batchNorm: OpConverter = {
  convert: (ctx) => {
    const x = ctx.inputs[0];
    const [scale, offset, mean, variance] = [1, 2, 3, 4].map((i) => ctx.constant(i).data);
    const eps = ctx.attrs.float('epsilon', 1e-4);
    const nhwc = ctx.attrs.str('data_format', 'NHWC') === 'NHWC';
    const c = scale.length;
    const s = new Float32Array(c);
    const t = new Float32Array(c);
    for (let i = 0; i < c; i++) {
      s[i] = scale[i] / Math.sqrt(variance[i] + eps);
      t[i] = offset[i] - mean[i] * s[i];
    }
    const shape = nhwc ? [c] : [c, 1, 1];
    const mul = ctx.add('Mul', [ctx.use(0), ctx.float(Array.from(s), shape, 'scale')])[0];
    return single(ctx, 'Add', [mul, ctx.float(Array.from(t), shape, 'offset')], {}, x.shape);
  },
};

// ---------------------------------------------------------------- the table

export const OPS: Readonly<Record<string, OpConverter>> = {
  // Pass-through.
  Identity: { fold: ([t]) => [t], convert: (ctx) => [ctx.inputs[0]] },
  StopGradient: { fold: ([t]) => [t], convert: (ctx) => [ctx.inputs[0]] },

  // Convolutions and pooling (NHWC, wrapped in Transposes).
  Conv2D: { convert: (ctx) => convolution(ctx, false, false) },
  _FusedConv2D: { convert: (ctx) => convolution(ctx, false, true) },
  DepthwiseConv2dNative: { convert: (ctx) => convolution(ctx, true, false) },
  FusedDepthwiseConv2dNative: { convert: (ctx) => convolution(ctx, true, true) },
  MaxPool: { convert: (ctx) => pool(ctx, 'MaxPool') },
  AvgPool: { convert: (ctx) => pool(ctx, 'AveragePool') },
  ResizeBilinear: { convert: (ctx) => resize(ctx, 'linear') },
  ResizeNearestNeighbor: { convert: (ctx) => resize(ctx, 'nearest') },
  BiasAdd: {
    convert: (ctx) => {
      const nhwc = ctx.attrs.str('data_format', 'NHWC') === 'NHWC';
      const bias = nhwc
        ? ctx.use(1)
        : ctx.initializer({ ...ctx.constant(1), shape: [ctx.constant(1).data.length, 1, 1] }, 'bias');
      return single(ctx, 'Add', [ctx.use(0), bias], {}, ctx.inputs[0].shape);
    },
  },
  FusedBatchNorm: batchNorm,
  FusedBatchNormV2: batchNorm,
  FusedBatchNormV3: batchNorm,

  // Activations.
  Relu: fusedActivation('relu'),
  Relu6: fusedActivation('relu6'),
  Elu: fusedActivation('elu'),
  LeakyRelu: fusedActivation('leakyrelu'),
  Prelu: fusedActivation('prelu'),
  Sigmoid: unary('Sigmoid'),
  Tanh: unary('Tanh'),

  // Elementwise maths.
  Add: binary('Add', (a, b) => a + b),
  AddV2: binary('Add', (a, b) => a + b),
  Sub: binary('Sub', (a, b) => a - b),
  Mul: binary('Mul', (a, b) => a * b),
  RealDiv: binary('Div', (a, b) => a / b),
  Maximum: binary('Max', Math.max),
  Minimum: binary('Min', Math.min),
  Neg: unary('Neg'),
  Abs: unary('Abs'),
  Exp: unary('Exp'),
  Sqrt: unary('Sqrt'),
  Rsqrt: {
    convert: (ctx) => single(ctx, 'Reciprocal', [ctx.add('Sqrt', [ctx.use(0)])[0]], {}, ctx.inputs[0].shape),
  },
  Square: { convert: (ctx) => single(ctx, 'Mul', [ctx.use(0), ctx.use(0)], {}, ctx.inputs[0].shape) },
  Cast: {
    fold: ([t], attrs) => [makeTensor(dtypeFromTf(attrs.type('DstT')), t.shape, t.data)],
    convert: (ctx) => {
      const dtype = dtypeFromTf(ctx.attrs.type('DstT'));
      const name = ctx.add('Cast', [ctx.use(0)], { to: elemType(dtype) }, [ctx.outName()])[0];
      return [{ name, dtype, shape: ctx.inputs[0].shape }];
    },
  },

  // Reductions.
  Mean: reduce('ReduceMean'),
  Sum: reduce('ReduceSum'),
  Max: reduce('ReduceMax'),
  Min: reduce('ReduceMin'),
  Prod: reduce('ReduceProd'),

  // Shapes and data movement.
  Pad: pad('constant'),
  PadV2: pad('constant'),
  MirrorPad: pad('mirror'),
  Reshape: {
    fold: ([t, s]) => [{ ...t, shape: reshapeShape(t.shape, toNumbers(s)) }],
    convert: (ctx) => {
      if (!ctx.isConstant(1)) {
        const shape = ctx.add('Cast', [ctx.use(1)], { to: elemType('int64') })[0];
        return single(ctx, 'Reshape', [ctx.use(0), shape], {}, null);
      }
      const target = toNumbers(ctx.constant(1));
      // ONNX reads 0 as "copy this dimension"; TF means an empty dimension.
      if (target.includes(0)) throw ctx.fail('a 0 in the target shape is not supported');
      return single(
        ctx,
        'Reshape',
        [ctx.use(0), ctx.int64(target, 'shape')],
        {},
        reshapeShape(ctx.inputs[0].shape, target),
      );
    },
  },
  Squeeze: {
    fold: ([t], attrs) => [{ ...t, shape: squeezeShape(t.shape, attrs.ints('squeeze_dims', [])) }],
    convert: (ctx) => {
      const x = ctx.inputs[0];
      const dims = ctx.attrs.ints('squeeze_dims', []);
      const axes = x.shape ? dims.map((d) => normAxis(d, x.shape?.length ?? 0)) : dims;
      const inputs = [ctx.use(0)].concat(axes.length ? [ctx.int64(axes, 'axes')] : []);
      return single(ctx, 'Squeeze', inputs, {}, x.shape ? squeezeShape(x.shape, dims) : null);
    },
  },
  ExpandDims: {
    fold: ([t, axis]) => [expandDims(t, scalarValue(axis))],
    convert: (ctx) => {
      const x = ctx.inputs[0];
      const axis = scalarValue(ctx.constant(1));
      const shape = x.shape ? [...x.shape] : null;
      shape?.splice(normAxis(axis, x.shape ? x.shape.length + 1 : 0), 0, 1);
      return single(ctx, 'Unsqueeze', [ctx.use(0), ctx.int64([axis], 'axes')], {}, shape);
    },
  },
  Transpose: {
    fold: ([t, perm]) => [transposeConst(t, toNumbers(perm))],
    convert: (ctx) => {
      const perm = toNumbers(ctx.constant(1));
      const x = ctx.inputs[0];
      return single(ctx, 'Transpose', [ctx.use(0)], { perm }, x.shape ? perm.map((p) => x.shape?.[p] ?? -1) : null);
    },
  },
  ConcatV2: {
    fold: (inputs) => [concatConst(inputs.slice(0, -1), scalarValue(inputs[inputs.length - 1]))],
    convert: (ctx) => {
      const n = ctx.inputs.length - 1;
      const parts = ctx.inputs.slice(0, n);
      const rank = parts[0].shape?.length;
      const rawAxis = scalarValue(ctx.constant(n));
      const axis = rank === undefined ? rawAxis : normAxis(rawAxis, rank);
      let shape: number[] | null = null;
      if (parts.every((p) => p.shape)) {
        shape = [...(parts[0].shape ?? [])];
        const dims = parts.map((p) => p.shape?.[axis] ?? -1);
        shape[axis] = dims.includes(-1) ? -1 : dims.reduce((a, b) => a + b, 0);
      }
      return single(
        ctx,
        'Concat',
        parts.map((p) => ctx.use(p)),
        { axis },
        shape,
      );
    },
  },
  Pack: {
    fold: (inputs, attrs) => [
      concatConst(
        inputs.map((t) => expandDims(t, attrs.int('axis', 0))),
        attrs.int('axis', 0),
      ),
    ],
    convert: (ctx) => {
      const axis = ctx.attrs.int('axis', 0);
      const axes = ctx.int64([axis], 'axes');
      const parts = ctx.inputs.map((_, i) => ctx.add('Unsqueeze', [ctx.use(i), axes])[0]);
      const first = ctx.inputs[0].shape;
      const shape = first ? [...first] : null;
      shape?.splice(normAxis(axis, (first?.length ?? 0) + 1), 0, ctx.inputs.length);
      return single(ctx, 'Concat', parts, { axis }, shape);
    },
  },
  SplitV: {
    convert: (ctx) =>
      split(ctx, 0, scalarValue(ctx.constant(2)), toNumbers(ctx.constant(1)), ctx.attrs.int('num_split')),
  },
  Split: {
    convert: (ctx) => split(ctx, 1, scalarValue(ctx.constant(0)), null, ctx.attrs.int('num_split')),
  },
  Shape: {
    convert: (ctx) => {
      const x = ctx.inputs[0];
      const dtype = dtypeFromTf(ctx.attrs.type('out_type', 'DT_INT32'));
      if (x.shape && x.shape.every((d) => d >= 0)) {
        return [
          { name: ctx.outName(), dtype, shape: [x.shape.length], const: makeTensor(dtype, [x.shape.length], x.shape) },
        ];
      }
      const shape = ctx.add('Shape', [ctx.use(0)])[0];
      const name = ctx.add('Cast', [shape], { to: elemType(dtype) }, [ctx.outName()])[0];
      return [{ name, dtype, shape: x.shape ? [x.shape.length] : null }];
    },
  },

  /** Only ever constant in converted graphs (onnx-tf emits it for static reshapes). */
  SparseToDense: {
    fold: ([indices, outputShape, values, fallback]) => {
      const shape = toNumbers(outputShape);
      const out = allocate(values.dtype, sizeOf(shape));
      out.fill(scalarValue(fallback));
      const strides = stridesOf(shape);
      const rank = shape.length;
      const count = indices.shape.length === 0 ? 1 : indices.shape[0];
      for (let n = 0; n < count; n++) {
        let offset = 0;
        for (let d = 0; d < rank; d++) {
          const index = indices.shape.length === 2 ? indices.data[n * rank + d] : indices.data[n];
          offset += index * strides[d];
        }
        out[offset] = values.data.length === 1 ? values.data[0] : values.data[n];
      }
      return [{ dtype: values.dtype, shape, data: out }];
    },
  },
};
