import { GraphBuilder } from './builder.js';
import { createContext, ValueTable, type Value } from './context.js';
import { Attrs, parseModelJson, type TfNode } from './model-json.js';
import { OPS } from './ops.js';
import { dtypeFromTf, type ConstTensor, type DType, type Shape } from './tensor.js';
import { decodeWeights, type ShardReader } from './weights.js';

export interface TfjsToOnnxOptions {
  /**
   * Replaces the graph input's shape, e.g. [1, 128, 128, 3] to run a fully convolutional part at
   * another size. A record sets it per input name when the graph has several.
   */
  inputShape?: readonly number[] | Readonly<Record<string, readonly number[]>>;
  /** Cuts the graph: these TF node names (optionally `name:k`) become the ONNX outputs, in order. */
  outputs?: readonly string[];
}

export interface IoInfo {
  name: string;
  dtype: DType;
  shape: Shape;
}

export interface TfjsToOnnxResult {
  onnx: Uint8Array;
  inputs: IoInfo[];
  outputs: IoInfo[];
  /** How many of each TF op the converted part of the graph holds (Const excluded). */
  ops: Record<string, number>;
}

interface Ref {
  node: string;
  index: number;
}

function parseRef(input: string): Ref | null {
  if (input.startsWith('^')) return null; // a control dependency: no data flows
  const m = /^(.*?)(?::(\d+))?$/.exec(input);
  if (!m) throw new Error(`cannot read the input reference ${input}`);
  return { node: m[1], index: m[2] === undefined ? 0 : Number(m[2]) };
}

const key = (r: Ref): string => `${r.node}:${r.index}`;
const onnxName = (r: Ref): string => (r.index === 0 ? r.node : `${r.node}:${r.index}`);

function dataInputs(node: TfNode): Ref[] {
  return (node.input ?? []).map(parseRef).filter((r): r is Ref => r !== null);
}

/** The nodes the outputs depend on, inputs before users. */
function topologicalOrder(nodes: Map<string, TfNode>, outputs: readonly Ref[]): TfNode[] {
  const order: TfNode[] = [];
  const state = new Map<string, 'open' | 'done'>();
  for (const out of outputs) {
    const stack: { name: string; expanded: boolean }[] = [{ name: out.node, expanded: false }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const node = nodes.get(top.name);
      if (!node) throw new Error(`the graph has no node ${top.name}`);
      if (top.expanded) {
        stack.pop();
        if (state.get(top.name) !== 'done') {
          state.set(top.name, 'done');
          order.push(node);
        }
        continue;
      }
      if (state.get(top.name) === 'done') {
        stack.pop();
        continue;
      }
      if (state.get(top.name) === 'open') throw new Error(`the graph has a cycle through ${top.name}`);
      state.set(top.name, 'open');
      top.expanded = true;
      for (const ref of dataInputs(node)) {
        if (state.get(ref.node) !== 'done') stack.push({ name: ref.node, expanded: false });
      }
    }
  }
  return order;
}

function defaultOutputs(model: ReturnType<typeof parseModelJson>): string[] {
  const fromSignature = Object.values(model.signature?.outputs ?? {})
    .map((o) => o.name)
    .filter((n): n is string => n !== undefined);
  const names =
    fromSignature.length > 0
      ? fromSignature
      : (() => {
          const consumed = new Set(model.modelTopology.node.flatMap((n) => dataInputs(n).map((r) => r.node)));
          return model.modelTopology.node.filter((n) => n.op !== 'Const' && !consumed.has(n.name)).map((n) => n.name);
        })();
  return names.sort(naturalCompare);
}

/** Orders Identity, Identity_1, Identity_2, …, Identity_10 the way people count. */
function naturalCompare(a: string, b: string): number {
  const pa = a.split(/(\d+)/);
  const pb = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] === pb[i]) continue;
    const na = Number(pa[i]);
    const nb = Number(pb[i]);
    if (i % 2 === 1 && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
    return pa[i] < pb[i] ? -1 : 1;
  }
  return pa.length - pb.length;
}

function inputShapeFor(options: TfjsToOnnxOptions, name: string, declared: Shape, inputCount: number): Shape {
  const s = options.inputShape;
  if (!s) return declared;
  if (Array.isArray(s)) {
    if (inputCount !== 1) throw new Error('inputShape as an array needs a graph with exactly one input');
    return s as readonly number[];
  }
  const byName = (s as Readonly<Record<string, readonly number[]>>)[name];
  return byName ?? declared;
}

