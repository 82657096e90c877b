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

/** With Immich configured, accepting merges the two people in Immich as well. */
async function acceptThroughImmich(args: readonly string[]): Promise<number | null> {
  const config = loadConfig();
  const [verb, id] = args.filter((a) => !a.startsWith('--'));
  if (verb !== 'accept' || !config.immich.url || !config.immich.apiKey || !/^\d+$/.test(id ?? '')) return null;
  const parsed = parse(args);
  const { apiBaseUrl, ImmichClient, redact } = await import('../hosts/immich/client.js');
  const { checkServer } = await import('../hosts/immich/connection.js');
  const { acceptSuggestion } = await import('../hosts/immich/suggestion-actions.js');
  const store = open(parsed.values.db);
  try {
    const client = new ImmichClient(apiBaseUrl(config.immich.url), config.immich.apiKey);
    const info = await checkServer(client, 'suggest', false);
    await acceptSuggestion(store, client, info, Number(id), new PeopleService(store));
    return 0;
  } catch (error) {
    process.stderr.write(`${redact((error as Error).message, config.immich.apiKey)}\n`);
    return 1;
  } finally {
    store.close();
  }
}

export async function suggestionsCommand(args: readonly string[]): Promise<number> {
  const throughImmich = await acceptThroughImmich(args);
  if (throughImmich !== null) return throughImmich;
  return run(args, (service, [verb = 'list', ...rest], json) => {
    switch (verb) {
      case 'list': {
        const names = new Map(service.list().map((p) => [p.id, p.name ?? p.id]));
        const merges = service
          .suggestions()
          .map((s) => ({ ...s, nameA: names.get(s.personA), nameB: names.get(s.personB) }));
        const proposals = service.proposals();
        if (json) {
          process.stdout.write(`${JSON.stringify({ merges, proposals }, null, 2)}\n`);
          return;
        }
        process.stdout.write('id\tscore\tperson A\tperson B   (merge suggestions; accept <id> | reject <id>)\n');
        for (const s of merges) process.stdout.write(`${s.id}\t${s.score.toFixed(3)}\t${s.nameA}\t${s.nameB}\n`);
        if (proposals.length > 0) {
          process.stdout.write('\nproposed people for faces nobody assigned:\nasset\tobservation\tperson\n');
          for (const p of proposals) process.stdout.write(`${p.asset}\t${p.observationId}\t${p.name ?? p.personId}\n`);
        }
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
