import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/fixtures.js';

const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');
/** The V8 flags node gets from npm start and the container (src/cli/main.ts says why). */
const FLAGS = ['--initial-old-space-size=64', '--expose-gc'];

describe('the ways the CLI starts', () => {
  it('give node the same heap flags: npm start, the container, and the bench that times the app', () => {
    const { scripts } = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(scripts.start).toMatch(new RegExp(` node ${FLAGS.join(' ')} dist/src/cli/main\\.js$`));
    expect(scripts.bench).toMatch(new RegExp(` node ${FLAGS.join(' ')} dist/bench/bench\\.js$`));
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(read('Dockerfile'))?.[1] ?? '[]';
    expect(JSON.parse(entrypoint)).toEqual(['node', ...FLAGS, 'dist/src/cli/main.js']);
  });

  it('keeps a plain shebang for the linked command, which BusyBox, old coreutils and Windows shims can run', () => {
    expect(read('src/cli/main.ts').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  const main = join(PROJECT_ROOT, 'dist/src/cli/main.js');
  it.skipIf(!existsSync(main))('runs with those flags (node accepts them)', () => {
    const help = execFileSync(process.execPath, [...FLAGS, main, '--help'], { encoding: 'utf8' });
    expect(help).toMatch(/^Usage: immich-people <command>/);
  });
});
