import { getBaseUrl } from '@immich/sdk';
import { afterEach, expect, it } from 'vitest';
import { ImmichClient, type RetryPolicy } from '../../../src/hosts/immich/client.js';
import { createHandlers, FakeImmich, startFakeImmich, type RunningFakeImmich } from '../../fakes/immich/index.js';

const noWait: RetryPolicy = { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 1000, sleep: async () => {} };
let immich: RunningFakeImmich | undefined;

afterEach(() => {
  immich?.close();
  immich = undefined;
});

it('two clients in one process each reach their own server with their own key', async () => {
  // msw patches the one global fetch, so two startFakeImmich() at once refuse each other's requests: one msw server
  // serves both fakes, each under its own base URL and with its own key (a wrong key would get 401).
  const other = new FakeImmich({ apiKey: 'key-b', seed: 2 });
  immich = startFakeImmich({
    baseUrl: 'http://immich-a.test/api',
    apiKey: 'key-a',
    seed: 1,
    extraHandlers: createHandlers(other, 'http://immich-b.test/api'),
  });
  const sent: string[] = [];
  immich.server.events.on('request:start', ({ request }) => {
    sent.push(`${request.method} ${request.url} ${request.headers.get('x-api-key')}`);
  });

  // both built before either calls: a process-wide init() in the constructor would send both to the second server
  const globalBaseUrl = getBaseUrl(); // other test files in this worker may have set the SDK's default
  const a = new ImmichClient('http://immich-a.test/api', 'key-a', noWait);
  const b = new ImmichClient('http://immich-b.test/api', 'key-b', noWait);
  expect((await a.me()).id).toBe(immich.fake.me.id);
  expect((await b.me()).id).toBe(other.me.id);
  expect(immich.fake.me.id).not.toBe(other.me.id);
  await a.createPerson('Ann');
  await b.createPerson('Bob');

  expect(immich.fake.people().map((p) => p.name)).toEqual(['Ann']);
  expect(other.people().map((p) => p.name)).toEqual(['Bob']);
  expect(sent).toEqual([
    'GET http://immich-a.test/api/users/me key-a',
    'GET http://immich-b.test/api/users/me key-b',
    'POST http://immich-a.test/api/people key-a',
    'POST http://immich-b.test/api/people key-b',
  ]);
  // and the SDK's process-wide defaults were never touched
  expect(getBaseUrl()).toBe(globalBaseUrl);
});
