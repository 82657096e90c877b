/**
 * Shared pieces of the layout-sensitive ops. TF.js runs them in NHWC; ONNX Conv, pooling and
 * Resize are NCHW. Each such op is wrapped in a Transpose pair (NHWC→NCHW, op, NCHW→NHWC);
 * onnxruntime's transpose optimiser cancels adjacent pairs, so the cost disappears at load.
 */
import type { OpContext, Out } from './context.js';
import { makeTensor, transposeConst, type ConstTensor, type Shape } from './tensor.js';

export const TO_NCHW = [0, 3, 1, 2] as const;
export const TO_NHWC = [0, 2, 3, 1] as const;

export function toNchw(ctx: OpContext, name: string): string {
  return ctx.add('Transpose', [name], { perm: TO_NCHW })[0];
}

export function toNhwc(ctx: OpContext, name: string, outName?: string): string {
  return ctx.add('Transpose', [name], { perm: TO_NHWC }, outName ? [outName] : 1)[0];
}

export type Padding = { kind: 'auto' } | { kind: 'explicit'; pads: number[] };

interface Window {
  /** Spatial kernel, strides and dilations (height, width). */
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
}

function outSize(input: number, k: number, s: number, d: number, before: number, after: number): number {
  if (input < 0) return -1;
  return Math.floor((input + before + after - (k - 1) * d - 1) / s) + 1;
}

/**
 * Resolves TF padding (VALID / SAME / EXPLICIT) to ONNX pads [top, left, bottom, right].
 * SAME puts the odd pixel at the end (ONNX SAME_UPPER); with known spatial sizes the pads are
 * written out, otherwise auto_pad is used.
 */
export function resolvePadding(ctx: OpContext, spatial: [number, number], w: Window, nhwc: boolean): Padding {
  const padding = ctx.attrs.str('padding');
  if (padding === 'VALID') return { kind: 'explicit', pads: [0, 0, 0, 0] };
  if (padding === 'EXPLICIT') {
    const p = ctx.attrs.ints('explicit_paddings');
    if (p.length !== 8) throw ctx.fail('explicit_paddings must have 8 entries');
    const [h, wd] = nhwc ? [1, 2] : [2, 3];
    return { kind: 'explicit', pads: [p[2 * h], p[2 * wd], p[2 * h + 1], p[2 * wd + 1]] };
  }
  if (padding !== 'SAME') throw ctx.fail(`padding ${padding} is not supported`);
  if (spatial[0] < 0 || spatial[1] < 0) return { kind: 'auto' };
  const before: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < 2; i++) {
    const out = Math.ceil(spatial[i] / w.strides[i]);
    const total = Math.max((out - 1) * w.strides[i] + (w.kernel[i] - 1) * w.dilations[i] + 1 - spatial[i], 0);
    before.push(Math.floor(total / 2));
    after.push(total - Math.floor(total / 2));
  }
  return { kind: 'explicit', pads: [before[0], before[1], after[0], after[1]] };
}

export function padAttrs(p: Padding): { pads?: number[]; auto_pad?: string } {
  return p.kind === 'auto' ? { auto_pad: 'SAME_UPPER' } : { pads: p.pads };
}

function windowOutShape(shape: Shape, nhwc: boolean, w: Window, p: Padding, channels: number): number[] | null {
  if (!shape || shape.length !== 4) return null;
  const [hIdx, wIdx] = nhwc ? [1, 2] : [2, 3];
  const size = (i: 0 | 1, input: number): number => {
    if (p.kind === 'auto') return input < 0 ? -1 : Math.ceil(input / w.strides[i]);
    return outSize(input, w.kernel[i], w.strides[i], w.dilations[i], p.pads[i], p.pads[i + 2]);
  };
  const oh = size(0, shape[hIdx]);
  const ow = size(1, shape[wIdx]);
  return nhwc ? [shape[0], oh, ow, channels] : [shape[0], channels, oh, ow];
}

/** Reads strides/dilations given per NHWC or NCHW dimension and keeps the spatial pair. */
function spatialPair(values: number[], nhwc: boolean, what: string, ctx: OpContext): [number, number] {
  if (values.length !== 4) throw ctx.fail(`${what} must have 4 entries`);
  return nhwc ? [values[1], values[2]] : [values[2], values[3]];
}

function dataFormat(ctx: OpContext): boolean {
  const format = ctx.attrs.str('data_format', 'NHWC');
  if (format !== 'NHWC' && format !== 'NCHW') throw ctx.fail(`data_format ${format} is not supported`);
  return format === 'NHWC';
}

