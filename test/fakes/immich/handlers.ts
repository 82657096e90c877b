/**
 * msw handlers that serve a `FakeImmich` under a base URL (e.g. 'http://immich.test/api').
 *
 * Each request is logged, then (in this order) runs the due background jobs, meets any injected fault, is
 * authenticated (`x-api-key` header or `?apiKey=`; 401 when missing or wrong), checked for the route's
 * permission (403 "Missing required permission: <perm>"), gated by server version (404 like an unknown route),
 * and finally served with the SDK's response type. Errors have Immich's `{ message, error, statusCode, correlationId }` shape.
 */
import {
  AssetMediaSize,
  type ApiKeyResponseDto,
  type AssetFaceCreateDto,
  type AssetFaceDeleteDto,
  type AssetFaceResponseDto,
  type AssetResponseDto,
  type BulkIdResponseDto,
  type BulkIdsDto,
  type FaceDto,
  type MergePersonDto,
  type PeopleResponseDto,
  type PersonCreateDto,
  type PersonResponseDto,
  type PersonUpdateDto,
  type ServerConfigDto,
  type ServerFeaturesDto,
  type ServerPingResponse,
  type ServerVersionResponseDto,
  type TagBulkAssetsDto,
  type TagBulkAssetsResponseDto,
  type TagResponseDto,
  type TagUpsertDto,
  type UserAdminResponseDto,
} from '@immich/sdk';
import { delay, http, HttpResponse, type HttpHandler } from 'msw';
import type { FakeImmich, RequestLogEntry } from './fake-immich.js';
import { AFTER_COMMIT, type Fault } from './faults.js';
import { ACCESS, type OperationName } from './operations.js';
import {
  ApiError,
  asObject,
  badRequest,
  enumValue,
  onlyKeys,
  optBool,
  optInt,
  optNullableString,
  optString,
  reasonPhrase,
  reqNumber,
  reqString,
  reqStringArray,
  type JsonObject,
} from './parse.js';
import type { SearchResult } from './search.js';
import { parseMetadataSearch } from './search.js';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface Context {
  fake: FakeImmich;
  params: Record<string, string>;
  query: JsonObject;
  body: unknown;
}

interface Route {
  op: OperationName;
  method: Method;
  path: string;
  /** Routes that only exist from this server version on (older ones answer 404). */
  since?: [number, number, number];
  handle: (ctx: Context) => Response | Promise<Response>;
}

/** JSON with the SDK's response type, so that a DTO change fails compilation here. */
function ok<T>(body: T, status = 200): Response {
  return HttpResponse.json(body as Record<string, unknown>, { status });
}

function binary(data: Buffer, contentType: string): Response {
  return new HttpResponse(new Uint8Array(data), { status: 200, headers: { 'content-type': contentType } });
}

const noContent = (status = 204): Response => new HttpResponse(null, { status });

function errorResponse(error: ApiError): Response {
  return HttpResponse.json(error.body, { status: error.status });
}

// ---------------------------------------------------------------- body narrowing into SDK DTOs

function faceCreateDto(body: unknown): AssetFaceCreateDto {
  const o = asObject(body);
  onlyKeys(o, ['assetId', 'personId', 'imageWidth', 'imageHeight', 'x', 'y', 'width', 'height'], 'body');
  return {
    assetId: reqString(o, 'assetId'),
    personId: reqString(o, 'personId'),
    imageWidth: reqNumber(o, 'imageWidth'),
    imageHeight: reqNumber(o, 'imageHeight'),
    x: reqNumber(o, 'x'),
    y: reqNumber(o, 'y'),
    width: reqNumber(o, 'width'),
    height: reqNumber(o, 'height'),
  };
}

function faceDto(body: unknown): FaceDto {
  const o = asObject(body);
  onlyKeys(o, ['id'], 'body');
  return { id: reqString(o, 'id') };
}

function faceDeleteDto(body: unknown): AssetFaceDeleteDto {
  const o = asObject(body ?? {});
  onlyKeys(o, ['force'], 'body');
  const force = optBool(o, 'force');
  if (force === undefined) throw badRequest('force must be a boolean value');
  return { force };
}

function birthDate(o: JsonObject): string | null | undefined {
  const v = optNullableString(o, 'birthDate');
  if (typeof v === 'string') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v))) throw badRequest('birthDate must be a date');
    if (Date.parse(v) > Date.now()) throw badRequest('Birth date cannot be in the future');
  }
  return v;
}

function color(o: JsonObject): string | null | undefined {
  const v = optNullableString(o, 'color');
  if (typeof v === 'string' && !/^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.test(v)) throw badRequest('color must be a hex color');
  return v;
}

