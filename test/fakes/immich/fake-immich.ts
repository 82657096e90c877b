/**
 * A stateful fake Immich server: assets, faces, people and tags of one API-key owner (plus a partner who shares
 * assets into the timeline), served through msw by `handlers.ts` and inspected or edited directly by tests.
 *
 * Domain methods act as the key owner, exactly as the corresponding API calls do, and throw `ApiError` (a 4xx the
 * handlers pass on) where Immich would refuse. Tests call the same methods to act like a user of Immich's web UI:
 * rename, hide, merge, reassign or delete faces, add and trash photos.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import {
  AssetTypeEnum,
  AssetVisibility,
  BulkIdErrorReason,
  Permission,
  SourceType,
  UserAvatarColor,
  UserStatus,
  type ApiKeyResponseDto,
  type AssetFaceCreateDto,
  type AssetFaceResponseDto,
  type AssetResponseDto,
  type BulkIdResponseDto,
  type PeopleResponseDto,
  type PersonCreateDto,
  type PersonResponseDto,
  type PersonUpdateDto,
  type ServerConfigDto,
  type ServerFeaturesDto,
  type ServerVersionResponseDto,
  type TagResponseDto,
  type UserAdminResponseDto,
} from '@immich/sdk';
import { FaultRegistry, type Fault, type FaultHandle, type FaultMatch } from './faults.js';
import { displaySize, MediaCache, PREVIEW_SIZE, type ImageSource, type RenditionSize, type Rendered } from './media.js';
import {
  Clock,
  uuidGenerator,
  type FakeAsset,
  type FakeFace,
  type FakePerson,
  type FakeTag,
  type FakeUser,
} from './model.js';
import { SIDECAR_PERMISSIONS, WRITE_OPERATIONS, type OperationName } from './operations.js';
import { ApiError, badRequest, noAccess } from './parse.js';
import { searchMetadata, type SearchResult } from './search.js';
import type { MetadataSearchDto } from '@immich/sdk';

export interface FakeImmichOptions {
  /** Server version, e.g. '2.5.6' (default), '3.2.2', '1.106.4'. Major ≥ 3 switches to 3.x behaviour. */
  version?: string | ServerVersionResponseDto;
  /** The valid `x-api-key` secret (default 'fake-immich-key'). */
  apiKey?: string;
  /** The key's permissions (default `SIDECAR_PERMISSIONS`). */
  permissions?: readonly Permission[];
  /** Overrides of `GET /server/features` (default: facialRecognition on, importFaces off). */
  features?: Partial<ServerFeaturesDto>;
  /** `minFaces` (default 3): unnamed people with fewer faces are left out of `GET /people`. */
  minFaces?: number;
  /** Seeds ids and the 2.x tie order (default 1). */
  seed?: number;
  /** 2.x: return `fileCreatedAt` ties in a page-dependent order, as 2.5.6 does (default true). */
  tieShuffle?: boolean;
  /**
   * Delay of background jobs (tag sidecar writes that bump `updatedAt`, person thumbnails). Due jobs run when
   * the next request arrives. 0 (default): visible from the next request on. Infinity: only `runJobs()`.
   */
  jobDelayMs?: number;
  /** Photos to start with: asset id → fixture file (owned by the key owner, on the timeline). */
  photos?: Record<string, string>;
  /** Partner assets appear in searches (partner shares "in timeline"; default true). */
  partnerInTimeline?: boolean;
  /** Wall clock in ms (default Date.now); the fake's timestamps strictly increase. */
  now?: () => number;
}

export interface AddAssetOptions {
  id?: string;
  /** Fixture photo; null/omitted serves a grey image of `width`×`height` (default 800×600). */
  file?: string | null;
  /** Default: the key owner. Use `fake.partner.id` for a partner's asset. */
  ownerId?: string;
  type?: AssetTypeEnum;
  visibility?: AssetVisibility;
  /** Capture time (ISO). Default: distinct times an hour apart, so there are no ties unless asked for. */
  fileCreatedAt?: string;
  localDateTime?: string;
  width?: number;
  height?: number;
  originalFileName?: string;
  isFavorite?: boolean;
  /** Tags Immich read from the file's metadata on upload, e.g. 'People/Marie Curie'. */
  tags?: string[];
}

export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface AddFaceOptions {
  assetId: string;
  /** In `imageWidth`×`imageHeight` (preview) pixels. */
  box: Box;
  /** Default: the preview size estimated from the asset's width and height. */
  imageWidth?: number;
  imageHeight?: number;
  personId?: string | null;
  /** Default machine-learning (Immich's own detection); 'exif' for imported MWG regions. */
  sourceType?: SourceType;
}

export interface RequestLogEntry {
  seq: number;
  method: string;
  /** Below the base URL, e.g. '/search/metadata'. */
  path: string;
  op: OperationName;
  query: Record<string, string>;
  /** Parsed JSON body, if any. */
  body: unknown;
  /** null when no HTTP answer came (connection reset, hang). */
  status: number | null;
  /** When it arrived (wall clock, ms). */
  at: number;
  fault?: Fault['kind'];
}

/** A face as 2.5.6 shows it inside an asset (`AssetFaceWithoutPersonResponseDto`). */
export type V2FaceWithoutPerson = Omit<AssetFaceResponseDto, 'person'>;
/** 2.5.6's `PersonWithFacesResponseDto`. */
export interface V2PersonWithFaces extends PersonResponseDto {
  faces: V2FaceWithoutPerson[];
}
/** What 2.5.6 adds to an asset loaded with `withPeople` (search) or by id (`getAssetInfo`). */
export interface V2AssetFaces {
  people: V2PersonWithFaces[];
  unassignedFaces: V2FaceWithoutPerson[];
}

export interface FakeImmichSnapshot {
  people: FakePerson[];
  faces: FakeFace[];
  tags: FakeTag[];
  assets: Pick<FakeAsset, 'id' | 'updatedAt' | 'deletedAt' | 'visibility' | 'tagIds'>[];
}

