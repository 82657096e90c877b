import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Permission } from '@immich/sdk';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ImmichClient,
  ImmichUnavailableError,
  ImmichUncertainWriteError,
  type RetryPolicy,
} from '../../../src/hosts/immich/client.js';
import { checkServer, type ServerInfo } from '../../../src/hosts/immich/connection.js';
import { ImmichSync } from '../../../src/service/immich-sync.js';
import { Store } from '../../../src/store/store.js';
import { startFakeImmich, type RunningFakeImmich } from '../../fakes/immich/index.js';
import type { Fault } from '../../fakes/immich/faults.js';
import type { OperationName } from '../../fakes/immich/operations.js';
import { RecordedPerception } from '../../fakes/perception/index.js';
import { HAS_FIXTURES, portraitAssets } from '../../helpers/fixtures.js';

const silent = pino({ level: 'silent' });
const retry = (timeoutMs: number): RetryPolicy => ({
  attempts: 3,
  baseDelayMs: 1,
  maxDelayMs: 1,
  timeoutMs,
  sleep: async () => {},
});
const WRITES: OperationName[] = ['createPerson', 'createFace', 'updatePerson', 'reassignFacesById', 'deletePerson'];

/** The 24 fixture portraits as Immich assets with readable ids: "<identity>~<n>". */
const library = () => portraitAssets();

/** A manage-mode sidecar on a fresh store, on the recorded perception. */
function managingSidecar(client: ImmichClient, info: ServerInfo): { store: Store; sync: ImmichSync } {
  const db = join(mkdtempSync(join(tmpdir(), 'once-')), 'people.db');
  const store = Store.open(db);
  const options = { mode: 'manage' as const, writeBack: { minFaces: 3, tags: false }, downloads: 2, indexPath: db };
  return { store, sync: new ImmichSync(store, client, info, new RecordedPerception(), options, silent) };
}

let immich: RunningFakeImmich | undefined;
afterEach(() => {
  immich?.close();
  immich = undefined;
});

interface Outcome {
  /** Live faces beyond the first on an asset (every fixture portrait shows one person). */
  duplicateFaces: number;
  /** Immich people without a live face. */
  emptyPeople: number;
  /** Each person's identities, sorted: the same groups as a fault-free run means the same people. */
  groups: string[];
  /** Writes whose reply the fault spoiled. */
  spoiled: number;
  pendingIntents: number;
}

/**
 * Writes back the 24 portraits with `fault` on every write that `probability` picks (seeded), cycling until a cycle
 * finishes (Immich unavailable ends a cycle, as in the daemon; an intent left waits for the next) plus one.
 */
async function writeBack(fault: Fault | null, probability: number, seed = 12, timeoutMs = 5000): Promise<Outcome> {
  immich = startFakeImmich({ version: '3.2.2', photos: library() });
  await immich.fake.ready();
  const handle = fault ? immich.fake.injectFault(fault, { op: WRITES, probability, seed, times: Infinity }) : null;
  const client = new ImmichClient(immich.baseUrl, immich.apiKey, retry(timeoutMs));
  const info = await checkServer(client, 'manage', false);
  const { store, sync } = managingSidecar(client, info);
  let finished = false;
  for (let cycle = 0; cycle < 5 && !finished; cycle++) {
    try {
      await sync.cycle();
      finished = true;
    } catch (error) {
      if (!(error instanceof ImmichUnavailableError)) throw error;
    }
  }
  expect(finished).toBe(true);
  await sync.cycle();
  const pendingIntents = store.immich.intents().length;
  store.close();
  const fake = immich.fake;
  const live = fake.allFaces().filter((f) => !f.deletedAt);
  const byPerson = new Map<string, Set<string>>();
  for (const face of live) {
    if (!face.personId) continue;
    const ids = byPerson.get(face.personId) ?? new Set<string>();
    ids.add(face.assetId.split('~')[0]);
    byPerson.set(face.personId, ids);
  }
  return {
    duplicateFaces: live.length - new Set(live.map((f) => f.assetId)).size,
    emptyPeople: fake.people().filter((p) => !byPerson.has(p.id)).length,
    groups: [...byPerson.values()].map((ids) => [...ids].sort().join()).sort(),
    spoiled: handle?.hits ?? 0,
    pendingIntents,
  };
}