function personCreateDto(body: unknown): PersonCreateDto {
  const o = asObject(body ?? {});
  onlyKeys(o, ['name', 'birthDate', 'isHidden', 'isFavorite', 'color'], 'body');
  return {
    name: optString(o, 'name'),
    birthDate: birthDate(o),
    isHidden: optBool(o, 'isHidden'),
    isFavorite: optBool(o, 'isFavorite'),
    color: color(o),
  };
}

function personUpdateDto(body: unknown): PersonUpdateDto {
  const o = asObject(body ?? {});
  onlyKeys(o, ['name', 'birthDate', 'isHidden', 'isFavorite', 'color', 'featureFaceAssetId'], 'body');
  return {
    name: optString(o, 'name'),
    birthDate: birthDate(o),
    isHidden: optBool(o, 'isHidden'),
    isFavorite: optBool(o, 'isFavorite'),
    color: color(o),
    featureFaceAssetId: optString(o, 'featureFaceAssetId'),
  };
}

function mergePersonDto(body: unknown): MergePersonDto {
  const o = asObject(body);
  onlyKeys(o, ['ids'], 'body');
  return { ids: reqStringArray(o, 'ids') };
}

function bulkIdsDto(body: unknown): BulkIdsDto {
  const o = asObject(body);
  onlyKeys(o, ['ids'], 'body');
  return { ids: reqStringArray(o, 'ids') };
}

function tagUpsertDto(body: unknown): TagUpsertDto {
  const o = asObject(body);
  onlyKeys(o, ['tags'], 'body');
  return { tags: reqStringArray(o, 'tags') };
}

function tagBulkAssetsDto(body: unknown): TagBulkAssetsDto {
  const o = asObject(body);
  onlyKeys(o, ['tagIds', 'assetIds'], 'body');
  return { tagIds: reqStringArray(o, 'tagIds'), assetIds: reqStringArray(o, 'assetIds') };
}

// ---------------------------------------------------------------- routes

