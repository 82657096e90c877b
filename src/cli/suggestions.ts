import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { loadConfig } from '../config/load.js';
import { PeopleService } from '../service/people.js';
import type { SuggestionRow } from '../store/suggestions.js';
import type { Store } from '../store/store.js';
import { parseId, runCommandLine, UsageError, type Outcome } from './command-runner.js';
import { describePerson } from './person-ref.js';
import { DB_OPTION, openExistingStore, withExistingStore } from './store-file.js';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function list(store: Store, json: boolean): void {
  const service = new PeopleService(store);
  const names = new Map(service.list().map((p) => [p.id, p.name ?? p.id]));
  const merges = service.suggestions().map((s) => ({ ...s, nameA: names.get(s.personA), nameB: names.get(s.personB) }));
  const proposals = service.proposals();
  if (json) {
    process.stdout.write(`${JSON.stringify({ merges, proposals }, null, 2)}\n`);
    return;
  }
  say('id\tscore\tperson A\tperson B   (merge suggestions; accept <id> | reject <id>)');
  for (const s of merges) say(`${s.id}\t${s.score.toFixed(3)}\t${s.nameA}\t${s.nameB}`);
  if (proposals.length > 0) {
    say('\nproposed people for faces nobody assigned:\nasset\tobservation\tperson');
    for (const p of proposals) say(`${p.asset}\t${p.observationId}\t${p.name ?? p.personId}`);
  }
}

function openSuggestion(store: Store, id: number): SuggestionRow {
  const suggestion = store.suggestions.list().find((s) => s.id === id);
  if (!suggestion) throw new UsageError(`no open suggestion with id ${id} (suggestions list shows them)`);
  return suggestion;
}

function person(store: Store, id: string): { id: string; name: string | null } {
  return store.people.get(id) ?? { id, name: null };
}

/** With Immich configured, accepting merges the two people in Immich as well. */
async function acceptThroughImmich(store: Store, id: number, apiUrl: string, apiKey: string): Promise<number> {
  const { apiBaseUrl, ImmichClient, redact } = await import('../hosts/immich/client.js');
  const { checkServer } = await import('../hosts/immich/connection.js');
  const { acceptSuggestion } = await import('../hosts/immich/suggestion-actions.js');
  try {
    const client = new ImmichClient(apiBaseUrl(apiUrl), apiKey);
    const info = await checkServer(client, 'suggest', false);
    await acceptSuggestion(store, client, info, id, new PeopleService(store));
    return 0;
  } catch (error) {
    process.stderr.write(`${redact((error as Error).message, apiKey)}\n`);
    return 1;
  }
}

async function accept(db: string | undefined, id: number): Promise<number> {
  const config = loadConfig();
  const store = openExistingStore(db);
  try {
    const suggestion = openSuggestion(store, id);
    const [into, from] = [person(store, suggestion.personA), person(store, suggestion.personB)];
    const { url, apiKey } = config.immich;
    if (url && apiKey) {
      const code = await acceptThroughImmich(store, id, url, apiKey);
      if (code !== 0) return code;
    } else new PeopleService(store).accept(id);
    const merged = store.people.get(into.id);
    say(
      `accepted suggestion ${id}: merged ${describePerson(from)} into ${describePerson(merged ?? into)}` +
        `${merged ? ` (${merged.observations} observations)` : ''}${url && apiKey ? ', in Immich too' : ''}`,
    );
    return 0;
  } finally {
    store.close();
  }
}

function reject(store: Store, id: number): void {
  const suggestion = openSuggestion(store, id);
  new PeopleService(store).reject(id);
  const [a, b] = [person(store, suggestion.personA), person(store, suggestion.personB)];
  say(`rejected suggestion ${id}: ${describePerson(a)} and ${describePerson(b)} will be kept apart`);
}

/** `immich-people suggestions [list] | accept <id> | reject <id>`: the merge suggestions a scan or sync left. */
export function suggestionsCli(outcome: Outcome): CommandUnknownOpts {
  const suggestions = new Command('suggestions').description('merge suggestions: list, accept, reject');
  suggestions.addCommand(
    new Command('list')
      .description('open merge suggestions (and, with Immich in suggest mode, proposals); the default')
      .option('--json', 'as JSON')
      .option(...DB_OPTION)
      .action(async (options) => {
        await withExistingStore(options.db, (store) => list(store, options.json ?? false));
      }),
    { isDefault: true },
  );
  suggestions
    .command('accept')
    .description('merge the two people of a suggestion (in Immich too, when it is configured)')
    .argument('<id>', 'a suggestion id (suggestions list shows them)', parseId)
    .option(...DB_OPTION)
    .action(async (id, options) => {
      outcome.code = await accept(options.db, id);
    });
  suggestions
    .command('reject')
    .description('keep the two people of a suggestion apart, for good (cannot-links)')
    .argument('<id>', 'a suggestion id (suggestions list shows them)', parseId)
    .option(...DB_OPTION)
    .action(async (id, options) => {
      await withExistingStore(options.db, (store) => reject(store, id));
    });
  return suggestions;
}

export function suggestionsCommand(args: readonly string[]): Promise<number> {
  return runCommandLine([suggestionsCli], ['suggestions', ...args]);
}
