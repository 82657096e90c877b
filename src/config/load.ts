import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { packageRoot } from '../package-root.js';
import { readEnvironment, type Env } from './environment.js';
import { ConfigSchema, type Config } from './schema.js';

export type { Env } from './environment.js';

/** Every mistake in the configuration at once, each naming where the user made it: the file and key, or the variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function setPath(target: Json, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node = isObject(next) ? next : (node[key] = {});
  }
  node[path[path.length - 1]] = value;
}

function readConfigFile(file: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the config file ${file}: ${(error as Error).message}`, { cause: error });
  }
  if (!isObject(parsed)) throw new ConfigError([`${file}: the top level must be a JSON object`]);
  return parsed;
}

/** The keys the schema knows in the object at `path`, or none where there is no object. */
function knownKeys(path: readonly PropertyKey[]): string[] {
  let node: z.core.$ZodType = ConfigSchema;
  for (let i = 0; ; i++) {
    while (node instanceof z.ZodPrefault || node instanceof z.ZodDefault || node instanceof z.ZodOptional) {
      node = node.unwrap();
    }
    if (!(node instanceof z.ZodObject)) return [];
    if (i === path.length) return Object.keys(node.shape);
    const child: z.core.$ZodType | undefined = node.shape[String(path[i])];
    if (!child) return [];
    node = child;
  }
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

function didYouMean(path: readonly PropertyKey[], key: string): string {
  const near = knownKeys(path)
    .map((known) => ({ known, distance: editDistance(key.toLowerCase(), known.toLowerCase()) }))
    .filter(({ distance }) => distance <= 2)
    .sort((a, b) => a.distance - b.distance)[0];
  return near ? ` (did you mean ${[...path, near.known].join('.')}?)` : '';
}

/** Names where a schema problem came from: the variable that set the value, else the file (defaults are valid). */
function describeIssue(
  issue: z.core.$ZodIssue,
  setBy: ReadonlyMap<string, string>,
  file: string | undefined,
): string[] {
  const where = file ?? 'the built-in defaults';
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map(
      (key) => `${where}: unknown key ${[...issue.path, key].join('.')}${didYouMean(issue.path, key)}`,
    );
  }
  const dotted = issue.path.join('.');
  return [`${setBy.get(dotted) ?? where}: ${dotted}: ${issue.message}`];
}

/**
 * Loads config: the defaults in schema.ts ← the JSON file named by IMMICH_PEOPLE_CONFIG or `file` ← environment
 * variables. Unknown keys, wrong types and bad values stop it with a ConfigError naming the file and key path, or
 * the variable and its value.
 */
export function loadConfig(options: { file?: string; env?: Env } = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? (env.IMMICH_PEOPLE_CONFIG || undefined);
  const raw = file ? readConfigFile(file) : {};
  const { settings, problems } = readEnvironment(env);
  const setBy = new Map<string, string>();
  for (const { path, value, source } of settings) {
    setPath(raw, path, value);
    setBy.set(path.join('.'), source);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) problems.push(...parsed.error.issues.flatMap((issue) => describeIssue(issue, setBy, file)));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return parsed.data;
}

export function resolveModelsDir(config: Config): string {
  return isAbsolute(config.models.dir) ? config.models.dir : resolve(packageRoot(), config.models.dir);
}
