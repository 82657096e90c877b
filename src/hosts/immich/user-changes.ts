import type { Logger } from 'pino';
import type { PeopleEditor } from '../../ports.js';
import type { ImmichFaceLink, ImmichPersonLink } from '../../store/immich.js';
import type { Store } from '../../store/store.js';
import { facesFromListing, peopleFromListing, type AssetFaceReader } from './asset-faces.js';
import type { AssetFaceResponseDto, ImmichClient, PersonResponseDto } from './client.js';
import { parseFaceCheckPosition, type FaceCheckPosition } from './face-check.js';
import { ImmichLossError, isLoss, type LossInput, type LossPolicy } from './loss-guard.js';
import { IMMICH_SOURCE } from '../../ports.js';

export interface UserChangesSummary {
  renamed: number;
  hidden: number;
  merged: number;
  deletedPeople: number;
  reassignedFaces: number;
  deletedFaces: number;
  /** `--readopt`: people and faces that vanished from Immich, forgotten so that the write-back writes them again. */
  readoptedPeople: number;
  readoptedFaces: number;
}

const FACE_CHECK_POSITION = 'immich.faceCheck.position';
/** The source's checkpoint of its last full listing: cleared so the next cycle lists in full (see readopt). */
const LAST_FULL_LISTING = 'immich.sync.lastFull';

/** What one cycle read from Immich, before anything is changed. */
interface ReadBack {
  remote: Map<string, PersonResponseDto>;
  linked: ImmichPersonLink[];
  /** Linked people Immich no longer has. */
  gone: ImmichPersonLink[];
  /** Per our asset id: Immich's faces on it by id, or null when Immich no longer has the asset. */
  facesByAsset: Map<number, Map<string, AssetFaceResponseDto> | null>;
  /** The face links to look at, each with our asset id. */
  suspects: { link: ImmichFaceLink; assetId: number }[];
  /** Faces we wrote on checked photos that still show their people (3.x: the listing says so, unread). */
  verifiedFaces: number;
  next: FaceCheckPosition;
}

/**
 * Reads back what the user did in Immich since the last cycle and turns it into our store's truth.
 * People are cheap to compare (one paged list: names, hidden, vanished ids). Faces are not: Immich does not bump an
 * asset's updatedAt when a face moves. So each cycle re-reads the faces of (1) assets whose people changed and
 * (2) the photos of one page of a listing that rotates through the library (FACE_CHECK_PAGE photos, in capture
 * order): on 2.x that page carries their faces; on 3.x it names their people, and a photo that lost one of the
 * people our faces put on it has its faces read. Every photo is looked at again within a bounded number of cycles.
 *
 * Everything is read before anything is changed: when most of what we wrote vanished at once (loss-guard.ts), the
 * cycle stops with nothing changed, or, as the user said, writes it all again or takes it as deletions.
 */
export class UserChangesService {
  constructor(
    private readonly store: Store,
    private readonly client: ImmichClient,
    /** Reads photos' faces in bulk where Immich allows (asset-faces.ts). */
    private readonly faces: AssetFaceReader,
    /** Applies the user's edits to the store as constraints (the engine's PeopleService). */
    private readonly people: PeopleEditor,
    private readonly log: Logger,
    private readonly lossPolicy: LossPolicy = 'stop',
  ) {}

  async run(): Promise<UserChangesSummary> {
    const summary: UserChangesSummary = {
      renamed: 0,
      hidden: 0,
      merged: 0,
      deletedPeople: 0,
      reassignedFaces: 0,
      deletedFaces: 0,
      readoptedPeople: 0,
      readoptedFaces: 0,
    };
    const read = await this.readBack();
    const { loss, deleted, missing } = this.judge(read);
    if (loss && this.lossPolicy === 'stop') throw new ImmichLossError(loss, this.store.path);
    if (this.lossPolicy === 'readopt' && (deleted.length > 0 || missing.length > 0)) {
      // the rest waits for the next cycle, which reads the same slice of faces again
      this.readopt(read, deleted, missing, summary);
    } else {
      this.applyPeople(read, summary);
      this.applyFaces(read, summary);
      this.store.checkpoints.set(FACE_CHECK_POSITION, JSON.stringify(read.next));
    }
    if (Object.values(summary).some((n) => n > 0)) this.log.info(summary, 'read back changes made in Immich');
    return summary;
  }

