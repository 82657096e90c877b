import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { PeopleService } from '../../src/service/people.js';
import { Store } from '../../src/store/store.js';
import { peopleStore } from '../cli/cli-helpers.js';

/** Every row an edit may touch, read through a connection of its own (the history aside). */
function dump(path: string) {
  const raw = new Database(path, { readonly: true });
  try {
    const all = (sql: string) => raw.prepare(sql).all();
    return {
      people: all('SELECT * FROM people ORDER BY id'),
      observations: all('SELECT id, person_id, assigned_by, dismissed, cluster FROM observations ORDER BY id'),
      exemplars: all('SELECT * FROM exemplars ORDER BY person_id, observation_id'),
      constraints: all('SELECT * FROM constraints ORDER BY a, b, kind'),
      suggestions: all('SELECT * FROM suggestions ORDER BY id'),
    };
  } finally {
    raw.close();
  }
}

const open: Store[] = [];
afterEach(() => {
  for (const store of open.splice(0)) store.close();
});

/**
 * peopleStore's p3 "Ann" (faces 1–3), p12 "Bob" (4, 5), p20 (6) and the suggestion to merge p12 and p3, plus face 7
 * that no person holds, on a photo of its own.
 */
function edited() {
  const { db, faces, suggestion } = peopleStore();
  const store = Store.open(db);
  open.push(store);
  const asset = store.assets.upsert({
    source: 'folder',
    sourceId: 'unknown.jpg',
    contentHash: 'u',
    capturedAt: null,
    latitude: null,
    longitude: null,
  });
  const [unknown] = store.observations.replaceForAsset(asset.id, [
    {
      face: {
        box: [0, 0, 40, 40],
        score: 0.9,
        landmarks: [
          [0, 0],
          [0, 0],
          [0, 0],
          [0, 0],
          [0, 0],
        ],
        quality: { clear: true, score: 0.9, blur: 100, yaw: 0, size: 40 },
      },
    },
  ]);
  return { db, store, people: new PeopleService(store), faces: { ...faces, unknown }, suggestion };
}

type Faces = ReturnType<typeof edited>['faces'];

describe('PeopleService: every edit is journaled and undone exactly', () => {
  const cases: [string, (people: PeopleService, faces: Faces, suggestion: number) => void, string][] = [
    ['name', (p) => p.name('p20', 'Cleo'), 'named p20 "Cleo"'],
    ['name', (p) => p.name('p3', ' Ann B '), 'renamed p3 "Ann" to "Ann B"'],
    ['name', (p) => p.name('p3', null), 'cleared the name of p3 (was "Ann")'],
    ['hide', (p) => p.hide('p12', true), 'hid p12 "Bob"'],
    ['cover', (p, f) => p.setCover('p3', f.p3[1]), 'chose face 2 as the cover of p3 "Ann"'],
    ['merge', (p) => p.merge('p3', 'p12'), 'merged p12 "Bob" into p3 "Ann": 2 faces moved'],
    ['split', (p, f) => p.split(f.p3[0]), 'took face 1 off p3 "Ann"; it will not join p3 again'],
    ['move', (p, f) => void p.move([f.p12[0]], 'p3'), 'moved 1 face to p3 "Ann" (off p12 "Bob")'],
    [
      'move',
      (p, f) => void p.move([f.unknown, f.p3[0]], null, 'Dee'),
      'moved 2 faces to a new person p1 "Dee" (off p3 "Ann")',
    ],
    ['move', (p, f) => void p.move([f.unknown], 'p20'), 'moved 1 face to p20'],
    ['dismiss', (p, f) => p.dismiss([f.p20[0], f.unknown]), 'dismissed 2 faces as not a face (off p20)'],
    ['accept', (p, _f, s) => p.accept(s), 'accepted suggestion 1: merged p3 "Ann" into p12 "Bob"'],
    ['reject', (p, _f, s) => p.reject(s), 'rejected suggestion 1: p12 "Bob" and p3 "Ann" are kept apart'],
  ];

  it.each(cases.map(([kind, edit, summary]) => [kind, summary, edit] as const))('%s: "%s"', (kind, summary, edit) => {
    const { db, people, faces, suggestion } = edited();
    const before = dump(db);
    edit(people, faces, suggestion);
    expect(dump(db)).not.toEqual(before);
    const [entry] = people.history();
    expect(entry).toMatchObject({ actor: 'user', kind, summary, undone: false, undoable: true });

    people.undo(entry.id);
    expect(dump(db)).toEqual(before);
    const [undo, undone] = people.history();
    expect(undo).toMatchObject({ kind: 'undo', summary: `undid #${entry.id}: ${summary}`, undoable: false });
    expect(undone).toMatchObject({ id: entry.id, undone: true, undoable: false });
  });

  it('an edit that changes nothing leaves no entry', () => {
    const { people, faces } = edited();
    people.name('p3', 'Ann');
    people.hide('p3', false);
    people.dismiss([faces.p20[0]]);
    people.dismiss([faces.p20[0]]);
    expect(people.history().map((e) => e.kind)).toEqual(['dismiss']);
  });
});

