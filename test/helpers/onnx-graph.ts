import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

export interface TinyTensor {
  name: string;
  dims: number[];
  values: Float32Array;
}

function valueInfo(name: string, dims: (number | string)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function initializer(t: TinyTensor) {
  return onnx.TensorProto.create({
    name: t.name,
    dims: t.dims,
    dataType: FLOAT,
    rawData: new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength),
  });
}

/** Builds a small ONNX model (opset 13) from nodes, constants and declared inputs/outputs, for tests. */
export function tinyModel(spec: {
  inputs: { name: string; dims: (number | string)[] }[];
  outputs: { name: string; dims: (number | string)[] }[];
  constants: TinyTensor[];
  nodes: { op: string; inputs: string[]; outputs: string[]; attributes?: Record<string, number | number[]> }[];
}): Uint8Array {
  const nodes = spec.nodes.map((n, i) =>
    onnx.NodeProto.create({
      name: `n${i}`,
      opType: n.op,
      input: n.inputs,
      output: n.outputs,
      attribute: Object.entries(n.attributes ?? {}).map(([name, value]) =>
        Array.isArray(value)
          ? onnx.AttributeProto.create({ name, ints: value, type: onnx.AttributeProto.AttributeType.INTS })
          : onnx.AttributeProto.create({ name, i: value, type: onnx.AttributeProto.AttributeType.INT }),
      ),
    }),
  );
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'immich-people-tests',
    graph: {
      name: 'tiny',
      node: nodes,
      initializer: spec.constants.map(initializer),
      input: spec.inputs.map((i) => valueInfo(i.name, i.dims)),
      output: spec.outputs.map((o) => valueInfo(o.name, o.dims)),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