const ROUTES: Route[] = [
  { op: 'pingServer', method: 'GET', path: '/server/ping', handle: () => ok<ServerPingResponse>({ res: 'pong' }) },
  {
    op: 'getServerVersion',
    method: 'GET',
    path: '/server/version',
    handle: ({ fake }) => ok<ServerVersionResponseDto>(fake.version),
  },
  {
    op: 'getServerFeatures',
    method: 'GET',
    path: '/server/features',
    handle: ({ fake }) => ok<ServerFeaturesDto>(fake.features),
  },
  {
    op: 'getServerConfig',
    method: 'GET',
    path: '/server/config',
    handle: ({ fake }) => ok<ServerConfigDto>(fake.serverConfigDto()),
  },
  {
    op: 'getMyApiKey',
    method: 'GET',
    path: '/api-keys/me',
    handle: ({ fake }) => ok<ApiKeyResponseDto>(fake.apiKeyDto()),
  },
  { op: 'getMyUser', method: 'GET', path: '/users/me', handle: ({ fake }) => ok<UserAdminResponseDto>(fake.userDto()) },
  {
    op: 'searchAssets',
    method: 'POST',
    path: '/search/metadata',
    handle: ({ fake, body }) => ok<SearchResult>(fake.search(parseMetadataSearch(body, fake.isV3))),
  },
  {
    op: 'getAssetInfo',
    method: 'GET',
    path: '/assets/:id',
    handle: ({ fake, params }) =>
      ok<AssetResponseDto>(fake.assetDto(fake.readableAsset(params.id), { withPeople: true, withTags: true })),
  },
  {
    op: 'viewAsset',
    method: 'GET',
    path: '/assets/:id/thumbnail',
    handle: async ({ fake, params, query }) => {
      const size = query.size === undefined ? AssetMediaSize.Thumbnail : enumValue(AssetMediaSize, query.size, 'size');
      if (size === AssetMediaSize.Original) throw badRequest('May not request original file');
      const asset = fake.readableAsset(params.id, 'asset.view');
      // 'fullsize' is disabled by default in Immich and falls back to the preview.
      const rendered = await fake.rendition(asset.id, size === AssetMediaSize.Thumbnail ? 'thumbnail' : 'preview');
      return binary(rendered.data, rendered.contentType);
    },
  },
  {
    op: 'getFaces',
    method: 'GET',
    path: '/faces',
    handle: ({ fake, query }) => ok<AssetFaceResponseDto[]>(fake.getFaces(reqString(query, 'id'))),
  },
  {
    op: 'createFace',
    method: 'POST',
    path: '/faces',
    handle: ({ fake, body }) => {
      fake.createFace(faceCreateDto(body));
      return noContent(201);
    },
  },
  {
    op: 'reassignFacesById',
    method: 'PUT',
    path: '/faces/:id',
    handle: ({ fake, params, body }) => {
      const person = fake.reassignFace(faceDto(body).id, params.id);
      if (!person) throw badRequest('Person required');
      return ok<PersonResponseDto>(fake.personDto(person));
    },
  },
  {
    op: 'deleteFace',
    method: 'DELETE',
    path: '/faces/:id',
    handle: ({ fake, params, body }) => {
      fake.deleteFace(params.id, faceDeleteDto(body));
      return noContent();
    },
  },
  {
    op: 'getAllPeople',
    method: 'GET',
    path: '/people',
    handle: ({ fake, query }) => {
      // closestPersonId / closestAssetId (ordering by embedding distance) are accepted and ignored.
      onlyKeys(query, ['page', 'size', 'withHidden', 'closestPersonId', 'closestAssetId', 'apiKey'], 'query');
      return ok<PeopleResponseDto>(
        fake.getAllPeople({
          page: optInt(query, 'page', 1, Number.MAX_SAFE_INTEGER, { lenient: true }),
          size: optInt(query, 'size', 1, 1000, { lenient: true }),
          withHidden: optBool(query, 'withHidden'),
        }),
      );
    },
  },
  {
    op: 'searchPerson',
    method: 'GET',
    path: '/search/person',
    // Immich's PersonRepository.getByName: the owner's people whose name, or a word of it, starts with `name`
    // (case-insensitive), faces or not; hidden ones only with `withHidden`.
    handle: ({ fake, query }) => {
      onlyKeys(query, ['name', 'withHidden', 'apiKey'], 'query');
      const name = reqString(query, 'name').toLowerCase();
      const withHidden = optBool(query, 'withHidden') ?? false;
      const found = fake
        .people()
        .filter((p) => p.ownerId === fake.userDto().id && (withHidden || !p.isHidden))
        .filter((p) => p.name.toLowerCase().startsWith(name) || p.name.toLowerCase().includes(` ${name}`))
        .slice(0, 1000);
      return ok<PersonResponseDto[]>(found.map((p) => fake.personDto(p)));
    },
  },
  {
    op: 'mergePeople',
    method: 'POST',
    path: '/people/merge',
    since: [3, 2, 1],
    handle: ({ fake, body }) => ok<BulkIdResponseDto[]>(fake.mergePeopleOrdered(mergePersonDto(body).ids), 201),
  },
  {
    op: 'createPerson',
    method: 'POST',
    path: '/people',
    handle: ({ fake, body }) => ok<PersonResponseDto>(fake.personDto(fake.createPerson(personCreateDto(body))), 201),
  },
  {
    op: 'getPerson',
    method: 'GET',
    path: '/people/:id',
    handle: ({ fake, params }) => ok<PersonResponseDto>(fake.personDto(fake.ownPerson(params.id))),
  },
  {
    op: 'updatePerson',
    method: 'PUT',
    path: '/people/:id',
    handle: ({ fake, params, body }) =>
      ok<PersonResponseDto>(fake.personDto(fake.updatePerson(params.id, personUpdateDto(body)))),
  },
  {
    op: 'mergePersonLegacy',
    method: 'POST',
    path: '/people/:id/merge',
    handle: ({ fake, params, body }) =>
      ok<BulkIdResponseDto[]>(fake.mergePeople(params.id, mergePersonDto(body).ids), 201),
  },
  {
    op: 'deletePerson',
    method: 'DELETE',
    path: '/people/:id',
    handle: ({ fake, params }) => {
      fake.deletePerson(params.id);
      return noContent();
    },
  },
  {
    op: 'getPersonThumbnail',
    method: 'GET',
    path: '/people/:id/thumbnail',
    handle: async ({ fake, params }) => {
      const data = await fake.personThumbnail(params.id);
      if (!data) throw new ApiError(404, 'Not Found');
      return binary(data, 'image/jpeg');
    },
  },
  {
    op: 'upsertTags',
    method: 'PUT',
    path: '/tags',
    handle: ({ fake, body }) =>
      ok<TagResponseDto[]>(fake.upsertTags(tagUpsertDto(body).tags).map((t) => fake.tagDto(t))),
  },
  {
    op: 'bulkTagAssets',
    method: 'PUT',
    path: '/tags/assets',
    handle: ({ fake, body }) => {
      const dto = tagBulkAssetsDto(body);
      return ok<TagBulkAssetsResponseDto>({ count: fake.bulkTagAssets(dto.tagIds, dto.assetIds) });
    },
  },
  {
    op: 'tagAssets',
    method: 'PUT',
    path: '/tags/:id/assets',
    handle: ({ fake, params, body }) => ok<BulkIdResponseDto[]>(fake.tagAssets(params.id, bulkIdsDto(body).ids)),
  },
  {
    op: 'untagAssets',
    method: 'DELETE',
    path: '/tags/:id/assets',
    handle: ({ fake, params, body }) => ok<BulkIdResponseDto[]>(fake.untagAssets(params.id, bulkIdsDto(body).ids)),
  },
  { op: 'getAllTags', method: 'GET', path: '/tags', handle: ({ fake }) => ok<TagResponseDto[]>(fake.getAllTags()) },
];

