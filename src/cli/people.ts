import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { PeopleService } from '../service/people.js';
import { Store } from '../store/store.js';

const USAGE = `usage: immich-people people list [--json] [--db file]
       immich-people people name <id> <name> [--db file]
       immich-people people merge <into-id> <from-id> [--db file]
       immich-people people split <observation-id> [--db file]
       immich-people suggestions [list] [--json] | accept <id> | reject <id> [--db file]
`;

function open(db: string | undefined): Store {
  return Store.open(resolve(db ?? loadConfig().store.path));
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { db: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
}

async function run(
  args: readonly string[],
  act: (service: PeopleService, words: string[], json: boolean) => void,
): Promise<number> {
  let parsed;
  try {
    parsed = parse(args);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const store = open(parsed.values.db);
  try {
    act(new PeopleService(store), parsed.positionals, parsed.values.json ?? false);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(USAGE);
      return 2;
    }
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  } finally {
    store.close();
  }
}

class UsageError extends Error {}

export function peopleCommand(args: readonly string[]): Promise<number> {
  return run(args, (service, [verb, ...rest], json) => {
    switch (verb) {
      case 'list': {
        const people = service.list();
        if (json) process.stdout.write(`${JSON.stringify(people, null, 2)}\n`);
        else
          for (const p of people)
            process.stdout.write(`${p.id}\t${p.observations}\t${p.hidden ? '(hidden) ' : ''}${p.name ?? ''}\n`);
        return;
      }
      case 'name':
        if (rest.length < 2) throw new UsageError();
        return service.name(rest[0], rest.slice(1).join(' '));
      case 'merge':
        if (rest.length !== 2) throw new UsageError();
        return service.merge(rest[0], rest[1]);
      case 'split':
        if (rest.length !== 1 || !/^\d+$/.test(rest[0])) throw new UsageError();
        return service.split(Number(rest[0]));
      default:
        throw new UsageError();
    }
  });
}

export function suggestionsCommand(args: readonly string[]): Promise<number> {
  return run(args, (service, [verb = 'list', ...rest], json) => {
    switch (verb) {
      case 'list': {
        const suggestions = service.suggestions();
        if (json) process.stdout.write(`${JSON.stringify(suggestions, null, 2)}\n`);
        else
          for (const s of suggestions)
            process.stdout.write(`${s.id}\t${s.score.toFixed(3)}\t${s.personA}\t${s.personB}\n`);
        return;
      }
      case 'accept':
      case 'reject':
        if (rest.length !== 1 || !/^\d+$/.test(rest[0])) throw new UsageError();
        return verb === 'accept' ? service.accept(Number(rest[0])) : service.reject(Number(rest[0]));
      default:
        throw new UsageError();
    }
  });
}