const DEFAULT_FEATURES: ServerFeaturesDto = {
  configFile: false,
  duplicateDetection: true,
  email: false,
  facialRecognition: true,
  importFaces: false,
  map: true,
  oauth: false,
  oauthAutoLaunch: false,
  ocr: true,
  passwordLogin: true,
  realtimeTranscoding: false,
  reverseGeocoding: true,
  search: true,
  sidecar: true,
  smartSearch: true,
  trash: true,
};

const FIRST_CAPTURE = Date.parse('2020-01-01T12:00:00.000Z');
const HOUR = 3_600_000;

export function parseVersion(version: string | ServerVersionResponseDto): ServerVersionResponseDto {
  if (typeof version !== 'string') return version;
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-.*?(\d+))?/.exec(version);
  if (!m) throw new Error(`fake-immich: bad version ${version}`);
  return { major: +m[1], minor: +m[2], patch: +m[3], prerelease: m[4] === undefined ? null : +m[4] };
}

const clone = <T>(value: T): T => structuredClone(value);

export class FakeImmich {
  readonly me: FakeUser;
  readonly partner: FakeUser;
  readonly faults = new FaultRegistry();
  readonly media = new MediaCache();

  private readonly clock: Clock;
  private readonly newId: () => string;
  private readonly seed: number;
  private readonly jobDelayMs: number;
  private readonly tieShuffle: boolean;
  private readonly partnerInTimeline: boolean;
  private readonly keyId: string;
  private readonly keyCreatedAt: string;

  private versionDto: ServerVersionResponseDto;
  private secret: string | null;
  private permissionList: Permission[];
  private featureFlags: ServerFeaturesDto;
  private minFacesValue: number;

