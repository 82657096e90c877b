/**
 * Vector helpers for the recognition stage. Pure functions over Float32Array; no allocation in the
 * `*At` kernels, which read rows in place from a flat matrix.
 *
 * Face embeddings are L2-normalised by contract (see src/types.ts), so for them the cosine
 * similarity is the dot product and the cosine distance is `1 - dot`. Sums and means of unit
 * vectors are not unit length: use `cosineAt`, which divides by the norms.
 */

/** `count` vectors of `dim` floats, row-major: row i is `data[i*dim .. (i+1)*dim)`. */
export interface VectorMatrix {
  readonly dim: number;
  readonly count: number;
  readonly data: Float32Array;
}

/** A zero-filled matrix; `shared` puts it in a SharedArrayBuffer (a worker then reads it without a copy). */
export function createMatrix(count: number, dim: number, shared = false): VectorMatrix {
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(dim) || dim < 0) {
    throw new RangeError(`invalid matrix shape ${count}x${dim}`);
  }
  const data = shared ? new Float32Array(new SharedArrayBuffer(count * dim * 4)) : new Float32Array(count * dim);
  return { dim, count, data };
}

/** Copies equal-length rows into one flat matrix. `dim` is required when `rows` may be empty. */
export function matrixFromRows(rows: readonly Float32Array[], dim?: number): VectorMatrix {
  const d = dim ?? (rows.length > 0 ? rows[0].length : 0);
  const m = createMatrix(rows.length, d);
  for (let i = 0; i < rows.length; i++) {
    if (rows[i].length !== d) throw new RangeError(`row ${i} has length ${rows[i].length}, expected ${d}`);
    m.data.set(rows[i], i * d);
  }
  return m;
}

/** A view (no copy) of row i. */
export function row(m: VectorMatrix, i: number): Float32Array {
  return m.data.subarray(i * m.dim, (i + 1) * m.dim);
}

/** Dot product of two equal-length vectors. */
export function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`length mismatch ${a.length} vs ${b.length}`);
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

/** Dot product of `dim` floats read at offsets into two flat arrays. */
export function dotAt(a: Float32Array, aOffset: number, b: Float32Array, bOffset: number, dim: number): number {
  let s = 0;
  for (let k = 0; k < dim; k++) s += a[aOffset + k] * b[bOffset + k];
  return s;
}

/** Full cosine (divides by both norms) of `dim` floats at offsets; 0 when either vector is zero. */
export function cosineAt(a: Float32Array, aOffset: number, b: Float32Array, bOffset: number, dim: number): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let k = 0; k < dim; k++) {
    const x = a[aOffset + k];
    const y = b[bOffset + k];
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  if (aa === 0 || bb === 0) return 0;
  return ab / Math.sqrt(aa * bb);
}

/** Full cosine similarity of two vectors (any length > 0); 0 when either is zero. */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`length mismatch ${a.length} vs ${b.length}`);
  return cosineAt(a, 0, b, 0, a.length);
}

/** Cosine distance `1 - dot` of two L2-normalised vectors (0 = same direction, 2 = opposite). */
export function cosineDistance(a: Float32Array, b: Float32Array): number {
  return 1 - dot(a, b);
}

/** Euclidean norm. */
export function l2Norm(v: Float32Array): number {
  let s = 0;
  for (let k = 0; k < v.length; k++) s += v[k] * v[k];
  return Math.sqrt(s);
}

/** Scales v to unit length in place; a zero vector stays zero. Returns v. */
export function normaliseInPlace(v: Float32Array): Float32Array {
  const n = l2Norm(v);
  if (n > 0) for (let k = 0; k < v.length; k++) v[k] /= n;
  return v;
}

/** A unit-length copy of v; a zero vector gives a zero vector. */
export function normalise(v: Float32Array): Float32Array {
  return normaliseInPlace(Float32Array.from(v));
}

/** Normalises every row of the matrix in place. */
export function normaliseRows(m: VectorMatrix): void {
  const { dim, count, data } = m;
  for (let i = 0; i < count; i++) {
    const o = i * dim;
    let s = 0;
    for (let k = 0; k < dim; k++) s += data[o + k] * data[o + k];
    if (s > 0) {
      const inv = 1 / Math.sqrt(s);
      for (let k = 0; k < dim; k++) data[o + k] *= inv;
    }
  }
}

/** Component-wise mean of equal-length vectors (not normalised). Throws on an empty list. */
export function meanVector(vectors: readonly Float32Array[]): Float32Array {
  if (vectors.length === 0) throw new RangeError('mean of no vectors');
  const d = vectors[0].length;
  const acc = new Float64Array(d);
  for (const v of vectors) {
    if (v.length !== d) throw new RangeError(`length mismatch ${v.length} vs ${d}`);
    for (let k = 0; k < d; k++) acc[k] += v[k];
  }
  const out = new Float32Array(d);
  for (let k = 0; k < d; k++) out[k] = acc[k] / vectors.length;
  return out;
}

/** Component-wise mean of the given rows of m (not normalised). Throws on an empty list. */
export function meanOfRows(m: VectorMatrix, rows: ArrayLike<number>): Float32Array {
  if (rows.length === 0) throw new RangeError('mean of no rows');
  const { dim, data } = m;
  const acc = new Float64Array(dim);
  for (let r = 0; r < rows.length; r++) {
    const o = rows[r] * dim;
    for (let k = 0; k < dim; k++) acc[k] += data[o + k];
  }
  const out = new Float32Array(dim);
  for (let k = 0; k < dim; k++) out[k] = acc[k] / rows.length;
  return out;
}
