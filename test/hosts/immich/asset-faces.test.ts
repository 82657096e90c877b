import type { AssetResponseDto } from '@immich/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AssetFaceReader,
  facesFromListing,
  listingCost,
  peopleFromListing,
} from '../../../src/hosts/immich/asset-faces.js';
import { listAssets } from '../../../src/hosts/immich/asset-listing.js';
import { ImmichClient, type RetryPolicy } from '../../../src/hosts/immich/client.js';
import { checkServer, type ServerInfo } from '../../../src/hosts/immich/connection.js';
import { startFakeImmich, type FakeImmich, type RunningFakeImmich } from '../../fakes/immich/index.js';

const noWait: RetryPolicy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 5000, sleep: async () => {} };

let immich: RunningFakeImmich | undefined;
afterEach(() => {
  immich?.close();
  immich = undefined;
});

/** `photos` grey photos, every third with a face on Ann, every fifth one more face on nobody. */
async function library(
  version: string,
  photos: number,
): Promise<{ fake: FakeImmich; client: ImmichClient; info: ServerInfo }> {
  immich = startFakeImmich({ version });
  const fake = immich.fake;
  const ann = fake.createPerson({ name: 'Ann' });
  fake.addAssets(photos).forEach((asset, i) => {
    const box = { x1: 10, y1: 10, x2: 110, y2: 110 };
    if (i % 3 === 0) fake.addFace({ assetId: asset.id, box, personId: ann.id });
    if (i % 5 === 0) fake.addFace({ assetId: asset.id, box: { x1: 300, y1: 10, x2: 400, y2: 110 } });
  });
  const client = new ImmichClient(immich.baseUrl, immich.apiKey, noWait);
  return { fake, client, info: await checkServer(client, 'manage', false) };
}

const byId = <T extends { id: string }>(list: readonly T[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));

describe('faces from a listing with people', () => {
  it('on 2.x are every face of the photo, as GET /faces shows them; 3.x and edited photos tell none', async () => {
    const { fake, client, info } = await library('2.5.6', 10);
    const listed = (await listAssets(client, info, null, { withPeople: true })).assets;
    for (const asset of listed) {
      expect(byId(facesFromListing(asset)!)).toEqual(byId(await client.faces(asset.id)));
    }
    expect(listed.some((a) => facesFromListing(a)!.some((f) => f.person === null))).toBe(true);
    expect(listed.some((a) => facesFromListing(a)!.some((f) => f.person?.name === 'Ann'))).toBe(true);
    expect(facesFromListing({ ...listed[0], isEdited: true })).toBeNull();
    // without withPeople, 2.5.6 answers people: [] whatever the faces: that tells nothing
    const plain = (await listAssets(client, info, null)).assets.find((a) => fake.faces(a.id).length > 0)!;
    expect(plain.people).toEqual([]);
    expect(facesFromListing(plain)).toBeNull();
  });

  it('on 3.x name the people on each photo, without faces', async () => {
    const { fake, client, info } = await library('3.2.2', 10);
    const listed = (await listAssets(client, info, null, { withPeople: true })).assets;
    for (const asset of listed) {
      expect(facesFromListing(asset)).toBeNull();
      expect(peopleFromListing(asset)).toEqual(new Set(fake.faces(asset.id).flatMap((f) => f.personId ?? [])));
    }
  });

  it('refuse a face that is not shaped like one', () => {
    const asset = { id: 'a', isEdited: false, people: [], unassignedFaces: [{ id: 'f', imageWidth: '800' }] };
    expect(facesFromListing(asset as unknown as AssetResponseDto)).toBeNull();
  });

  it('cost a page per 1,000 photos and the archive’s; 2.x asks each page boundary once more', () => {
    expect(listingCost(0, true)).toBe(2);
    expect(listingCost(100_000, true)).toBe(102);
    expect(listingCost(100_000, false)).toBe(203);
  });
});

describe('AssetFaceReader', () => {
  it('on 2.x reads many photos with one listing instead of one request each, with the same faces', async () => {
    const { fake, client, info } = await library('2.5.6', 40);
    const ids = fake.assets().map((a) => a.id);
    const reader = new AssetFaceReader(client, info, () => ids.length);
    fake.clearRequests();
    const read = await reader.read(ids, 'all');
    expect(fake.requests({ op: 'getFaces' })).toHaveLength(0);
    expect(fake.requests().length).toBeLessThanOrEqual(listingCost(ids.length, false));
    for (const id of ids) expect(byId(read.get(id)!)).toEqual(byId(await client.faces(id)));
  });

  it('reads a few photos one by one, and says null for a photo Immich no longer has', async () => {
    const { fake, client, info } = await library('2.5.6', 40);
    const [first, second] = fake.assets();
    fake.deleteAsset(second.id);
    const reader = new AssetFaceReader(client, info, () => 40);
    fake.clearRequests();
    const read = await reader.read([first.id, second.id, first.id], 'all');
    expect(fake.requests().map((r) => r.op)).toEqual(['getFaces', 'getFaces']);
    expect(read.get(first.id)).toEqual(await client.faces(first.id));
    expect(read.get(second.id)).toBeNull();
  });

  it('on 3.x reads only the photos with people for labels, and every photo when all faces count', async () => {
    const { fake, client, info } = await library('3.2.2', 40);
    const ids = fake.assets().map((a) => a.id);
    const reader = new AssetFaceReader(client, info, () => ids.length);
    const withPeople = ids.filter((id) => fake.faces(id).some((f) => f.personId));
    fake.clearRequests();
    const assigned = await reader.read(ids, 'assigned');
    expect(fake.requests({ op: 'getFaces' })).toHaveLength(withPeople.length);
    for (const id of ids) {
      const onPeople = (faces: readonly { person?: unknown; personId?: unknown }[]) =>
        faces.filter((f) => f.person ?? f.personId).length;
      expect(onPeople(assigned.get(id)!)).toBe(onPeople(fake.faces(id)));
    }
    fake.clearRequests();
    await reader.read(ids, 'all');
    expect(fake.requests({ op: 'getFaces' })).toHaveLength(ids.length);
    expect(fake.requests({ op: 'searchAssets' })).toHaveLength(0);
  });

  it('keeps at most its concurrency of reads in flight', async () => {
    const { fake, client, info } = await library('3.2.2', 30);
    let inFlight = 0;
    let most = 0;
    const real = client.faces.bind(client);
    client.faces = async (id) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      try {
        return await real(id);
      } finally {
        inFlight--;
      }
    };
    await new AssetFaceReader(client, info, () => 30, 4).read(
      fake.assets().map((a) => a.id),
      'all',
    );
    expect(most).toBe(4);
  });
});