describe('PeopleService: what each edit does', () => {
  it('move takes faces off their person for good (cannot-links to its anchors) and confirms them on the target', () => {
    const { store, people, faces } = edited();
    expect(people.move([faces.p12[0]], 'p3')).toBe('p3');
    const [moved] = store.observations.byIds([faces.p12[0]], { vectors: false });
    expect([moved.personId, moved.assignedBy]).toEqual(['p3', 'user']);
    expect(store.constraints.list()).toEqual([{ a: 4, b: 5, kind: 'cannot-link', origin: 'user' }]);
    expect(store.people.get('p12')).toMatchObject({ observations: 1, exemplars: [5] });
  });

  it('move onto a new person gives it an id like recognition’s and the name; a name for an existing one is refused', () => {
    const { store, people, faces } = edited();
    expect(people.move([faces.unknown], null, 'Dee')).toBe('p7');
    expect(store.people.get('p7')).toMatchObject({ name: 'Dee', observations: 1 });
    expect(people.move([faces.p20[0]], null)).toBe('p6');
    expect(() => people.move([faces.unknown], 'p3', 'Ann')).toThrow(/a name is given only to a new person/);
    expect(() => people.move([99], 'p3')).toThrow('no observation with id 99');
    expect(() => people.move([], 'p3')).toThrow('no observations given');
    expect(() => people.move([faces.unknown], 'nobody')).toThrow('no person with id nobody');
  });

  it('dismiss takes a face off its person, its exemplars and cover, and out of every unknown list', () => {
    const { store, people, faces } = edited();
    people.setCover('p20', faces.p20[0]);
    people.dismiss([faces.p20[0], faces.unknown]);
    expect(store.people.get('p20')).toMatchObject({ observations: 0, exemplars: [], cover: null });
    expect(store.observations.byIds([faces.p20[0], faces.unknown], { vectors: false }).map((o) => o.dismissed)).toEqual(
      [true, true],
    );
    expect(store.observations.unassigned()).toEqual([]);
    expect(store.observations.count()).toEqual({ faces: 5, bodies: 0, assigned: 5 });
    // moved to a person, a dismissed face is a face again
    people.move([faces.unknown], 'p3');
    expect(store.observations.byIds([faces.unknown], { vectors: false })[0]).toMatchObject({
      personId: 'p3',
      dismissed: false,
    });
  });

  it('a cover must be the person’s own face, and choosing it confirms it', () => {
    const { store, people, faces } = edited();
    expect(() => people.setCover('p3', faces.p12[0])).toThrow('observation 4 is not p3 "Ann"\'s face');
    people.setCover('p3', faces.p3[2]);
    expect(store.people.get('p3')?.cover).toBe(3);
    expect(store.observations.byIds([3], { vectors: false })[0].assignedBy).toBe('user');
    // taking the cover face off the person clears the cover
    people.split(faces.p3[2]);
    expect(store.people.get('p3')?.cover).toBeNull();
  });
});

