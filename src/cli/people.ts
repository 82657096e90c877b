import { Command, InvalidArgumentError, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { exportXmpSidecars, type XmpExportSummary } from '../hosts/folder/xmp-export.js';
import { PeopleService } from '../service/people.js';
import type { Store } from '../store/store.js';
import { CliError, parseId, runCommandLine, UsageError, type Outcome } from './command-runner.js';
import { refuseWhenImmichManages } from './immich-managed.js';
import { checkNewName, describePerson, findPerson } from './person-ref.js';
import { DB_OPTION, withExistingStore } from './store-file.js';

const PERSON_ARGUMENT = 'an id (people list shows them) or a unique name';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const round1 = (v: number) => Math.round(v * 10) / 10;

export interface PersonObservationJson {
  id: number;
  source: string;
  file: string;
  kind: 'face' | 'body';
  box: number[];
  clear: boolean;
  assignedBy: string | null;
  exemplar: boolean;
}

/** A person's observations, with the ids `people split` takes, the photo each is in, and its box in upright pixels. */
export function personObservations(
  store: Store,
  personId: string,
  exemplars: readonly number[],
): PersonObservationJson[] {
  const assets = new Map(store.assets.list().map((a) => [a.id, a]));
  return store.observations
    .all({ vectors: false })
    .filter((o) => o.personId === personId)
    .map((o) => {
      const { face, upperBody } = o.observation;
      const asset = assets.get(o.assetId);
      return {
        id: o.id,
        source: asset?.source ?? '',
        file: asset?.sourceId ?? '',
        kind: face ? ('face' as const) : ('body' as const),
        box: (face?.box ?? upperBody?.box ?? []).map(round1),
        clear: face?.quality.clear ?? false,
        assignedBy: o.assignedBy,
        exemplar: exemplars.includes(o.id),
      };
    });
}

function list(store: Store, json: boolean): void {
  const people = new PeopleService(store).list();
  if (json) return printJson(people);
  for (const p of people) say(`${p.id}\t${p.observations}\t${p.hidden ? '(hidden) ' : ''}${p.name ?? ''}`);
}

function show(store: Store, ref: string, json: boolean): void {
  const person = findPerson(store.people.list(), ref);
  const observations = personObservations(store, person.id, person.exemplars);
  if (json) return printJson({ id: person.id, name: person.name, hidden: person.hidden, observations });
  say(`${describePerson(person)}: ${observations.length} observations, ${person.exemplars.length} exemplars`);
  say('observation\tkind\tbox\tassigned by\tfile');
  for (const o of observations) {
    const assigned = `${o.assignedBy ?? ''}${o.exemplar ? ' (exemplar)' : ''}`;
    say(`${o.id}\t${o.kind}${o.clear ? '' : ' (unclear)'}\t[${o.box.join(', ')}]\t${assigned}\t${o.file}`);
  }
}

function name(store: Store, ref: string, words: readonly string[], force: boolean): void {
  refuseWhenImmichManages(store, 'name', { people: [ref] });
  const people = store.people.list();
  const person = findPerson(people, ref);
  const newName = checkNewName(people, person, words.join(' '), force);
  new PeopleService(store).name(person.id, newName);
  say(person.name ? `renamed ${describePerson(person)} to "${newName}"` : `named ${person.id} "${newName}"`);
}

function unname(store: Store, ref: string): void {
  refuseWhenImmichManages(store, 'unname', { people: [ref] });
  const person = findPerson(store.people.list(), ref);
  if (person.name === null) return say(`${person.id} has no name`);
  new PeopleService(store).name(person.id, null);
  say(`cleared the name of ${person.id} (was "${person.name}")`);
}

function merge(store: Store, intoRef: string, fromRef: string): void {
  refuseWhenImmichManages(store, 'merge', { people: [intoRef, fromRef] });
  const people = store.people.list();
  const into = findPerson(people, intoRef);
  const from = findPerson(people, fromRef);
  if (into.id === from.id) throw new UsageError(`cannot merge ${describePerson(into)} with itself`);
  new PeopleService(store).merge(into.id, from.id);
  const merged = store.people.get(into.id) ?? into;
  say(
    `merged ${describePerson(from)} into ${describePerson(merged)}: ` +
      `${from.observations} observations moved, ${merged.observations} in all`,
  );
}

function split(store: Store, observationId: number): void {
  refuseWhenImmichManages(store, 'split', { observations: [observationId] });
  const [observation] = store.observations.byIds([observationId], { vectors: false });
  if (!observation) throw new UsageError(`no observation with id ${observationId} (people show <person> lists them)`);
  if (!observation.personId) throw new UsageError(`observation ${observationId} belongs to no person`);
  const person = findPerson(store.people.list(), observation.personId);
  new PeopleService(store).split(observationId);
  say(`took observation ${observationId} off ${describePerson(person)}; it will not join ${person.id} again`);
}

const count = (paths: readonly unknown[], one: string, many = `${one}s`) =>
  `${paths.length} ${paths.length === 1 ? one : many}`;

/** One line of counts, then one line per sidecar left alone or not written, with why. Exit 1 when a write failed. */
function reportExport(summary: XmpExportSummary, dryRun: boolean): number {
  const { created, updated, unchanged, removed, skipped, failed } = summary;
  const written = created.length + updated.length;
  const counts =
    `${dryRun ? 'would write' : 'wrote'} ${written} ${written === 1 ? 'sidecar' : 'sidecars'} ` +
    `(${created.length} new, ${updated.length} updated); ${unchanged.length} unchanged, ` +
    `${removed.length} ${dryRun ? 'to remove' : 'removed'}, ${skipped.length} skipped` +
    (failed.length > 0 ? `, ${count(failed, 'failed', 'failed')}` : '');
  say(dryRun ? `dry run, nothing written: ${counts}` : counts);
  for (const s of skipped) say(`skipped ${s.path}: ${s.reason}`);
  for (const f of failed) say(`failed ${f.path}: ${f.reason}`);
  return failed.length > 0 ? 1 : 0;
}

async function exportXmp(store: Store, dryRun: boolean): Promise<number> {
  if (store.libraries.list('folder').length === 0 && store.assets.list('folder').length === 0) {
    say('no folder library in this store: export-xmp writes sidecars beside the photos of a scanned folder');
    return 0;
  }
  return reportExport(await exportXmpSidecars(store, { dryRun }), dryRun);
}

/**
 * Runs one edit and prints the history's line for it; an edit that changed nothing says so. The service's refusals
 * (an unknown observation, a name for an existing person) are usage errors.
 */
function edit(store: Store, work: (people: PeopleService) => unknown): void {
  const people = new PeopleService(store);
  const last = people.history({ limit: 1 })[0]?.id ?? 0;
  try {
    work(people);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const entry = people.history({ limit: 1 })[0];
  say(entry && entry.id > last ? entry.summary : 'nothing to change');
}

function move(store: Store, observations: readonly number[], options: { to?: string; new?: string | true }): void {
  refuseWhenImmichManages(store, 'move', { observations });
  if ((options.to === undefined) === (options.new === undefined)) {
    throw new UsageError('say where the faces go: --to <person>, or --new [name] for a new person');
  }
  const to = options.to === undefined ? null : findPerson(store.people.list(), options.to).id;
  const name = typeof options.new === 'string' ? options.new : null;
  edit(store, (people) => people.move(observations, to, name));
}

function history(store: Store, limit: number, json: boolean): void {
  const entries = new PeopleService(store).history({ limit });
  if (json) return printJson(entries);
  for (const e of entries) {
    const state = e.undone ? ' (undone)' : '';
    say(`#${e.id}\t${new Date(e.at).toISOString()}\t${e.actor}\t${e.summary}${state}`);
  }
}

function undo(store: Store, id: number): void {
  const people = new PeopleService(store);
  if (!store.history.get(id)) throw new UsageError(`no edit #${id} (people history lists them)`);
  try {
    people.undo(id);
  } catch (error) {
    throw new CliError((error as Error).message, 1);
  }
  say(people.history({ limit: 1 })[0].summary);
}

const parseLimit = (value: string) => {
  const limit = parseId(value);
  if (limit === 0) throw new InvalidArgumentError('expected at least 1');
  return limit;
};

/** `immich-people people …`: list, show, and the edits a user makes to people, each saying what it did. */
export function peopleCli(outcome: Outcome = { code: 0 }): CommandUnknownOpts {
  const people = new Command('people').description('the people in the store: list, show, and edit them');
  people
    .command('list')
    .description('every person: id, observations, name')
    .option('--json', 'as JSON')
    .option(...DB_OPTION)
    .action(async (options) => {
      await withExistingStore(options.db, (store) => list(store, options.json ?? false));
    });
  people
    .command('show')
    .description("one person's observations, with the ids people split takes, their photo and box")
    .argument('<person>', PERSON_ARGUMENT)
    .option('--json', 'as JSON')
    .option(...DB_OPTION)
    .action(async (ref, options) => {
      await withExistingStore(options.db, (store) => show(store, ref, options.json ?? false));
    });
  people
    .command('name')
    .description('name a person; names survive re-clustering')
    .argument('<person>', PERSON_ARGUMENT)
    .argument('<name...>', 'the new name (the words are joined with spaces)')
    .option('--force', 'give the name even if another person has it')
    .option(...DB_OPTION)
    .action((ref, words, options) =>
      withExistingStore(options.db, (store) => name(store, ref, words, options.force ?? false)),
    );
  people
    .command('unname')
    .description("clear a person's name")
    .argument('<person>', PERSON_ARGUMENT)
    .option(...DB_OPTION)
    .action(async (ref, options) => {
      await withExistingStore(options.db, (store) => unname(store, ref));
    });
  people
    .command('merge')
    .description('move every face of <from> onto <into>, remembered as must-links; <into> keeps its name')
    .argument('<into>', `the person who stays: ${PERSON_ARGUMENT}`)
    .argument('<from>', `the person merged away: ${PERSON_ARGUMENT}`)
    .option(...DB_OPTION)
    .action(async (into, from, options) => {
      await withExistingStore(options.db, (store) => merge(store, into, from));
    });
  people
    .command('split')
    .description('take one observation off its person, for good (a cannot-link)')
    .argument('<observation>', 'an observation id (people show <person> lists them)', parseId)
    .option(...DB_OPTION)
    .action(async (observation, options) => {
      await withExistingStore(options.db, (store) => split(store, observation));
    });
  people
    .command('move')
    .description('put observations on a person, or on a new one, as your own; each stays off the person it left')
    .argument('<observations...>', 'observation ids (people show <person> lists them)', (v, all: number[] = []) => [
      ...all,
      parseId(v),
    ])
    .option('--to <person>', PERSON_ARGUMENT)
    .option('--new [name]', 'a new person, with this name if given')
    .option(...DB_OPTION)
    .action(async (observations, options) => {
      await withExistingStore(options.db, (store) => move(store, observations, options));
    });
  people
    .command('dismiss')
    .description('not a face: never clustered, assigned or listed again, and its look-alikes stay unknown')
    .argument('<observations...>', 'observation ids', (v, all: number[] = []) => [...all, parseId(v)])
    .option(...DB_OPTION)
    .action(async (observations, options) => {
      await withExistingStore(options.db, (store) => {
        refuseWhenImmichManages(store, 'dismiss', { observations });
        edit(store, (people) => people.dismiss(observations));
      });
    });
  people
    .command('history')
    .description("the edits to people, yours and the machine's, newest first, with the ids people undo takes")
    .option('--limit <n>', 'how many (default 20)', parseLimit)
    .option('--json', 'as JSON')
    .option(...DB_OPTION)
    .action(async (options) => {
      await withExistingStore(options.db, (store) => history(store, options.limit ?? 20, options.json ?? false));
    });
  people
    .command('undo')
    .description('undo one of your edits; a later edit of the same people or faces must be undone first')
    .argument('<edit>', 'an edit id (people history lists them)', parseId)
    .option(...DB_OPTION)
    .action(async (id, options) => {
      await withExistingStore(options.db, (store) => undo(store, id));
    });
  people
    .command('export-xmp')
    .description(
      'write named people as XMP face regions into photo.jpg.xmp sidecars, for digiKam, Lightroom and Immich',
    )
    .option('--dry-run', 'say what it would write, and write nothing')
    .option(...DB_OPTION)
    .action(async (options) => {
      outcome.code = await withExistingStore(options.db, (store) => exportXmp(store, options.dryRun ?? false));
    });
  return people;
}

export function peopleCommand(args: readonly string[]): Promise<number> {
  return runCommandLine([peopleCli], ['people', ...args]);
}
