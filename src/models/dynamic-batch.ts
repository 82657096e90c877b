import onnxProto from 'onnx-proto';
import { decodeModel, encodeModel, initializersOf } from './onnx-graph.js';

const { onnx } = onnxProto;

/**
 * Rewrites a model exported with a fixed batch of 1 so that the batch dimension is free ('N').
 * The faceplugin models are fully convolutional up to one Reshape/Flatten; a Reshape whose target
 * shape starts with a literal 1 gets 0 there ("copy the input's dimension"), which keeps the batch.
 * Throws when the graph has a shape it cannot prove batch-safe, rather than emitting a wrong model.
 */
export function makeBatchDynamic(model: Uint8Array): Uint8Array {
  const { decoded, graph } = decodeModel(model);
  const initializers = initializersOf(graph);

  for (const value of [...(graph.input ?? []), ...(graph.output ?? [])]) {
    if (initializers.has(value.name ?? '')) continue;
    const first = value.type?.tensorType?.shape?.dim?.[0];
    if (!first) throw new Error(`graph value ${value.name} has no shape`);
    first.dimValue = null;
    first.dimParam = 'N';
  }

  for (const node of graph.node ?? []) {
    if (node.opType !== 'Reshape') continue;
    const shape = initializers.get(node.input?.[1] ?? '');
    if (!shape || shape.dataType !== onnx.TensorProto.DataType.INT64) {
      throw new Error(`Reshape ${node.name} has a computed shape; cannot make its batch dynamic`);
    }
    const raw = shape.rawData;
    if (raw && raw.length >= 8) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      if (view.getBigInt64(0, true) === 1n) view.setBigInt64(0, 0n, true);
    } else {
      throw new Error(`Reshape ${node.name} stores its shape in a form this converter does not handle`);
    }
  }
  graph.valueInfo = [];
  return encodeModel(decoded);
}