describe('ImmichClient: writes that create are not repeated blindly', () => {
  it('answers an uncertain createPerson with ImmichUncertainWriteError after one try; retries a rename', async () => {
    immich = startFakeImmich({ version: '3.2.2' });
    const fake = immich.fake;
    const client = new ImmichClient(immich.baseUrl, immich.apiKey, retry(5000));
    fake.injectFault({ kind: 'status', status: 502 }, { op: 'createPerson' });
    const failed = client.createPerson('Alice');
    await expect(failed).rejects.toThrow(ImmichUncertainWriteError);
    await expect(failed).rejects.toThrow('Immich answered 502');
    expect(fake.requests({ op: 'createPerson' })).toHaveLength(1);
    fake.injectFault({ kind: 'loseReply' }, { op: 'createPerson' });
    await expect(client.createPerson('Bob')).rejects.toThrow(ImmichUncertainWriteError);
    expect(fake.people().map((p) => p.name)).toEqual(['Bob']); // done once, not repeated
    fake.injectFault({ kind: 'loseReply' }, { op: 'updatePerson' });
    expect((await client.updatePerson(fake.people()[0].id, { name: 'Carol' })).name).toBe('Carol');
    expect(fake.requests({ op: 'updatePerson' })).toHaveLength(2);
  });
});

describe.skipIf(!HAS_FIXTURES)('exactly-once writes against a fake Immich that loses replies', () => {
  it('10 % of write replies lost after the write: no duplicate faces, no empty people, the clean run’s people', async () => {
    const clean = await writeBack(null, 0);
    expect(clean).toMatchObject({ duplicateFaces: 0, emptyPeople: 0, pendingIntents: 0 });
    expect(clean.groups).toEqual(['alex_lacamoire', 'compreface_a', 'kit_harington', 'obama']);
    immich!.close();
    let spoiled = 0;
    for (const seed of [12, 13, 14, 15]) {
      const lossy = await writeBack({ kind: 'loseReply' }, 0.1, seed);
      spoiled += lossy.spoiled;
      expect({ ...lossy, spoiled: 0 }, `seed ${seed}`).toEqual({ ...clean, spoiled: 0 });
      immich!.close();
    }
    expect(spoiled).toBeGreaterThanOrEqual(8);
  }, 60_000);

  it('write replies slower than the client timeout: no duplicate faces, no empty people, the same people', async () => {
    const clean = await writeBack(null, 0);
    immich!.close();
    // 400 ms: each spoiled reply costs one timeout; reads that time out are retried like before
    const slow = await writeBack({ kind: 'hangAfterCommit' }, 0.2, 12, 400);
    expect(slow.spoiled).toBeGreaterThan(0);
    expect({ ...slow, spoiled: 0 }).toEqual({ ...clean, spoiled: 0 });
  }, 60_000);
});

describe.skipIf(!HAS_FIXTURES)('a key without person.delete (as the README lists the permissions)', () => {
  it('warns at start, leaves a stray person of ours where it is, and keeps every cycle running', async () => {
    // seen on a real Immich 2.5.6: a stray "immich-people pending …" person made every cycle end in a 403
    immich = startFakeImmich({ version: '2.5.6', photos: library() });
    await immich.fake.ready();
    const fake = immich.fake;
    fake.revoke(Permission.PersonDelete);
    const stray = fake.createPerson({ name: 'immich-people pending test' });
    const client = new ImmichClient(immich.baseUrl, immich.apiKey, retry(5000));
    const info = await checkServer(client, 'manage', false);
    expect(info.warnings.join('\n')).toMatch(/lacks person\.delete/);
    const { store, sync } = managingSidecar(client, info);
    const first = await sync.cycle();
    expect(first.writeBack!.facesCreated).toBeGreaterThan(0);
    expect(fake.person(stray.id)).toBeDefined();
    fake.runJobs();
    fake.clearRequests();
    const second = await sync.cycle();
    expect(second.recognition.changed).toBe(0);
    expect(fake.writes()).toEqual([]); // not even an attempt to delete: the start-up check knew
    store.close();
  });

  it('keeps every cycle running when person.delete is revoked while it runs', async () => {
    immich = startFakeImmich({ version: '2.5.6', photos: library() });
    await immich.fake.ready();
    const fake = immich.fake;
    const client = new ImmichClient(immich.baseUrl, immich.apiKey, retry(5000));
    const { store, sync } = managingSidecar(client, await checkServer(client, 'manage', false));
    fake.revoke(Permission.PersonDelete);
    const stray = fake.createPerson({ name: 'immich-people pending test' });
    expect((await sync.cycle()).writeBack!.facesCreated).toBeGreaterThan(0);
    expect(fake.requests({ op: 'deletePerson' }).length).toBeGreaterThan(0); // tried, refused with 403
    expect(fake.person(stray.id)).toBeDefined();
    store.close();
  });
});
