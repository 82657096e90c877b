import type { GraphBuilder, OnnxAttr } from './builder.js';
import type { Attrs, TfNode } from './model-json.js';
import { makeTensor, type ConstTensor, type DType, type Shape } from './tensor.js';

/** A TF value during conversion: a run-time ONNX value, or a constant not yet written out. */
export interface Value {
  /** The ONNX name: the TF value name for constants and most node outputs, else a fresh name. */
  readonly name: string;
  readonly dtype: DType;
  readonly shape: Shape;
  /** Set for constants (weights and folded results). */
  readonly const?: ConstTensor;
}

/** What a converter returns for each TF output. */
export type Out = Value;

/** What each op converter sees. */
export interface OpContext {
  readonly node: TfNode;
  readonly attrs: Attrs;
  readonly inputs: readonly Value[];
  readonly graph: GraphBuilder;
  /** The ONNX name of input `i`; a constant input is written as an initialiser on first use. */
  use(i: number | Value): string;
  /** The value of constant input `i`; throws when it is only known at run time. */
  constant(i: number): ConstTensor;
  isConstant(i: number): boolean;
  /** The ONNX name that TF output `k` of this node should carry (the TF value name). */
  outName(k?: number): string;
  /** Adds a node; its outputs get fresh names unless `outputs` gives exact ones. */
  add(
    opType: string,
    inputs: readonly string[],
    attrs?: Record<string, OnnxAttr | undefined>,
    outputs?: number | readonly string[],
  ): string[];
  /** Writes a constant the converter made (e.g. a re-laid-out filter) as an initialiser. */
  initializer(t: ConstTensor, hint: string): string;
  int64(values: readonly number[], hint: string): string;
  float(values: readonly number[], shape: readonly number[], hint: string): string;
  /** An error that names the node. */
  fail(message: string): Error;
}

/**
 * One TF op. `fold` computes the result when every input is a constant (SparseToDense has only
 * this). `convert` emits ONNX nodes for a run-time value and returns one Value per TF output.
 */
export interface OpConverter {
  fold?: (inputs: readonly ConstTensor[], attrs: Attrs, node: TfNode) => ConstTensor[];
  convert?: (ctx: OpContext) => Out[];
}

/** The mutable state behind OpContext: which constants are already initialisers. */
export class ValueTable {
  private readonly values = new Map<string, Value>();
  private readonly materialised = new Set<string>();

  constructor(private readonly graph: GraphBuilder) {}

  set(key: string, value: Value): void {
    this.values.set(key, value);
  }

  get(key: string): Value | undefined {
    return this.values.get(key);
  }

  /** The ONNX name of a value, writing a constant as an initialiser the first time. */
  use(value: Value): string {
    if (value.const && !this.materialised.has(value.name)) {
      this.materialised.add(value.name);
      if (!this.graph.isProduced(value.name)) this.graph.initializer(value.const, value.name, true);
    }
    return value.name;
  }
}

export function createContext(node: TfNode, attrs: Attrs, inputs: Value[], table: ValueTable, graph: GraphBuilder) {
  const fail = (message: string): Error => new Error(`${node.op} ${node.name}: ${message}`);
  const ctx: OpContext = {
    node,
    attrs,
    inputs,
    graph,
    use: (i) => {
      const value = typeof i === 'number' ? inputs[i] : i;
      if (!value) throw fail(`has no input ${String(i)}`);
      return table.use(value);
    },
    constant: (i) => {
      const value = inputs[i];
      if (!value) throw fail(`has no input ${i}`);
      if (!value.const) throw fail(`input ${i} must be a constant, but it is computed at run time`);
      return value.const;
    },
    isConstant: (i) => inputs[i]?.const !== undefined,
    outName: (k = 0) => (k === 0 ? node.name : `${node.name}:${k}`),
    add: (opType, ins, attrs_ = {}, outputs = 1) => graph.node(opType, ins, attrs_, node.name, outputs),
    initializer: (t, hint) => graph.initializer(t, `${node.name}/${hint}`),
    int64: (values, hint) => graph.initializer(makeTensor('int64', [values.length], values), `${node.name}/${hint}`),
    float: (values, shape, hint) => graph.initializer(makeTensor('float32', shape, values), `${node.name}/${hint}`),
    fail,
  };
  return ctx;
}