  private readonly assetMap = new Map<string, FakeAsset>();
  private readonly faceMap = new Map<string, FakeFace>();
  /** Indexes of `faceMap` by asset and by person, so that a 100,000-photo library answers in constant time. */
  private readonly facesByAsset = new Map<string, Set<FakeFace>>();
  private readonly facesByPerson = new Map<string, Set<FakeFace>>();
  private readonly personMap = new Map<string, FakePerson>();
  private readonly tagMap = new Map<string, FakeTag>();
  private jobs: { due: number; run: () => void }[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly hangs = new Set<() => void>();
  private log: RequestLogEntry[] = [];
  private seq = 0;
  private captureCounter = 0;

  constructor(options: FakeImmichOptions = {}) {
    this.seed = options.seed ?? 1;
    this.clock = new Clock(options.now);
    this.newId = uuidGenerator(this.seed);
    this.jobDelayMs = options.jobDelayMs ?? 0;
    this.tieShuffle = options.tieShuffle ?? true;
    this.partnerInTimeline = options.partnerInTimeline ?? true;
    this.versionDto = parseVersion(options.version ?? '2.5.6');
    this.secret = options.apiKey ?? 'fake-immich-key';
    this.permissionList = [...(options.permissions ?? SIDECAR_PERMISSIONS)];
    this.featureFlags = { ...DEFAULT_FEATURES, ...options.features };
    this.minFacesValue = options.minFaces ?? 3;
    this.me = { id: this.newId(), email: 'me@immich.test', name: 'Me' };
    this.partner = { id: this.newId(), email: 'partner@immich.test', name: 'Partner' };
    this.keyId = this.newId();
    this.keyCreatedAt = this.clock.iso();
    for (const [id, file] of Object.entries(options.photos ?? {})) this.addAsset({ id, file });
  }

  // ---------------------------------------------------------------- server configuration

  get version(): ServerVersionResponseDto {
    return { ...this.versionDto };
  }

  /** 3.x behaviour: cursor paging, `mergePeople`, createFace sets the feature face. */
  get isV3(): boolean {
    return this.versionDto.major >= 3;
  }

  setVersion(version: string | ServerVersionResponseDto): void {
    this.versionDto = parseVersion(version);
  }

  atLeast(major: number, minor = 0, patch = 0): boolean {
    const v = this.versionDto;
    return v.major !== major ? v.major > major : v.minor !== minor ? v.minor > minor : v.patch >= patch;
  }

  get apiKey(): string | null {
    return this.secret;
  }

  /** Changes the valid key; null revokes it (every authenticated request answers 401). */
  setApiKey(secret: string | null): void {
    this.secret = secret;
  }

  get permissions(): readonly Permission[] {
    return [...this.permissionList];
  }

  setPermissions(permissions: readonly Permission[]): void {
    this.permissionList = [...permissions];
  }

  grant(...permissions: Permission[]): void {
    this.permissionList = [...new Set([...this.permissionList, ...permissions])];
  }

  revoke(...permissions: Permission[]): void {
    this.permissionList = this.permissionList.filter((p) => !permissions.includes(p));
  }

  hasPermission(permission: Permission): boolean {
    return this.permissionList.includes(Permission.All) || this.permissionList.includes(permission);
  }

  get features(): ServerFeaturesDto {
    return { ...this.featureFlags };
  }

  setFeatures(features: Partial<ServerFeaturesDto>): void {
    this.featureFlags = { ...this.featureFlags, ...features };
  }

  get minFaces(): number {
    return this.minFacesValue;
  }

  setMinFaces(minFaces: number): void {
    this.minFacesValue = minFaces;
  }

  /** Moves the fake's clock forward (timestamps and job due times). */
  advanceTime(ms: number): void {
    this.clock.advance(ms);
  }

  // ---------------------------------------------------------------- server info DTOs

  serverConfigDto(): ServerConfigDto {
    return {
      externalDomain: '',
      isInitialized: true,
      isOnboarded: true,
      loginPageMessage: '',
      maintenanceMode: false,
      mapDarkStyleUrl: '',
      mapLightStyleUrl: '',
      minFaces: this.minFacesValue,
      oauthButtonText: 'Login with OAuth',
      publicUsers: true,
      trashDays: 30,
      userDeleteDelay: 7,
    };
  }

  apiKeyDto(): ApiKeyResponseDto {
    return {
      id: this.keyId,
      name: 'immich-people',
      createdAt: this.keyCreatedAt,
      updatedAt: this.keyCreatedAt,
      permissions: [...this.permissionList],
    };
  }

  userDto(): UserAdminResponseDto {
    return {
      id: this.me.id,
      email: this.me.email,
      name: this.me.name,
      avatarColor: UserAvatarColor.Primary,
      clusterGroupId: this.me.id,
      createdAt: this.keyCreatedAt,
      updatedAt: this.keyCreatedAt,
      deletedAt: null,
      isAdmin: false,
      license: null,
      oauthId: '',
      profileChangedAt: this.keyCreatedAt,
      profileImagePath: '',
      quotaSizeInBytes: null,
      quotaUsageInBytes: 0,
      shouldChangePassword: false,
      status: UserStatus.Active,
      storageLabel: null,
    };
  }

  // ---------------------------------------------------------------- assets

  /** Adds an asset as if uploaded now. With a `file` and no width/height, the size is read in the background. */
  addAsset(options: AddAssetOptions = {}): FakeAsset {
    const id = options.id ?? this.newId();
    if (this.assetMap.has(id)) throw new Error(`fake-immich: asset ${id} exists`);
    const now = this.clock.iso();
    const file = options.file ?? null;
    const fileCreatedAt = options.fileCreatedAt ?? new Date(FIRST_CAPTURE + HOUR * this.captureCounter++).toISOString();
    const name = options.originalFileName ?? (file ? basename(file) : `${id}.jpg`);
    const asset: FakeAsset = {
      id,
      ownerId: options.ownerId ?? this.me.id,
      type: options.type ?? AssetTypeEnum.Image,
      file,
      originalFileName: name,
      originalPath: `/data/library/${options.ownerId ?? this.me.id}/${name}`,
      checksum: createHash('sha1')
        .update(`${id}:${file ?? ''}`)
        .digest('base64'),
      createdAt: now,
      updatedAt: now,
      fileCreatedAt,
      fileModifiedAt: fileCreatedAt,
      localDateTime: options.localDateTime ?? fileCreatedAt,
      width: options.width ?? (file ? null : 800),
      height: options.height ?? (file ? null : 600),
      visibility: options.visibility ?? AssetVisibility.Timeline,
      isFavorite: options.isFavorite ?? false,
      deletedAt: null,
      tagIds: [],
    };
    this.assetMap.set(id, asset);
    if (options.tags?.length) asset.tagIds = this.upsertTags(options.tags, asset.ownerId).map((t) => t.id);
    if (file && (options.width === undefined || options.height === undefined)) {
      const probe = displaySize(file).then(
        (size) => {
          asset.width ??= size.width;
          asset.height ??= size.height;
        },
        (error: unknown) => console.error(`fake-immich: cannot read ${file}`, error),
      );
      this.pending.add(probe);
      void probe.finally(() => this.pending.delete(probe));
    }
    return asset;
  }

  /** Adds `count` assets without files (grey previews); handy for paging tests. */
  addAssets(count: number, options: Omit<AddAssetOptions, 'id'> = {}): FakeAsset[] {
    return Array.from({ length: count }, () => this.addAsset(options));
  }

  addPartnerAsset(options: AddAssetOptions = {}): FakeAsset {
    return this.addAsset({ ...options, ownerId: this.partner.id });
  }

  /** Resolves when background reads (photo sizes) are done. Handlers await it before answering. */
  async ready(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  asset(id: string): FakeAsset | undefined {
    return this.assetMap.get(id);
  }

  /** All assets, trashed ones included. */
  assets(): FakeAsset[] {
    return [...this.assetMap.values()];
  }

  private requireAsset(id: string): FakeAsset {
    const asset = this.assetMap.get(id);
    if (!asset) throw new Error(`fake-immich: no asset ${id}`);
    return asset;
  }

  private touch(asset: FakeAsset): void {
    asset.updatedAt = this.clock.after(asset.updatedAt);
  }

  /** Bumps `updatedAt`, as any edit of the asset row does. */
  touchAsset(id: string): void {
    this.touch(this.requireAsset(id));
  }

  /** Moves to the trash (`isTrashed`, hidden from searches without `withDeleted`). */
  trashAsset(id: string): void {
    const asset = this.requireAsset(id);
    asset.deletedAt = this.clock.iso();
    this.touch(asset);
  }

  restoreAsset(id: string): void {
    const asset = this.requireAsset(id);
    asset.deletedAt = null;
    this.touch(asset);
  }

  /** Deletes for good (emptied trash): the asset and its faces vanish. */
  deleteAsset(id: string): void {
    this.requireAsset(id);
    this.assetMap.delete(id);
    const affected = new Set<string>();
    for (const face of [...(this.facesByAsset.get(id) ?? [])]) {
      this.removeFace(face);
      if (face.personId) affected.add(face.personId);
    }
    for (const personId of affected) this.refreshFeature(personId);
  }

  setVisibility(id: string, visibility: AssetVisibility): void {
    const asset = this.requireAsset(id);
    asset.visibility = visibility;
    this.touch(asset);
  }

  archiveAsset(id: string): void {
    this.setVisibility(id, AssetVisibility.Archive);
  }

  /** Sets the capture time of these assets (equal values make ties); bumps `updatedAt`. */
  setFileCreatedAt(ids: readonly string[], fileCreatedAt: string): void {
    for (const id of ids) {
      const asset = this.requireAsset(id);
      asset.fileCreatedAt = fileCreatedAt;
      asset.fileModifiedAt = fileCreatedAt;
      asset.localDateTime = fileCreatedAt;
      this.touch(asset);
    }
  }

  /** Preview size estimated from width/height (exact: `previewSize`). */
  estimatePreviewSize(asset: FakeAsset): { width: number; height: number } | null {
    if (asset.width === null || asset.height === null) return null;
    const scale = Math.min(1, PREVIEW_SIZE / Math.min(asset.width, asset.height));
    return { width: Math.round(asset.width * scale), height: Math.round(asset.height * scale) };
  }

  private imageSource(asset: FakeAsset): ImageSource {
    return asset.file ? { file: asset.file } : { blank: { width: asset.width ?? 800, height: asset.height ?? 600 } };
  }

  /** The rendition `viewAsset` serves (cached). */
  rendition(assetId: string, size: RenditionSize): Promise<Rendered> {
    return this.media.get(this.imageSource(this.requireAsset(assetId)), size);
  }

  /** The exact preview size: the space of face boxes. */
  async previewSize(assetId: string): Promise<{ width: number; height: number }> {
    const { width, height } = await this.rendition(assetId, 'preview');
    return { width, height };
  }

  private readableOwners(): Set<string> {
    return new Set([this.me.id, this.partner.id]);
  }

  /** asset.read access: own and partner assets (400 otherwise, like Immich's access checks). */
  readableAsset(id: string, permission = 'asset.read'): FakeAsset {
    const asset = this.assetMap.get(id);
    if (!asset || !this.readableOwners().has(asset.ownerId)) throw noAccess(permission);
    return asset;
  }

  /** asset.update access: own assets only. */
  ownAsset(id: string, permission = 'asset.update'): FakeAsset {
    const asset = this.assetMap.get(id);
    if (!asset || asset.ownerId !== this.me.id) throw noAccess(permission);
    return asset;
  }

  assetDto(asset: FakeAsset, { withPeople = false, withTags = false } = {}): AssetResponseDto {
    const dto: AssetResponseDto = {
      id: asset.id,
      ownerId: asset.ownerId,
      type: asset.type,
      originalPath: asset.originalPath,
      originalFileName: asset.originalFileName,
      originalMimeType: asset.type === AssetTypeEnum.Image ? 'image/jpeg' : 'video/mp4',
      checksum: asset.checksum,
      createdAt: asset.createdAt,
      updatedAt: asset.updatedAt,
      fileCreatedAt: asset.fileCreatedAt,
      fileModifiedAt: asset.fileModifiedAt,
      localDateTime: asset.localDateTime,
      width: asset.width,
      height: asset.height,
      visibility: asset.visibility,
      isArchived: asset.visibility === AssetVisibility.Archive,
      isFavorite: asset.isFavorite,
      isTrashed: asset.deletedAt !== null,
      isOffline: false,
      isEdited: false,
      hasMetadata: true,
      thumbhash: null,
      duration: null,
      livePhotoVideoId: null,
      duplicateId: null,
    };
    if (withPeople && this.isV3) {
      const ids = this.personIdsOnAsset(asset.id);
      dto.people = [...ids].flatMap((id) => {
        const person = this.personMap.get(id);
        return person && person.ownerId === this.me.id ? [this.personDto(person)] : [];
      });
    } else if (withPeople) Object.assign(dto, this.v2Faces(asset.id));
    else if (!this.isV3) dto.people = []; // 2.5.6 maps faces it did not load as no people at all
    if (withTags) dto.tags = asset.tagIds.flatMap((id) => this.tagDtoById(id));
    return dto;
  }

  /**
   * 2.5.6's `people` and `unassignedFaces` of an asset loaded with its faces (`mapAsset` with `withPeople`): each
   * person with its faces on the asset (ids and boxes), and the faces on nobody. The 3.x SDK types have neither.
   */
  private v2Faces(assetId: string): V2AssetFaces {
    const people = new Map<string, V2PersonWithFaces>();
    const unassignedFaces: V2FaceWithoutPerson[] = [];
    for (const face of this.faces(assetId)) {
      const { person, ...bare } = this.faceDto(face);
      if (!person) {
        unassignedFaces.push(bare);
        continue;
      }
      const entry = people.get(person.id) ?? { ...person, faces: [] };
      entry.faces.push(bare);
      people.set(person.id, entry);
    }
    return { people: [...people.values()], unassignedFaces };
  }

  search(dto: MetadataSearchDto): SearchResult {
    const ownerIds = new Set([this.me.id, ...(this.partnerInTimeline ? [this.partner.id] : [])]);
    return searchMetadata(dto, {
      assets: this.assetMap.values(),
      ownerIds,
      v3: this.isV3,
      seed: this.seed,
      tieShuffle: this.tieShuffle,
      personIdsOf: (assetId) => this.personIdsOnAsset(assetId),
      toDto: (asset, withPeople) => this.assetDto(asset, { withPeople }),
    });
  }

  // ---------------------------------------------------------------- faces

  private liveFace(face: FakeFace | undefined): face is FakeFace {
    return face !== undefined && face.deletedAt === null && face.isVisible;
  }

  private personIdsOnAsset(assetId: string): Set<string> {
    const ids = new Set<string>();
    for (const face of this.facesByAsset.get(assetId) ?? []) {
      if (face.personId && this.liveFace(face)) ids.add(face.personId);
    }
    return ids;
  }

  /** Puts a face on a person (or none), keeping the person index. */
  private setFacePerson(face: FakeFace, personId: string | null): void {
    if (face.personId) this.facesByPerson.get(face.personId)?.delete(face);
    face.personId = personId;
    if (personId) {
      const faces = this.facesByPerson.get(personId);
      if (faces) faces.add(face);
      else this.facesByPerson.set(personId, new Set([face]));
    }
  }

  private removeFace(face: FakeFace): void {
    this.faceMap.delete(face.id);
    this.facesByAsset.get(face.assetId)?.delete(face);
    if (face.personId) this.facesByPerson.get(face.personId)?.delete(face);
  }

  face(id: string): FakeFace | undefined {
    return this.faceMap.get(id);
  }

  /** Faces of an asset ordered by x1; tombstones (soft-deleted) only with `includeDeleted`. */
  faces(assetId: string, { includeDeleted = false } = {}): FakeFace[] {
    return [...(this.facesByAsset.get(assetId) ?? [])]
      .filter((f) => includeDeleted || this.liveFace(f))
      .sort((a, b) => a.boundingBoxX1 - b.boundingBoxX1);
  }

  /** Every face, tombstones included. */
  allFaces(): FakeFace[] {
    return [...this.faceMap.values()];
  }

  facesOfPerson(personId: string): FakeFace[] {
    return [...(this.facesByPerson.get(personId) ?? [])].filter((f) => this.liveFace(f));
  }

  faceDto(face: FakeFace): AssetFaceResponseDto {
    const person = face.personId ? this.personMap.get(face.personId) : undefined;
    return {
      id: face.id,
      imageWidth: face.imageWidth,
      imageHeight: face.imageHeight,
      boundingBoxX1: face.boundingBoxX1,
      boundingBoxY1: face.boundingBoxY1,
      boundingBoxX2: face.boundingBoxX2,
      boundingBoxY2: face.boundingBoxY2,
      sourceType: face.sourceType,
      person: person && person.ownerId === this.me.id ? this.personDto(person) : null,
    };
  }

  /** `GET /faces?id=`: the visible faces of an asset the key can read. */
  getFaces(assetId: string): AssetFaceResponseDto[] {
    this.readableAsset(assetId);
    return this.faces(assetId).map((f) => this.faceDto(f));
  }

  /** A face as Immich's own detection (or its MWG-region import, with sourceType 'exif') would add it. */
  addFace(options: AddFaceOptions): FakeFace {
    const asset = this.requireAsset(options.assetId);
    const estimate = this.estimatePreviewSize(asset);
    const imageWidth = options.imageWidth ?? estimate?.width;
    const imageHeight = options.imageHeight ?? estimate?.height;
    if (imageWidth === undefined || imageHeight === undefined) {
      throw new Error(
        'fake-immich: addFace needs imageWidth/imageHeight, or `await fake.ready()` so the photo size is known',
      );
    }
    const personId = options.personId ?? null;
    if (personId !== null && !this.personMap.has(personId)) throw new Error(`fake-immich: no person ${personId}`);
    const face = this.insertFace({
      assetId: asset.id,
      personId,
      imageWidth,
      imageHeight,
      box: options.box,
      sourceType: options.sourceType ?? SourceType.MachineLearning,
    });
    if (personId) this.refreshFeature(personId);
    return face;
  }

  private insertFace(f: {
    assetId: string;
    personId: string | null;
    imageWidth: number;
    imageHeight: number;
    box: Box;
    sourceType: SourceType;
  }): FakeFace {
    const now = this.clock.iso();
    const face: FakeFace = {
      id: this.newId(),
      assetId: f.assetId,
      personId: null,
      imageWidth: f.imageWidth,
      imageHeight: f.imageHeight,
      boundingBoxX1: Math.round(f.box.x1),
      boundingBoxY1: Math.round(f.box.y1),
      boundingBoxX2: Math.round(f.box.x2),
      boundingBoxY2: Math.round(f.box.y2),
      sourceType: f.sourceType,
      deletedAt: null,
      isVisible: true,
      createdAt: now,
      updatedAt: now,
    };
    this.faceMap.set(face.id, face);
    const onAsset = this.facesByAsset.get(face.assetId);
    if (onAsset) onAsset.add(face);
    else this.facesByAsset.set(face.assetId, new Set([face]));
    this.setFacePerson(face, f.personId);
    return face;
  }

  /**
   * `POST /faces`: always sourceType 'manual', boxes rounded as Immich stores them (x1 = round(x),
   * x2 = round(x + width)). 2.x needs read access to the asset, 3.x update access (own assets). 3.x sets the
   * person's feature face at once when it has none; 2.5.6's PersonService.createFace leaves the person without one
   * (only reassigning a face, `PUT /people/{id}` with featureFaceAssetId, or the admin's "missing thumbnails" job
   * picks one). Never bumps the asset's `updatedAt`.
   */
  createFace(dto: AssetFaceCreateDto): FakeFace {
    const asset = this.isV3 ? this.ownAsset(dto.assetId) : this.readableAsset(dto.assetId);
    const person = this.ownPerson(dto.personId, 'person.read');
    if (dto.imageWidth <= 0 || dto.imageHeight <= 0) throw badRequest('imageWidth and imageHeight must be positive');
    const face = this.insertFace({
      assetId: asset.id,
      personId: person.id,
      imageWidth: dto.imageWidth,
      imageHeight: dto.imageHeight,
      box: { x1: dto.x, y1: dto.y, x2: dto.x + dto.width, y2: dto.y + dto.height },
      sourceType: SourceType.Manual,
    });
    if (this.isV3) this.refreshFeature(person.id);
    return face;
  }

  /** `PUT /faces/{personId}` and the UI's "reassign face": keeps the face's sourceType; null unassigns. */
  reassignFace(faceId: string, personId: string | null): FakePerson | null {
    const face = this.faceMap.get(faceId);
    if (!this.liveFace(face)) throw noAccess('face.update');
    this.readableAsset(face.assetId, 'face.update');
    const target = personId === null ? null : this.ownPerson(personId, 'person.update');
    const previous = face.personId;
    this.setFacePerson(face, target?.id ?? null);
    face.updatedAt = this.clock.after(face.updatedAt);
    if (previous && previous !== face.personId) this.refreshFeature(previous);
    if (target) this.refreshFeature(target.id);
    return target;
  }

  /** `DELETE /faces/{id}`: force false leaves a tombstone (hidden from getFaces), force true removes the row. */
  deleteFace(faceId: string, { force = false } = {}): void {
    const face = this.faceMap.get(faceId);
    if (!face || (face.deletedAt !== null && !force)) throw noAccess('face.delete');
    this.readableAsset(face.assetId, 'face.delete');
    if (force) this.removeFace(face);
    else {
      face.deletedAt = this.clock.iso();
      face.updatedAt = face.deletedAt;
    }
    if (face.personId) this.refreshFeature(face.personId);
  }

  // ---------------------------------------------------------------- people

  person(id: string): FakePerson | undefined {
    return this.personMap.get(id);
  }

  /** Every person the fake holds (hidden ones and ones without faces too). */
  people(): FakePerson[] {
    return [...this.personMap.values()];
  }

  personByName(name: string): FakePerson | undefined {
    return [...this.personMap.values()].find((p) => p.name === name);
  }

  ownPerson(id: string, permission = 'person.read'): FakePerson {
    const person = this.personMap.get(id);
    if (!person || person.ownerId !== this.me.id) throw noAccess(permission);
    return person;
  }

  personDto(person: FakePerson): PersonResponseDto {
    const dto: PersonResponseDto = {
      id: person.id,
      name: person.name,
      birthDate: person.birthDate,
      thumbnailPath: person.thumbnailPath,
      isHidden: person.isHidden,
      isFavorite: person.isFavorite,
      updatedAt: person.updatedAt,
    };
    if (person.color !== null) dto.color = person.color;
    return dto;
  }

  /** Faces Immich counts for `GET /people`: visible, not deleted, on a non-trashed timeline asset. */
  private listedFaceCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const face of this.faceMap.values()) {
      if (!face.personId || !this.liveFace(face)) continue;
      const asset = this.assetMap.get(face.assetId);
      if (!asset || asset.deletedAt !== null || asset.visibility !== AssetVisibility.Timeline) continue;
      counts.set(face.personId, (counts.get(face.personId) ?? 0) + 1);
    }
    return counts;
  }

