/**
 * The eval's embedding cache: what perception saw in each photo (its observations, as the app stores them, every
 * vector tagged with its model), kept per photo so that a second `eval` over the same folder runs no model.
 *
 * Layout: `<dir>/<settings>/<sha256 of the file's bytes>.json`, where `<settings>` is the first 16 hex digits of
 * the sha256 of the face model id, perception's revision (PERCEPTION_REVISION) and the perception settings that
 * change what perception returns (the config's `perception` section minus `bodies`, which eval never runs, and the
 * decoder's pixel limit). A changed model, revision or setting therefore misses the cache instead of reading stale
 * vectors; a moved or renamed photo still hits it.
 * Entries are written whole or not at all (a temporary file renamed into place). A photo that failed to decode
 * or to be analysed is cached with its error, so a warm run does not try it again.
 */

import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PERCEPTION_REVISION } from '../../perception/perceive.js';
import type { Observation } from '../../types.js';

export const CACHE_VERSION = 1;

export type CachedPerception = { width: number; height: number; observations: Observation[] } | { error: string };

interface StoredEntry {
  version: number;
  faceModel: string;
  result: unknown;
}

/** sha256 of a file's bytes, hex. */
export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The cache key of a face model, its settings and perception's revision (16 hex digits). */
export function settingsKey(faceModel: string, settings: unknown, revision: number = PERCEPTION_REVISION): string {
  return createHash('sha256')
    .update(JSON.stringify({ version: CACHE_VERSION, revision, faceModel, settings }))
    .digest('hex')
    .slice(0, 16);
}

const VECTOR_TAG = '$f32';

/** JSON with every Float32Array as the base64 of its bytes (exact), e.g. {"$f32": "AACAPw=="}. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Float32Array) {
    return { [VECTOR_TAG]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  }
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && VECTOR_TAG in value) {
    const encoded = (value as Record<string, unknown>)[VECTOR_TAG];
    if (typeof encoded === 'string') {
      const bytes = new Uint8Array(Buffer.from(encoded, 'base64')); // a fresh, aligned copy
      return new Float32Array(bytes.buffer, 0, bytes.byteLength / 4);
    }
  }
  return value;
}

export function encodeEntry(faceModel: string, result: CachedPerception): string {
  const entry: StoredEntry = { version: CACHE_VERSION, faceModel, result };
  return JSON.stringify(entry, replacer);
}

/** The cached result, or null when the text is not an entry of this version and model. */
export function decodeEntry(text: string, faceModel: string): CachedPerception | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, reviver);
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object') return null;
  const entry = parsed as Partial<StoredEntry>;
  if (entry.version !== CACHE_VERSION || entry.faceModel !== faceModel) return null;
  const result = entry.result;
  if (result === null || typeof result !== 'object') return null;
  if ('error' in result && typeof result.error === 'string') return { error: result.error };
  if ('observations' in result && Array.isArray(result.observations)) return result as CachedPerception;
  return null;
}

export class PerceptionCache {
  readonly folder: string;

  /** `settings`: whatever else changes perception's output (see the file comment). */
  constructor(
    dir: string,
    private readonly faceModel: string,
    settings: unknown,
  ) {
    this.folder = join(dir, settingsKey(faceModel, settings));
  }

  private path(hash: string): string {
    return join(this.folder, `${hash}.json`);
  }

  /** The cached perception of the photo with this content hash, or null (absent, unreadable, stale). */
  async read(hash: string): Promise<CachedPerception | null> {
    const text = await readFile(this.path(hash), 'utf8').catch(() => null);
    return text === null ? null : decodeEntry(text, this.faceModel);
  }

  async write(hash: string, result: CachedPerception): Promise<void> {
    await mkdir(this.folder, { recursive: true });
    const target = this.path(hash);
    const temporary = `${target}.${process.pid}.tmp`;
    await writeFile(temporary, encodeEntry(this.faceModel, result));
    await rename(temporary, target);
  }
}
