import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram, commandsBlock, runCommandLine } from '../../src/cli/command-runner.js';
import { COMMANDS } from '../../src/cli/program.js';
import { PROJECT_ROOT } from '../helpers/fixtures.js';
import { captureOutput } from './cli-helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Every command path: ['scan'], ['people'], ['people', 'name'], … */
function commandPaths(): string[][] {
  const paths: string[][] = [];
  const walk = (command: ReturnType<typeof buildProgram>['commands'][number], path: string[]) => {
    const here = [...path, command.name()];
    paths.push(here);
    for (const sub of command.commands) walk(sub, here);
  };
  for (const command of buildProgram(COMMANDS, { code: 0 }).commands) walk(command, []);
  return paths;
}

describe('--help', () => {
  it('lists every command with its arguments and options at the top level, exit 0', async () => {
    const output = captureOutput();
    expect(await runCommandLine(COMMANDS, ['--help'])).toBe(0);
    const help = output.stdout();
    expect(help).toContain('Usage: immich-people <command> [options]');
    expect(help).toContain('immich-people models body-mean [folder]');
    expect(help).toContain('immich-people people merge <into> <from> [--db <file>]');
    expect(help).toContain(commandsBlock(buildProgram(COMMANDS, { code: 0 }).commands).replace(/^(?=.)/gm, '  '));
  });

  it.each(commandPaths().map((path) => [path.join(' '), path]))(
    '%s --help prints its usage and exits 0',
    async (_name, path) => {
      const output = captureOutput();
      expect(await runCommandLine(COMMANDS, [...path, '--help'])).toBe(0);
      expect(output.stdout()).toContain(`Usage: immich-people ${path.join(' ')} `);
      expect(output.stderr()).toBe('');
    },
  );

  it('covers the commands a new user tried', () => {
    const names = commandPaths().map((p) => p.join(' '));
    for (const name of ['scan', 'people name', 'suggestions accept', 'models fetch', 'models body-mean', 'detect'])
      expect(names).toContain(name);
  });
});

describe('usage errors exit 2 with a hint', () => {
  it.each([[[]], [['bogus']], [['scan']], [['scan', 'a', 'b']], [['people']], [['detect', '--nope', '.']]])(
    '%j',
    async (argv) => {
      const output = captureOutput();
      expect(await runCommandLine(COMMANDS, argv)).toBe(2);
      expect(output.stderr()).not.toBe('');
    },
  );
});

describe('README', () => {
  it('its "Commands" section is the top-level help, command for command', () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const section = /## Commands\n\n```\n([\s\S]*?)```/.exec(readme);
    expect(section?.[1]).toBe(commandsBlock(buildProgram(COMMANDS, { code: 0 }).commands));
  });
});
