import type { ModelJson, WeightSpec } from './model-json.js';
import { sizeOf, type ConstTensor, type DType } from './tensor.js';

/** Reads one weight shard named in the manifest (a path relative to model.json). */
export type ShardReader = (path: string) => Uint8Array;

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** IEEE 754 binary16 → number. */
export function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function weightDtype(spec: WeightSpec): DType {
  switch (spec.dtype) {
    case 'float32':
      return 'float32';
    case 'int32':
      return 'int32';
    case 'bool':
      return 'bool';
    default:
      throw new Error(`weight ${spec.name} has dtype ${spec.dtype}, which the converter does not support`);
  }
}

function decodeWeight(spec: WeightSpec, bytes: Uint8Array): ConstTensor {
  const dtype = weightDtype(spec);
  const size = sizeOf(spec.shape);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const q = spec.quantization;
  if (q) {
    if (q.dtype === 'float16') {
      if (dtype !== 'float32') throw new Error(`weight ${spec.name}: float16 quantisation of ${dtype} is invalid`);
      const out = new Float32Array(size);
      for (let i = 0; i < size; i++) out[i] = float16ToNumber(view.getUint16(i * 2, true));
      return { dtype, shape: spec.shape, data: out };
    }
    if (q.min === undefined || q.scale === undefined) {
      throw new Error(`weight ${spec.name}: ${q.dtype} quantisation needs min and scale`);
    }
    const read = q.dtype === 'uint8' ? (i: number) => view.getUint8(i) : (i: number) => view.getUint16(i * 2, true);
    if (dtype === 'float32') {
      const out = new Float32Array(size);
      for (let i = 0; i < size; i++) out[i] = read(i) * q.scale + q.min;
      return { dtype, shape: spec.shape, data: out };
    }
    if (dtype === 'int32') {
      const out = new Int32Array(size);
      for (let i = 0; i < size; i++) out[i] = Math.round(read(i) * q.scale + q.min);
      return { dtype, shape: spec.shape, data: out };
    }
    throw new Error(`weight ${spec.name}: ${q.dtype} quantisation of ${dtype} is invalid`);
  }
  switch (dtype) {
    case 'float32': {
      const out = new Float32Array(size);
      for (let i = 0; i < size; i++) out[i] = view.getFloat32(i * 4, true);
      return { dtype, shape: spec.shape, data: out };
    }
    case 'int32': {
      const out = new Int32Array(size);
      for (let i = 0; i < size; i++) out[i] = view.getInt32(i * 4, true);
      return { dtype, shape: spec.shape, data: out };
    }
    default:
      return { dtype, shape: spec.shape, data: bytes.slice(0, size) };
  }
}

function byteLength(spec: WeightSpec): number {
  const per = BYTES[spec.quantization?.dtype ?? spec.dtype];
  if (per === undefined)
    throw new Error(`weight ${spec.name} has dtype ${spec.dtype}, which the converter does not support`);
  return sizeOf(spec.shape) * per;
}

/**
 * Decodes every weight of the manifest. Each group's shards are concatenated in order and its
 * weights follow one another in that buffer, as TF.js writes them. float16 and uint8/uint16
 * quantised weights are expanded to float32 (or int32), exactly as TF.js dequantises them.
 */
export function decodeWeights(
  manifest: ModelJson['weightsManifest'],
  readShard: ShardReader,
): Map<string, ConstTensor> {
  const weights = new Map<string, ConstTensor>();
  for (const group of manifest) {
    const shards = group.paths.map((path) => readShard(path));
    const total = shards.reduce((n, s) => n + s.byteLength, 0);
    const buffer = new Uint8Array(total);
    let at = 0;
    for (const shard of shards) {
      buffer.set(shard, at);
      at += shard.byteLength;
    }
    let offset = 0;
    for (const spec of group.weights) {
      const length = byteLength(spec);
      if (offset + length > buffer.byteLength) {
        throw new Error(`weight ${spec.name} runs past the end of its shards (${group.paths.join(', ')})`);
      }
      weights.set(spec.name, decodeWeight(spec, buffer.subarray(offset, offset + length)));
      offset += length;
    }
    if (offset !== buffer.byteLength) {
      throw new Error(
        `shards ${group.paths.join(', ')} hold ${buffer.byteLength} bytes, the manifest describes ${offset}`,
      );
    }
  }
  return weights;
}
