/**
 * The block product of the k-nearest tables (recognition/ivf.ts's TopDotKernel) on onnxruntime: one tiny graph,
 * Gemm(queries, candidatesᵀ) → TopK, so the product runs in the runtime's SIMD kernels on its own thread pool. On the
 * 2-core AMD EPYC these sessions run on, it ran a 1000 × 8000 × 512 block at 17–28 GFLOP/s under load, against
 * 0.1–0.25 GFLOP/s for the same loop in JavaScript.
 */

// first: onnxruntime's telemetry must be off before its native library sets up (see src/privacy.ts)
import '../privacy.js';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import type { TopDotKernel } from '../types.js';

const { onnx } = onnxProto;

/** The ONNX model: inputs q [nq, dim], c [nc, dim], k [1] (int64); outputs the top-k dots and their positions. */
export function topDotModel(): Uint8Array {
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const INT64 = onnx.TensorProto.DataType.INT64;
  const INT = onnx.AttributeProto.AttributeType.INT;
  const value = (name: string, elemType: number, dims: (number | string)[]) => ({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  });
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'top_dot',
      node: [
        { opType: 'Gemm', input: ['q', 'c'], output: ['s'], attribute: [{ name: 'transB', type: INT, i: 1 }] },
        {
          opType: 'TopK',
          input: ['s', 'k'],
          output: ['v', 'i'],
          attribute: [
            { name: 'axis', type: INT, i: 1 },
            { name: 'largest', type: INT, i: 1 },
            { name: 'sorted', type: INT, i: 1 },
          ],
        },
      ],
      input: [value('q', FLOAT, ['nq', 'dim']), value('c', FLOAT, ['nc', 'dim']), value('k', INT64, [1])],
      output: [value('v', FLOAT, ['nq', 'kk']), value('i', INT64, ['nq', 'kk'])],
    },
  }).finish();
}

export type TopDot = TopDotKernel;

/** A session of the graph with `threads` intra-op threads, as a TopDotKernel. */
export async function createTopDot(threads: number): Promise<{ topDot: TopDot; release: () => Promise<void> }> {
  const session = await ort.InferenceSession.create(topDotModel(), {
    intraOpNumThreads: Math.max(1, threads),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  const topDot: TopDot = async (queries, nq, candidates, nc, dim, k) => {
    const out = new Int32Array(nq * k).fill(-1);
    const kk = Math.min(k, nc);
    if (nq === 0 || kk === 0) return out;
    const result = await session.run({
      q: new ort.Tensor('float32', queries.subarray(0, nq * dim), [nq, dim]),
      c: new ort.Tensor('float32', candidates.subarray(0, nc * dim), [nc, dim]),
      k: new ort.Tensor('int64', BigInt64Array.of(BigInt(kk)), [1]),
    });
    const positions = result.i.data as BigInt64Array;
    for (let q = 0; q < nq; q++) for (let r = 0; r < kk; r++) out[q * k + r] = Number(positions[q * kk + r]);
    return out;
  };
  return { topDot, release: () => session.release() };
}
