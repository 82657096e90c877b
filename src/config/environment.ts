export type Env = Readonly<Record<string, string | undefined>>;

type Kind = 'string' | 'number' | 'boolean';

export interface EnvOverride {
  readonly variable: string;
  /** The setting it overrides, e.g. ['immich', 'pollSeconds']. */
  readonly path: readonly string[];
  readonly kind: Kind;
}

/** Environment variables that override the config file, and where each lands. The README's table lists them all. */
export const ENV_OVERRIDES: readonly EnvOverride[] = [
  { variable: 'IMMICH_PEOPLE_DB', path: ['store', 'path'], kind: 'string' },
  { variable: 'IMMICH_URL', path: ['immich', 'url'], kind: 'string' },
  { variable: 'IMMICH_API_KEY', path: ['immich', 'apiKey'], kind: 'string' },
  { variable: 'IMMICH_PEOPLE_MODE', path: ['immich', 'mode'], kind: 'string' },
  { variable: 'IMMICH_PEOPLE_POLL_SECONDS', path: ['immich', 'pollSeconds'], kind: 'number' },
  { variable: 'IMMICH_PEOPLE_RECLUSTER_AT', path: ['immich', 'reclusterAt'], kind: 'string' },
  { variable: 'IMMICH_PEOPLE_TAGS', path: ['immich', 'tags'], kind: 'boolean' },
  { variable: 'IMMICH_PEOPLE_PORT', path: ['server', 'port'], kind: 'number' },
  { variable: 'IMMICH_PEOPLE_HOST', path: ['server', 'host'], kind: 'string' },
  { variable: 'IMMICH_PEOPLE_MODELS_DIR', path: ['models', 'dir'], kind: 'string' },
  { variable: 'IMMICH_PEOPLE_THREADS', path: ['models', 'intraOpThreads'], kind: 'number' },
  { variable: 'IMMICH_PEOPLE_FACE_BACKEND', path: ['perception', 'faceBackend'], kind: 'string' },
  { variable: 'IMMICH_PEOPLE_MODEL_CACHE', path: ['perception', 'onnx', 'modelCache'], kind: 'string' },
  { variable: 'IMMICH_PEOPLE_MODEL_NAME', path: ['perception', 'onnx', 'modelName'], kind: 'string' },
  { variable: 'IMMICH_ML_URL', path: ['perception', 'immichMl', 'url'], kind: 'string' },
];

const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);
/** A plain decimal number: no hex, no "Infinity", no blank that Number() would read as 0. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** true/false/1/0/yes/no in any case; anything else is undefined. */
export function parseBoolean(text: string): boolean | undefined {
  const word = text.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

export function parseNumber(text: string): number | undefined {
  const trimmed = text.trim();
  return DECIMAL.test(trimmed) ? Number(trimmed) : undefined;
}

export interface EnvSetting {
  readonly path: readonly string[];
  readonly value: string | number | boolean;
  /** How an error names it: the variable and the value the user set. */
  readonly source: string;
}

/** The settings the environment makes, and a problem for each value that is not of its setting's kind. */
export function readEnvironment(env: Env): { settings: EnvSetting[]; problems: string[] } {
  const settings: EnvSetting[] = [];
  const problems: string[] = [];
  for (const { variable, path, kind } of ENV_OVERRIDES) {
    const text = env[variable];
    if (text === undefined || text === '') continue;
    const source = `${variable}=${JSON.stringify(text)}`;
    const value = kind === 'number' ? parseNumber(text) : kind === 'boolean' ? parseBoolean(text) : text;
    if (value === undefined) {
      const setting = path.join('.');
      problems.push(
        kind === 'boolean'
          ? `${source} is not a boolean (${setting}): use true, false, 1, 0, yes or no`
          : `${source} is not a number (${setting})`,
      );
    } else {
      settings.push({ path, value, source });
    }
  }
  return { settings, problems };
}
