/**
 * Entry point of the fake Immich for tests: `startFakeImmich()` builds a `FakeImmich`, serves it with msw at
 * `http://immich.test/api` and returns what a test needs to point `@immich/sdk` (or the sidecar) at it.
 *
 *   const immich = startFakeImmich({ version: '3.2.2', photos: { [id]: fixture('people/obama/obama_1.jpg') } });
 *   init({ baseUrl: immich.baseUrl, apiKey: immich.apiKey });
 *   …
 *   immich.close();
 *
 * msw patches the global fetch, so run one fake per test file at a time (start in beforeEach / close in
 * afterEach, or one for the whole file). Requests to any other URL are errors unless `extraHandlers` serve them.
 */
import type { RequestHandler } from 'msw';
import { setupServer, type SetupServer } from 'msw/node';
import { FakeImmich, type FakeImmichOptions } from './fake-immich.js';
import { createHandlers } from './handlers.js';

export const FAKE_IMMICH_BASE_URL = 'http://immich.test/api';

export interface StartFakeImmichOptions extends FakeImmichOptions {
  /** Default 'http://immich.test/api'. */
  baseUrl?: string;
  /** More msw handlers served by the same server (e.g. a fake machine-learning service). */
  extraHandlers?: RequestHandler[];
}

export interface RunningFakeImmich {
  fake: FakeImmich;
  server: SetupServer;
  baseUrl: string;
  apiKey: string;
  /** Releases hanging requests and stops intercepting fetch. */
  close: () => void;
}

export function startFakeImmich(options: StartFakeImmichOptions = {}): RunningFakeImmich {
  const { baseUrl = FAKE_IMMICH_BASE_URL, extraHandlers = [], ...fakeOptions } = options;
  const fake = new FakeImmich(fakeOptions);
  const server = setupServer(...createHandlers(fake, baseUrl), ...extraHandlers);
  server.listen({ onUnhandledRequest: 'error' });
  return {
    fake,
    server,
    baseUrl,
    apiKey: fake.apiKey ?? '',
    close: () => {
      fake.releaseHangs();
      server.close();
    },
  };
}

export { FakeImmich, parseVersion } from './fake-immich.js';
export type {
  AddAssetOptions,
  AddFaceOptions,
  Box,
  FakeImmichOptions,
  FakeImmichSnapshot,
  RequestLogEntry,
} from './fake-immich.js';
export { createHandlers } from './handlers.js';
export { serveFakeImmich, type ServedFakeImmich, type ServeOptions } from './http-server.js';
export type { Fault, FaultHandle, FaultMatch } from './faults.js';
export type { FakeAsset, FakeFace, FakePerson, FakeTag, FakeUser } from './model.js';
export { ACCESS, OPERATIONS, SIDECAR_PERMISSIONS, WRITE_OPERATIONS, type OperationName } from './operations.js';
export { ApiError } from './parse.js';
export { SEARCH_KEY_SUPPORT, FILTER_KEY_SUPPORT } from './search.js';
