import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { packageRoot } from '../package-root.js';
import { ConfigSchema, type Config } from './schema.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** Environment variables that override the config file, and where each lands. */
const ENV_OVERRIDES: readonly { variable: string; path: readonly string[]; parse?: (value: string) => unknown }[] = [
  { variable: 'IMMICH_PEOPLE_DB', path: ['store', 'path'] },
  { variable: 'IMMICH_URL', path: ['immich', 'url'] },
  { variable: 'IMMICH_API_KEY', path: ['immich', 'apiKey'] },
  { variable: 'IMMICH_PEOPLE_MODE', path: ['immich', 'mode'] },
  { variable: 'IMMICH_PEOPLE_POLL_SECONDS', path: ['immich', 'pollSeconds'], parse: Number },
  { variable: 'IMMICH_PEOPLE_RECLUSTER_AT', path: ['immich', 'reclusterAt'] },
  { variable: 'IMMICH_PEOPLE_TAGS', path: ['immich', 'tags'], parse: (v) => v === 'true' || v === '1' },
  { variable: 'IMMICH_PEOPLE_PORT', path: ['server', 'port'], parse: Number },
  { variable: 'IMMICH_PEOPLE_MODELS_DIR', path: ['models', 'dir'] },
  { variable: 'IMMICH_PEOPLE_THREADS', path: ['models', 'intraOpThreads'], parse: Number },
  { variable: 'IMMICH_PEOPLE_FACE_BACKEND', path: ['perception', 'faceBackend'] },
  { variable: 'IMMICH_PEOPLE_MODEL_CACHE', path: ['perception', 'onnx', 'modelCache'] },
  { variable: 'IMMICH_PEOPLE_MODEL_NAME', path: ['perception', 'onnx', 'modelName'] },
  { variable: 'IMMICH_ML_URL', path: ['perception', 'immichMl', 'url'] },
];

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node = (typeof next === 'object' && next !== null ? next : (node[key] = {})) as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

/**
 * Loads config: built-in defaults ← the JSON file named by IMMICH_PEOPLE_CONFIG or `file` ← environment variables.
 * A bad file or value stops with a message naming the field.
 */
export function loadConfig(options: { file?: string; env?: Env } = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env.IMMICH_PEOPLE_CONFIG;
  let raw: Record<string, unknown> = {};
  if (file) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`cannot read the config file ${file}: ${(error as Error).message}`, { cause: error });
    }
  }
  for (const { variable, path, parse } of ENV_OVERRIDES) {
    const value = env[variable];
    if (value !== undefined && value !== '') setPath(raw, path, parse ? parse(value) : value);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`invalid configuration: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export function resolveModelsDir(config: Config): string {
  return isAbsolute(config.models.dir) ? config.models.dir : resolve(packageRoot(), config.models.dir);
}