/** Fused activations of _FusedConv2D / FusedDepthwiseConv2dNative and the standalone ones. */
export function activation(
  ctx: OpContext,
  kind: string,
  input: string,
  outName: string | undefined,
  extra: { alpha?: string; leakyAlpha?: number },
): string {
  const outputs = outName ? [outName] : 1;
  switch (kind) {
    case 'relu':
      return ctx.add('Relu', [input], {}, outputs)[0];
    case 'relu6':
      return ctx.add('Clip', [input, ctx.float([0], [], 'min'), ctx.float([6], [], 'max')], {}, outputs)[0];
    case 'elu':
      return ctx.add('Elu', [input], { alpha: { float: 1 } }, outputs)[0];
    case 'sigmoid':
      return ctx.add('Sigmoid', [input], {}, outputs)[0];
    case 'tanh':
      return ctx.add('Tanh', [input], {}, outputs)[0];
    case 'leakyrelu':
      return ctx.add('LeakyRelu', [input], { alpha: { float: extra.leakyAlpha ?? 0.2 } }, outputs)[0];
    case 'prelu':
      if (!extra.alpha) throw ctx.fail('Prelu needs an alpha argument');
      return ctx.add('PRelu', [input, extra.alpha], {}, outputs)[0];
    default:
      throw ctx.fail(`fused activation ${kind} is not supported`);
  }
}

/** The filter as ONNX Conv weights [O, I/group, kh, kw] and the group count. */
function convWeights(ctx: OpContext, depthwise: boolean, channels: number): { w: ConstTensor; group: number } {
  const f = ctx.constant(1);
  if (f.shape.length !== 4) throw ctx.fail('the filter must be 4-D');
  const [kh, kw, inC, m] = f.shape;
  if (depthwise) {
    const t = transposeConst(f, [2, 3, 0, 1]);
    return { w: { dtype: 'float32', shape: [inC * m, 1, kh, kw], data: t.data }, group: inC };
  }
  const group = channels > 0 && channels !== inC ? channels / inC : 1;
  if (!Number.isInteger(group)) throw ctx.fail(`input channels ${channels} are not a multiple of ${inC}`);
  return { w: transposeConst(f, [3, 2, 0, 1]), group };
}

/**
 * Conv2D, DepthwiseConv2dNative and their fused forms. A fused BiasAdd becomes the Conv bias; a
 * fused FusedBatchNorm is folded into the weights; the activation follows the Conv.
 */
export function convolution(ctx: OpContext, depthwise: boolean, fused: boolean): Out[] {
  const nhwc = dataFormat(ctx);
  const x = ctx.inputs[0];
  const shape = x.shape;
  const cIdx = nhwc ? 3 : 1;
  const channels = shape && shape.length === 4 ? shape[cIdx] : -1;
  const { w, group } = convWeights(ctx, depthwise, channels);
  const outChannels = w.shape[0];
  const win: Window = {
    kernel: [w.shape[2], w.shape[3]],
    strides: spatialPair(ctx.attrs.ints('strides'), nhwc, 'strides', ctx),
    dilations: spatialPair(ctx.attrs.ints('dilations', [1, 1, 1, 1]), nhwc, 'dilations', ctx),
  };
  const spatial: [number, number] =
    shape && shape.length === 4 ? (nhwc ? [shape[1], shape[2]] : [shape[2], shape[3]]) : [-1, -1];
  const padding = resolvePadding(ctx, spatial, win, nhwc);

  let weights = w;
  let bias: ConstTensor | undefined;
  let act: string | undefined;
  let actArg: number | undefined;
  if (fused) {
    const ops = ctx.attrs.strs('fused_ops').map((s) => s.toLowerCase());
    let arg = 2;
    for (const op of ops) {
      if (op === 'biasadd') {
        bias = ctx.constant(arg++);
      } else if (op === 'fusedbatchnorm') {
        const [scale, offset, mean, variance] = [0, 1, 2, 3].map((i) => ctx.constant(arg + i).data);
        arg += 4;
        const eps = ctx.attrs.float('epsilon', 1e-4);
        const data = Float32Array.from(weights.data);
        const per = data.length / outChannels;
        const b = new Float32Array(outChannels);
        for (let o = 0; o < outChannels; o++) {
          const s = scale[o] / Math.sqrt(variance[o] + eps);
          for (let j = 0; j < per; j++) data[o * per + j] *= s;
          b[o] = offset[o] - mean[o] * s;
        }
        weights = { ...weights, data };
        bias = { dtype: 'float32', shape: [outChannels], data: b };
      } else if (act === undefined) {
        act = op;
        if (op === 'prelu') actArg = arg++;
      } else {
        throw ctx.fail(`fused op sequence ${ops.join(',')} is not supported`);
      }
    }
  }

  const conv = ctx.add(
    'Conv',
    [nhwc ? toNchw(ctx, ctx.use(0)) : ctx.use(0), ctx.initializer(weights, 'weights')].concat(
      bias ? [ctx.initializer(bias, 'bias')] : [],
    ),
    {
      kernel_shape: win.kernel,
      strides: win.strides,
      dilations: win.dilations,
      group,
      ...padAttrs(padding),
    },
  )[0];

  const final = ctx.outName();
  let y = conv;
  if (act && act !== 'prelu') {
    y = activation(ctx, act, y, nhwc ? undefined : final, { leakyAlpha: ctx.attrs.float('leakyrelu_alpha', 0.2) });
  }
  if (act === 'prelu') {
    // Alpha broadcasts over the channel axis, which is last in NHWC.
    const alphaIndex = actArg ?? 2;
    let alpha = ctx.use(alphaIndex);
    if (!nhwc) {
      const a = ctx.constant(alphaIndex);
      alpha = ctx.initializer(makeTensor('float32', [a.data.length, 1, 1], a.data), 'alpha');
    }
    y = nhwc ? toNhwc(ctx, y) : y;
    y = activation(ctx, 'prelu', y, final, { alpha });
  } else if (nhwc) {
    y = toNhwc(ctx, y, final);
  } else if (y !== final) {
    y = ctx.add('Identity', [y], {}, [final])[0];
  }
  return [{ name: y, dtype: 'float32', shape: windowOutShape(shape, nhwc, win, padding, outChannels) }];
}

