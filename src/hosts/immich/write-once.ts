import type { AssetFaceResponseDto } from '@immich/sdk';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Store } from '../../store/store.js';
import { ImmichAuthError, ImmichUncertainWriteError, type ImmichClient, type PersonResponseDto } from './client.js';
import { matchFace } from './face-match.js';
import {
  orphanCandidates,
  planPendingPeople,
  type CreateFaceOp,
  type PendingPerson,
  type PeoplePlanInput,
  type PlanObservation,
} from './write-back-plan.js';

/**
 * The name a person is created with, and the prefix of every such name. Immich lists no person without faces
 * (GET /people), so a person whose creation reply was lost cannot be found by listing; it can by name
 * (GET /search/person, a prefix match that ignores faces). Each creation therefore names its person
 * `immich-people pending <uuid>`, recorded as an intent before the call, and renames it to its real name (or none)
 * before any face goes on it, so nobody sees the marker: Immich shows no person without faces. No `_` or `%`: Immich
 * matches names with SQL LIKE.
 */
export const PENDING_PREFIX = 'immich-people pending ';

/** What `WriteOnce.createFaces` made: each face as Immich shows it (null: not told apart), and the read after. */
export interface CreatedFaces {
  made: Map<CreateFaceOp, AssetFaceResponseDto | null>;
  after: AssetFaceResponseDto[] | null;
}

/** Tries of a creation whose outcomes stay uncertain before the write-back gives up (the intent stays for later). */
const CREATE_TRIES = 3;

/**
 * Writes that create something, exactly once. Each is recorded as an intent before the call; an uncertain outcome
 * (ImmichUncertainWriteError: a 5xx, a timeout, a reset) is settled by reading Immich back, and only what is not
 * there is created again. An intent left by a killed process is settled the same way by `settle()` at the start of
 * the next write-back, which also removes the people we created and then left empty.
 */
export class WriteOnce {
  constructor(
    private readonly store: Store,
    private readonly client: ImmichClient,
    private readonly log: Logger,
    /** False when the key lacks person.delete (the start-up check warned): unneeded people of ours stay, hidden. */
    private readonly deletePeople = true,
  ) {}

  /** Creates an Immich person for our `personId`, names it `name` (or nothing) and links the two. */
  async createPerson(personId: string, name: string | null): Promise<PersonResponseDto> {
    const marker = `${PENDING_PREFIX}${randomUUID()}`;
    this.store.immich.addIntent({ marker, kind: 'person', subject: personId, immichPersonId: null, assetId: null });
    let created: PersonResponseDto | null = null;
    for (let attempt = 1; !created; attempt++) {
      try {
        created = await this.client.createPerson(marker);
      } catch (error) {
        if (!(error instanceof ImmichUncertainWriteError)) throw error;
        created = await this.findMarked(marker);
        if (!created && attempt >= CREATE_TRIES) throw error;
        if (created) this.log.info({ person: created.id }, 'a person creation without reply did happen: adopted');
      }
    }
    this.store.immich.intentCreated(marker, created.id);
    return this.adopt(marker, personId, created.id, name);
  }

  /**
   * Creates the manual faces `ops` describe, all on one asset, and returns each as Immich shows it, or null when it
   * cannot be told apart (its intent then stays for the next write-back). POST /faces answers without the new face,
   * so one read of the asset after the last creation finds them all. `known`: faces that cannot be any of them
   * (there before, or claimed). `after`: the asset's faces as that read showed them (null when none was needed).
   */
  async createFaces(ops: readonly CreateFaceOp[], known: ReadonlySet<string>): Promise<CreatedFaces> {
    const found = new Map<CreateFaceOp, AssetFaceResponseDto | null>();
    let after: AssetFaceResponseDto[] | null = null;
    const claimed = new Set(known);
    const claim = (op: CreateFaceOp, face: AssetFaceResponseDto | undefined) => {
      if (face) claimed.add(face.id);
      found.set(op, face ?? null);
    };
    for (const op of ops) {
      const adopted = await this.createFace(op, claimed);
      if (adopted) claim(op, adopted);
    }
    const unseen = ops.filter((op) => !found.has(op));
    if (unseen.length > 0) {
      after = await this.client.faces(unseen[0].assetId);
      for (const op of unseen) claim(op, this.matchFace(op, after, claimed));
    }
    return { made: found, after };
  }

