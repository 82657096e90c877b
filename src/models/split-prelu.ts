import onnxProto from 'onnx-proto';
import {
  decodeModel,
  encodeModel,
  floatInitializer,
  floatValues,
  initializersOf,
  type OnnxNode,
  type OnnxTensor,
} from './onnx-graph.js';

const { onnx } = onnxProto;

/** A slope's values when it is one per channel of an NCHW input ([C,1,1] or [1,C,1,1]); else null. */
function channelSlopes(slope: OnnxTensor | undefined): Float32Array | null {
  const dims = (slope?.dims ?? []).map(Number);
  const perChannel =
    (dims.length === 3 && dims[1] === 1 && dims[2] === 1) ||
    (dims.length === 4 && dims[0] === 1 && dims[2] === 1 && dims[3] === 1);
  return perChannel ? floatValues(slope) : null;
}

/**
 * Rewrites every PRelu with one slope per channel as Relu(x) + (−s)·Relu(−x), the two scalings written as
 * BatchNormalization (mean 0, variance 1, epsilon 0, so each is one exact multiply). The result equals PRelu's
 * bit for bit: for x ≥ 0 it is x + (−s)·0, for x < 0 it is 0 + s·x.
 *
 * Why: onnxruntime's NCHWc layout (graph level 'all') has no PRelu, so it converted the tensor back to NCHW and
 * forth around each of fr_feature's 33 PRelus, and its PRelu kernel is slow; Relu, BatchNormalization and Add all
 * stay in the NCHWc layout (the scalings become 1×1 depthwise convolutions, the Add is fused into the last).
 * fr_feature on one face: 13.4 → 7.1 ms on the 2-core AMD EPYC (docs/perception-speed.md), the same vector.
 * A PRelu whose slope is not one per channel is left as it is.
 */
export function splitPRelu(model: Uint8Array): Uint8Array {
  const { decoded, graph } = decodeModel(model);
  const initializers = initializersOf(graph);
  const nodes: OnnxNode[] = [];
  const added: OnnxTensor[] = [];
  const unit = (prefix: string, scale: Float32Array, input: string, output: string): OnnxNode => {
    const channels = scale.length;
    const names = ['scale', 'bias', 'mean', 'var'].map((part) => `${prefix}/${part}`);
    added.push(
      floatInitializer(names[0], scale),
      floatInitializer(names[1], new Float32Array(channels)),
      floatInitializer(names[2], new Float32Array(channels)),
      floatInitializer(names[3], new Float32Array(channels).fill(1)),
    );
    return onnx.NodeProto.create({
      name: prefix,
      opType: 'BatchNormalization',
      input: [input, ...names],
      output: [output],
      attribute: [onnx.AttributeProto.create({ name: 'epsilon', type: onnx.AttributeProto.AttributeType.FLOAT, f: 0 })],
    });
  };
  let rewritten = 0;
  for (const node of graph.node ?? []) {
    const slopes = node.opType === 'PRelu' ? channelSlopes(initializers.get(node.input?.[1] ?? '')) : null;
    if (!slopes || !node.input?.[0] || !node.output?.[0]) {
      nodes.push(node);
      continue;
    }
    const [x, y] = [node.input[0], node.output[0]];
    const p = `split_prelu_${rewritten++}`;
    const step = (opType: string, input: string[], output: string, name: string) =>
      onnx.NodeProto.create({ name: `${p}/${name}`, opType, input, output: [output] });
    nodes.push(
      step('Relu', [x], `${p}/positive`, 'relu'),
      unit(`${p}/negate`, new Float32Array(slopes.length).fill(-1), x, `${p}/negated`),
      step('Relu', [`${p}/negated`], `${p}/negative`, 'relu_negated'),
      unit(
        `${p}/slope`,
        slopes.map((s) => -s),
        `${p}/negative`,
        `${p}/scaled`,
      ),
      step('Add', [`${p}/positive`, `${p}/scaled`], y, 'add'),
    );
  }
  if (rewritten === 0) return model;
  // the slopes no node reads any more; older exporters also list initializers among the graph's inputs
  const used = new Set(nodes.flatMap((n) => n.input ?? []));
  const dropped = new Set((graph.initializer ?? []).map((t) => t.name ?? '').filter((name) => !used.has(name)));
  graph.node = nodes;
  graph.initializer = [...(graph.initializer ?? []).filter((t) => !dropped.has(t.name ?? '')), ...added];
  graph.input = (graph.input ?? []).filter((input) => !dropped.has(input.name ?? ''));
  return encodeModel(decoded);
}
