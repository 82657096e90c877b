import type { Logger } from 'pino';
import type { PeopleEditor } from '../../ports.js';
import type { Store } from '../../store/store.js';
import type { ImmichClient, PersonResponseDto } from './client.js';
import { IMMICH_SOURCE } from '../../ports.js';

export interface UserChangesSummary {
  renamed: number;
  hidden: number;
  merged: number;
  deletedPeople: number;
  reassignedFaces: number;
  deletedFaces: number;
}

/** Faces re-read per cycle beyond the changed assets: a full pass over 10k written faces takes ~50 cycles. */
export const FACE_CHECKS_PER_CYCLE = 200;

/**
 * Reads back what the user did in Immich since the last cycle and turns it into our store's truth.
 * People are cheap to compare (one paged list: names, hidden, vanished ids). Faces are not: Immich does not bump an
 * asset's updatedAt when a face moves. So each cycle re-reads the faces of (1) assets whose people changed and
 * (2) a rotating slice of the faces we wrote; every written face is looked at again within a bounded number of cycles.
 */
export class UserChangesService {
  constructor(
    private readonly store: Store,
    private readonly client: ImmichClient,
    /** Applies the user's edits to the store as constraints (the engine's PeopleService). */
    private readonly people: PeopleEditor,
    private readonly log: Logger,
  ) {}

  async run(): Promise<UserChangesSummary> {
    const summary: UserChangesSummary = {
      renamed: 0,
      hidden: 0,
      merged: 0,
      deletedPeople: 0,
      reassignedFaces: 0,
      deletedFaces: 0,
    };
    const people = this.people;
    const remote = new Map<string, PersonResponseDto>((await this.client.allPeople()).map((p) => [p.id, p]));
    // Immich leaves unnamed people with fewer than minFaces faces out of its list: ask for those one by one
    for (const link of this.store.immich.people()) {
      if (!link.immichId || remote.has(link.immichId)) continue;
      const person = await this.client.person(link.immichId);
      if (person) remote.set(person.id, person);
    }
    const assets = new Map(this.store.assets.list(IMMICH_SOURCE).map((a) => [a.id, a]));
    const observationAsset = new Map(this.store.observations.all({ vectors: false }).map((o) => [o.id, o.assetId]));
    const suspect = new Set<number>();

    for (const link of this.store.immich.people()) {
      if (!link.immichId) continue;
      const person = remote.get(link.immichId);
      if (!person) {
        // gone: merged into another person, or deleted; its faces tell which
        for (const face of this.store.immich.faces())
          if (face.immichPersonId === link.immichId) suspect.add(face.observationId);
        continue;
      }
      const name = person.name || null;
      if (name !== link.name) {
        if (this.store.people.get(link.personId)) people.name(link.personId, name);
        summary.renamed++;
      }
      if (person.isHidden !== link.hidden) {
        this.store.people.setHidden(link.personId, person.isHidden);
        summary.hidden++;
      }
      this.store.immich.linkPerson(link.personId, link.immichId, name, person.isHidden);
    }

    // a rotating slice of the faces we wrote, after the suspects
    const written = this.store.immich.faces().filter((f) => f.origin !== 'user');
    const cursor = Number(this.store.checkpoints.get('immich.faceCheck.cursor') ?? '0');
    for (let k = 0; k < Math.min(FACE_CHECKS_PER_CYCLE, written.length); k++) {
      suspect.add(written[(cursor + k) % written.length].observationId);
    }
    if (written.length > 0) {
      this.store.checkpoints.set('immich.faceCheck.cursor', String((cursor + FACE_CHECKS_PER_CYCLE) % written.length));
    }

    const byAsset = new Map<number, number[]>();
    for (const o of suspect) {
      const assetId = observationAsset.get(o);
      if (assetId === undefined) continue;
      const list = byAsset.get(assetId);
      if (list) list.push(o);
      else byAsset.set(assetId, [o]);
    }
    const mergedAway = new Map<string, string>();
    for (const [assetId, observations] of byAsset) {
      const asset = assets.get(assetId);
      if (!asset) continue;
      const faces = new Map((await this.client.faces(asset.sourceId)).map((f) => [f.id, f]));
      for (const observationId of observations) {
        const link = this.store.immich.face(observationId);
        if (!link) continue;
        const face = faces.get(link.immichFaceId);
        const [stored] = this.store.observations.byIds([observationId], { vectors: false });
        if (!face) {
          // the user deleted the face: never put it back, never on that person again
          this.store.immich.linkFace({ ...link, immichPersonId: null, origin: 'user' });
          if (stored?.personId) people.split(observationId);
          summary.deletedFaces++;
          continue;
        }
        const holder = face.person?.id ?? null;
        if (holder === link.immichPersonId) continue;
        const previous = link.immichPersonId ? this.store.immich.byImmichId(link.immichPersonId) : undefined;
        const next = holder ? this.store.immich.byImmichId(holder) : undefined;
        if (link.immichPersonId && !remote.has(link.immichPersonId) && previous && next) {
          mergedAway.set(previous.personId, next.personId);
        } else {
          summary.reassignedFaces++;
        }
        this.store.immich.linkFace({ ...link, immichPersonId: holder, origin: 'user' });
        if (next) this.store.observations.assign([{ id: observationId, personId: next.personId, assignedBy: 'user' }]);
        else if (stored?.personId) people.split(observationId);
      }
    }

    // people whose Immich person vanished: merged where their faces went, else deleted by the user
    for (const link of this.store.immich.people()) {
      if (!link.immichId || remote.has(link.immichId)) continue;
      const into = mergedAway.get(link.personId);
      if (into && this.store.people.get(into) && this.store.people.get(link.personId)) {
        people.merge(into, link.personId);
        summary.merged++;
      } else if (this.store.people.get(link.personId)) {
        this.store.people.setHidden(link.personId, true);
        summary.deletedPeople++;
      }
      this.store.immich.unlinkPerson(link.personId);
    }
    if (Object.values(summary).some((n) => n > 0)) this.log.info(summary, 'read back changes made in Immich');
    return summary;
  }
}
