import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/fixtures.js';

const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');
/** The V8 flags the CLI's shebang gives node (src/cli/main.ts says why). */
const shebang = read('src/cli/main.ts').split('\n')[0];
const flags = /^#!\/usr\/bin\/env -S node((?: --[a-z-]+=\d+)+)$/.exec(shebang)?.[1].trim().split(' ') ?? [];

describe('the ways the CLI starts', () => {
  it('give node the same heap flags: the shebang, npm start and the container', () => {
    expect(flags).toEqual(['--initial-old-space-size=64']);
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start;
    expect(start).toMatch(new RegExp(` node ${flags.join(' ')} dist/src/cli/main\\.js$`));
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(read('Dockerfile'))?.[1] ?? '[]';
    expect(JSON.parse(entrypoint)).toEqual(['node', ...flags, 'dist/src/cli/main.js']);
  });

  const main = join(PROJECT_ROOT, 'dist/src/cli/main.js');
  it.skipIf(!existsSync(main))('runs with those flags (node accepts them)', () => {
    const help = execFileSync(process.execPath, [...flags, main, '--help'], { encoding: 'utf8' });
    expect(help).toMatch(/^Usage: immich-people <command>/);
  });
});