  private async readBack(): Promise<ReadBack> {
    const remote = new Map<string, PersonResponseDto>((await this.client.allPeople()).map((p) => [p.id, p]));
    const linked = this.store.immich.people().filter((link) => link.immichId !== null);
    // Immich leaves unnamed people with fewer than minFaces faces out of its list: ask for those one by one
    for (const link of linked) {
      if (remote.has(link.immichId!)) continue;
      const person = await this.client.person(link.immichId!);
      if (person) remote.set(person.id, person);
    }
    const gone = linked.filter((link) => !remote.has(link.immichId!));
    const goneIds = new Set(gone.map((link) => link.immichId));
    const faceLinks = new Map(this.store.immich.faces().map((link) => [link.observationId, link]));
    const suspects: ReadBack['suspects'] = [];
    const facesByAsset: ReadBack['facesByAsset'] = new Map();
    /** Our asset id → Immich's, of the photos whose faces are to be read one by one. */
    const toRead = new Map<number, string>();
    let verifiedFaces = 0;

    // gone: merged into another person, or deleted; its faces tell which
    const goneFaces = new Set([...faceLinks.values()].filter((f) => f.immichPersonId && goneIds.has(f.immichPersonId)));
    const assetOf = new Map(
      this.store.observations
        .byIds(
          [...goneFaces].map((f) => f.observationId),
          { vectors: false },
        )
        .map((o) => [o.id, o.assetId]),
    );
    for (const link of goneFaces) {
      const asset = assetOf.get(link.observationId);
      const row = asset === undefined ? undefined : this.store.assets.byId(asset);
      if (!row || row.source !== IMMICH_SOURCE) continue;
      suspects.push({ link, assetId: row.id });
      toRead.set(row.id, row.sourceId);
    }

    // this cycle's page of the rotation through the library
    const position = parseFaceCheckPosition(this.store.checkpoints.get(FACE_CHECK_POSITION));
    const page = await this.faces.checkPage(position);
    for (const asset of page.assets) {
      const row = this.store.assets.get(IMMICH_SOURCE, asset.id);
      if (!row) continue;
      const links = this.store.observations
        .forAsset(row.id)
        .flatMap((o) => faceLinks.get(o.id) ?? [])
        .filter((link) => !goneFaces.has(link));
      if (links.length === 0) continue;
      const faces = facesFromListing(asset);
      if (faces) {
        if (!toRead.has(row.id)) facesByAsset.set(row.id, new Map(faces.map((f) => [f.id, f])));
        for (const link of links) suspects.push({ link, assetId: row.id });
        continue;
      }
      const people = peopleFromListing(asset) ?? new Set<string>();
      if (links.every((link) => !link.immichPersonId || people.has(link.immichPersonId))) {
        verifiedFaces += links.filter((link) => link.origin !== 'user').length;
        continue;
      }
      for (const link of links) suspects.push({ link, assetId: row.id });
      toRead.set(row.id, row.sourceId);
    }
    for (const rowId of toRead.keys()) facesByAsset.delete(rowId);

    const read = await this.faces.read([...toRead.values()], 'all');
    for (const [rowId, sourceId] of toRead) {
      const faces = read.get(sourceId);
      facesByAsset.set(rowId, faces ? new Map(faces.map((f) => [f.id, f])) : null);
    }
    return { remote, linked, gone, facesByAsset, suspects, verifiedFaces, next: page.next };
  }

  /** How much of what we wrote vanished: people deleted (not merged) and written faces missing. */
  private judge(read: ReadBack): {
    loss: LossInput | null;
    deleted: ImmichPersonLink[];
    missing: ImmichFaceLink[];
  } {
    const mergedAway = new Set<string>();
    const missing: ImmichFaceLink[] = [];
    let checkedFaces = read.verifiedFaces;
    for (const { link, assetId } of read.suspects) {
      const faces = read.facesByAsset.get(assetId);
      const face = faces?.get(link.immichFaceId);
      if (link.origin !== 'user') {
        checkedFaces++;
        if (!face) missing.push(link);
      }
      const holder = face?.person?.id;
      if (link.immichPersonId && holder && holder !== link.immichPersonId && this.store.immich.byImmichId(holder)) {
        mergedAway.add(link.immichPersonId);
      }
    }
    const deleted = read.gone.filter((link) => !mergedAway.has(link.immichId!));
    const input: LossInput = {
      linkedPeople: read.linked.length,
      deletedPeople: deleted.length,
      checkedFaces,
      missingFaces: missing.length,
    };
    return { loss: isLoss(input) ? input : null, deleted, missing };
  }

