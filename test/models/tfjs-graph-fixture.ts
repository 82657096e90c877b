/**
 * Builds tiny TF.js graph models in memory (model.json + one weight shard) and runs them both in
 * onnxruntime (after conversion) and in TF.js, so each op mapping can be checked on its own.
 */
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { convertTfjsGraph, type TfjsToOnnxOptions } from '../../src/models/tfjs-to-onnx/index.js';

export type AttrJson = Record<string, unknown>;

export const attr = {
  s: (v: string): AttrJson => ({ s: Buffer.from(v).toString('base64') }),
  i: (v: number): AttrJson => ({ i: String(v) }),
  f: (v: number): AttrJson => ({ f: v }),
  b: (v: boolean): AttrJson => ({ b: v }),
  type: (v: string): AttrJson => ({ type: v }),
  ints: (v: number[]): AttrJson => ({ list: { i: v.map(String) } }),
  strs: (v: string[]): AttrJson => ({ list: { s: v.map((x) => Buffer.from(x).toString('base64')) } }),
  shape: (v: number[]): AttrJson => ({ shape: { dim: v.map((d) => ({ size: String(d) })) } }),
};

export interface NodeJson {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, AttrJson>;
}

export interface ConstSpec {
  shape: number[];
  values: number[];
  /** The graph dtype; int64 is stored as int32 as TF.js does. Default float32. */
  dtype?: 'float32' | 'int32' | 'int64';
  /** How the weight is stored in the shard. Default: as is. */
  quantization?: 'float16' | 'uint8' | 'uint16';
}

export interface GraphSpec {
  inputs: Record<string, number[]>;
  consts?: Record<string, ConstSpec>;
  nodes: NodeJson[];
}

export interface BuiltModel {
  json: {
    format: string;
    modelTopology: { node: NodeJson[]; versions: Record<string, never> };
    weightsManifest: { paths: string[]; weights: Record<string, unknown>[] }[];
  };
  shard: Uint8Array;
}

/** Float → IEEE 754 binary16 bits (round to nearest even; enough for test weights). */
export function toFloat16(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15;
  let mant = bits & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant = (mant | 0x800000) >> (1 - exp);
    return sign | ((mant + 0x1000) >> 13);
  }
  if (exp >= 0x1f) return sign | 0x7c00;
  const half = sign | (exp << 10) | (mant >> 13);
  const rest = mant & 0x1fff;
  return rest > 0x1000 || (rest === 0x1000 && half & 1) ? half + 1 : half;
}

const TF_TYPES = { float32: 'DT_FLOAT', int32: 'DT_INT32', int64: 'DT_INT64' } as const;

export function buildModel(spec: GraphSpec): BuiltModel {
  const nodes: NodeJson[] = [];
  const weights: Record<string, unknown>[] = [];
  const chunks: Uint8Array[] = [];
  for (const [name, shape] of Object.entries(spec.inputs)) {
    nodes.push({ name, op: 'Placeholder', attr: { dtype: attr.type('DT_FLOAT'), shape: attr.shape(shape) } });
  }
  for (const [name, c] of Object.entries(spec.consts ?? {})) {
    const dtype = c.dtype ?? 'float32';
    const stored = dtype === 'float32' ? 'float32' : 'int32';
    nodes.push({
      name,
      op: 'Const',
      attr: {
        dtype: attr.type(TF_TYPES[dtype]),
        value: { tensor: { dtype: TF_TYPES[dtype], tensorShape: { dim: c.shape.map((d) => ({ size: String(d) })) } } },
      },
    });
    const entry: Record<string, unknown> = { name, shape: c.shape, dtype: stored };
    if (c.quantization === 'float16') {
      entry.quantization = { dtype: 'float16', original_dtype: 'float32' };
      chunks.push(new Uint8Array(Uint16Array.from(c.values, toFloat16).buffer));
    } else if (c.quantization === 'uint8' || c.quantization === 'uint16') {
      const levels = c.quantization === 'uint8' ? 255 : 65535;
      const min = Math.min(...c.values);
      const max = Math.max(...c.values);
      const scale = (max - min) / levels || 1;
      entry.quantization = { dtype: c.quantization, min, scale, original_dtype: stored };
      const q = c.values.map((v) => Math.round((v - min) / scale));
      chunks.push(new Uint8Array((c.quantization === 'uint8' ? Uint8Array.from(q) : Uint16Array.from(q)).buffer));
    } else if (stored === 'float32') {
      chunks.push(new Uint8Array(Float32Array.from(c.values).buffer));
    } else {
      chunks.push(new Uint8Array(Int32Array.from(c.values).buffer));
    }
    weights.push(entry);
  }
  nodes.push(...spec.nodes);
  const shard = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    shard.set(c, at);
    at += c.byteLength;
  }
  return {
    json: {
      format: 'graph-model',
      modelTopology: { node: nodes, versions: {} },
      weightsManifest: [{ paths: ['w.bin'], weights }],
    },
    shard,
  };
}

export interface Feed {
  shape: number[];
  data: Float32Array;
}

export function convert(model: BuiltModel, options: TfjsToOnnxOptions = {}) {
  return convertTfjsGraph(model.json, () => model.shard, options);
}

/** Converts and runs in onnxruntime; returns each output's data and dims. */
export async function runOnnx(
  model: BuiltModel,
  feeds: Record<string, Feed>,
  outputs: string[],
  options: TfjsToOnnxOptions = {},
): Promise<{ data: Float32Array; dims: number[] }[]> {
  const converted = convert(model, { outputs, ...options });
  const session = await ort.InferenceSession.create(converted.onnx);
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [name, f] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor('float32', f.data, f.shape);
  const result = await session.run(ortFeeds);
  await session.release();
  return converted.outputs.map((o) => {
    const t = result[o.name];
    return { data: Float32Array.from(t.data as Float32Array), dims: [...t.dims] };
  });
}

/** Runs the same graph in TF.js (the current backend). */
export async function runTfjs(
  model: BuiltModel,
  feeds: Record<string, Feed>,
  outputs: string[],
): Promise<{ data: Float32Array; dims: number[] }[]> {
  const specs = model.json.weightsManifest[0].weights as unknown as tf.io.WeightsManifestEntry[];
  const weightData = model.shard.buffer.slice(model.shard.byteOffset, model.shard.byteOffset + model.shard.byteLength);
  const graph = await tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: model.json.modelTopology,
      weightSpecs: specs,
      weightData,
      format: 'graph-model',
    }),
  );
  const inputs: tf.NamedTensorMap = {};
  for (const [name, f] of Object.entries(feeds)) inputs[name] = tf.tensor(f.data, f.shape, 'float32');
  const result = graph.execute(inputs, outputs);
  const list = Array.isArray(result) ? result : [result];
  const out = await Promise.all(
    list.map(async (t) => ({ data: Float32Array.from(await t.data()), dims: [...t.shape] })),
  );
  tf.dispose([...list, ...Object.values(inputs)]);
  graph.dispose();
  return out;
}

/** Deterministic pseudo-random values in [-1, 1). */
export function seeded(count: number, seed = 1): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

export function feed(shape: number[], seed = 7): Feed {
  return {
    shape,
    data: Float32Array.from(
      seeded(
        shape.reduce((a, b) => a * b, 1),
        seed,
      ),
    ),
  };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