/** MaxPool and AvgPool. */
export function pool(ctx: OpContext, onnxOp: 'MaxPool' | 'AveragePool'): Out[] {
  const nhwc = dataFormat(ctx);
  const x = ctx.inputs[0];
  const shape = x.shape;
  const win: Window = {
    kernel: spatialPair(ctx.attrs.ints('ksize'), nhwc, 'ksize', ctx),
    strides: spatialPair(ctx.attrs.ints('strides'), nhwc, 'strides', ctx),
    dilations: [1, 1],
  };
  const spatial: [number, number] =
    shape && shape.length === 4 ? (nhwc ? [shape[1], shape[2]] : [shape[2], shape[3]]) : [-1, -1];
  const padding = resolvePadding(ctx, spatial, win, nhwc);
  const attrs = {
    kernel_shape: win.kernel,
    strides: win.strides,
    ...padAttrs(padding),
    // TF averages over the valid pixels only.
    ...(onnxOp === 'AveragePool' ? { count_include_pad: 0 } : {}),
  };
  const final = ctx.outName();
  const y = nhwc
    ? toNhwc(ctx, ctx.add(onnxOp, [toNchw(ctx, ctx.use(0))], attrs)[0], final)
    : ctx.add(onnxOp, [ctx.use(0)], attrs, [final])[0];
  const channels = shape && shape.length === 4 ? shape[nhwc ? 3 : 1] : -1;
  return [{ name: y, dtype: x.dtype, shape: windowOutShape(shape, nhwc, win, padding, channels) }];
}

/** ResizeBilinear / ResizeNearestNeighbor: NHWC images and a constant [height, width]. */
export function resize(ctx: OpContext, mode: 'linear' | 'nearest'): Out[] {
  const x = ctx.inputs[0];
  const [h, w] = Array.from(ctx.constant(1).data);
  const alignCorners = ctx.attrs.bool('align_corners', false);
  const halfPixel = ctx.attrs.bool('half_pixel_centers', false);
  if (alignCorners && halfPixel) throw ctx.fail('align_corners and half_pixel_centers cannot both be set');
  // TF's coordinate rules, as ONNX Resize names them:
  //   align_corners      → align_corners (nearest rounds halves up, like TF's roundf)
  //   half_pixel_centers → half_pixel for bilinear; tf_half_pixel_for_nn + floor for nearest
  //   neither            → asymmetric (nearest takes the floor)
  let transform = 'asymmetric';
  let nearestMode: string | undefined = mode === 'nearest' ? 'floor' : undefined;
  if (alignCorners) {
    transform = 'align_corners';
    if (mode === 'nearest') nearestMode = 'round_prefer_ceil';
  } else if (halfPixel) {
    transform = mode === 'nearest' ? 'tf_half_pixel_for_nn' : 'half_pixel';
  }
  const shape = x.shape;
  let sizesOrScales: [string, string];
  if (shape && shape.length === 4 && shape[0] >= 0 && shape[3] >= 0) {
    sizesOrScales = ['', ctx.int64([shape[0], shape[3], h, w], 'sizes')];
  } else if (shape && shape.length === 4 && shape[1] > 0 && shape[2] > 0) {
    sizesOrScales = [ctx.float([1, 1, h / shape[1], w / shape[2]], [4], 'scales'), ''];
  } else {
    throw ctx.fail('needs the input shape to be known (set inputShape)');
  }
  const inputs = [toNchw(ctx, ctx.use(0)), '', ...sizesOrScales];
  while (inputs[inputs.length - 1] === '') inputs.pop();
  const y = ctx.add('Resize', inputs, {
    mode,
    coordinate_transformation_mode: transform,
    nearest_mode: nearestMode,
  })[0];
  return [{ name: toNhwc(ctx, y, ctx.outName()), dtype: x.dtype, shape: shape ? [shape[0], h, w, shape[3]] : null }];
}
