import { afterEach, describe, expect, it } from 'vitest';
import { reviewSources } from '../../src/cli/serve.js';
import { recordIdentity } from '../../src/hosts/immich/server-identity.js';
import { Store } from '../../src/store/store.js';
import { startFakeImmich, type RunningFakeImmich } from '../fakes/immich/index.js';

let immich: RunningFakeImmich | undefined;
let store: Store | undefined;
afterEach(() => {
  immich?.close();
  store?.close();
  immich = store = undefined;
});

/** A store holding one Immich photo. */
function immichStore(): Store {
  const opened = Store.open(':memory:');
  opened.assets.upsert({
    source: 'immich',
    sourceId: 'a1',
    contentHash: 'c1',
    capturedAt: null,
    latitude: null,
    longitude: null,
  });
  return opened;
}

describe('serve: where the review page sends its edits', () => {
  it('goes through Immich in the configured mode when the store holds Immich photos and Immich is configured', async () => {
    immich = startFakeImmich({ version: '3.2.2', photos: {} });
    store = immichStore();
    const env = { IMMICH_URL: immich.baseUrl, IMMICH_API_KEY: immich.apiKey };
    expect((await reviewSources(store, { ...env, IMMICH_PEOPLE_MODE: 'suggest' })).editor.describe).toBe(
      'Immich (suggest mode)',
    );
    expect((await reviewSources(store, env)).editor.describe).toBe('Immich (manage mode)');
    expect((await reviewSources(store, {})).editor.describe).toBe('this store');
  });

  it('keeps to the store for a folder library, Immich configured or not', async () => {
    store = Store.open(':memory:');
    const env = { IMMICH_URL: 'http://immich.test/api', IMMICH_API_KEY: 'key' };
    expect((await reviewSources(store, env)).editor.describe).toBe('this store');
  });

  it('refuses a store that belongs to another Immich library, before anything is written', async () => {
    immich = startFakeImmich({ version: '3.2.2', photos: {} });
    store = immichStore();
    recordIdentity(store, {
      userId: 'someone-else',
      email: 'other@example.com',
      userCreatedAt: '2020-01-01T00:00:00.000Z',
      url: 'http://other.test/api',
      version: '3.2.2',
      mode: 'manage',
    });
    const env = { IMMICH_URL: immich.baseUrl, IMMICH_API_KEY: immich.apiKey };
    await expect(reviewSources(store, env)).rejects.toThrow(/belongs to another Immich library/);
    expect(immich.fake.writes()).toEqual([]);
  });

  it('stops with Immich’s answer when the key is wrong, the key itself never shown', async () => {
    immich = startFakeImmich({ version: '3.2.2', photos: {} });
    store = immichStore();
    const env = { IMMICH_URL: immich.baseUrl, IMMICH_API_KEY: 'wrong-secret-key' };
    const failure = reviewSources(store, env);
    await expect(failure).rejects.toThrow(/401.*unset IMMICH_URL to review the store alone/);
    await expect(failure).rejects.not.toThrow(/wrong-secret-key/);
  });
});
