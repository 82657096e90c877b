import {
  AssetMediaSize,
  AssetOrder,
  AssetTypeEnum,
  AssetVisibility,
  Permission,
  SourceType,
  bulkTagAssets,
  createFace,
  createPerson,
  deleteFace,
  getAllPeople,
  getAllTags,
  getFaces,
  getMyApiKey,
  getMyUser,
  getPersonThumbnail,
  getServerConfig,
  getServerFeatures,
  getServerVersion,
  init,
  isHttpError,
  isMalformedResponseError,
  mergePeople,
  mergePersonLegacy,
  pingServer,
  reassignFacesById,
  searchAssets,
  updatePerson,
  upsertTags,
  viewAsset,
  type AssetResponseDto,
  type MetadataSearchDto,
} from '@immich/sdk';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, HAS_FIXTURES } from '../../helpers/fixtures.js';
import { startFakeImmich, type RunningFakeImmich, type StartFakeImmichOptions } from './index.js';

let immich: RunningFakeImmich | undefined;

function start(options: StartFakeImmichOptions = {}): RunningFakeImmich {
  immich = startFakeImmich(options);
  init({ baseUrl: immich.baseUrl, apiKey: immich.apiKey });
  return immich;
}

afterEach(() => {
  immich?.close();
  immich = undefined;
});

