import { afterEach, describe, expect, it, vi } from 'vitest';
import { peopleCommand } from '../../src/cli/people.js';
import { suggestionsCommand } from '../../src/cli/suggestions.js';
import { IDENTITY_CHECKPOINT, type ImmichIdentity } from '../../src/hosts/immich/server-identity.js';
import { Store } from '../../src/store/store.js';
import { captureOutput, clearFaceAt, peopleStore } from './cli-helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const IDENTITY: ImmichIdentity = {
  userId: 'u1',
  email: 'ann@example.test',
  userCreatedAt: '2024-01-01T00:00:00.000Z',
  url: 'http://immich.test/api',
  version: '2.5.6',
  mode: 'manage',
};

/**
 * peopleStore() after the sidecar ran on it in `mode`: Ann (p3) and Bob (p12) are Immich people im-ann and im-bob
 * (Immich shows Bob as "Bobby"), one of Ann's faces is in Immich; p20 is not in Immich.
 */
function syncedStore(mode: 'manage' | 'suggest' = 'manage') {
  const made = peopleStore();
  const store = Store.open(made.db);
  store.immich.linkPerson('p3', 'im-ann', 'Ann', false);
  store.immich.linkPerson('p12', 'im-bob', 'Bobby', false);
  store.immich.linkFace({
    observationId: made.faces.p3[0],
    immichFaceId: 'f1',
    immichPersonId: 'im-ann',
    origin: 'created',
  });
  store.checkpoints.set(IDENTITY_CHECKPOINT, JSON.stringify({ ...IDENTITY, mode }));
  // a face on an Immich photo that our gallery assigned by itself: a proposal in suggest mode, a write in manage mode
  const photo = store.assets.upsert({
    source: 'immich',
    sourceId: 'asset-1',
    contentHash: 'c1',
    capturedAt: null,
    latitude: null,
    longitude: null,
  });
  const [assigned] = store.observations.replaceForAsset(photo.id, [clearFaceAt(300)]);
  store.observations.assign([{ id: assigned, personId: 'p3', assignedBy: 'assign' }]);
  store.close();
  return made;
}

/** The people as the store has them, to show an edit was refused without a trace. */
function people(db: string) {
  const store = Store.open(db);
  try {
    return store.people.list().map((p) => ({ id: p.id, name: p.name, observations: p.observations }));
  } finally {
    store.close();
  }
}

describe('with Immich managing the people, the CLI does not edit them behind its back', () => {
  it.each([
    [['name', 'p3', 'Annie'], /rename the person in Immich/],
    [['unname', 'Ann'], /clear the person's name in Immich/],
    [['merge', 'p3', 'p12'], /merge them in Immich/],
    [['merge', 'p20', 'p3'], /merge them in Immich/],
  ])('people %j is refused with exit 2, saying where to do it', async (args, how) => {
    const { db } = syncedStore();
    const before = people(db);
    const output = captureOutput();
    expect(await peopleCommand([...args, '--db', db])).toBe(2);
    const message = output.stderr();
    expect(message).toMatch(/managed in Immich at http:\/\/immich\.test \(ann@example\.test\)/);
    expect(message).toMatch(how);
    expect(message).toContain('p3 "Ann" is http://immich.test/people/im-ann');
    expect(message).toMatch(/next cycle brings the change into this store/);
    expect(output.stdout()).toBe('');
    expect(people(db)).toEqual(before);
  });

  it('people split of a face that is in Immich is refused, naming the photo', async () => {
    const { db, faces } = syncedStore();
    const output = captureOutput();
    expect(await peopleCommand(['split', String(faces.p3[0]), '--db', db])).toBe(2);
    expect(output.stderr()).toMatch(
      /"Edit faces".*the face is on the photo http:\/\/immich\.test\/photos\/p3\/photo_0\.jpg/,
    );
  });

  it.each([
    [['move', 'FACE', '--to', 'p12'], /move that face to the other person/],
    [['dismiss', 'FACE'], /remove that face/],
  ])('people %j of a face that is in Immich is refused', async (args, how) => {
    const { db, faces } = syncedStore();
    const before = people(db);
    const output = captureOutput();
    const argv = args.map((a) => (a === 'FACE' ? String(faces.p3[0]) : a));
    expect(await peopleCommand([...argv, '--db', db])).toBe(2);
    expect(output.stderr()).toMatch(how);
    expect(output.stderr()).toContain('p3 "Ann" is http://immich.test/people/im-ann');
    expect(people(db)).toEqual(before);
  });

  it('edits of people and faces that are not in Immich yet go on: the next cycle takes them there', async () => {
    const { db, faces } = syncedStore();
    const output = captureOutput();
    expect(await peopleCommand(['name', 'p20', 'Cleo', '--db', db])).toBe(0);
    expect(await peopleCommand(['split', String(faces.p3[1]), '--db', db])).toBe(0);
    expect(await peopleCommand(['move', String(faces.p3[2]), '--to', 'p12', '--db', db])).toBe(0);
    expect(output.stdout()).toContain('named p20 "Cleo"');
  });

  it('in suggest mode, where Immich is not written to, the store stays the CLI’s to edit, and proposals show', async () => {
    const { db } = syncedStore('suggest');
    const output = captureOutput();
    expect(await peopleCommand(['name', 'p3', 'Annie', '--db', db])).toBe(0);
    expect(await suggestionsCommand(['list', '--db', db])).toBe(0);
    expect(output.stdout()).toMatch(/proposed people[\s\S]*asset-1\t\d+\tp3 "Annie" = Immich im-ann "Ann"/);
  });

  it('suggestions list shows Immich’s ids and names beside ours, in text and JSON', async () => {
    const { db, suggestion } = syncedStore();
    const output = captureOutput();
    expect(await suggestionsCommand(['list', '--db', db])).toBe(0);
    expect(output.stdout()).toContain(
      `${suggestion}\t0.610\tp12 "Bob" = Immich im-bob "Bobby"\tp3 "Ann" = Immich im-ann "Ann"`,
    );
    expect(output.stdout()).not.toContain('proposed people');
    expect(await suggestionsCommand(['list', '--json', '--db', db])).toBe(0);
    const json = JSON.parse(output.stdout().slice(output.stdout().indexOf('{'))) as {
      merges: { immichA: unknown; immichB: unknown }[];
    };
    expect(json.merges[0]).toMatchObject({
      immichA: { id: 'im-bob', name: 'Bobby' },
      immichB: { id: 'im-ann', name: 'Ann' },
    });
  });

  it('suggestions reject says it is remembered here only; accept without Immich configured is refused', async () => {
    const first = syncedStore();
    const output = captureOutput();
    vi.stubEnv('IMMICH_URL', '');
    vi.stubEnv('IMMICH_API_KEY', '');
    expect(await suggestionsCommand(['reject', String(first.suggestion), '--db', first.db])).toBe(0);
    expect(output.stdout()).toBe(
      `rejected suggestion ${first.suggestion}: p12 "Bob" = Immich im-bob "Bobby" and p3 "Ann" = Immich im-ann "Ann" ` +
        'will be kept apart (remembered in this store; Immich has no rejected suggestions, nothing changed there)\n',
    );
    const second = syncedStore();
    const before = people(second.db);
    expect(await suggestionsCommand(['accept', String(second.suggestion), '--db', second.db])).toBe(2);
    expect(output.stderr()).toMatch(/set IMMICH_URL and IMMICH_API_KEY .* or merge them in Immich/);
    expect(people(second.db)).toEqual(before);
  });
});
