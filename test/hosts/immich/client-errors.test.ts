import { Permission } from '@immich/sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ImmichAuthError,
  ImmichClient,
  ImmichRequestError,
  ImmichUnavailableError,
  ImmichUncertainWriteError,
  type RetryPolicy,
} from '../../../src/hosts/immich/client.js';
import { httpErrorReason } from '../../../src/hosts/immich/http-error.js';
import { startFakeImmich, type RunningFakeImmich } from '../../fakes/immich/index.js';

const noWait: RetryPolicy = { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 1000, sleep: async () => {} };
let immich: RunningFakeImmich | undefined;
afterEach(() => {
  immich?.close();
  immich = undefined;
  vi.unstubAllGlobals();
});

/** The error a call ends in; fails the test when the call succeeds. */
async function failure(call: Promise<unknown>): Promise<Error> {
  const outcome = await call.then(
    () => null,
    (error: unknown) => error as Error,
  );
  if (outcome === null) throw new Error('the call succeeded');
  return outcome;
}

describe("Immich's reason in every error", () => {
  it("answers a missing permission with Immich's real body: message, error, statusCode, correlationId", async () => {
    immich = startFakeImmich({ version: '3.2.2' });
    immich.fake.revoke(Permission.FaceCreate);
    const response = await fetch(`${immich.baseUrl}/faces`, {
      method: 'POST',
      headers: { 'x-api-key': immich.apiKey, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      message: 'Missing required permission: face.create',
      error: 'Forbidden',
      statusCode: 403,
      correlationId: expect.any(String) as string,
    });
  });

  it('keeps the message of a 403 on a call whose SDK reads the body as text (create face)', async () => {
    immich = startFakeImmich({ version: '3.2.2' });
    const asset = immich.fake.addAsset();
    immich.fake.revoke(Permission.FaceCreate);
    const client = new ImmichClient(immich.baseUrl, immich.apiKey, noWait);
    const face = { assetId: asset.id, personId: 'p', imageWidth: 10, imageHeight: 10, x: 1, y: 1, width: 2, height: 2 };
    const error = await failure(client.createFace(face));
    expect(error).toBeInstanceOf(ImmichAuthError);
    expect(error.message).toBe('create face: Immich answered 403: Missing required permission: face.create');
  });

  it('keeps the message on calls whose SDK reads the body as JSON (faces) or as a blob (preview)', async () => {
    immich = startFakeImmich({ version: '3.2.2' });
    const asset = immich.fake.addAsset();
    immich.fake.revoke(Permission.FaceRead, Permission.AssetView);
    const client = new ImmichClient(immich.baseUrl, immich.apiKey, noWait);
    expect((await failure(client.faces(asset.id))).message).toBe(
      `faces of ${asset.id}: Immich answered 403: Missing required permission: face.read`,
    );
    expect((await failure(client.preview(asset.id))).message).toBe(
      `preview of ${asset.id}: Immich answered 403: Missing required permission: asset.view`,
    );
  });

  it("keeps a refusal's message (a 400 on a call that reads the body as text)", async () => {
    immich = startFakeImmich({ version: '3.2.2' });
    immich.fake.faults.add({ kind: 'status', status: 400, message: 'Not found or no person.delete access' });
    const client = new ImmichClient(immich.baseUrl, immich.apiKey, noWait);
    const refused = await failure(client.deletePerson('00000000-0000-4000-8000-000000000000'));
    expect(refused).toBeInstanceOf(ImmichRequestError);
    expect(refused.message).toBe('delete person: Immich answered 400: Not found or no person.delete access');
  });
});

describe('httpErrorReason', () => {
  it('reads every form the SDK leaves the body in', async () => {
    const body = { message: 'Missing required permission: face.create', error: 'Forbidden', statusCode: 403 };
    expect(await httpErrorReason(body)).toBe('Missing required permission: face.create');
    expect(await httpErrorReason(JSON.stringify(body))).toBe('Missing required permission: face.create');
    expect(await httpErrorReason(new Blob([JSON.stringify(body)]))).toBe('Missing required permission: face.create');
    expect(await httpErrorReason({ message: ['name must be a string', 'birthDate must be a date'] })).toBe(
      'name must be a string; birthDate must be a date',
    );
    expect(await httpErrorReason({ error: 'Forbidden', statusCode: 403 })).toBe('Forbidden');
    expect(await httpErrorReason('upstream timed out')).toBe('upstream timed out');
    expect(await httpErrorReason(undefined)).toBe('');
    expect(await httpErrorReason('')).toBe('');
    expect(await httpErrorReason({})).toBe('');
    expect(await httpErrorReason('x'.repeat(300))).toBe(`${'x'.repeat(200)}…`);
  });

  it('takes a response without a status (0: a reset or a reply lost on the way) as no answer, never as a refusal', async () => {
    // fetch may resolve with Response.error() (status 0) instead of rejecting; the SDK then throws an HttpError(0)
    let calls = 0;
    vi.stubGlobal('fetch', async () => {
      calls++;
      return Response.error();
    });
    const retryTwice: RetryPolicy = { ...noWait, attempts: 2 };
    const client = new ImmichClient('http://immich.invalid/api', 'key', retryTwice);
    const face = { assetId: 'a', personId: 'p', imageWidth: 10, imageHeight: 10, x: 1, y: 1, width: 2, height: 2 };
    const write = await failure(client.createFace(face));
    expect(write).toBeInstanceOf(ImmichUncertainWriteError);
    expect(calls).toBe(1); // a create is never repeated blindly
    const read = await failure(client.ping());
    expect(read).toBeInstanceOf(ImmichUnavailableError);
    expect(calls).toBe(3); // a read is retried
  });
});
