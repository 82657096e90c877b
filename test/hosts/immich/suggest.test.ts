import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SourceType } from '@immich/sdk';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { suggestionsCommand } from '../../../src/cli/suggestions.js';
import { ImmichClient, type RetryPolicy } from '../../../src/hosts/immich/client.js';
import { checkServer } from '../../../src/hosts/immich/connection.js';
import { acceptSuggestion } from '../../../src/hosts/immich/suggestion-actions.js';
import { ImmichSync } from '../../../src/service/immich-sync.js';
import { decodeImage } from '../../../src/perception/image/decode.js';
import { PeopleService } from '../../../src/service/people.js';
import { Store } from '../../../src/store/store.js';
import type { Box } from '../../../src/types.js';
import { startFakeImmich, type RunningFakeImmich } from '../../fakes/immich/index.js';
import { RecordedPerception } from '../../fakes/perception/index.js';
import { fixture, HAS_FIXTURES } from '../../helpers/fixtures.js';
import { captureOutput } from '../../cli/cli-helpers.js';

const silent = pino({ level: 'silent' });
const noWait: RetryPolicy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 5000, sleep: async () => {} };
let immich: RunningFakeImmich | undefined;
afterEach(() => {
  immich?.close();
  immich = undefined;
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const photos = {
  'obama~1': fixture('people/obama/obama_1.jpg'),
  'obama~2': fixture('people/obama/obama_2.jpg'),
  'obama~3': fixture('people/obama/obama_3.jpg'),
  'obama~4': fixture('people/obama/obama_4.jpg'),
  'obama~5': fixture('people/obama/obama_5.jpg'),
  'kit~1': fixture('people/kit_harington/kit_harington_1.jpg'),
  'kit~2': fixture('people/kit_harington/kit_harington_2.jpg'),
  'rose~1': fixture('people/rose_leslie/rose_leslie_1.jpg'),
};

describe.skipIf(!HAS_FIXTURES)('suggest mode and the labels users already made', () => {
  /** the real models' recorded observations of the fixtures */
  const perception = new RecordedPerception();
  /** our largest face box per photo (fixtures are under 1440 px, so preview pixels = photo pixels) */
  const boxes = new Map<string, Box>();

  beforeAll(async () => {
    for (const [id, file] of Object.entries(photos)) {
      const seen = await perception.perceive(await decodeImage(readFileSync(file), { maxPixels: 1e8 }), {
        embeddings: false,
      });
      const found = seen.flatMap((o) => (o.face ? [o.face] : []));
      const big = found.reduce((a, b) => (b.quality.size > a.quality.size ? b : a));
      boxes.set(id, big.box.map(Math.round) as Box);
    }
  });

  async function sidecar(mode: 'manage' | 'suggest') {
    const client = new ImmichClient(immich!.baseUrl, immich!.apiKey, noWait);
    const info = await checkServer(client, mode, false);
    const db = join(mkdtempSync(join(tmpdir(), 'suggest-')), 'people.db');
    const store = Store.open(db);
    const sync = new ImmichSync(
      store,
      client,
      info,
      perception,
      {
        mode,
        writeBack: { minFaces: 3, tags: false },
        downloads: 2,
        indexPath: null,
      },
      silent,
    );
    return { store, client, info, sync };
  }

  const face = (assetId: string, personId: string | null, sourceType?: SourceType) => {
    const [x1, y1, x2, y2] = boxes.get(assetId)!;
    return immich!.fake.addFace({ assetId, personId, box: { x1, y1, x2, y2 }, ...(sourceType ? { sourceType } : {}) });
  };

  it('suggests merging two Immich people who are one person, proposes people for unassigned faces, and writes nothing', async () => {
    immich = startFakeImmich({ version: '2.5.6', photos });
    await immich.fake.ready();
    const fake = immich.fake;
    const a = fake.createPerson({ name: 'Obama' });
    const b = fake.createPerson({ name: 'Barack' });
    const kit = fake.createPerson({ name: 'Kit' });
    face('obama~1', a.id);
    face('obama~2', a.id);
    face('obama~3', b.id);
    face('obama~4', b.id);
    face('obama~5', null); // Immich found it, nobody assigned it
    face('kit~1', kit.id);
    face('kit~2', kit.id);
    fake.clearRequests();

    const { store, client, info, sync } = await sidecar('suggest');
    const summary = await sync.cycle();
    expect(summary.labels.fromFaces).toBe(6);
    expect(fake.writes()).toEqual([]);

    const service = new PeopleService(store);
    const names = new Map(service.list().map((p) => [p.id, p.name]));
    const suggestions = service.suggestions().map((s) => [names.get(s.personA), names.get(s.personB)].sort().join('+'));
    expect(suggestions[0]).toBe('Barack+Obama');
    expect(suggestions.some((s) => s.includes('Kit'))).toBe(false);
    const proposals = service.proposals();
    expect(proposals.map((p) => [p.asset, p.name])).toContainEqual(['obama~5', expect.stringMatching(/Obama|Barack/)]);

    // the user accepts: Immich merges Barack into Obama (legacy route on 2.x), and so does the store
    await acceptSuggestion(store, client, info, service.suggestions()[0].id, service);
    const left = fake.people().map((p) => p.name);
    expect(left).toHaveLength(2);
    expect(left).toContain('Kit');
    expect(fake.requests({ op: 'mergePersonLegacy' })).toHaveLength(1);
    expect(service.list().filter((p) => p.name === 'Obama' || p.name === 'Barack')).toHaveLength(1);
    store.close();
  });

  it('accepting a merge in manage mode relinks the merged faces: the next cycle reads nothing back and writes nothing', async () => {
    immich = startFakeImmich({ version: '2.5.6', photos });
    await immich.fake.ready();
    const kitPerson = immich.fake.createPerson({ name: 'Kit' });
    face('kit~1', kitPerson.id);
    face('kit~2', kitPerson.id);
    const { store, client, info, sync } = await sidecar('manage');
    await sync.cycle();
    const service = new PeopleService(store);
    const [obama, kit] = ['obama~1', 'kit~1'].map((asset) => {
      const observation = store.observations
        .all({ vectors: false })
        .find((o) => store.assets.byId(o.assetId)?.sourceId === asset && o.personId)!;
      return observation.personId!;
    });
    expect(store.immich.person(obama)?.immichId).toBeTruthy();
    expect(store.immich.person(kit)?.immichId).toBeTruthy();
    // a suggestion as pass 2 would leave it (these two are not one person, but the mechanics are the same)
    store.suggestions.replaceOpen([{ personA: obama, personB: kit, score: 0.6 }]);
    const [suggestion] = service.suggestions();
    const merge = await acceptSuggestion(store, client, info, suggestion.id, service);
    expect(merge).not.toBeNull();
    immich.fake.clearRequests();
    const next = await sync.cycle();
    expect(next.userChanges).toMatchObject({ reassignedFaces: 0, deletedFaces: 0, merged: 0, deletedPeople: 0 });
    expect(immich.fake.writes()).toEqual([]);
    store.close();
  });

  it('suggestions list and accept on the command line show and merge Immich’s people, and say so', async () => {
    immich = startFakeImmich({ version: '3.2.2', photos });
    await immich.fake.ready();
    const fake = immich.fake;
    const a = fake.createPerson({ name: 'Obama' });
    const b = fake.createPerson({ name: '' });
    for (const id of ['obama~1', 'obama~2']) face(id, a.id);
    for (const id of ['obama~3', 'obama~4']) face(id, b.id);
    const { store, sync } = await sidecar('suggest');
    await sync.cycle();
    const db = store.path;
    const [suggestion] = new PeopleService(store).suggestions();
    store.close();
    const output = captureOutput();
    expect(await suggestionsCommand(['list', '--db', db])).toBe(0);
    expect(output.stdout()).toContain(`= Immich ${a.id} "Obama"`);
    expect(output.stdout()).toContain(`= Immich ${b.id} (no name)`);

    vi.stubEnv('IMMICH_URL', 'http://immich.test');
    vi.stubEnv('IMMICH_API_KEY', immich.apiKey);
    expect(await suggestionsCommand(['accept', String(suggestion.id), '--db', db])).toBe(0);
    const [survivor, absorbed] = suggestion.personA === `immich-${a.id}` ? [a.id, b.id] : [b.id, a.id];
    expect(output.stdout()).toMatch(
      new RegExp(
        `accepted suggestion ${suggestion.id}: merged .* into .*; in Immich, ${absorbed} was merged into ${survivor}\n$`,
      ),
    );
    expect(fake.people().map((p) => p.id)).toEqual([survivor]);
  });

  it('suggestions accept refuses a store of another Immich library, changing nothing', async () => {
    immich = startFakeImmich({ version: '3.2.2', photos, seed: 1 });
    await immich.fake.ready();
    const a = immich.fake.createPerson({ name: 'Obama' });
    const b = immich.fake.createPerson({ name: 'Barack' });
    for (const id of ['obama~1', 'obama~2']) face(id, a.id);
    for (const id of ['obama~3', 'obama~4']) face(id, b.id);
    const { store, sync } = await sidecar('suggest');
    await sync.cycle();
    const db = store.path;
    const [suggestion] = new PeopleService(store).suggestions();
    store.close();
    immich.close();
    immich = startFakeImmich({ version: '3.2.2', photos, seed: 2 }); // another installation
    const output = captureOutput();
    vi.stubEnv('IMMICH_URL', 'http://immich.test');
    vi.stubEnv('IMMICH_API_KEY', immich.apiKey);
    expect(await suggestionsCommand(['accept', String(suggestion.id), '--db', db])).toBe(1);
    expect(output.stderr()).toMatch(/belongs to another Immich library/);
    expect(immich.fake.writes()).toEqual([]);
  });

  it('in manage mode takes People/<Name> tags and XMP faces as the user’s labels and grows those people', async () => {
    immich = startFakeImmich({ version: '3.2.2', photos: {} });
    const fake = immich.fake;
    for (const id of ['obama~1', 'obama~2', 'obama~3', 'obama~4', 'rose~1']) {
      fake.addAsset({
        id,
        file: photos[id as keyof typeof photos],
        ...(id === 'obama~1' ? { tags: ['People/Barack Obama'] } : {}),
      });
    }
    fake.addAsset({ id: 'kit~1', file: photos['kit~1'] });
    await fake.ready();
    const marie = fake.createPerson({ name: 'Rose Leslie' });
    face('rose~1', marie.id, SourceType.Exif);

    const { store, sync } = await sidecar('manage');
    const summary = await sync.cycle();
    expect(summary.labels).toEqual({ fromFaces: 1, fromTags: 1 });
    // the tag named a new person: created in Immich under that name, with all four Obama photos
    const obama = fake.people().find((p) => p.name === 'Barack Obama');
    expect(obama).toBeDefined();
    expect(new Set(fake.facesOfPerson(obama!.id).map((f) => f.assetId))).toEqual(
      new Set(['obama~1', 'obama~2', 'obama~3', 'obama~4']),
    );
    // Rose's XMP face stays hers and is not duplicated
    expect(fake.faces('rose~1')).toHaveLength(1);
    expect(fake.faces('rose~1')[0].personId).toBe(marie.id);
    expect(fake.people().filter((p) => p.name === 'Rose Leslie')).toHaveLength(1);
    store.close();
  });

  it('does not feed on its own tag writes: tagged photos are not analysed again', async () => {
    immich = startFakeImmich({
      version: '3.2.2',
      photos: { 'obama~1': photos['obama~1'], 'obama~2': photos['obama~2'], 'obama~3': photos['obama~3'] },
    });
    await immich.fake.ready();
    const fake = immich.fake;
    const client = new ImmichClient(immich.baseUrl, immich.apiKey, noWait);
    const info = await checkServer(client, 'manage', true);
    const store = Store.open(':memory:');
    const sync = new ImmichSync(
      store,
      client,
      info,
      perception,
      { mode: 'manage', writeBack: { minFaces: 3, tags: true }, downloads: 2, indexPath: null },
      silent,
    );
    await sync.cycle();
    const [person] = store.people.list();
    new PeopleService(store).name(person.id, 'Obama');
    fake.advanceTime(1000);
    const tagged = await sync.cycle();
    expect(tagged.writeBack?.assetsTagged).toBe(3);
    fake.runJobs(); // Immich writes the XMP sidecars and bumps updatedAt
    fake.advanceTime(1000);
    const perceivedBefore = perception.calls;
    const after = await sync.cycle();
    expect(after.analysed).toBe(0);
    expect(perception.calls).toBe(perceivedBefore);
    expect(fake.assetTags('obama~1')).toContain('People/Obama');
    store.close();
  });
});
