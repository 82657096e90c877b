import {
  AssetMediaSize,
  bulkTagAssets,
  createFace,
  createPerson,
  deleteFace,
  deletePerson,
  getAllPeople,
  getFaces,
  getMyApiKey,
  getAssetInfo,
  getMyUser,
  getPerson,
  getServerFeatures,
  getServerVersion,
  isHttpError,
  mergePeople,
  mergePersonLegacy,
  pingServer,
  reassignFacesById,
  searchAssets,
  searchPerson,
  updatePerson,
  upsertTags,
  viewAsset,
  type AssetFaceCreateDto,
  type AssetFaceResponseDto,
  type AssetResponseDto,
  type MetadataSearchDto,
  type PersonResponseDto,
  type SearchAssetResponseDto,
} from '@immich/sdk';
import { httpErrorReason } from './http-error.js';

/** 401 or 403: the key is wrong or lacks a permission. Stops the run. */
export class ImmichAuthError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ImmichAuthError';
  }
}

/** Immich refused one request (a 4xx other than 401/403): that item fails, the run goes on. */
export class ImmichRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ImmichRequestError';
  }
}

/** Immich did not answer usefully after every retry (5xx, timeouts, resets). */
export class ImmichUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImmichUnavailableError';
  }
}

/**
 * A write that must not be sent twice blindly (it creates something) got no usable answer: a 5xx, a timeout or a
 * reset. Immich may or may not have done it; the caller reads back what exists before trying again.
 */
export class ImmichUncertainWriteError extends ImmichUnavailableError {
  constructor(message: string) {
    super(message);
    this.name = 'ImmichUncertainWriteError';
  }
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
  sleep: (ms: number) => Promise<void>;
}