  /**
   * What `GET /people` lists (2.5.6 `getAllForUser`): own people with at least one counted face, leaving out
   * unnamed people with fewer than `minFaces` faces; hidden ones only `withHidden`. Order: visible first,
   * favourites, named, face count desc, name, creation.
   */
  listPeople({ withHidden = false } = {}): { people: FakePerson[]; total: number; hidden: number } {
    const counts = this.listedFaceCounts();
    const eligible = [...this.personMap.values()].filter((p) => {
      const n = counts.get(p.id) ?? 0;
      return p.ownerId === this.me.id && n > 0 && (p.name !== '' || n >= this.minFacesValue);
    });
    const people = eligible
      .filter((p) => withHidden || !p.isHidden)
      .sort(
        (a, b) =>
          Number(a.isHidden) - Number(b.isHidden) ||
          Number(b.isFavorite) - Number(a.isFavorite) ||
          Number(a.name === '') - Number(b.name === '') ||
          (counts.get(b.id) ?? 0) - (counts.get(a.id) ?? 0) ||
          a.name.localeCompare(b.name) ||
          a.createdAt.localeCompare(b.createdAt),
      );
    return { people, total: eligible.length, hidden: eligible.filter((p) => p.isHidden).length };
  }

  getAllPeople({ page = 1, size = 500, withHidden = false } = {}): PeopleResponseDto {
    const { people, total, hidden } = this.listPeople({ withHidden });
    const start = (page - 1) * size;
    return {
      people: people.slice(start, start + size).map((p) => this.personDto(p)),
      total,
      hidden,
      hasNextPage: people.length > start + size,
    };
  }

