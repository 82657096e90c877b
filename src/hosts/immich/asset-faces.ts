import PQueue from 'p-queue';
import { AssetOrder, AssetTypeEnum, AssetVisibility, type AssetResponseDto } from '@immich/sdk';
import { listAssets } from './asset-listing.js';
import { ImmichRequestError, type AssetFaceResponseDto, type ImmichClient, type PersonResponseDto } from './client.js';
import type { ServerInfo } from './connection.js';
import { FACE_CHECK_PAGE, nextFaceCheckPosition, type FaceCheckPosition } from './face-check.js';

/** Per-asset face reads in flight at once: enough to hide a slow server's latency, few enough not to load it. */
export const FACE_READ_CONCURRENCY = 8;

/** Immich's largest search page, and the listing's page size. */
const PAGE_SIZE = 1000;

/**
 * What a caller needs to know of an asset's faces: 'all' of them (the write-back: a free face is taken rather than a
 * second one made), or only those on a person ('assigned': the user's labels).
 */
export type FaceNeed = 'all' | 'assigned';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

const BOX_KEYS = ['imageWidth', 'imageHeight', 'boundingBoxX1', 'boundingBoxY1', 'boundingBoxX2', 'boundingBoxY2'];

/** One face of 2.x's `people[].faces` or `unassignedFaces`, on `person`; null if it is not shaped like one. */
function listedFace(value: unknown, person: PersonResponseDto | null): AssetFaceResponseDto | null {
  if (!isRecord(value) || typeof value.id !== 'string') return null;
  if (!BOX_KEYS.every((key) => typeof value[key] === 'number')) return null;
  const face = value as unknown as Omit<AssetFaceResponseDto, 'person'>;
  return {
    id: face.id,
    imageWidth: face.imageWidth,
    imageHeight: face.imageHeight,
    boundingBoxX1: face.boundingBoxX1,
    boundingBoxY1: face.boundingBoxY1,
    boundingBoxX2: face.boundingBoxX2,
    boundingBoxY2: face.boundingBoxY2,
    ...(face.sourceType === undefined ? {} : { sourceType: face.sourceType }),
    person,
  };
}

/**
 * Every face of an asset listed with `withPeople` on Immich 2.x, as `GET /faces` shows them: 2.5.6 puts each
 * person with its faces in `people` and the rest in `unassignedFaces` (mapAsset; the 3.x SDK types have neither).
 * Null where the listing does not tell: 3.x (people without faces), or an edited asset, whose boxes search leaves in
 * the original's pixels while `GET /faces` gives them in the edited picture's.
 */
export function facesFromListing(asset: AssetResponseDto): AssetFaceResponseDto[] | null {
  const { unassignedFaces } = asset as AssetResponseDto & { unassignedFaces?: unknown };
  if (asset.isEdited || !Array.isArray(unassignedFaces) || !Array.isArray(asset.people)) return null;
  const groups: { person: PersonResponseDto | null; items: unknown }[] = [
    ...asset.people.map((person) => ({ person: withoutFaces(person), items: (person as { faces?: unknown }).faces })),
    { person: null, items: unassignedFaces },
  ];
  const faces: AssetFaceResponseDto[] = [];
  for (const { person, items } of groups) {
    if (!Array.isArray(items)) return null;
    for (const item of items) {
      const face = listedFace(item, person);
      if (!face) return null;
      faces.push(face);
    }
  }
  return faces;
}

/** The person of a 2.x `people` entry, as `GET /faces` shows it on a face. */
function withoutFaces(person: PersonResponseDto): PersonResponseDto {
  const { id, name, birthDate, thumbnailPath, isHidden, isFavorite, color, updatedAt } = person;
  return {
    id,
    name,
    birthDate,
    thumbnailPath,
    isHidden,
    ...(isFavorite === undefined ? {} : { isFavorite }),
    ...(color === undefined ? {} : { color }),
    ...(updatedAt === undefined ? {} : { updatedAt }),
  };
}

/**
 * The people on an asset listed with `withPeople` (3.x: `PersonResponseDto[]`, no faces), or null when the answer
 * has no such list. An asset without people has no face on a person: nothing to take as the user's label.
 */
export function peopleFromListing(asset: AssetResponseDto): Set<string> | null {
  return Array.isArray(asset.people) ? new Set(asset.people.map((p) => p.id)) : null;
}

/** Requests a full listing of the library with faces costs (2.x asks each page-boundary time once more). */
export function listingCost(libraryAssets: number, cursorPaging: boolean): number {
  const pages = Math.ceil(libraryAssets / PAGE_SIZE) + 1; // timeline pages, and the archive's one
  return cursorPaging ? pages + 1 : 2 * pages + 1;
}

/**
 * Reads the faces Immich shows on many assets in as few requests as it allows. On 2.x one listing of the library
 * with `withPeople` carries every face of every asset (a page per 1,000 photos); on 3.x that listing says only which
 * people are on each, which is enough for labels (an asset without people has none to give). Where a listing
 * costs more than reading asset by asset, or does not tell, each asset's faces are read with `GET /faces`,
 * FACE_READ_CONCURRENCY at a time. Every answer is as fresh as the call: nothing is cached between calls.
 */