/**
 * Converts a TF.js graph model to ONNX (opset 13). `modelJson` is the parsed model.json;
 * `readShard` returns the bytes of each weight file it names.
 */
export function convertTfjsGraph(
  modelJson: unknown,
  readShard: ShardReader,
  options: TfjsToOnnxOptions = {},
): TfjsToOnnxResult {
  const model = parseModelJson(modelJson);
  if ((model.modelTopology.library?.function ?? []).length > 0) {
    throw new Error('the graph uses a function library (control flow), which the converter does not support');
  }
  const weights = decodeWeights(model.weightsManifest, readShard);
  const nodes = new Map(model.modelTopology.node.map((n) => [n.name, n]));

  const outputRefs = (options.outputs ?? defaultOutputs(model)).map((o) => {
    const ref = parseRef(o.replace(/:0$/, ''));
    if (!ref || !nodes.has(ref.node)) throw new Error(`output ${o} is not a node of the graph`);
    return ref;
  });
  const order = topologicalOrder(nodes, outputRefs);
  const placeholders = order.filter((n) => n.op === 'Placeholder');

  const graph = new GraphBuilder();
  graph.reserve(model.modelTopology.node.map((n) => n.name));
  const table = new ValueTable(graph);
  const inputs: IoInfo[] = [];
  const ops: Record<string, number> = {};

  for (const node of order) {
    const attrs = new Attrs(node);
    if (node.op !== 'Const') ops[node.op] = (ops[node.op] ?? 0) + 1;

    if (node.op === 'Const') {
      const w = weights.get(node.name);
      if (!w) throw new Error(`Const ${node.name} has no weight in the manifest`);
      const dtype = attrs.has('dtype') ? dtypeFromTf(attrs.type('dtype')) : w.dtype;
      const t: ConstTensor = { ...w, dtype };
      table.set(`${node.name}:0`, { name: node.name, dtype, shape: t.shape, const: t });
      continue;
    }
    if (node.op === 'Placeholder') {
      const dtype = dtypeFromTf(attrs.type('dtype', 'DT_FLOAT'));
      const shape = inputShapeFor(options, node.name, attrs.shape('shape'), placeholders.length);
      graph.input(node.name, dtype, shape);
      inputs.push({ name: node.name, dtype, shape });
      table.set(`${node.name}:0`, { name: node.name, dtype, shape });
      continue;
    }

    const entry = OPS[node.op];
    if (!entry) {
      throw new Error(
        `op ${node.op} (node ${node.name}) is not supported; add an entry to src/models/tfjs-to-onnx/ops.ts`,
      );
    }
    const values: Value[] = dataInputs(node).map((ref) => {
      const v = table.get(key(ref));
      if (!v) throw new Error(`${node.op} ${node.name}: its input ${onnxName(ref)} has no value`);
      return v;
    });

    let outs: Value[];
    if (entry.fold && values.every((v) => v.const)) {
      outs = entry
        .fold(
          values.map((v) => v.const as ConstTensor),
          attrs,
          node,
        )
        .map((t, k) => ({ name: k === 0 ? node.name : `${node.name}:${k}`, dtype: t.dtype, shape: t.shape, const: t }));
    } else if (entry.convert) {
      outs = entry.convert(createContext(node, attrs, values, table, graph));
    } else {
      throw new Error(`${node.op} ${node.name}: the converter can only fold this op, but its inputs are not constant`);
    }
    outs.forEach((v, k) => table.set(`${node.name}:${k}`, v));
  }

  const outputs: IoInfo[] = [];
  for (const ref of outputRefs) {
    const v = table.get(key(ref));
    if (!v) throw new Error(`output ${onnxName(ref)} has no value`);
    const name = onnxName(ref);
    if (v.const) {
      graph.node('Identity', [graph.initializer(v.const, `${name}/value`)], {}, name, [name]);
    } else {
      const produced = table.use(v);
      if (produced !== name) graph.node('Identity', [produced], {}, name, [name]);
    }
    graph.output(name, v.dtype, v.shape);
    outputs.push({ name, dtype: v.dtype, shape: v.shape });
  }

  const source = [model.generatedBy, model.convertedBy].filter(Boolean).join(', ');
  const onnx = graph.encode('tfjs-graph', `converted from a TF.js graph model${source ? ` (${source})` : ''}`);
  return { onnx, inputs, outputs, ops };
}