  /**
   * `--readopt`: what vanished is forgotten, as if never written: the deleted people's links and their faces' links,
   * and the links of written faces Immich no longer has, so the write-back creates them again (a face whose asset
   * is gone keeps its link: the next full listing, due at once, removes the asset). Nothing is hidden or split.
   */
  private readopt(
    read: ReadBack,
    deleted: readonly ImmichPersonLink[],
    missing: readonly ImmichFaceLink[],
    summary: UserChangesSummary,
  ): void {
    const deletedIds = new Set(deleted.map((link) => link.immichId));
    const assetGone = new Set(
      read.suspects.filter(({ assetId }) => read.facesByAsset.get(assetId) === null).map(({ link }) => link),
    );
    this.store.transaction(() => {
      for (const link of deleted) this.store.immich.unlinkPerson(link.personId);
      const forgotten = new Set<number>();
      for (const face of this.store.immich.faces()) {
        if (face.immichPersonId && deletedIds.has(face.immichPersonId) && face.origin !== 'user') {
          forgotten.add(face.observationId);
        }
      }
      for (const face of missing) if (!assetGone.has(face)) forgotten.add(face.observationId);
      for (const observationId of forgotten) this.store.immich.unlinkFace(observationId);
      this.store.checkpoints.set(LAST_FULL_LISTING, '0');
      summary.readoptedPeople = deleted.length;
      summary.readoptedFaces = forgotten.size;
    });
    this.log.warn(
      { people: summary.readoptedPeople, faces: summary.readoptedFaces },
      're-adopting: people and faces that vanished from Immich will be written again',
    );
  }

  /** Renames and hidden flags of the people still there. */
  private applyPeople(read: ReadBack, summary: UserChangesSummary): void {
    for (const link of read.linked) {
      const person = read.remote.get(link.immichId!);
      if (!person) continue;
      const name = person.name || null;
      if (name !== link.name) {
        if (this.store.people.get(link.personId)) this.people.name(link.personId, name);
        summary.renamed++;
      }
      if (person.isHidden !== link.hidden) {
        this.store.people.setHidden(link.personId, person.isHidden);
        summary.hidden++;
      }
      this.store.immich.linkPerson(link.personId, link.immichId!, name, person.isHidden);
    }
  }

  /** Faces the user moved or deleted, then the people that vanished: merged where their faces went, else deleted. */
  private applyFaces(read: ReadBack, summary: UserChangesSummary): void {
    const mergedAway = new Map<string, string>();
    for (const { link: before, assetId } of read.suspects) {
      const faces = read.facesByAsset.get(assetId);
      if (!faces) continue; // the asset is gone from Immich: the listing removes it
      const link = this.store.immich.face(before.observationId);
      if (!link) continue;
      const face = faces.get(link.immichFaceId);
      const [stored] = this.store.observations.byIds([link.observationId], { vectors: false });
      if (!face) {
        // the user deleted the face: never put it back, never on that person again
        this.store.immich.linkFace({ ...link, immichPersonId: null, origin: 'user' });
        if (stored?.personId) this.people.split(link.observationId);
        summary.deletedFaces++;
        continue;
      }
      const holder = face.person?.id ?? null;
      if (holder === link.immichPersonId) continue;
      const previous = link.immichPersonId ? this.store.immich.byImmichId(link.immichPersonId) : undefined;
      const next = holder ? this.store.immich.byImmichId(holder) : undefined;
      if (link.immichPersonId && !read.remote.has(link.immichPersonId) && previous && next) {
        mergedAway.set(previous.personId, next.personId);
      } else {
        summary.reassignedFaces++;
      }
      this.store.immich.linkFace({ ...link, immichPersonId: holder, origin: 'user' });
      if (next) {
        this.store.observations.assign([{ id: link.observationId, personId: next.personId, assignedBy: 'user' }]);
      } else if (stored?.personId) this.people.split(link.observationId);
    }

    for (const link of read.gone) {
      const into = mergedAway.get(link.personId);
      if (into && this.store.people.get(into) && this.store.people.get(link.personId)) {
        this.people.merge(into, link.personId);
        summary.merged++;
      } else if (this.store.people.get(link.personId)) {
        this.store.people.setHidden(link.personId, true);
        summary.deletedPeople++;
      }
      this.store.immich.unlinkPerson(link.personId);
    }
  }
}