export class AssetFaceReader {
  constructor(
    private readonly client: ImmichClient,
    private readonly info: ServerInfo,
    /** How many of the owner's assets the store knows: what a full listing costs. */
    private readonly libraryAssets: () => number,
    private readonly concurrency = FACE_READ_CONCURRENCY,
  ) {}

  /**
   * Immich's faces on each asset: all of them, or (need 'assigned') at least those on a person. Null for an asset
   * Immich no longer has (deleted since it was listed).
   */
  async read(assetIds: readonly string[], need: FaceNeed): Promise<Map<string, AssetFaceResponseDto[] | null>> {
    const wanted = [...new Set(assetIds)];
    const result = new Map<string, AssetFaceResponseDto[] | null>();
    const useful = !this.info.cursorPaging || need === 'assigned';
    if (useful && wanted.length > listingCost(this.libraryAssets(), this.info.cursorPaging)) {
      const listed = new Map(
        (await listAssets(this.client, this.info, null, { withPeople: true })).assets.map((a) => [a.id, a]),
      );
      for (const id of wanted) {
        const asset = listed.get(id);
        if (!asset) continue; // not in the listing (trashed, or new since): asked for below
        const faces = facesFromListing(asset);
        if (faces) result.set(id, faces);
        else if (need === 'assigned' && peopleFromListing(asset)?.size === 0) result.set(id, []);
      }
    }
    const queue = new PQueue({ concurrency: this.concurrency });
    await Promise.all(
      wanted.filter((id) => !result.has(id)).map((id) => queue.add(async () => result.set(id, await this.one(id)))),
    );
    return result;
  }

  /**
   * The write-back's read of the assets it puts faces on: `read(ids, 'all')`, except that on 3.x with Immich's
   * facial recognition off a photo the listing shows without people is not read but named in `unread`. 3.x lists
   * no faces, so the read before writing is a request a photo; on such a photo nobody put a face on a person, and
   * Immich detects none while its recognition is off, so its faces are created at once and the one read after them
   * (needed anyway to find them) shows whether Immich had one there all the same (write-back-plan.ts,
   * displacedCreations). Two requests a photo instead of three. With recognition on, most photos carry faces
   * Immich detected: each is read first, as before.
   */
  async readForWriting(
    assetIds: readonly string[],
  ): Promise<{ faces: Map<string, AssetFaceResponseDto[] | null>; unread: Set<string> }> {
    const wanted = [...new Set(assetIds)];
    const unread = new Set<string>();
    const skipReads = this.info.cursorPaging && !this.info.facialRecognition;
    if (skipReads && wanted.length > listingCost(this.libraryAssets(), true)) {
      const listed = new Map(
        (await listAssets(this.client, this.info, null, { withPeople: true })).assets.map((a) => [a.id, a]),
      );
      for (const id of wanted) {
        const asset = listed.get(id);
        if (asset && peopleFromListing(asset)?.size === 0) unread.add(id);
      }
    }
    const faces = await this.read(
      wanted.filter((id) => !unread.has(id)),
      'all',
    );
    return { faces, unread };
  }

  /**
   * One page of the rotation through the library (face-check.ts): the owner's photos from `position` on, each with
   * its people (2.x: and their faces), and where the next page starts. A page that ends the timeline goes on with the
   * archive's first page, so that a library smaller than a page is looked at whole in every cycle.
   */
  async checkPage(position: FaceCheckPosition): Promise<{ assets: AssetResponseDto[]; next: FaceCheckPosition }> {
    const assets: AssetResponseDto[] = [];
    for (let current = position; ;) {
      const page = await this.client.searchPage({
        type: AssetTypeEnum.Image,
        visibility: current.visibility === 'timeline' ? AssetVisibility.Timeline : AssetVisibility.Archive,
        order: AssetOrder.Asc,
        size: FACE_CHECK_PAGE,
        withPeople: true,
        ...(current.after ? { takenAfter: current.after } : {}),
      });
      assets.push(...page.items.filter((a) => a.ownerId === this.info.ownerId && !a.isTrashed));
      const more =
        (this.info.cursorPaging ? Boolean(page.nextCursor) : Boolean(page.nextPage)) && page.items.length > 0;
      const next = nextFaceCheckPosition(
        current,
        page.items.map((a) => a.fileCreatedAt),
        more,
      );
      if (more || current.visibility === 'archive') return { assets, next };
      current = next;
    }
  }

  private async one(assetId: string): Promise<AssetFaceResponseDto[] | null> {
    try {
      return await this.client.faces(assetId);
    } catch (error) {
      // Immich no longer has the asset (deleted since the listing): its removal comes with the next full listing
      if (error instanceof ImmichRequestError && (error.status === 400 || error.status === 404)) return null;
      throw error;
    }
  }
}