  createPerson(dto: PersonCreateDto = {}): FakePerson {
    const now = this.clock.iso();
    const person: FakePerson = {
      id: this.newId(),
      ownerId: this.me.id,
      name: dto.name ?? '',
      birthDate: dto.birthDate ?? null,
      isHidden: dto.isHidden ?? false,
      isFavorite: dto.isFavorite ?? false,
      color: dto.color ?? null,
      createdAt: now,
      updatedAt: now,
      featureFaceId: null,
      thumbnailPath: '',
    };
    this.personMap.set(person.id, person);
    return person;
  }

  /** `PUT /people/{id}`; `featureFaceAssetId` picks the person's face on that asset and queues its thumbnail. */
  updatePerson(id: string, dto: PersonUpdateDto): FakePerson {
    const person = this.ownPerson(id, 'person.update');
    if (dto.name !== undefined) person.name = dto.name;
    if (dto.birthDate !== undefined) person.birthDate = dto.birthDate;
    if (dto.isHidden !== undefined) person.isHidden = dto.isHidden;
    if (dto.isFavorite !== undefined) person.isFavorite = dto.isFavorite;
    if (dto.color !== undefined) person.color = dto.color;
    if (dto.featureFaceAssetId !== undefined) {
      const assetId = dto.featureFaceAssetId;
      const face = this.facesOfPerson(person.id).find((f) => f.assetId === assetId);
      if (!face) throw badRequest('Person has no face on this asset');
      this.setFeature(person, face);
    }
    person.updatedAt = this.clock.after(person.updatedAt);
    return person;
  }

