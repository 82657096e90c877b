import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { peopleCommand } from '../../src/cli/people.js';
import { suggestionsCommand } from '../../src/cli/suggestions.js';
import { Store } from '../../src/store/store.js';
import { captureOutput, peopleStore, tempDir } from './cli-helpers.js';

function person(db: string, id: string) {
  const store = Store.open(db);
  try {
    return store.people.get(id);
  } finally {
    store.close();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('immich-people people: each edit says what it did', () => {
  it('name, rename, merge and split print one line each', async () => {
    const { db, faces } = peopleStore();
    const output = captureOutput();
    expect(await peopleCommand(['name', 'p20', 'Cleo', '--db', db])).toBe(0);
    expect(await peopleCommand(['name', 'p3', 'Ann', 'B', '--db', db])).toBe(0);
    expect(await peopleCommand(['merge', 'Ann B', 'Bob', '--db', db])).toBe(0);
    expect(await peopleCommand(['split', String(faces.p12[0]), '--db', db])).toBe(0);
    expect(output.stdout().split('\n')).toEqual([
      'named p20 "Cleo"',
      'renamed p3 "Ann" to "Ann B"',
      'merged p12 "Bob" into p3 "Ann B": 2 observations moved, 5 in all',
      `took observation ${faces.p12[0]} off p3 "Ann B"; it will not join p3 again`,
      '',
    ]);
  });

  it('suggestions accept and reject print one line each', async () => {
    const first = peopleStore();
    const output = captureOutput();
    expect(await suggestionsCommand(['reject', String(first.suggestion), '--db', first.db])).toBe(0);
    const second = peopleStore();
    expect(await suggestionsCommand(['accept', String(second.suggestion), '--db', second.db])).toBe(0);
    expect(output.stdout().split('\n')).toEqual([
      `rejected suggestion ${first.suggestion}: p12 "Bob" and p3 "Ann" will be kept apart`,
      `accepted suggestion ${second.suggestion}: merged p3 "Ann" into p12 "Bob" (5 observations)`,
      '',
    ]);
  });
});

describe('immich-people people: move, dismiss, history and undo', () => {
  it('print the history line of each edit; undo refuses while a later edit stands (exit 1)', async () => {
    const { db, faces } = peopleStore();
    const output = captureOutput();
    expect(await peopleCommand(['move', String(faces.p12[0]), '--to', 'Ann', '--db', db])).toBe(0);
    expect(await peopleCommand(['move', String(faces.p20[0]), '--new', 'Cleo', '--db', db])).toBe(0);
    expect(await peopleCommand(['dismiss', String(faces.p12[1]), '--db', db])).toBe(0);
    expect(await peopleCommand(['dismiss', String(faces.p12[1]), '--db', db])).toBe(0);
    expect(await peopleCommand(['split', String(faces.p12[0]), '--db', db])).toBe(0);
    expect(await peopleCommand(['undo', '1', '--db', db])).toBe(1);
    expect(await peopleCommand(['undo', '4', '--db', db])).toBe(0);
    expect(await peopleCommand(['undo', '1', '--db', db])).toBe(0);
    expect(output.stdout().split('\n')).toEqual([
      'moved 1 face to p3 "Ann" (off p12 "Bob")',
      'moved 1 face to a new person p6 "Cleo" (off p20)',
      'dismissed 1 face as not a face (off p12 "Bob")',
      'nothing to change',
      `took observation ${faces.p12[0]} off p3 "Ann"; it will not join p3 again`,
      'undid #4: took face 4 off p3 "Ann"; it will not join p3 again',
      'undid #1: moved 1 face to p3 "Ann" (off p12 "Bob")',
      '',
    ]);
    expect(output.stderr()).toContain('undo #4 (took face 4 off p3 "Ann"; it will not join p3 again) first');

    const history = captureOutput();
    expect(await peopleCommand(['history', '--limit', '3', '--db', db])).toBe(0);
    expect(
      history
        .stdout()
        .split('\n')
        .map((line) => line.split('\t').filter((_, i) => i !== 1)),
    ).toEqual([
      ['#6', 'user', 'undid #1: moved 1 face to p3 "Ann" (off p12 "Bob")'],
      ['#5', 'user', 'undid #4: took face 4 off p3 "Ann"; it will not join p3 again'],
      ['#4', 'user', 'took face 4 off p3 "Ann"; it will not join p3 again (undone)'],
      [''],
    ]);
  });

  it('exit 2 without a target, with two, or for an unknown observation or edit', async () => {
    const { db } = peopleStore();
    const output = captureOutput();
    expect(await peopleCommand(['move', '1', '--db', db])).toBe(2);
    expect(await peopleCommand(['move', '1', '--to', 'p3', '--new', '--db', db])).toBe(2);
    expect(await peopleCommand(['move', '99', '--to', 'p3', '--db', db])).toBe(2);
    expect(await peopleCommand(['dismiss', 'x', '--db', db])).toBe(2);
    expect(await peopleCommand(['undo', '7', '--db', db])).toBe(2);
    expect(await peopleCommand(['history', '--limit', '0', '--db', db])).toBe(2);
    expect(output.stderr()).toContain('say where the faces go: --to <person>, or --new [name] for a new person');
    expect(output.stderr()).toContain('no observation with id 99');
    expect(output.stderr()).toContain('no edit #7 (people history lists them)');
  });
});

describe('immich-people people: names', () => {
  it('refuses an empty name with exit 2 and keeps the old one; unname clears it', async () => {
    const { db } = peopleStore();
    const output = captureOutput();
    expect(await peopleCommand(['name', 'p3', '', '--db', db])).toBe(2);
    expect(await peopleCommand(['name', 'p3', '  ', '--db', db])).toBe(2);
    expect(output.stderr()).toMatch(/a name cannot be empty.*people unname p3/);
    expect(person(db, 'p3')?.name).toBe('Ann');
    expect(await peopleCommand(['unname', 'Ann', '--db', db])).toBe(0);
    expect(output.stdout()).toContain('cleared the name of p3 (was "Ann")');
    expect(person(db, 'p3')?.name).toBeNull();
  });

  it("refuses another person's name, naming that person, unless --force", async () => {
    const { db } = peopleStore();
    const output = captureOutput();
    expect(await peopleCommand(['name', 'p20', 'ann', '--db', db])).toBe(2);
    expect(output.stderr()).toMatch(/p3 "Ann" already has that name.*people merge p3 p20.*--force/);
    expect(person(db, 'p20')?.name).toBeNull();
    expect(await peopleCommand(['name', 'p20', 'Ann', '--force', '--db', db])).toBe(0);
    expect(person(db, 'p20')?.name).toBe('Ann');
  });

  it('takes a unique name wherever it takes a person; unknown and ambiguous ones are exit 2', async () => {
    const { db } = peopleStore();
    const output = captureOutput();
    expect(await peopleCommand(['name', 'Ann', 'Ann B', '--db', db])).toBe(0);
    expect(person(db, 'p3')?.name).toBe('Ann B');
    expect(await peopleCommand(['merge', 'ann b', 'Bob', '--db', db])).toBe(0);
    expect(person(db, 'p12')).toBeUndefined();
    expect(person(db, 'p3')?.observations).toBe(5);

    expect(await peopleCommand(['show', 'Nobody', '--db', db])).toBe(2);
    expect(output.stderr()).toContain('no person with the id or name "Nobody"');
    expect(await peopleCommand(['name', 'p20', 'Ann B', '--force', '--db', db])).toBe(0);
    expect(await peopleCommand(['merge', 'Ann B', 'p20', '--db', db])).toBe(2);
    expect(output.stderr()).toContain('"Ann B" is the name of 2 people (p3, p20): use an id');
    expect(await peopleCommand(['merge', 'p3', 'p3', '--db', db])).toBe(2);
    expect(output.stderr()).toContain('cannot merge p3 "Ann B" with itself');
    expect(person(db, 'p20')?.observations).toBe(1);
  });
});

describe('immich-people people show', () => {
  it("lists a person's observations with the ids split takes, their file and box", async () => {
    const { db, faces } = peopleStore();
    const output = captureOutput();
    expect(await peopleCommand(['show', 'Bob', '--db', db])).toBe(0);
    expect(output.stdout().split('\n')).toEqual([
      'p12 "Bob": 2 observations, 2 exemplars',
      'observation\tkind\tbox\tassigned by\tfile',
      `${faces.p12[0]}\tface\t[0, 10, 50, 70]\tcluster (exemplar)\tp12/photo_0.jpg`,
      `${faces.p12[1]}\tface\t[10, 10, 60, 70]\tcluster (exemplar)\tp12/photo_1.jpg`,
      '',
    ]);
  });

  it('--json gives the same as JSON', async () => {
    const { db, faces } = peopleStore();
    const output = captureOutput();
    expect(await peopleCommand(['show', 'p20', '--json', '--db', db])).toBe(0);
    expect(JSON.parse(output.stdout())).toEqual({
      id: 'p20',
      name: null,
      hidden: false,
      observations: [
        {
          id: faces.p20[0],
          source: 'folder',
          file: 'p20/photo_0.jpg',
          kind: 'face',
          box: [0, 10, 50, 70],
          clear: true,
          assignedBy: 'cluster',
          exemplar: true,
        },
      ],
    });
  });
});

describe('read-only commands never create a store', () => {
  it.each([
    ['people', 'list'],
    ['people', 'show', 'p3'],
    ['people', 'name', 'p3', 'Ann'],
    ['suggestions', 'list'],
    ['suggestions'],
    ['suggestions', 'reject', '1'],
  ])('%s %s on a missing store: exit 1, naming the path, and no file', async (command, ...args) => {
    const db = join(tempDir(), 'typo.db');
    const output = captureOutput();
    const run = command === 'people' ? peopleCommand : suggestionsCommand;
    expect(await run([...args, '--db', db])).toBe(1);
    expect(output.stderr()).toContain(`no store at ${db}`);
    expect(existsSync(db)).toBe(false);
  });
});

describe('bad arguments', () => {
  it('exit 2 for a missing argument, a bad id, an unknown verb or option', async () => {
    const { db } = peopleStore();
    captureOutput();
    expect(await peopleCommand(['name', 'p3', '--db', db])).toBe(2);
    expect(await peopleCommand(['split', 'x', '--db', db])).toBe(2);
    expect(await peopleCommand(['split', '999999', '--db', db])).toBe(2);
    expect(await peopleCommand(['frobnicate', '--db', db])).toBe(2);
    expect(await peopleCommand(['list', '--nope', '--db', db])).toBe(2);
    expect(await suggestionsCommand(['accept', 'x', '--db', db])).toBe(2);
    expect(await suggestionsCommand(['accept', '999999', '--db', db])).toBe(2);
  });

  it('people list still lists, tab-separated', async () => {
    const { db } = peopleStore();
    const output = captureOutput();
    expect(await peopleCommand(['list', '--db', db])).toBe(0);
    expect(output.stdout()).toBe('p3\t3\tAnn\np12\t2\tBob\np20\t1\t\n');
  });
});
