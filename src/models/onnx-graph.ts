import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
export type OnnxNode = onnxProto.onnx.INodeProto;
export type OnnxTensor = onnxProto.onnx.ITensorProto;
export type OnnxGraph = onnxProto.onnx.IGraphProto;

/** The pieces of an ONNX file that the set-up's graph rewrites (dynamic-batch, split-prelu, fold-pad-pool, bytes-input) read and write. */
export function decodeModel(model: Uint8Array): { decoded: onnxProto.onnx.ModelProto; graph: OnnxGraph } {
  const decoded = onnx.ModelProto.decode(model);
  if (!decoded.graph) throw new Error('the ONNX file has no graph');
  return { decoded, graph: decoded.graph };
}

export function encodeModel(decoded: onnxProto.onnx.ModelProto): Uint8Array {
  return onnx.ModelProto.encode(decoded).finish();
}

export function initializersOf(graph: OnnxGraph): Map<string, OnnxTensor> {
  return new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
}

/** A float tensor's values, stored raw or as floats; null for another type. */
export function floatValues(tensor: OnnxTensor | undefined): Float32Array | null {
  if (!tensor || tensor.dataType !== onnx.TensorProto.DataType.FLOAT) return null;
  if (tensor.rawData && tensor.rawData.length > 0) return new Float32Array(Uint8Array.from(tensor.rawData).buffer);
  return tensor.floatData && tensor.floatData.length > 0 ? Float32Array.from(tensor.floatData) : null;
}

/** An int64 tensor's values, stored raw or as integers; null for another type. */
export function int64Values(tensor: OnnxTensor | undefined): number[] | null {
  if (!tensor || tensor.dataType !== onnx.TensorProto.DataType.INT64) return null;
  if (tensor.rawData && tensor.rawData.length > 0) {
    return Array.from(new BigInt64Array(Uint8Array.from(tensor.rawData).buffer), Number);
  }
  return (tensor.int64Data ?? []).map(Number);
}

/** A float initializer holding `values` (raw little-endian, as exporters write them), of shape `dims`. */
export function floatInitializer(name: string, values: Float32Array, dims: number[] = [values.length]): OnnxTensor {
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  });
}

export function attributeOf(node: OnnxNode, name: string): onnxProto.onnx.IAttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}