describe('PeopleService: undo refuses what a later edit built on', () => {
  it('names the later edit to undo first, and undoes in that order', () => {
    const { db, people, faces } = edited();
    const before = dump(db);
    people.move([faces.p12[0]], 'p3');
    people.split(faces.p12[0]);
    const [split, move] = people.history();
    expect(() => people.undo(move.id)).toThrow(
      `edit #1 (moved 1 face to p3 "Ann" (off p12 "Bob")) cannot be undone while later edits to the same people or ` +
        `faces stand: undo #2 (took face 4 off p3 "Ann"; it will not join p3 again) first`,
    );
    people.undo(split.id);
    people.undo(move.id);
    expect(dump(db)).toEqual(before);
  });

  it('a later edit of another field or person does not stand in the way', () => {
    const { store, people } = edited();
    people.name('p3', 'Ann B');
    people.hide('p3', true);
    people.name('p12', 'Rob');
    people.undo(1);
    expect(store.people.get('p3')).toMatchObject({ name: 'Ann', hidden: true });
    expect(store.people.get('p12')?.name).toBe('Rob');
  });

  it('a person made by a move cannot go while a later edit relies on it', () => {
    const { people, faces } = edited();
    const dee = people.move([faces.unknown], null, 'Dee');
    people.name(dee, 'Dora');
    expect(() => people.undo(1)).toThrow(/undo #2 \(renamed p7 "Dee" to "Dora"\) first/);
    people.move([faces.p20[0]], dee);
    expect(() => people.undo(1)).toThrow(/undo #3 \(moved 1 face to p7 "Dora" \(off p20\)\), then #2/);
  });

  it('overrides what the machine did since, and refuses when the machine removed a person the edit needs', () => {
    const { store, people, faces } = edited();
    people.split(faces.p3[0]);
    // a later run assigns the split face to p20, and removes p12 … after the user hid it
    people.hide('p12', true);
    store.observations.assign([{ id: faces.p3[0], personId: 'p20', assignedBy: 'assign' }]);
    store.history.record({ actor: 'machine', kind: 'recluster', summary: 're-clustered: 1 face moved' });
    store.people.remove('p12');
    people.undo(1);
    expect(store.observations.byIds([faces.p3[0]], { vectors: false })[0]).toMatchObject({
      personId: 'p3',
      assignedBy: 'cluster',
    });
    expect(store.constraints.list()).toEqual([]);
    expect(() => people.undo(2)).toThrow(
      'edit #2 (hid p12 "Bob") cannot be undone: person p12 is gone (the machine\'s last run since: #3, ' +
        're-clustered: 1 face moved)',
    );
  });

  it('refuses an undo, an edit already undone, a machine run and an unknown id', () => {
    const { store, people } = edited();
    people.hide('p3', true);
    people.undo(1);
    expect(() => people.undo(1)).toThrow('edit #1 (hid p3 "Ann") is already undone');
    expect(() => people.undo(2)).toThrow('edit #2 is an undo itself; it cannot be undone');
    store.history.record({ actor: 'machine', kind: 'recluster', summary: 're-clustered: 1 face moved' });
    expect(() => people.undo(3)).toThrow('edit #3 (re-clustered: 1 face moved) was the machine');
    expect(() => people.undo(9)).toThrow('no edit #9 in the history');
  });

  it('lists the history newest first, a page at a time', () => {
    const { people } = edited();
    people.hide('p3', true);
    people.hide('p3', false);
    people.name('p20', 'Cleo');
    expect(people.history({ limit: 2 }).map((e) => [e.id, e.summary])).toEqual([
      [3, 'named p20 "Cleo"'],
      [2, 'showed p3 "Ann" again'],
    ]);
    expect(people.history({ before: 2 }).map((e) => e.id)).toEqual([1]);
  });
});