/** Rejection of an SDK call, narrowed to Immich's error shape. */
async function httpError(promise: Promise<unknown>): Promise<{ status: number; message: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (isHttpError(error)) return { status: error.status, message: error.data?.message };
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** Pages a 2.x search by page number, as a naive client would. */
async function pageV2(dto: MetadataSearchDto): Promise<AssetResponseDto[]> {
  const items: AssetResponseDto[] = [];
  for (let page = 1; ; page++) {
    const { assets } = await searchAssets({ metadataSearchDto: { ...dto, page } });
    items.push(...assets.items);
    if (assets.nextPage === null) return items;
  }
}

async function pageV3(dto: MetadataSearchDto): Promise<AssetResponseDto[]> {
  const items: AssetResponseDto[] = [];
  let cursor: string | undefined;
  do {
    const { assets } = await searchAssets({ metadataSearchDto: { ...dto, cursor } });
    items.push(...assets.items);
    cursor = assets.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

const TIE = '2024-05-01T10:00:00.000Z';

describe('fake Immich: server info and auth', () => {
  it('serves ping, version, features, config, the key and the user', async () => {
    const { fake } = start({
      version: '3.2.2',
      features: { facialRecognition: false },
      minFaces: 5,
      permissions: [Permission.AssetRead],
    });
    expect(await pingServer()).toEqual({ res: 'pong' });
    expect(await getServerVersion()).toEqual({ major: 3, minor: 2, patch: 2, prerelease: null });
    expect((await getServerFeatures()).facialRecognition).toBe(false);
    expect((await getServerConfig()).minFaces).toBe(5);
    expect((await getMyApiKey()).permissions).toEqual([Permission.AssetRead]);
    fake.setVersion('1.106.4');
    expect((await getServerVersion()).major).toBe(1);
    fake.grant(Permission.UserRead);
    expect((await getMyUser()).id).toBe(fake.me.id);
  });

  it('answers 401 for a missing or wrong key and 403 with the missing permission', async () => {
    const { fake, baseUrl } = start({ permissions: [Permission.AssetRead] });
    init({ baseUrl, apiKey: 'wrong' });
    expect(await httpError(getMyApiKey())).toEqual({ status: 401, message: 'Invalid API key' });
    expect(await pingServer()).toEqual({ res: 'pong' }); // public
    const bare = await fetch(`${baseUrl}/faces?id=x`);
    expect(bare.status).toBe(401);
    init({ baseUrl, apiKey: fake.apiKey ?? '' });
    expect(await httpError(getFaces({ id: 'x' }))).toEqual({
      status: 403,
      message: 'Missing required permission: face.read',
    });
    expect((await viewAsset({ id: 'x' }).catch((e: unknown) => e)) as { status: number }).toMatchObject({
      status: 403,
    });
    fake.setPermissions([Permission.All]);
    expect(await getFaces({ id: fake.addAsset().id })).toEqual([]);
    fake.setApiKey(null);
    expect((await httpError(getMyApiKey())).status).toBe(401);
  });
});

describe('fake Immich: searchAssets', () => {
  it('2.x offset paging over fileCreatedAt ties duplicates and skips items (immich.md §7)', async () => {
    const { fake } = start({ version: '2.5.6' });
    const ids = fake.addAssets(39).map((a) => a.id);
    fake.setFileCreatedAt(ids, TIE);
    const items = await pageV2({ type: AssetTypeEnum.Image, size: 7 });
    const unique = new Set(items.map((a) => a.id));
    expect(items).toHaveLength(39);
    expect(unique.size).toBeLessThan(39);
    expect(ids.filter((id) => !unique.has(id)).length).toBe(39 - unique.size);
    // The same page asked twice is answered the same way.
    const again = await searchAssets({ metadataSearchDto: { size: 7, page: 3 } });
    const first = await searchAssets({ metadataSearchDto: { size: 7, page: 3 } });
    expect(again.assets.items.map((a) => a.id)).toEqual(first.assets.items.map((a) => a.id));
  });

  it('2.x accepts numbers as strings, has no nextCursor and refuses v3 keys', async () => {
    const { fake } = start({ version: '2.5.6' });
    fake.addAssets(12);
    const lenient = { page: '2', size: '5' } as unknown as MetadataSearchDto;
    const { assets } = await searchAssets({ metadataSearchDto: lenient });
    expect(assets.items).toHaveLength(5);
    expect(assets.nextPage).toBe('3');
    expect('nextCursor' in assets).toBe(false);
    expect(await httpError(searchAssets({ metadataSearchDto: { cursor: 'x' } }))).toEqual({
      status: 400,
      message: 'property cursor should not exist',
    });
    expect((await httpError(searchAssets({ metadataSearchDto: { city: 'Paris' } }))).status).toBe(400);
  });

  it('3.x cursor paging is complete and stable over ties', async () => {
    const { fake } = start({ version: '3.2.2' });
    const ids = fake.addAssets(39).map((a) => a.id);
    fake.setFileCreatedAt(ids, TIE);
    const archived = fake.addAsset({ visibility: AssetVisibility.Archive });
    fake.addAsset({ type: AssetTypeEnum.Video });
    const photos = {
      type: { eq: AssetTypeEnum.Image },
      visibility: { in: [AssetVisibility.Timeline, AssetVisibility.Archive] },
    };
    const items = await pageV3({ size: 7, orderBy: { direction: AssetOrder.Asc }, filter: photos });
    expect(items.map((a) => a.id).sort()).toEqual([...ids, archived.id].sort());
    // Incremental: only what changed after the checkpoint (the newest updatedAt seen), a second later.
    const checkpoint =
      items
        .map((a) => a.updatedAt)
        .sort()
        .at(-1) ?? '';
    fake.advanceTime(1000);
    fake.touchAsset(ids[5]);
    // the same filter: the video, added last and never listed, may be newer than the checkpoint when a millisecond
    // passes between the two additions
    const changed = await pageV3({ filter: { ...photos, updatedAt: { gt: checkpoint } } });
    expect(changed.map((a) => a.id)).toEqual([ids[5]]);
  });

  it('lists partner assets, leaves out archived and trashed ones unless asked', async () => {
    const { fake } = start();
    const mine = fake.addAsset();
    const partner = fake.addPartnerAsset();
    const archived = fake.addAsset({ visibility: AssetVisibility.Archive });
    const trashed = fake.addAsset();
    const before = new Date(Date.now() - 1000).toISOString();
    fake.trashAsset(trashed.id);
    const ids = async (dto: MetadataSearchDto) =>
      (await searchAssets({ metadataSearchDto: dto })).assets.items.map((a) => a.id).sort();
    expect(await ids({})).toEqual([mine.id, partner.id].sort());
    expect(await ids({ visibility: AssetVisibility.Archive })).toEqual([archived.id]);
    expect(await ids({ withDeleted: true })).toEqual([mine.id, partner.id, trashed.id].sort());
    expect(await ids({ trashedAfter: before })).toEqual([trashed.id]);
    const { assets } = await searchAssets({ metadataSearchDto: { id: partner.id } });
    expect(assets.items[0].ownerId).toBe(fake.partner.id);
  });
});

describe('fake Immich: faces and people', () => {
  it('createFace makes a rounded manual face; reassign and soft delete behave like Immich', async () => {
    const { fake } = start();
    const asset = fake.addAsset({ width: 1920, height: 1440 });
    const updatedAt = asset.updatedAt;
    const alice = await createPerson({ personCreateDto: { name: 'Alice' } });
    await createFace({
      assetFaceCreateDto: {
        assetId: asset.id,
        personId: alice.id,
        imageWidth: 1920,
        imageHeight: 1440,
        x: 10.4,
        y: 20.6,
        width: 100.3,
        height: 120.2,
      },
    });
    const [face] = await getFaces({ id: asset.id });
    expect(face).toMatchObject({
      sourceType: SourceType.Manual,
      boundingBoxX1: 10,
      boundingBoxY1: 21,
      boundingBoxX2: 111,
      boundingBoxY2: 141,
      imageWidth: 1920,
      person: { id: alice.id, name: 'Alice' },
    });
    expect(fake.requests({ op: 'createFace' })[0].status).toBe(201);

    const ml = fake.addFace({ assetId: asset.id, box: { x1: 500, y1: 100, x2: 600, y2: 220 } });
    const bob = await createPerson({ personCreateDto: { name: 'Bob' } });
    const moved = await reassignFacesById({ id: bob.id, faceDto: { id: ml.id } });
    expect(moved.id).toBe(bob.id);
    expect(fake.face(ml.id)).toMatchObject({ personId: bob.id, sourceType: SourceType.MachineLearning });

    await deleteFace({ id: ml.id, assetFaceDeleteDto: { force: false } });
    expect((await getFaces({ id: asset.id })).map((f) => f.id)).toEqual([face.id]);
    expect(fake.faces(asset.id, { includeDeleted: true }).find((f) => f.id === ml.id)?.deletedAt).not.toBeNull();
    expect(fake.asset(asset.id)?.updatedAt).toBe(updatedAt); // face writes do not touch the asset
    expect(fake.writes().map((w) => w.op)).toEqual([
      'createPerson',
      'createFace',
      'createPerson',
      'reassignFacesById',
      'deleteFace',
    ]);
  });

  it('hides unnamed people with fewer than minFaces faces, and hidden people unless withHidden', async () => {
    const { fake } = start({ minFaces: 3 });
    const assets = fake.addAssets(3);
    const unnamed = fake.createPerson();
    const named = fake.createPerson({ name: 'Zoe' });
    fake.createPerson({ name: 'No faces' });
    for (const a of assets.slice(0, 2))
      fake.addFace({ assetId: a.id, box: { x1: 0, y1: 0, x2: 50, y2: 50 }, personId: unnamed.id });
    fake.addFace({ assetId: assets[0].id, box: { x1: 100, y1: 0, x2: 150, y2: 50 }, personId: named.id });
    const names = async (withHidden = false) => (await getAllPeople({ withHidden })).people.map((p) => p.id);
    expect(await names()).toEqual([named.id]);
    fake.addFace({ assetId: assets[2].id, box: { x1: 0, y1: 0, x2: 50, y2: 50 }, personId: unnamed.id });
    expect(await names()).toEqual([named.id, unnamed.id]);
    fake.hidePerson(named.id);
    expect(await names()).toEqual([unnamed.id]);
    expect(await names(true)).toEqual([unnamed.id, named.id]);
    const page = await getAllPeople({ size: 1, withHidden: true });
    expect(page).toMatchObject({ total: 2, hidden: 1, hasNextPage: true });
  });

  it('merges with the legacy route on 2.x and with mergePeople (ids[0] survives) on 3.2.1+', async () => {
    const { fake } = start({ version: '2.5.6' });
    const asset = fake.addAsset();
    const a = fake.createPerson();
    const b = fake.createPerson({ name: 'Bea' });
    const face = fake.addFace({ assetId: asset.id, box: { x1: 0, y1: 0, x2: 9, y2: 9 }, personId: b.id });
    expect((await httpError(mergePeople({ mergePersonDto: { ids: [a.id, b.id] } }))).status).toBe(404);
    expect(await mergePersonLegacy({ id: a.id, mergePersonDto: { ids: [b.id] } })).toEqual([
      { id: b.id, success: true },
    ]);
    expect(fake.person(a.id)?.name).toBe('Bea');
    expect(fake.person(b.id)).toBeUndefined();
    expect(fake.face(face.id)?.personId).toBe(a.id);

    fake.setVersion('3.2.2');
    const c = fake.createPerson({ name: 'Cy' });
    const d = fake.createPerson();
    const e = fake.createPerson({ name: 'Other' });
    const results = await mergePeople({ mergePersonDto: { ids: [c.id, d.id, e.id] } });
    expect(results.map((r) => r.success)).toEqual([true, false]);
    expect(fake.person(d.id)).toBeUndefined();
    expect(fake.person(e.id)).toBeDefined();
  });

  it('serves a person thumbnail only after the thumbnail job has run', async () => {
    const { fake } = start({ version: '3.2.2', jobDelayMs: Infinity });
    const asset = fake.addAsset({ width: 800, height: 600 });
    const person = await createPerson({ personCreateDto: { name: 'Ann' } });
    await createFace({
      assetFaceCreateDto: {
        assetId: asset.id,
        personId: person.id,
        imageWidth: 800,
        imageHeight: 600,
        x: 10,
        y: 10,
        width: 80,
        height: 80,
      },
    });
    expect(fake.person(person.id)?.thumbnailPath).toBe('');
    expect((await getPersonThumbnail({ id: person.id }).catch((e: unknown) => e)) as { status: number }).toMatchObject({
      status: 404,
    });
    fake.runJobs();
    expect(fake.person(person.id)?.thumbnailPath).not.toBe('');
    const blob = await getPersonThumbnail({ id: person.id });
    expect((await sharp(Buffer.from(await blob.arrayBuffer())).metadata()).format).toBe('jpeg');
  });

  it('acts like a user in the UI: rename, reassign, delete', async () => {
    const { fake } = start();
    const asset = fake.addAsset();
    const p = fake.createPerson({ name: 'Old' });
    const face = fake.addFace({ assetId: asset.id, box: { x1: 0, y1: 0, x2: 9, y2: 9 }, personId: p.id });
    fake.renamePerson(p.id, 'New');
    const q = fake.createPerson({ name: 'Q' });
    fake.reassignFace(face.id, q.id);
    expect((await getFaces({ id: asset.id }))[0].person?.name).toBe('Q');
    fake.deleteFace(face.id);
    expect(await getFaces({ id: asset.id })).toEqual([]);
    expect(fake.writes()).toEqual([]); // the UI's changes are not the sidecar's writes
    await updatePerson({ id: p.id, personUpdateDto: { isHidden: true } });
    expect(fake.person(p.id)?.isHidden).toBe(true);
  });
});

describe('fake Immich: tags', () => {
  it('upserts a hierarchy and bumps updatedAt of newly tagged assets only', async () => {
    const { fake } = start();
    const asset = fake.addAsset();
    const before = asset.updatedAt;
    const [tag] = await upsertTags({ tagUpsertDto: { tags: ['People/Alice'] } });
    expect(tag).toMatchObject({ name: 'Alice', value: 'People/Alice' });
    expect((await getAllTags()).map((t) => t.value).sort()).toEqual(['People', 'People/Alice']);
    expect(await bulkTagAssets({ tagBulkAssetsDto: { tagIds: [tag.id], assetIds: [asset.id] } })).toEqual({ count: 1 });
    const [seen] = (await searchAssets({ metadataSearchDto: { id: asset.id } })).assets.items;
    expect(Date.parse(seen.updatedAt)).toBeGreaterThan(Date.parse(before));
    expect(fake.assetTags(asset.id)).toEqual(['People/Alice']);
    const bumped = fake.asset(asset.id)?.updatedAt;
    expect(await bulkTagAssets({ tagBulkAssetsDto: { tagIds: [tag.id], assetIds: [asset.id] } })).toEqual({ count: 0 });
    fake.runJobs();
    expect(fake.asset(asset.id)?.updatedAt).toBe(bumped);
  });
});

describe('fake Immich: fault injection and request log', () => {
  it('injects 5xx, resets, 401, proxy pages, delays and hangs', async () => {
    const { fake } = start();
    fake.addAsset();
    fake.failNext('searchAssets', 2, 502);
    expect((await httpError(searchAssets({ metadataSearchDto: {} }))).status).toBe(502);
    expect((await httpError(searchAssets({ metadataSearchDto: {} }))).status).toBe(502);
    expect((await searchAssets({ metadataSearchDto: {} })).assets.items).toHaveLength(1);

    // a reset is no answer: fetch rejects, or (depending on which interceptor msw used) resolves with
    // Response.error(), which the SDK reports as status 0; the client treats both as no answer
    fake.resetNext('*');
    const reset = await getServerVersion().then(
      () => null,
      (error: unknown) => error as { status?: number },
    );
    expect(reset instanceof TypeError || reset?.status === 0).toBe(true);

    fake.unauthorizedNext('getMyApiKey');
    expect((await httpError(getMyApiKey())).status).toBe(401);

    fake.injectFault({ kind: 'status', status: 504, html: true }, { op: 'getAllPeople' });
    const proxy = await getAllPeople({}).catch((e: unknown) => e);
    expect(isMalformedResponseError(proxy) && proxy.status).toBe(504);

    fake.delayNext('pingServer', 50);
    const t0 = Date.now();
    await pingServer();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);

    fake.hangNext('getServerFeatures');
    await expect(getServerFeatures({ signal: AbortSignal.timeout(100) })).rejects.toThrow();
    expect(await getServerFeatures()).toMatchObject({ facialRecognition: true });

    expect(fake.requests().map((r) => [r.op, r.status, r.fault])).toEqual([
      ['searchAssets', 502, 'status'],
      ['searchAssets', 502, 'status'],
      ['searchAssets', 200, undefined],
      ['getServerVersion', null, 'reset'],
      ['getMyApiKey', 401, 'status'],
      ['getAllPeople', 504, 'status'],
      ['pingServer', 200, 'delay'],
      ['getServerFeatures', null, 'hang'],
      ['getServerFeatures', 200, undefined],
    ]);
  });

  it('a read-only pass logs no writes and leaves the snapshot unchanged', async () => {
    const { fake } = start();
    const asset = fake.addAsset();
    const p = fake.createPerson({ name: 'P' });
    fake.addFace({ assetId: asset.id, box: { x1: 0, y1: 0, x2: 9, y2: 9 }, personId: p.id });
    fake.runJobs(); // the person's thumbnail job would otherwise run during the next request
    const snapshot = fake.snapshot();
    fake.clearRequests();
    await searchAssets({ metadataSearchDto: {} });
    await getFaces({ id: asset.id });
    await getAllPeople({});
    expect(fake.requests()).toHaveLength(3);
    expect(fake.writes()).toEqual([]);
    expect(fake.snapshot()).toEqual(snapshot);
  });
});

describe.skipIf(!HAS_FIXTURES)('fake Immich: previews from fixture photos', () => {
  const image = async (blob: Blob) => sharp(Buffer.from(await blob.arrayBuffer())).metadata();

  it('serves a rotated, never enlarged JPEG preview without EXIF and a 250 px WebP thumbnail', async () => {
    const { fake } = start({
      photos: {
        obama: fixture('people/obama/obama_1.jpg'),
        curie: fixture('groups/curie_portrait_exif_orientation6.jpg'),
      },
    });
    const preview = await image(await viewAsset({ id: 'obama', size: AssetMediaSize.Preview }));
    expect(preview).toMatchObject({ format: 'jpeg', width: 640, height: 800 });
    expect(preview.exif).toBeUndefined();
    const rotated = await image(await viewAsset({ id: 'curie', size: AssetMediaSize.Preview }));
    expect(rotated).toMatchObject({ format: 'jpeg', width: 840, height: 700 });
    expect(rotated.orientation).toBeUndefined();
    expect(await fake.previewSize('curie')).toEqual({ width: 840, height: 700 });
    const thumb = await image(await viewAsset({ id: 'obama' }));
    expect(thumb).toMatchObject({ format: 'webp', width: 250, height: 313 });
    const [asset] = (await searchAssets({ metadataSearchDto: { id: 'curie' } })).assets.items;
    expect([asset.width, asset.height]).toEqual([840, 700]);
    expect((await httpError(viewAsset({ id: 'obama', size: AssetMediaSize.Original }))).status).toBe(400);
  });
});
