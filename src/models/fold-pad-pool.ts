import onnxProto from 'onnx-proto';
import {
  attributeOf,
  decodeModel,
  encodeModel,
  floatValues,
  initializersOf,
  int64Values,
  type OnnxNode,
  type OnnxTensor,
} from './onnx-graph.js';

const { onnx } = onnxProto;

function scalarFloat(tensor: OnnxTensor | undefined): number | null {
  const values = floatValues(tensor);
  return values?.length === 1 ? values[0] : null;
}

/** The permutation of a Transpose node, or null. */
function permutation(node: OnnxNode): number[] | null {
  const perm = attributeOf(node, 'perm');
  return perm?.ints && perm.ints.length > 0 ? perm.ints.map(Number) : null;
}

/**
 * Folds a Pad with −∞ into the MaxPool that reads it (directly, or through Transposes that cancel out): the MaxPool
 * gets the spatial pads instead, which it already treats as −∞, so the output is the same bit for bit.
 *
 * Why: the TF.js converter writes TF's PadV2 (−∞) before a MaxPool as its own node, and onnxruntime neither fuses it
 * nor runs it in the NCHWc layout, so NanoDet converted its largest activation out of NCHWc and back around it:
 * Pad 3.9 ms and its reorders about 4 ms of 58 ms a photo on the 2-core EPYC (docs/perception-speed.md).
 */
export function foldPadIntoMaxPool(model: Uint8Array): Uint8Array {
  const { decoded, graph } = decodeModel(model);
  const nodes = graph.node ?? [];
  const initializers = initializersOf(graph);
  const consumers = new Map<string, OnnxNode[]>();
  for (const node of nodes)
    for (const input of node.input ?? []) consumers.set(input, [...(consumers.get(input) ?? []), node]);
  const outputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const only = (name: string): OnnxNode | null => {
    const users = consumers.get(name) ?? [];
    return users.length === 1 && !outputs.has(name) ? users[0] : null;
  };

  const removed = new Set<OnnxNode>();
  for (const pad of nodes) {
    if (pad.opType !== 'Pad' || !pad.input?.[0] || !pad.output?.[0]) continue;
    const mode = attributeOf(pad, 'mode');
    if (mode?.s && mode.s.length > 0 && new TextDecoder().decode(mode.s) !== 'constant') continue;
    if (scalarFloat(initializers.get(pad.input[2] ?? '')) !== -Infinity) continue;
    const pads = int64Values(initializers.get(pad.input[1] ?? ''));
    // NCHW: nothing on batch or channels, nothing negative
    if (!pads || pads.length !== 8 || pads.some((p) => p < 0) || pads[0] || pads[1] || pads[4] || pads[5]) continue;

    let next = only(pad.output[0]);
    const between: OnnxNode[] = [];
    let order = [0, 1, 2, 3];
    while (next?.opType === 'Transpose' && next.output?.[0]) {
      const perm = permutation(next);
      if (!perm || perm.length !== 4) break;
      order = perm.map((axis) => order[axis]);
      between.push(next);
      next = only(next.output[0]);
    }
    if (next?.opType !== 'MaxPool' || order.some((axis, i) => axis !== i)) continue;
    const autoPad = attributeOf(next, 'auto_pad');
    if (autoPad?.s && autoPad.s.length > 0 && new TextDecoder().decode(autoPad.s) !== 'NOTSET') continue;
    if (attributeOf(next, 'ceil_mode')?.i) continue;

    const existing = attributeOf(next, 'pads')?.ints?.map(Number) ?? [0, 0, 0, 0];
    const merged = [existing[0] + pads[2], existing[1] + pads[3], existing[2] + pads[6], existing[3] + pads[7]];
    next.attribute = [
      ...(next.attribute ?? []).filter((a) => a.name !== 'pads' && a.name !== 'auto_pad'),
      onnx.AttributeProto.create({ name: 'pads', type: onnx.AttributeProto.AttributeType.INTS, ints: merged }),
    ];
    next.input = [pad.input[0], ...(next.input ?? []).slice(1)];
    removed.add(pad);
    between.forEach((node) => removed.add(node));
  }
  if (removed.size === 0) return model;
  graph.node = nodes.filter((node) => !removed.has(node));
  const used = new Set(graph.node.flatMap((n) => n.input ?? []));
  graph.initializer = (graph.initializer ?? []).filter((t) => used.has(t.name ?? ''));
  return encodeModel(decoded);
}
