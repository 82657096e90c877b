import onnxProto from 'onnx-proto';
import { decodeModel, encodeModel, floatInitializer, initializersOf } from './onnx-graph.js';

const { onnx } = onnxProto;
type ValueInfo = onnxProto.onnx.IValueInfoProto;

/** How the model's float input was made from bytes: (x − mean) / std per channel, in R, G, B order. */
export interface BytesNormalisation {
  mean: readonly [number, number, number];
  /** Powers of two keep the graph's result equal bit for bit to (x − mean) · (1 / std) computed in JavaScript. */
  std: readonly [number, number, number];
}

function dimsOf(value: ValueInfo): (number | string)[] {
  return (value.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue)));
}

function setDims(value: ValueInfo, dims: (number | string)[], elemType: number): void {
  value.type = onnx.TypeProto.create({
    tensorType: {
      elemType,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  });
}

/**
 * Rewrites an image model whose input is float N×3×H×W (batch fixed at 1) to take what the decoder gives: bytes,
 * uint8 N×H×W×3 (interleaved RGB rows), with any batch. The graph itself transposes, casts and normalises them:
 * Transpose → Cast → Sub(mean) → Mul(1/std), which onnxruntime runs in a few fused passes instead of the JavaScript
 * loop that wrote the planes (0.3–0.7 ms a 320×240 input on the EPYC, and a 0.9 MB float array for the collector).
 *
 * The batch: the declared input's and outputs' first dimension is made free. That suffices only for graphs whose
 * reshapes take their shape from a tensor's (UltraFace computes them); a Reshape to a constant shape is refused.
 * The test compares every item of a batch with the same input run alone, on the fetched model.
 */
export function bytesInput(model: Uint8Array, norm: BytesNormalisation): Uint8Array {
  const { decoded, graph } = decodeModel(model);
  const initializers = initializersOf(graph);
  const inputs = (graph.input ?? []).filter((i) => !initializers.has(i.name ?? ''));
  if (inputs.length !== 1) throw new Error(`expected one image input, found ${inputs.length}`);
  const input = inputs[0];
  const name = input.name ?? '';
  const dims = dimsOf(input);
  if (input.type?.tensorType?.elemType !== onnx.TensorProto.DataType.FLOAT || dims.length !== 4 || dims[1] !== 3) {
    throw new Error(`input ${name} is not float N×3×H×W (${dims.join('×')})`);
  }
  if (dims[0] !== 1) throw new Error(`input ${name} does not have a fixed batch of 1`);
  for (const node of graph.node ?? []) {
    if (node.opType === 'Reshape' && initializers.has(node.input?.[1] ?? '')) {
      throw new Error(`Reshape ${node.name} has a constant shape; its batch cannot be freed here`);
    }
  }

  const p = 'bytes_input';
  const nchw = `${p}/nchw`;
  for (const node of graph.node ?? []) node.input = (node.input ?? []).map((i) => (i === name ? nchw : i));
  const constant = (suffix: string, values: readonly number[]) =>
    floatInitializer(`${p}/${suffix}`, Float32Array.from(values), [1, 3, 1, 1]);
  const step = (opType: string, from: string[], to: string, attribute: onnxProto.onnx.IAttributeProto[] = []) =>
    onnx.NodeProto.create({ name: `${p}/${opType.toLowerCase()}`, opType, input: from, output: [to], attribute });
  const ints = onnx.AttributeProto.AttributeType.INT;
  // transposed first, while still bytes, and normalised per channel in NCHW: normalising the interleaved rows
  // (a [3] constant broadcast over the last axis) took onnxruntime 9.0 ms against 4.9 this way, on UltraFace's input
  graph.node = [
    step('Transpose', [name], `${p}/planes`, [
      onnx.AttributeProto.create({ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [0, 3, 1, 2] }),
    ]),
    step('Cast', [`${p}/planes`], `${p}/float`, [
      onnx.AttributeProto.create({ name: 'to', type: ints, i: onnx.TensorProto.DataType.FLOAT }),
    ]),
    step('Sub', [`${p}/float`, `${p}/mean`], `${p}/centred`),
    step('Mul', [`${p}/centred`, `${p}/scale`], nchw),
    ...(graph.node ?? []),
  ];
  graph.initializer = [
    ...(graph.initializer ?? []),
    constant('mean', norm.mean),
    constant(
      'scale',
      norm.std.map((s) => 1 / s),
    ),
  ];
  setDims(input, ['N', dims[2], dims[3], 3], onnx.TensorProto.DataType.UINT8);
  for (const output of graph.output ?? []) {
    const outDims = dimsOf(output);
    if (outDims[0] !== 1) throw new Error(`output ${output.name} does not have a fixed batch of 1`);
    setDims(output, ['N', ...outDims.slice(1)], output.type?.tensorType?.elemType ?? onnx.TensorProto.DataType.FLOAT);
  }
  graph.valueInfo = [];
  return encodeModel(decoded);
}