  renamePerson(id: string, name: string): FakePerson {
    return this.updatePerson(id, { name });
  }

  hidePerson(id: string, hidden = true): FakePerson {
    return this.updatePerson(id, { isHidden: hidden });
  }

  /**
   * 2.x merge (`POST /people/{id}/merge`, and the UI's merge): faces of `ids` move to the survivor, which takes a
   * name and birth date from a merged person only where its own are empty; the merged people are deleted.
   */
  mergePeople(survivorId: string, ids: readonly string[]): BulkIdResponseDto[] {
    const survivor = this.ownPerson(survivorId, 'person.update');
    const results = ids.map((id): BulkIdResponseDto => {
      if (id === survivor.id) return { id, success: false, error: BulkIdErrorReason.Duplicate };
      const other = this.personMap.get(id);
      if (!other || other.ownerId !== this.me.id) return { id, success: false, error: BulkIdErrorReason.NotFound };
      if (!survivor.name && other.name) survivor.name = other.name;
      if (!survivor.birthDate && other.birthDate) survivor.birthDate = other.birthDate;
      this.absorb(survivor, other);
      return { id, success: true };
    });
    survivor.updatedAt = this.clock.after(survivor.updatedAt);
    this.refreshFeature(survivor.id);
    return results;
  }

  /**
   * 3.2.1+ `POST /people/merge`: ids[0] survives; name and birth date are the first defined ones in order; a
   * person whose non-empty name or birth date differs from the survivor's is skipped (not merged).
   */
  mergePeopleOrdered(ids: readonly string[]): BulkIdResponseDto[] {
    if (ids.length < 2) throw badRequest('ids must contain at least 2 elements');
    const survivor = this.ownPerson(ids[0], 'person.merge');
    const results = ids.slice(1).map((id): BulkIdResponseDto => {
      if (id === survivor.id) return { id, success: false, error: BulkIdErrorReason.Duplicate };
      const other = this.personMap.get(id);
      if (!other || other.ownerId !== this.me.id) return { id, success: false, error: BulkIdErrorReason.NotFound };
      const nameClash = survivor.name !== '' && other.name !== '' && survivor.name !== other.name;
      const birthClash =
        survivor.birthDate !== null && other.birthDate !== null && survivor.birthDate !== other.birthDate;
      if (nameClash || birthClash) {
        return {
          id,
          success: false,
          error: BulkIdErrorReason.Validation,
          errorMessage: 'Would override a name or birth date',
        };
      }
      if (!survivor.name) survivor.name = other.name;
      if (!survivor.birthDate) survivor.birthDate = other.birthDate;
      this.absorb(survivor, other);
      return { id, success: true };
    });
    survivor.updatedAt = this.clock.after(survivor.updatedAt);
    this.refreshFeature(survivor.id);
    return results;
  }