  /**
   * Creates one face. Null once Immich said it did (the caller finds it among the asset's faces); the face itself
   * when a creation without reply did happen, as a read of the asset showed.
   */
  private async createFace(op: CreateFaceOp, claimed: ReadonlySet<string>): Promise<AssetFaceResponseDto | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.createFace(op.face);
        return null;
      } catch (error) {
        if (!(error instanceof ImmichUncertainWriteError)) throw error;
        const found = this.matchFace(op, await this.client.faces(op.assetId), claimed);
        if (found) {
          this.log.info({ asset: op.assetId, face: found.id }, 'a face creation without reply did happen: adopted');
          return found;
        }
        if (attempt >= CREATE_TRIES) throw error;
      }
    }
  }

  /** Our box among the asset's faces on the target person, leaving out `claimed` ones. */
  private matchFace(
    op: Pick<CreateFaceOp, 'box' | 'face' | 'immichPersonId'>,
    faces: readonly AssetFaceResponseDto[],
    claimed: ReadonlySet<string>,
  ): AssetFaceResponseDto | undefined {
    const candidates = faces.filter((face) => !claimed.has(face.id) && face.person?.id === op.immichPersonId);
    return matchFace(op.box, candidates, op.face.imageWidth, op.face.imageHeight);
  }

  /**
   * Settles what an earlier process left: person intents (the person adopted if we still need it, else deleted),
   * face intents (the face adopted if Immich has it), people named with our marker that no intent knows (a creation
   * that landed after we gave up on it), and linked people we left without faces and no longer need.
   */
  async settle(
    people: PeoplePlanInput,
    observations: ReadonlyMap<number, PlanObservation>,
    linkedFacePeople: ReadonlySet<string>,
  ): Promise<{ peopleAdopted: number; peopleRemoved: number; facesAdopted: number }> {
    const result = { peopleAdopted: 0, peopleRemoved: 0, facesAdopted: 0 };
    const intents = this.store.immich.intents();
    const markers = new Set(intents.map((i) => i.marker));
    // one read a write-back: every person still named with our marker (pending, or created after we gave up on it)
    const marked = await this.client.searchPeople(PENDING_PREFIX);
    const pending: PendingPerson[] = [];
    const ourPeople = new Set(people.people.flatMap((p) => (p.immichId ? [p.immichId] : [])));
    // the Immich faces our observations hold, read once for all face intents and kept up to date as they are adopted
    let held: Set<string> | undefined;
    for (const intent of intents) {
      if (intent.kind === 'face') {
        const o = observations.get(Number(intent.subject));
        held ??= new Set(this.store.immich.faces().map((link) => link.immichFaceId));
        if (
          o &&
          intent.immichPersonId &&
          (await this.adoptFace(intent.marker, o, intent.immichPersonId, ourPeople, held))
        ) {
          result.facesAdopted++;
        }
        this.store.immich.removeIntent(intent.marker);
        continue;
      }
      const person = intent.immichPersonId
        ? await this.client.person(intent.immichPersonId)
        : (marked.find((p) => p.name === intent.marker) ?? null);
      if (person) pending.push({ marker: intent.marker, personId: intent.subject, immichId: person.id });
      else this.store.immich.removeIntent(intent.marker); // never created: the planner creates it again
    }
    for (const op of planPendingPeople(pending, people)) {
      if (op.kind === 'adoptPerson') {
        await this.adopt(op.marker, op.personId, op.immichId, op.name);
        result.peopleAdopted++;
      } else if (await this.removeIfEmpty(op.immichId)) {
        this.store.immich.removeIntent(op.marker);
        result.peopleRemoved++;
      }
    }
    // marked people no intent knows: a creation we gave up on that Immich carried out later
    for (const stray of marked.filter((p) => p.name.startsWith(PENDING_PREFIX) && !markers.has(p.name))) {
      if (await this.removeIfEmpty(stray.id)) result.peopleRemoved++;
    }
    for (const orphan of orphanCandidates(
      { people: people.people, observations: people.observations },
      linkedFacePeople,
    )) {
      const person = await this.client.person(orphan.immichId);
      if (person && (person.name !== '' || !(await this.removeIfEmpty(person.id)))) continue;
      this.store.immich.unlinkPerson(orphan.personId);
      result.peopleRemoved++;
    }
    return result;
  }

  /**
   * A face intent left by a killed process: the asset's face on the intent's person that matches our box (and that
   * no other observation holds, `held`) is the one we created; without one, nothing was created and the planner
   * creates it.
   */
  private async adoptFace(
    marker: string,
    o: PlanObservation,
    immichPersonId: string,
    ourPeople: ReadonlySet<string>,
    held: Set<string>,
  ): Promise<boolean> {
    const all = (await this.client.faces(o.assetId)).filter((face) => !held.has(face.id));
    const made = matchFace(
      o.box,
      all.filter((face) => face.person?.id === immichPersonId),
      o.imageWidth,
      o.imageHeight,
    );
    // made without a read before (write-back.ts, `unread`) where Immich had a face: the process stopped before ours
    // gave way to it. Ours goes; the planner then takes that face or leaves it to the user. Faces on our people are
    // never counted as that face: one may be another creation of ours whose intent is settled next.
    const other = made
      ? matchFace(
          o.box,
          all.filter((face) => face.id !== made.id && !(face.person && ourPeople.has(face.person.id))),
          o.imageWidth,
          o.imageHeight,
        )
      : undefined;
    if (made && other && (await this.deleteCreatedFace(made.id, o.assetId))) {
      this.store.immich.removeIntent(marker);
      return false;
    }
    this.store.immich.atomically(() => {
      if (made)
        this.store.immich.linkFace({ observationId: o.id, immichFaceId: made.id, immichPersonId, origin: 'created' });
      this.store.immich.removeIntent(marker);
    });
    if (made) held.add(made.id);
    return made !== undefined;
  }

  /** Gives the Immich person its real name (or none) and links it to ours, retiring the intent in the same step. */
  private async adopt(
    marker: string,
    personId: string,
    immichId: string,
    name: string | null,
  ): Promise<PersonResponseDto> {
    const named = await this.client.updatePerson(immichId, { name: name ?? '' });
    this.store.immich.atomically(() => {
      this.store.immich.linkPerson(personId, immichId, named.name || null, named.isHidden);
      this.store.immich.removeIntent(marker);
    });
    return named;
  }

  /**
   * Deletes a face we created and no longer want (another face covers its place); true once Immich no longer shows
   * it. A reply lost is settled by reading the asset back. False, with a warning, when the key may not delete faces:
   * the face then stays ours, as it would have before.
   */
  async deleteCreatedFace(faceId: string, assetId: string): Promise<boolean> {
    try {
      await this.client.deleteFace(faceId);
      return true;
    } catch (error) {
      if (error instanceof ImmichAuthError && error.status === 403) {
        this.log.warn(
          { asset: assetId, face: faceId, error: error.message },
          'cannot delete a face we made where Immich already had one (the API key lacks face.delete); it stays',
        );
        return false;
      }
      if (!(error instanceof ImmichUncertainWriteError)) throw error;
      return !(await this.client.faces(assetId)).some((face) => face.id === faceId);
    }
  }

  private async findMarked(marker: string): Promise<PersonResponseDto | null> {
    return (await this.client.searchPeople(marker)).find((p) => p.name === marker) ?? null;
  }

  /** Deletes a person we made if Immich confirms it has no faces (on any asset, trashed ones too); true once gone. */
  private async removeIfEmpty(immichId: string): Promise<boolean> {
    if (!this.deletePeople) return false;
    const page = await this.client.searchPage({ personIds: [immichId], size: 1, withDeleted: true });
    if (page.items.length > 0) return false;
    try {
      await this.client.deletePerson(immichId);
    } catch (error) {
      // person.delete revoked while running (a key without it never gets here): the person stays, hidden by Immich
      // because it has no faces; one missing optional permission must not stop every cycle (seen on Immich 2.5.6)
      if (error instanceof ImmichAuthError && error.status === 403) {
        this.log.warn(
          { immichPersonId: immichId, error: error.message },
          'cannot delete a person we made and no longer need (the API key lacks person.delete); it stays, hidden',
        );
        return false;
      }
      if (!(error instanceof ImmichUncertainWriteError)) throw error;
    }
    return (await this.client.person(immichId)) === null;
  }
}
