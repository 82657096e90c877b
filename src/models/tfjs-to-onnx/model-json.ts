import { z } from 'zod';

/** The parts of a TF.js graph model's `model.json` that the converter reads. */

const intLike = z.union([z.string(), z.number()]);

const TensorShapeSchema = z.object({
  dim: z.array(z.object({ size: intLike.optional() })).optional(),
  unknownRank: z.boolean().optional(),
});

const AttrListSchema = z.object({
  s: z.array(z.string()).optional(),
  i: z.array(intLike).optional(),
  f: z.array(z.union([z.number(), z.string()])).optional(),
  b: z.array(z.boolean()).optional(),
  type: z.array(z.string()).optional(),
  shape: z.array(TensorShapeSchema).optional(),
});

const AttrValueSchema = z.object({
  s: z.string().optional(),
  i: intLike.optional(),
  f: z.union([z.number(), z.string()]).optional(),
  b: z.boolean().optional(),
  type: z.string().optional(),
  shape: TensorShapeSchema.optional(),
  list: AttrListSchema.optional(),
  tensor: z.unknown().optional(),
  func: z.unknown().optional(),
});

const NodeSchema = z.object({
  name: z.string().min(1),
  op: z.string().min(1),
  input: z.array(z.string()).optional(),
  attr: z.record(z.string(), AttrValueSchema).optional(),
});

const QuantizationSchema = z.object({
  dtype: z.enum(['uint8', 'uint16', 'float16']),
  min: z.number().optional(),
  scale: z.number().optional(),
  original_dtype: z.string().optional(),
});

const WeightSpecSchema = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.string(),
  quantization: QuantizationSchema.optional(),
});

const SignatureEntrySchema = z.object({ name: z.string().optional() });

export const ModelJsonSchema = z.object({
  format: z.string().optional(),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullable().optional(),
  signature: z
    .object({
      inputs: z.record(z.string(), SignatureEntrySchema).optional(),
      outputs: z.record(z.string(), SignatureEntrySchema).optional(),
    })
    .nullable()
    .optional(),
  modelTopology: z.object({
    node: z.array(NodeSchema),
    library: z.object({ function: z.array(z.unknown()).optional() }).optional(),
  }),
  weightsManifest: z.array(z.object({ paths: z.array(z.string()), weights: z.array(WeightSpecSchema) })),
});

export type ModelJson = z.infer<typeof ModelJsonSchema>;
export type TfNode = z.infer<typeof NodeSchema>;
export type TfAttrValue = z.infer<typeof AttrValueSchema>;
export type WeightSpec = z.infer<typeof WeightSpecSchema>;

export function parseModelJson(raw: unknown): ModelJson {
  const parsed = ModelJsonSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`not a TF.js graph model.json: ${z.prettifyError(parsed.error)}`);
  if (parsed.data.format !== undefined && parsed.data.format !== 'graph-model') {
    throw new Error(`model.json has format "${parsed.data.format}"; only TF.js graph models can be converted`);
  }
  return parsed.data;
}

function toInt(value: string | number): number {
  const n = typeof value === 'number' ? value : Number.parseInt(value, 10);
  if (!Number.isSafeInteger(n)) throw new Error(`attribute value ${value} is not an integer`);
  return n;
}

function toFloat(value: string | number): number {
  return typeof value === 'number' ? value : Number.parseFloat(value);
}

/** Shape dims from a TensorShapeProto; -1 marks an unknown dimension. Null when the rank is unknown. */
export function shapeFromProto(shape: z.infer<typeof TensorShapeSchema> | undefined): number[] | null {
  if (!shape || shape.unknownRank) return null;
  return (shape.dim ?? []).map((d) => (d.size === undefined ? 0 : toInt(d.size)));
}

/** Typed access to a TF node's attributes, with the node named in every error. */
export class Attrs {
  constructor(
    private readonly node: TfNode,
    private readonly values: Record<string, TfAttrValue> = node.attr ?? {},
  ) {}

  has(name: string): boolean {
    return name in this.values;
  }

  private get(name: string): TfAttrValue | undefined {
    return this.values[name];
  }

  private missing(name: string): Error {
    return new Error(`${this.node.op} ${this.node.name}: attribute "${name}" is missing`);
  }

  str(name: string, fallback?: string): string {
    const v = this.get(name)?.s;
    if (v === undefined) {
      if (fallback !== undefined) return fallback;
      throw this.missing(name);
    }
    return Buffer.from(v, 'base64').toString('utf8');
  }

  int(name: string, fallback?: number): number {
    const v = this.get(name)?.i;
    if (v === undefined) {
      if (fallback !== undefined) return fallback;
      throw this.missing(name);
    }
    return toInt(v);
  }

  float(name: string, fallback?: number): number {
    const v = this.get(name)?.f;
    if (v === undefined) {
      if (fallback !== undefined) return fallback;
      throw this.missing(name);
    }
    return toFloat(v);
  }

  bool(name: string, fallback?: boolean): boolean {
    const v = this.get(name)?.b;
    if (v === undefined) {
      if (fallback !== undefined) return fallback;
      throw this.missing(name);
    }
    return v;
  }

  ints(name: string, fallback?: number[]): number[] {
    const v = this.get(name)?.list;
    if (v === undefined) {
      if (fallback !== undefined) return fallback;
      throw this.missing(name);
    }
    return (v.i ?? []).map(toInt);
  }

  strs(name: string, fallback?: string[]): string[] {
    const v = this.get(name)?.list;
    if (v === undefined) {
      if (fallback !== undefined) return fallback;
      throw this.missing(name);
    }
    return (v.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
  }

  type(name: string, fallback?: string): string {
    const v = this.get(name)?.type;
    if (v === undefined) {
      if (fallback !== undefined) return fallback;
      throw this.missing(name);
    }
    return v;
  }

  shape(name: string): number[] | null {
    return shapeFromProto(this.get(name)?.shape);
  }
}