  private absorb(survivor: FakePerson, other: FakePerson): void {
    for (const face of [...(this.facesByPerson.get(other.id) ?? [])]) {
      this.setFacePerson(face, survivor.id);
      face.updatedAt = this.clock.after(face.updatedAt);
    }
    this.facesByPerson.delete(other.id);
    this.personMap.delete(other.id);
  }

  /** `DELETE /people/{id}`: faces stay, unassigned (FK ON DELETE SET NULL). */
  deletePerson(id: string): void {
    const person = this.ownPerson(id, 'person.delete');
    for (const face of [...(this.facesByPerson.get(person.id) ?? [])]) this.setFacePerson(face, null);
    this.facesByPerson.delete(person.id);
    this.personMap.delete(person.id);
  }

  /** The person thumbnail, or null while its job has not run (`GET /people/{id}/thumbnail` answers 404). */
  async personThumbnail(id: string): Promise<Buffer | null> {
    const person = this.ownPerson(id);
    const face = person.featureFaceId ? this.faceMap.get(person.featureFaceId) : undefined;
    if (person.thumbnailPath === '' || !face) return null;
    const asset = this.requireAsset(face.assetId);
    return this.media.faceCrop(this.imageSource(asset), {
      imageWidth: face.imageWidth,
      imageHeight: face.imageHeight,
      x1: face.boundingBoxX1,
      y1: face.boundingBoxY1,
      x2: face.boundingBoxX2,
      y2: face.boundingBoxY2,
    });
  }

  private setFeature(person: FakePerson, face: FakeFace | undefined): void {
    person.featureFaceId = face?.id ?? null;
    person.thumbnailPath = '';
    person.updatedAt = this.clock.after(person.updatedAt);
    if (!face) return;
    const faceId = face.id;
    // MediaService.handleGeneratePersonThumbnail: skipped unless facial recognition or face import is on when the
    // job runs (2.5.6 and 3.x alike); a skipped job is not queued again by anything but a new feature face
    this.schedule(() => {
      const current = this.personMap.get(person.id);
      if (!this.featureFlags.facialRecognition && !this.featureFlags.importFaces) return;
      if (current && current.featureFaceId === faceId) {
        const id = current.id;
        current.thumbnailPath = `/data/thumbs/${current.ownerId}/${id.slice(0, 2)}/${id.slice(2, 4)}/${id}.jpeg`;
        current.updatedAt = this.clock.after(current.updatedAt);
      }
    });
  }

  /** Keeps the feature face valid: picks the first live face of the person when it has none (or lost it). */
  private refreshFeature(personId: string): void {
    const person = this.personMap.get(personId);
    if (!person) return;
    const current = person.featureFaceId ? this.faceMap.get(person.featureFaceId) : undefined;
    if (this.liveFace(current) && current.personId === person.id) return;
    const next = this.facesOfPerson(person.id).sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
    if (next || person.featureFaceId !== null) this.setFeature(person, next);
  }

  // ---------------------------------------------------------------- tags

  tags(): FakeTag[] {
    return [...this.tagMap.values()];
  }

  tagByValue(value: string): FakeTag | undefined {
    return [...this.tagMap.values()].find((t) => t.value === value && t.ownerId === this.me.id);
  }

  /** Tag values of an asset, e.g. ['People/Alice']. */
  assetTags(assetId: string): string[] {
    return this.requireAsset(assetId).tagIds.flatMap((id) => this.tagMap.get(id)?.value ?? []);
  }

  tagDto(tag: FakeTag): TagResponseDto {
    const dto: TagResponseDto = {
      id: tag.id,
      name: tag.value.split('/').at(-1) ?? tag.value,
      value: tag.value,
      createdAt: tag.createdAt,
      updatedAt: tag.updatedAt,
    };
    if (tag.parentId !== null) dto.parentId = tag.parentId;
    if (tag.color !== null) dto.color = tag.color;
    return dto;
  }

  private tagDtoById(id: string): TagResponseDto[] {
    const tag = this.tagMap.get(id);
    return tag ? [this.tagDto(tag)] : [];
  }

  /** `PUT /tags`: creates each path and its parents ('People/Alice' → 'People', 'People/Alice'). */
  upsertTags(values: readonly string[], ownerId = this.me.id): FakeTag[] {
    return values.map((value) => {
      const parts = value.split('/').filter((p) => p !== '');
      if (parts.length === 0) throw badRequest('tags must not contain empty values');
      let parent = null as FakeTag | null;
      for (let i = 1; i <= parts.length; i++) {
        const path = parts.slice(0, i).join('/');
        let tag = [...this.tagMap.values()].find((t) => t.value === path && t.ownerId === ownerId);
        if (!tag) {
          const now = this.clock.iso();
          tag = {
            id: this.newId(),
            ownerId,
            value: path,
            parentId: parent?.id ?? null,
            color: null,
            createdAt: now,
            updatedAt: now,
          };
          this.tagMap.set(tag.id, tag);
        }
        parent = tag;
      }
      if (!parent) throw badRequest('tags must not contain empty values');
      return parent;
    });
  }

  private ownTag(id: string): FakeTag {
    const tag = this.tagMap.get(id);
    if (!tag || tag.ownerId !== this.me.id) throw noAccess('tag.asset');
    return tag;
  }

  /**
   * `PUT /tags/assets`: adds each tag to each asset (own assets only) and returns how many pairs were new. Each
   * newly tagged asset gets its `updatedAt` bumped by a background job (Immich's XMP sidecar write, ~1 s later).
   */
  bulkTagAssets(tagIds: readonly string[], assetIds: readonly string[]): number {
    const tags = tagIds.map((id) => this.ownTag(id));
    const assets = assetIds.map((id) => this.ownAsset(id));
    let count = 0;
    const changed = new Set<FakeAsset>();
    for (const asset of assets) {
      for (const tag of tags) {
        if (asset.tagIds.includes(tag.id)) continue;
        asset.tagIds.push(tag.id);
        changed.add(asset);
        count++;
      }
    }
    for (const asset of changed) this.schedule(() => this.assetMap.get(asset.id) && this.touch(asset));
    return count;
  }

