import { Permission } from '@immich/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { listAssets } from '../../../src/hosts/immich/asset-listing.js';
import {
  apiBaseUrl,
  ImmichAuthError,
  ImmichClient,
  ImmichUnavailableError,
  type RetryPolicy,
} from '../../../src/hosts/immich/client.js';
import { checkServer, requiredPermissions } from '../../../src/hosts/immich/connection.js';
import { startFakeImmich, type RunningFakeImmich, type StartFakeImmichOptions } from '../../fakes/immich/index.js';

let immich: RunningFakeImmich | undefined;
const noWait: RetryPolicy = { attempts: 4, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 200, sleep: async () => {} };

function start(options: StartFakeImmichOptions = {}) {
  immich = startFakeImmich(options);
  return { fake: immich.fake, client: new ImmichClient(immich.baseUrl, immich.apiKey, noWait) };
}

afterEach(() => {
  immich?.close();
  immich = undefined;
});

describe('connecting to Immich', () => {
  it('accepts IMMICH_URL with or without /api', () => {
    expect(apiBaseUrl('http://immich:2283')).toBe('http://immich:2283/api');
    expect(apiBaseUrl('http://immich:2283/api/')).toBe('http://immich:2283/api');
    expect(() => apiBaseUrl('immich:2283')).toThrow(/http/);
  });

  it('checks version, features, the key and the user, and warns when Immich recognises faces too', async () => {
    const { client, fake } = start({ version: '3.2.2' });
    const info = await checkServer(client, 'manage', false);
    expect(info).toMatchObject({ cursorPaging: true, modernMerge: true, facialRecognition: true, ownerId: fake.me.id });
    expect(info.warnings.join(' ')).toMatch(/facial recognition is on/);
  });

  it('refuses Immich 1.x with a clear message', async () => {
    const { client } = start({ version: '1.132.0' });
    await expect(checkServer(client, 'manage', false)).rejects.toThrow(/Immich 1\.132\.0 is too old.*2\.x and 3\.x/);
  });

  it('names exactly the permissions the key lacks', async () => {
    const { client, fake } = start({ version: '2.5.6' });
    fake.setPermissions(
      requiredPermissions('manage', false).filter((p) => p !== Permission.FaceCreate && p !== Permission.PersonMerge),
    );
    await expect(checkServer(client, 'manage', false)).rejects.toThrow(
      /lacks these permissions: face\.create, person\.merge\./,
    );
    await expect(checkServer(client, 'suggest', false)).rejects.toThrow(/lacks these permissions: person\.merge\./);
  });

  it('warns, per mode, about each recommended permission the key lacks and what is lost without it', async () => {
    const { client, fake } = start({ version: '2.5.6' });
    fake.setPermissions(requiredPermissions('manage', false));
    const manage = (await checkServer(client, 'manage', false)).warnings.filter((w) => w.includes('lacks'));
    expect(manage.map((w) => w.match(/lacks (\S+):/)?.[1])).toEqual(['person.delete', 'face.delete']);
    expect(manage[1]).toMatch(/"not this person"/);
    fake.setPermissions(requiredPermissions('suggest', false));
    const suggest = (await checkServer(client, 'suggest', false)).warnings.filter((w) => w.includes('lacks'));
    expect(suggest.map((w) => w.match(/lacks (\S+):/)?.[1])).toEqual(['face.update', 'face.create']);
    fake.setPermissions([...requiredPermissions('suggest', false), Permission.FaceUpdate, Permission.FaceCreate]);
    expect((await checkServer(client, 'suggest', false)).warnings.filter((w) => w.includes('lacks'))).toEqual([]);
  });

  it('stops on 401 without ever printing the key', async () => {
    const { client, fake } = start();
    fake.setApiKey('another-key');
    const error = await client.me().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImmichAuthError);
    expect((error as Error).message).toMatch(/401/);
    expect((error as Error).message).not.toContain(immich!.apiKey);
  });

  it('retries 5xx, timeouts and resets, and gives up with a clear error', async () => {
    const { client, fake } = start();
    fake.failNext('getMyUser', 2, 503);
    fake.resetNext('getMyUser', 1);
    expect((await client.me()).id).toBe(fake.me.id);
    fake.hangNext('getMyUser', 1);
    expect((await client.me()).id).toBe(fake.me.id);
    fake.failNext('getMyUser', 10, 502);
    await expect(client.me()).rejects.toBeInstanceOf(ImmichUnavailableError);
  });
});

describe('listing assets', () => {
  it('on 2.x, finds every photo although offset paging with tied dates repeats some and skips others', async () => {
    const { client, fake } = start({ version: '2.5.6' });
    const assets = fake.addAssets(39);
    fake.setFileCreatedAt(
      assets.map((a) => a.id),
      '2024-06-01T10:00:00.000Z',
    );
    const info = await checkServer(client, 'manage', false);
    // a plain walk of the pages loses some: the fake reproduces the real server's missing tiebreak
    const plain = new Set<string>();
    for (let page = 1; ; page++) {
      const result = await client.searchPage({ size: 7, page, type: 'IMAGE' as never });
      result.items.forEach((a) => plain.add(a.id));
      if (!result.nextPage) break;
    }
    expect(plain.size).toBeLessThan(39);
    const listing = await listAssets(client, info, null, { pageSize: 7 });
    expect(listing.assets).toHaveLength(39);
    expect(new Set(listing.assets.map((a) => a.id)).size).toBe(39);
  });

  it('on 3.x, pages with the cursor, and keeps only the owner’s untrashed images from timeline and archive', async () => {
    const { client, fake } = start({ version: '3.2.2' });
    const mine = fake.addAssets(15);
    fake.archiveAsset(mine[0].id);
    fake.trashAsset(mine[1].id);
    fake.addPartnerAsset();
    const info = await checkServer(client, 'manage', false);
    const listing = await listAssets(client, info, null, { pageSize: 4 });
    expect(listing.assets.map((a) => a.id).sort()).toEqual(
      mine
        .slice(0)
        .filter((a) => a.id !== mine[1].id)
        .map((a) => a.id)
        .sort(),
    );
    expect(fake.requests({ op: 'searchAssets' }).some((r) => JSON.stringify(r.body).includes('cursor'))).toBe(true);
  });
});