/** 5 tries over about 15 s; each request may take 30 s (a 1440-px preview on a busy server). */
export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  timeoutMs: 30_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** `http://host:2283`, `http://host:2283/`, `http://host:2283/api` → `http://host:2283/api`. */
export function apiBaseUrl(url: string): string {
  const trimmed = url.trim().replace(/\/+$/, '');
  if (!/^https?:\/\//.test(trimmed)) throw new Error(`IMMICH_URL must start with http:// or https:// (got "${url}")`);
  return trimmed.endsWith('/api') ? trimmed : `${trimmed}/api`;
}

/** Removes the secret from any text that may reach a log. */
export function redact(text: string, secret: string): string {
  return secret ? text.split(secret).join('***') : text;
}

/**
 * What each SDK call gets as its last argument (oazapfts' `RequestOpts`): this client's server and key, and the
 * call's timeout. Passed per call rather than through the SDK's `init()`, which sets process-wide defaults, so two
 * clients in one process each reach their own server.
 */
export interface SdkRequestOptions {
  baseUrl: string;
  headers: Record<string, string>;
  signal: AbortSignal;
}

export interface WriteCounter {
  (operation: string): void;
}

/**
 * How a write may be repeated after an uncertain outcome (5xx, timeout, reset: Immich may have done it).
 * - 'idempotent': doing it twice leaves the same state as once (rename to Y, move face F to X, upsert a tag, tag
 *   assets): retried like a read.
 * - 'once': it creates something (POST /people, POST /faces) or its repeat answers differently (a merge or delete
 *   whose subjects are gone): tried once more only on 429, which Immich answers before doing anything; any other
 *   uncertain outcome throws ImmichUncertainWriteError for the caller to read back.
 */
export type WriteKind = 'idempotent' | 'once';

/**
 * The only place that talks to Immich: every call goes through the SDK with a timeout, retries with capped
 * exponential backoff on 5xx, 429, timeouts and connection resets (writes that must happen once: see WriteKind),
 * and turns 401/403 into ImmichAuthError. Each write calls `onWrite` first and `afterWrite` once Immich has
 * answered, so tests can stop the process before any write, or after it and before the caller records it.
 */
export class ImmichClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    private readonly onWrite: WriteCounter = () => {},
    private readonly afterWrite: WriteCounter = () => {},
  ) {}

  private async call<T>(
    what: string,
    request: (opts: SdkRequestOptions) => Promise<T>,
    kind: WriteKind = 'idempotent',
  ): Promise<T> {
    let lastError = '';
    for (let attempt = 1; attempt <= this.retry.attempts; attempt++) {
      // a timer cleared once the call is over, not AbortSignal.timeout(): fetch listens on the signal, and Node keeps
      // a timeout signal with listeners (and with it the request and its answer) until the timeout ends; at 300
      // requests a second and the bench's 60 s that held on to hundreds of MB (bench:immich, 100,000 photos)
      const controller = new AbortController();
      const timer = setTimeout(
        () => controller.abort(new DOMException(`no answer within ${this.retry.timeoutMs} ms`, 'TimeoutError')),
        this.retry.timeoutMs,
      );
      try {
        return await request({
          baseUrl: this.baseUrl,
          headers: { 'x-api-key': this.apiKey },
          signal: controller.signal,
        });
      } catch (error) {
        // status 0 is no answer at all (a reset, a reply lost on the way): uncertain, like a timeout, never a refusal
        if (isHttpError(error) && error.status !== 0) {
          const reason = await httpErrorReason(error.data as unknown);
          const message = redact(`${what}: Immich answered ${error.status}${reason ? `: ${reason}` : ''}`, this.apiKey);
          if (error.status === 401 || error.status === 403) throw new ImmichAuthError(error.status, message);
          if (error.status < 500 && error.status !== 429) throw new ImmichRequestError(error.status, message);
          if (kind === 'once' && error.status !== 429) throw new ImmichUncertainWriteError(message);
          lastError = message;
        } else {
          const e = error as Error;
          lastError = redact(
            `${what}: ${e.name === 'TimeoutError' ? `no answer within ${this.retry.timeoutMs} ms` : e.message}`,
            this.apiKey,
          );
          if (kind === 'once') throw new ImmichUncertainWriteError(`${lastError} (Immich may have done it)`);
        }
        if (attempt < this.retry.attempts) {
          await this.retry.sleep(Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1)));
        }
      } finally {
        clearTimeout(timer);
      }
    }
    throw new ImmichUnavailableError(`${lastError} (gave up after ${this.retry.attempts} tries)`);
  }

  private async write<T>(what: string, kind: WriteKind, request: (opts: SdkRequestOptions) => Promise<T>): Promise<T> {
    this.onWrite(what);
    const result = await this.call(what, request, kind);
    this.afterWrite(what);
    return result;
  }

  ping() {
    return this.call('ping', (opts) => pingServer(opts));
  }
  version() {
    return this.call('server version', (opts) => getServerVersion(opts));
  }
  features() {
    return this.call('server features', (opts) => getServerFeatures(opts));
  }
  myApiKey() {
    return this.call('api key', (opts) => getMyApiKey(opts));
  }
  me() {
    return this.call('current user', (opts) => getMyUser(opts));
  }

  searchPage(dto: MetadataSearchDto): Promise<SearchAssetResponseDto> {
    return this.call('asset search', async (opts) => (await searchAssets({ metadataSearchDto: dto }, opts)).assets);
  }

  /** The preview Immich's own pipeline uses: rotated, ≤ 1440 px on the short side; boxes live in its pixels. */
  async preview(assetId: string): Promise<Buffer> {
    const blob = await this.call(`preview of ${assetId}`, (opts) =>
      viewAsset({ id: assetId, size: AssetMediaSize.Preview }, opts),
    );
    return Buffer.from(await blob.arrayBuffer());
  }

  /** One asset in full, its tags included (search results leave them out). */
  asset(assetId: string): Promise<AssetResponseDto> {
    return this.call(`asset ${assetId}`, (opts) => getAssetInfo({ id: assetId }, opts));
  }

  faces(assetId: string): Promise<AssetFaceResponseDto[]> {
    return this.call(`faces of ${assetId}`, (opts) => getFaces({ id: assetId }, opts));
  }

  async allPeople(): Promise<PersonResponseDto[]> {
    const people: PersonResponseDto[] = [];
    for (let page = 1; ; page++) {
      const result = await this.call('people', (opts) => getAllPeople({ page, size: 1000, withHidden: true }, opts));
      people.push(...result.people);
      if (!result.hasNextPage || result.people.length === 0) return people;
    }
  }

  /** One person, or null when Immich no longer has it (deleted, or merged away). */
  async person(id: string): Promise<PersonResponseDto | null> {
    try {
      return await this.call(`person ${id}`, (opts) => getPerson({ id }, opts));
    } catch (error) {
      if (error instanceof ImmichRequestError && (error.status === 400 || error.status === 404)) return null;
      throw error;
    }
  }

  /** The owner's people whose name (or a word of it) starts with `name`, hidden ones too, with or without faces. */
  searchPeople(name: string): Promise<PersonResponseDto[]> {
    return this.call(`people named ${name}`, (opts) => searchPerson({ name, withHidden: true }, opts));
  }

  /** Not repeated on an uncertain outcome (ImmichUncertainWriteError): a second try would make a second person. */
  createPerson(name: string | null) {
    return this.write('create person', 'once', (opts) => createPerson({ personCreateDto: name ? { name } : {} }, opts));
  }

  updatePerson(id: string, update: { name?: string; isHidden?: boolean; featureFaceAssetId?: string }) {
    return this.write('update person', 'idempotent', (opts) => updatePerson({ id, personUpdateDto: update }, opts));
  }

  /** Not repeated after a deletion that may have happened: the caller reads back whether the person is gone. */
  deletePerson(id: string): Promise<void> {
    return this.write('delete person', 'once', (opts) => deletePerson({ id }, opts));
  }

  /** Not repeated on an uncertain outcome (ImmichUncertainWriteError): a second try would make a second face. */
  createFace(face: AssetFaceCreateDto): Promise<void> {
    return this.write('create face', 'once', (opts) => createFace({ assetFaceCreateDto: face }, opts));
  }

  /**
   * `DELETE /faces/{id}`, Immich's "remove face": the face leaves its person and the photo (a tombstone that face
   * detection does not bring back). Not repeated on an uncertain outcome: a repeat is refused once the face is gone;
   * the caller reads the asset's faces back instead.
   */
  deleteFace(faceId: string): Promise<void> {
    return this.write('delete face', 'once', (opts) =>
      deleteFace({ id: faceId, assetFaceDeleteDto: { force: false } }, opts),
    );
  }

  reassignFace(faceId: string, personId: string) {
    return this.write('reassign face', 'idempotent', (opts) =>
      reassignFacesById({ id: personId, faceDto: { id: faceId } }, opts),
    );
  }

  /**
   * `survivor` absorbs `others`: POST /people/merge on 3.2.1+, the legacy route before. Not repeated on an uncertain
   * outcome: the state a repeat leaves is the same, but its answer is a refusal for people already merged away.
   */
  merge(survivor: string, others: string[], modern: boolean) {
    return this.write('merge people', 'once', (opts) =>
      modern
        ? mergePeople({ mergePersonDto: { ids: [survivor, ...others] } }, opts)
        : mergePersonLegacy({ id: survivor, mergePersonDto: { ids: others } }, opts),
    );
  }

  async tagAssets(tag: string, assetIds: string[]): Promise<void> {
    const [created] = await this.write('upsert tag', 'idempotent', (opts) =>
      upsertTags({ tagUpsertDto: { tags: [tag] } }, opts),
    );
    const leaf = created;
    if (!leaf) throw new ImmichRequestError(500, `upsert tag ${tag}: Immich returned no tag`);
    await this.write('tag assets', 'idempotent', (opts) =>
      bulkTagAssets({ tagBulkAssetsDto: { tagIds: [leaf.id], assetIds } }, opts),
    );
  }
}

export type { AssetFaceResponseDto, AssetResponseDto, PersonResponseDto };
