/**
 * Constant tensors as the converter holds them. TF.js stores int64 values as int32, so an
 * `int64` tensor keeps its values in an Int32Array; the dtype records what the graph means.
 */
export type DType = 'float32' | 'int32' | 'int64' | 'bool';

export type TensorData = Float32Array | Int32Array | Uint8Array;

export interface ConstTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/** A shape with -1 for a dimension not known when converting; null when even the rank is unknown. */
export type Shape = readonly number[] | null;

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function allocate(dtype: DType, size: number): TensorData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'int32':
    case 'int64':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

export function makeTensor(dtype: DType, shape: readonly number[], values: ArrayLike<number>): ConstTensor {
  const size = sizeOf(shape);
  if (values.length !== size) {
    throw new Error(`a tensor of shape [${shape.join(',')}] needs ${size} values, got ${values.length}`);
  }
  const data = allocate(dtype, size);
  for (let i = 0; i < size; i++) data[i] = dtype === 'bool' ? (values[i] ? 1 : 0) : values[i];
  return { dtype, shape: [...shape], data };
}

/** Maps a TF DataType enum name (DT_FLOAT …) to the converter's dtype. */
export function dtypeFromTf(tfType: string): DType {
  switch (tfType) {
    case 'DT_FLOAT':
    case 'DT_HALF':
    case 'DT_DOUBLE':
      return 'float32';
    case 'DT_INT32':
    case 'DT_INT16':
    case 'DT_INT8':
    case 'DT_UINT8':
      return 'int32';
    case 'DT_INT64':
      return 'int64';
    case 'DT_BOOL':
      return 'bool';
    default:
      throw new Error(`TF dtype ${tfType} is not supported`);
  }
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/** Numpy-style broadcast of two known shapes. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === 1 || da === -1) out.push(da === -1 && db === 1 ? -1 : db);
    else if (db === 1 || db === -1 || db === da) out.push(da);
    else throw new Error(`shapes [${a.join(',')}] and [${b.join(',')}] do not broadcast`);
  }
  return out;
}

/** Applies `fn` elementwise with numpy broadcasting. */
export function broadcastBinary(
  a: ConstTensor,
  b: ConstTensor,
  dtype: DType,
  fn: (x: number, y: number) => number,
): ConstTensor {
  const shape = broadcastShapes(a.shape, b.shape);
  const out = allocate(dtype, sizeOf(shape));
  const strides = stridesOf(shape);
  const index = (t: ConstTensor, flat: number): number => {
    let offset = 0;
    const tStrides = stridesOf(t.shape);
    const shift = shape.length - t.shape.length;
    for (let d = 0; d < t.shape.length; d++) {
      const coord = Math.floor(flat / strides[d + shift]) % shape[d + shift];
      offset += (t.shape[d] === 1 ? 0 : coord) * tStrides[d];
    }
    return offset;
  };
  for (let i = 0; i < out.length; i++) out[i] = fn(a.data[index(a, i)], b.data[index(b, i)]);
  return { dtype, shape, data: out };
}

/** Permutes the axes of a constant, like a Transpose. */
export function transposeConst(t: ConstTensor, perm: readonly number[]): ConstTensor {
  const shape = perm.map((p) => t.shape[p]);
  const inStrides = stridesOf(t.shape);
  const outStrides = stridesOf(shape);
  const out = allocate(t.dtype, t.data.length);
  for (let i = 0; i < out.length; i++) {
    let offset = 0;
    for (let d = 0; d < shape.length; d++) {
      offset += (Math.floor(i / outStrides[d]) % shape[d]) * inStrides[perm[d]];
    }
    out[i] = t.data[offset];
  }
  return { dtype: t.dtype, shape, data: out };
}

export function scalarValue(t: ConstTensor): number {
  if (t.data.length !== 1) throw new Error(`expected a scalar, got shape [${t.shape.join(',')}]`);
  return t.data[0];
}

export function toNumbers(t: ConstTensor): number[] {
  return Array.from(t.data);
}
