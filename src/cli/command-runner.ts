import { Command, CommanderError, InvalidArgumentError, type CommandUnknownOpts } from '@commander-js/extra-typings';

/** An error the CLI reports as one line on stderr and an exit code, never as a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

/** Bad arguments or usage: exit 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** A whole-number argument (an observation or suggestion id); anything else is a usage error from commander. */
export function parseId(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

/** Where a command's action leaves its exit code; commander's actions return nothing. */
export interface Outcome {
  code: number;
}

/** Builds one top-level command (with its sub-commands) whose actions report their exit code into `outcome`. */
export type CommandFactory = (outcome: Outcome) => CommandUnknownOpts;

const PROGRAM = 'immich-people';
const DESCRIPTION = 'Private, on-device person recognition for Immich and plain folders of photos.';

function argumentTerm(argument: { name(): string; required: boolean; variadic: boolean }): string {
  const name = `${argument.name()}${argument.variadic ? '...' : ''}`;
  return argument.required ? `<${name}>` : `[${name}]`;
}

/** Every runnable command as one line, `immich-people people merge <into> <from> [--db <file>]`, and what it does. */
export function commandSynopses(commands: readonly CommandUnknownOpts[]): { usage: string; description: string }[] {
  return commands.flatMap((command) => leafSynopses(command, [PROGRAM]));
}

function leafSynopses(command: CommandUnknownOpts, path: readonly string[]): { usage: string; description: string }[] {
  const here = [...path, command.name()];
  if (command.commands.length > 0) return command.commands.flatMap((sub) => leafSynopses(sub, here));
  const terms = [
    ...here,
    ...command.registeredArguments.map(argumentTerm),
    ...command.options.filter((o) => o.long !== '--help').map((o) => `[${o.flags}]`),
  ];
  return [{ usage: terms.join(' '), description: command.description() }];
}

/** The top-level help: every runnable command with its arguments and options, as README's "Commands" shows them. */
export function commandsBlock(commands: readonly CommandUnknownOpts[]): string {
  return commandSynopses(commands)
    .map(({ usage, description }) => `${usage}\n    ${description}\n`)
    .join('');
}

function configureTree(command: CommandUnknownOpts): void {
  command.exitOverride();
  command.showHelpAfterError(`(${[PROGRAM, ...commandPath(command)].join(' ')} --help shows the usage)`);
  for (const sub of command.commands) configureTree(sub);
}

function commandPath(command: CommandUnknownOpts): string[] {
  const names: string[] = [];
  for (let c: CommandUnknownOpts | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names;
}

/** The program with `commands` under it; its own help lists every runnable command in full. */
export function buildProgram(factories: readonly CommandFactory[], outcome: Outcome): Command {
  const program = new Command(PROGRAM).description(DESCRIPTION).usage('<command> [options]');
  for (const factory of factories) program.addCommand(factory(outcome));
  const block = commandsBlock(program.commands);
  program.configureHelp({
    formatHelp: () =>
      `Usage: ${PROGRAM} <command> [options]\n\n${DESCRIPTION}\n\nCommands:\n${block.replace(/^(?=.)/gm, '  ')}\n` +
      `Every command takes --help; the store is immich-people.db unless --db or IMMICH_PEOPLE_DB says otherwise.\n`,
  });
  configureTree(program);
  return program;
}

/**
 * Parses `argv` (without node and the script) against the commands and runs the one it names. Exit codes: the action's
 * (0 on success), 0 for --help, 2 for bad arguments or usage, a CliError's own code; other errors propagate (main: 1).
 */
export async function runCommandLine(factories: readonly CommandFactory[], argv: readonly string[]): Promise<number> {
  const outcome: Outcome = { code: 0 };
  const program = buildProgram(factories, outcome);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return outcome.code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof CliError) {
      process.stderr.write(`${PROGRAM}: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
