import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { ImmichMerge } from '../hosts/immich/suggestion-actions.js';
import { PeopleService } from '../service/people.js';
import type { SuggestionRow } from '../store/suggestions.js';
import type { Store } from '../store/store.js';
import { parseId, runCommandLine, UsageError, type Outcome } from './command-runner.js';
import { immichManaging } from './immich-managed.js';
import { describePerson } from './person-ref.js';
import { DB_OPTION, openExistingStore, withExistingStore } from './store-file.js';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** A person's Immich twin, as Immich showed it at the last cycle: its id and name; null when it is not in Immich. */
function immichOf(store: Store, personId: string): { id: string; name: string | null } | null {
  const link = store.immich.person(personId);
  return link?.immichId ? { id: link.immichId, name: link.name } : null;
}

/** `p12 "Ann"`, and with an Immich person `p12 "Ann" = Immich 3f2a… "Ann"`: the ids to find either by. */
function withImmich(person: { id: string; name: string | null }, immich: { id: string; name: string | null } | null) {
  const ours = describePerson(person);
  if (!immich) return ours;
  return `${ours} = Immich ${immich.id}${immich.name ? ` "${immich.name}"` : ' (no name)'}`;
}

function list(store: Store, json: boolean): void {
  const service = new PeopleService(store);
  const people = new Map(service.list().map((p) => [p.id, p]));
  const merges = service.suggestions().map((s) => ({
    ...s,
    nameA: people.get(s.personA)?.name ?? s.personA,
    nameB: people.get(s.personB)?.name ?? s.personB,
    immichA: immichOf(store, s.personA),
    immichB: immichOf(store, s.personB),
  }));
  // in manage mode our assignments are written to Immich, not proposed: proposals are suggest mode's
  const proposals = immichManaging(store)
    ? []
    : service.proposals().map((p) => ({ ...p, immichPerson: immichOf(store, p.personId) }));
  if (json) {
    process.stdout.write(`${JSON.stringify({ merges, proposals }, null, 2)}\n`);
    return;
  }
  const person = (id: string) => withImmich(people.get(id) ?? { id, name: null }, immichOf(store, id));
  say('id\tscore\tperson A\tperson B   (merge suggestions; accept <id> | reject <id>)');
  for (const s of merges) say(`${s.id}\t${s.score.toFixed(3)}\t${person(s.personA)}\t${person(s.personB)}`);
  if (proposals.length > 0) {
    say('\nproposed people for faces nobody assigned:\nasset\tobservation\tperson');
    for (const p of proposals) say(`${p.asset}\t${p.observationId}\t${person(p.personId)}`);
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

/** With Immich configured, accepting merges the two people in Immich as well; returns what it did there. */
async function acceptThroughImmich(
  store: Store,
  id: number,
  config: Config['immich'],
): Promise<{ code: number; immich: ImmichMerge | null }> {
  const { apiBaseUrl, ImmichClient, redact } = await import('../hosts/immich/client.js');
  const { checkServer } = await import('../hosts/immich/connection.js');
  const { adoptIdentity, identityOf } = await import('../hosts/immich/server-identity.js');
  const { acceptSuggestion } = await import('../hosts/immich/suggestion-actions.js');
  const apiKey = config.apiKey!;
  try {
    const client = new ImmichClient(apiBaseUrl(config.url!), apiKey);
    const info = await checkServer(client, 'suggest', false);
    // the links mean something only on the library the store belongs to
    adoptIdentity(store, identityOf(info, client.baseUrl, config.mode), { record: false });
    const immich = await acceptSuggestion(store, client, info, id, new PeopleService(store));
    return { code: 0, immich };
  } catch (error) {
    process.stderr.write(`immich-people: ${redact((error as Error).message, apiKey)}\n`);
    return { code: 1, immich: null };
  }
}

async function accept(db: string | undefined, id: number): Promise<number> {
  const config = loadConfig();
  const store = openExistingStore(db);
  try {
    const suggestion = openSuggestion(store, id);
    const [into, from] = [person(store, suggestion.personA), person(store, suggestion.personB)];
    const [immichInto, immichFrom] = [immichOf(store, into.id), immichOf(store, from.id)];
    const { url, apiKey } = config.immich;
    let immich: ImmichMerge | null = null;
    if (url && apiKey) {
      const outcome = await acceptThroughImmich(store, id, config.immich);
      if (outcome.code !== 0) return outcome.code;
      immich = outcome.immich;
    } else {
      const managing = immichManaging(store);
      if (managing && (immichInto || immichFrom)) {
        throw new UsageError(
          `suggestions accept: this store's people are managed in Immich, and merging them here only would leave ` +
            'Immich with two people: set IMMICH_URL and IMMICH_API_KEY (as for the sidecar) to merge them in Immich ' +
            `too, or merge them in Immich (${withImmich(from, immichFrom)} into ${withImmich(into, immichInto)}); ` +
            "the sidecar's next cycle brings the merge into this store",
        );
      }
      new PeopleService(store).accept(id);
    }
    const merged = store.people.get(into.id);
    const where = immich
      ? `; in Immich, ${immich.absorbed} was merged into ${immich.survivor}`
      : url && apiKey && (immichInto || immichFrom)
        ? `; in this store only, since ${immichInto ? from.id : into.id} is not in Immich yet (the next cycle writes it)`
        : '';
    say(
      `accepted suggestion ${id}: merged ${describePerson(from)} into ${describePerson(merged ?? into)}` +
        `${merged ? ` (${merged.observations} observations)` : ''}${where}`,
    );
    return 0;
  } finally {
    store.close();
  }
}

function reject(store: Store, id: number): void {
  const suggestion = openSuggestion(store, id);
  const [a, b] = [person(store, suggestion.personA), person(store, suggestion.personB)];
  const [immichA, immichB] = [immichOf(store, a.id), immichOf(store, b.id)];
  new PeopleService(store).reject(id);
  say(
    `rejected suggestion ${id}: ${withImmich(a, immichA)} and ${withImmich(b, immichB)} will be kept apart` +
      (immichA || immichB
        ? ' (remembered in this store; Immich has no rejected suggestions, nothing changed there)'
        : ''),
  );
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