// ---------------------------------------------------------------- request pipeline

function authorize(fake: FakeImmich, op: OperationName, request: Request, url: URL): void {
  const access = ACCESS[op];
  if (access === 'public') return;
  const key = request.headers.get('x-api-key') ?? url.searchParams.get('apiKey');
  if (!key) throw new ApiError(401, 'Authentication required');
  if (fake.apiKey === null || key !== fake.apiKey) throw new ApiError(401, 'Invalid API key');
  if (access !== 'key' && !fake.hasPermission(access)) {
    throw new ApiError(403, `Missing required permission: ${access}`);
  }
}

/** Answers an injected fault; undefined for 'delay' (after waiting), which then proceeds normally. */
async function applyFault(
  fault: Fault,
  fake: FakeImmich,
  request: Request,
  entry: RequestLogEntry,
): Promise<Response | undefined> {
  entry.fault = fault.kind;
  switch (fault.kind) {
    case 'status': {
      entry.status = fault.status;
      if (fault.html) {
        const text = `<html><head><title>${fault.status} ${reasonPhrase(fault.status)}</title></head></html>`;
        return new HttpResponse(text, { status: fault.status, headers: { 'content-type': 'text/html' } });
      }
      return errorResponse(new ApiError(fault.status, fault.message ?? reasonPhrase(fault.status)));
    }
    case 'reset':
      return HttpResponse.error();
    case 'loseReply':
      return HttpResponse.error();
    case 'hang':
    case 'hangAfterCommit':
      return new Promise<Response>((resolve) => {
        const release = () => resolve(HttpResponse.error());
        const off = fake.onRelease(release);
        request.signal.addEventListener(
          'abort',
          () => {
            off();
            release();
          },
          { once: true },
        );
      });
    case 'delay':
      await delay(fault.ms);
      return undefined;
  }
}

function redact(query: Record<string, string>): Record<string, string> {
  return 'apiKey' in query ? { ...query, apiKey: '<redacted>' } : query;
}

function handlerFor(fake: FakeImmich, baseUrl: string, route: Route): HttpHandler {
  const basePath = new URL(baseUrl).pathname.replace(/\/$/, '');
  const register = { GET: http.get, POST: http.post, PUT: http.put, DELETE: http.delete }[route.method];
  return register(`${baseUrl}${route.path}`, async ({ request, params }) => {
    const url = new URL(request.url);
    const path = url.pathname.slice(basePath.length);
    const query: Record<string, string> = Object.fromEntries(url.searchParams);
    const text = route.method === 'GET' ? '' : await request.text();
    let body: unknown;
    let malformed = false;
    try {
      body = text === '' ? undefined : (JSON.parse(text) as unknown);
    } catch {
      body = text;
      malformed = true;
    }
    const entry = fake.logRequest({ method: route.method, path, op: route.op, query: redact(query), body });
    await fake.ready();
    fake.tick();
    try {
      const fault = fake.faults.take(route.op, route.method, path);
      if (fault && !AFTER_COMMIT.has(fault.kind)) {
        const answer = await applyFault(fault, fake, request, entry);
        if (answer) return answer;
      }
      authorize(fake, route.op, request, url);
      if (malformed) throw badRequest('Unexpected token in JSON body');
      if (route.since && !fake.atLeast(...route.since)) {
        throw new ApiError(404, `Cannot ${route.method} ${url.pathname}`);
      }
      const stringParams: Record<string, string> = {};
      for (const [k, v] of Object.entries(params)) if (typeof v === 'string') stringParams[k] = v;
      const response = await route.handle({ fake, params: stringParams, query, body });
      entry.status = response.status;
      // the work is done and logged as done (it shows in `writes()`); only the reply goes astray
      if (fault && AFTER_COMMIT.has(fault.kind)) return (await applyFault(fault, fake, request, entry))!;
      return response;
    } catch (error) {
      const apiError =
        error instanceof ApiError ? error : new ApiError(500, `fake-immich crashed: ${(error as Error).message}`);
      if (!(error instanceof ApiError)) console.error('fake-immich: handler error', error);
      entry.status = apiError.status;
      return errorResponse(apiError);
    }
  });
}

/** The msw handlers serving `fake` under `baseUrl` (which must include '/api'). */
export function createHandlers(fake: FakeImmich, baseUrl: string): HttpHandler[] {
  const base = baseUrl.replace(/\/$/, '');
  return ROUTES.map((route) => handlerFor(fake, base, route));
}
