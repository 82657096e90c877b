import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from './fixtures.js';

const LOADER = pathToFileURL(join(PROJECT_ROOT, 'test', 'helpers', 'ts-loader', 'register.mjs')).href;

/**
 * The argv that runs the real CLI of this checkout (src/cli/main.ts, no build needed) in a child process:
 * `[node, --import, <TypeScript loader>, src/cli/main.ts, ...args]`.
 */
export function cliArgv(args: readonly string[]): string[] {
  return [process.execPath, '--import', LOADER, join(PROJECT_ROOT, 'src', 'cli', 'main.ts'), ...args];
}
