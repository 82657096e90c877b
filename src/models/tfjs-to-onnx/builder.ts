import onnxProto from 'onnx-proto';
import type { ConstTensor, DType, Shape } from './tensor.js';

const { onnx } = onnxProto;

export const OPSET = 13;
export const IR_VERSION = 8;

/** An ONNX attribute value: a number is an INT, an array of numbers INTS; floats are spelled out. */
export type OnnxAttr = number | string | readonly number[] | { floats: readonly number[] } | { float: number };

export function elemType(dtype: DType): number {
  switch (dtype) {
    case 'float32':
      return onnx.TensorProto.DataType.FLOAT;
    case 'int32':
      return onnx.TensorProto.DataType.INT32;
    case 'int64':
      return onnx.TensorProto.DataType.INT64;
    case 'bool':
      return onnx.TensorProto.DataType.BOOL;
  }
}

function rawBytes(t: ConstTensor): Uint8Array {
  switch (t.dtype) {
    case 'float32': {
      const f = Float32Array.from(t.data);
      return new Uint8Array(f.buffer);
    }
    case 'int32': {
      const i = Int32Array.from(t.data);
      return new Uint8Array(i.buffer);
    }
    case 'int64': {
      const i = BigInt64Array.from(Array.from(t.data, (v) => BigInt(v)));
      return new Uint8Array(i.buffer);
    }
    case 'bool':
      return Uint8Array.from(t.data, (v) => (v ? 1 : 0));
  }
}

function attribute(name: string, value: OnnxAttr): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: ${value} is not an integer; use { float }`);
    return { name, type: T.INT, i: value };
  }
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  if ('floats' in value) return { name, type: T.FLOATS, floats: [...value.floats] };
  return { name, type: T.INTS, ints: [...value] };
}

function valueInfo(name: string, dtype: DType, shape: Shape): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: elemType(dtype),
        shape: shape ? { dim: shape.map((d, i) => (d >= 0 ? { dimValue: d } : { dimParam: `d${i}` })) } : null,
      },
    },
  };
}

/** Accumulates ONNX nodes, initialisers and graph I/O, and hands out unique value names. */
export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  /** Names handed out or reserved, so that fresh names never collide. */
  private readonly used = new Set<string>();
  /** Names some node, initialiser or input already produces (the graph is SSA). */
  private readonly produced = new Set<string>();

  /** Reserves names (the TF value names) so that fresh names avoid them. */
  reserve(names: Iterable<string>): void {
    for (const name of names) this.used.add(name);
  }

  /** A value name not yet used in the graph, derived from `hint`. */
  unique(hint: string): string {
    let name = hint;
    for (let n = 1; this.used.has(name); n++) name = `${hint}_${n}`;
    this.used.add(name);
    return name;
  }

  private produce(name: string): string {
    if (this.produced.has(name)) throw new Error(`ONNX value ${name} would be produced twice`);
    this.produced.add(name);
    this.used.add(name);
    return name;
  }

  isProduced(name: string): boolean {
    return this.produced.has(name);
  }

  /** Adds an initialiser; `exactName` (a reserved TF name) or else a fresh name from `hint`. */
  initializer(t: ConstTensor, hint: string, exactName = false): string {
    const name = this.produce(exactName ? hint : this.unique(hint));
    this.initializers.push({ name, dataType: elemType(t.dtype), dims: [...t.shape], rawData: rawBytes(t) });
    return name;
  }

  input(name: string, dtype: DType, shape: Shape): void {
    this.produce(name);
    this.inputs.push(valueInfo(name, dtype, shape));
  }

  output(name: string, dtype: DType, shape: Shape): void {
    this.outputs.push(valueInfo(name, dtype, shape));
  }

  /**
   * Adds one node. `outputs` are either exact names (reserved TF names) or a count of fresh
   * names derived from `nameHint`. Returns the output names.
   */
  node(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, OnnxAttr | undefined>,
    nameHint: string,
    outputs: number | readonly string[] = 1,
  ): string[] {
    const names =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, (_, i) => this.unique(`${nameHint}/${opType}${i ? `:${i}` : ''}`))
        : [...outputs];
    for (const name of names) this.produce(name);
    const attribute_ = Object.entries(attrs)
      .filter((e): e is [string, OnnxAttr] => e[1] !== undefined)
      .map(([k, v]) => attribute(k, v));
    this.nodes.push({
      name: `${nameHint}/${opType}#${this.nodes.length}`,
      opType,
      input: [...inputs],
      output: names,
      attribute: attribute_,
    });
    return names;
  }

  /** Encodes the model. */
  encode(graphName: string, docString: string): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: 'immich-people tfjs-to-onnx',
      producerVersion: '1',
      docString,
      opsetImport: [{ domain: '', version: OPSET }],
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  get nodeCount(): number {
    return this.nodes.length;
  }
}
