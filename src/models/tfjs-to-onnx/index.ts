/**
 * A TF.js graph model → ONNX converter. Reads model.json and its weight shards (dequantising
 * float16/uint8/uint16), folds constant sub-graphs, maps each TF op through the table in
 * `ops.ts` and writes an opset-13 ONNX model with onnx-proto.
 */
export { convertTfjsGraph, type IoInfo, type TfjsToOnnxOptions, type TfjsToOnnxResult } from './convert.js';
export { OPS } from './ops.js';
export type { OpContext, OpConverter } from './context.js';
export type { ShardReader } from './weights.js';