  /** `PUT /tags/{id}/assets`. */
  tagAssets(tagId: string, assetIds: readonly string[]): BulkIdResponseDto[] {
    const tag = this.ownTag(tagId);
    return assetIds.map((id) => {
      const asset = this.assetMap.get(id);
      if (!asset || asset.ownerId !== this.me.id) return { id, success: false, error: BulkIdErrorReason.NoPermission };
      if (asset.tagIds.includes(tag.id)) return { id, success: false, error: BulkIdErrorReason.Duplicate };
      asset.tagIds.push(tag.id);
      this.schedule(() => this.assetMap.get(id) && this.touch(asset));
      return { id, success: true };
    });
  }

  /** `DELETE /tags/{id}/assets`. */
  untagAssets(tagId: string, assetIds: readonly string[]): BulkIdResponseDto[] {
    const tag = this.ownTag(tagId);
    return assetIds.map((id) => {
      const asset = this.assetMap.get(id);
      if (!asset || asset.ownerId !== this.me.id) return { id, success: false, error: BulkIdErrorReason.NoPermission };
      if (!asset.tagIds.includes(tag.id)) return { id, success: false, error: BulkIdErrorReason.NotFound };
      asset.tagIds = asset.tagIds.filter((t) => t !== tag.id);
      this.schedule(() => this.assetMap.get(id) && this.touch(asset));
      return { id, success: true };
    });
  }

  getAllTags(): TagResponseDto[] {
    return [...this.tagMap.values()].filter((t) => t.ownerId === this.me.id).map((t) => this.tagDto(t));
  }

  // ---------------------------------------------------------------- background jobs

  private schedule(run: () => void): void {
    this.jobs.push({ due: this.clock.now() + this.jobDelayMs, run });
  }

  /** Runs the jobs that are due; the handlers call it as each request arrives. */
  tick(): void {
    const now = this.clock.now();
    for (let guard = 0; guard < 100; guard++) {
      const due = this.jobs.filter((j) => j.due <= now);
      if (due.length === 0) return;
      this.jobs = this.jobs.filter((j) => j.due > now);
      for (const job of due) job.run();
    }
  }

  /** Runs every queued job now (tag sidecar writes, person thumbnails), whatever its delay. */
  runJobs(): void {
    for (let guard = 0; guard < 100 && this.jobs.length > 0; guard++) {
      const jobs = this.jobs;
      this.jobs = [];
      for (const job of jobs) job.run();
    }
  }

  get pendingJobs(): number {
    return this.jobs.length;
  }

  // ---------------------------------------------------------------- request log

  /** Called by the handlers; returns the entry so its status can be filled in. */
  logRequest(entry: Omit<RequestLogEntry, 'seq' | 'status' | 'at'>): RequestLogEntry {
    const full: RequestLogEntry = { ...entry, seq: ++this.seq, status: null, at: Date.now() };
    this.log.push(full);
    return full;
  }

  /** Requests received since the last `clearRequests()`, optionally filtered. */
  requests(filter: { op?: OperationName; method?: string } = {}): RequestLogEntry[] {
    return this.log.filter((e) => (!filter.op || e.op === filter.op) && (!filter.method || e.method === filter.method));
  }

  /** Successful state-changing requests (face/person/tag writes). */
  writes(): RequestLogEntry[] {
    return this.log.filter((e) => WRITE_OPERATIONS.has(e.op) && e.status !== null && e.status < 300);
  }

  clearRequests(): void {
    this.log = [];
  }

  // ---------------------------------------------------------------- faults

  /** Makes matching requests fail (default: the next one). See `Fault` and `FaultMatch`. */
  injectFault(fault: Fault, match: FaultMatch = {}): FaultHandle {
    return this.faults.add(fault, match);
  }

  /** The next `times` requests to `op` ('*' = any) answer `status` (default 503). */
  failNext(op: FaultMatch['op'] = '*', times = 1, status = 503): FaultHandle {
    return this.faults.add({ kind: 'status', status }, { op, times });
  }

  /** The next `times` requests to `op` never answer (until aborted by the client or the fake closes). */
  hangNext(op: FaultMatch['op'] = '*', times = 1): FaultHandle {
    return this.faults.add({ kind: 'hang' }, { op, times });
  }

  /** The next `times` requests to `op` are delayed by `ms`, then answered normally. */
  delayNext(op: FaultMatch['op'], ms: number, times = 1): FaultHandle {
    return this.faults.add({ kind: 'delay', ms }, { op, times });
  }

  /** The next `times` requests to `op` fail as a reset connection (fetch rejects with TypeError). */
  resetNext(op: FaultMatch['op'] = '*', times = 1): FaultHandle {
    return this.faults.add({ kind: 'reset' }, { op, times });
  }

  /** The next `times` requests to `op` answer 401 as for an invalid key. */
  unauthorizedNext(op: FaultMatch['op'] = '*', times = 1): FaultHandle {
    return this.faults.add({ kind: 'status', status: 401, message: 'Invalid API key' }, { op, times });
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Registers a hanging request's release; `close()` releases all. */
  onRelease(release: () => void): () => void {
    this.hangs.add(release);
    return () => this.hangs.delete(release);
  }

  /** Releases hanging requests (they end as network errors). */
  releaseHangs(): void {
    for (const release of [...this.hangs]) release();
    this.hangs.clear();
  }

  // ---------------------------------------------------------------- inspection

  /** A deep copy of people, faces (tombstones included), tags and asset change markers, for equality checks. */
  snapshot(): FakeImmichSnapshot {
    return clone({
      people: [...this.personMap.values()],
      faces: [...this.faceMap.values()],
      tags: [...this.tagMap.values()],
      assets: [...this.assetMap.values()].map(({ id, updatedAt, deletedAt, visibility, tagIds }) => ({
        id,
        updatedAt,
        deletedAt,
        visibility,
        tagIds,
      })),
    });
  }
}

export { ApiError };
