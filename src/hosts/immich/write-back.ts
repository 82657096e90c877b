import type { AssetFaceResponseDto } from '@immich/sdk';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AssetRow } from '../../store/assets.js';
import type { FaceOrigin, ImmichFaceLink } from '../../store/immich.js';
import type { StoredObservation } from '../../store/observations.js';
import { IMMICH_SOURCE } from '../../ports.js';
import type { Store } from '../../store/store.js';
import type { ImmichClient } from './client.js';
import { WriteOnce } from './write-once.js';
import {
  assetsNeedingFaces,
  planFaces,
  planPeople,
  type FaceOp,
  type PlanObservation,
  type PlanPerson,
} from './write-back-plan.js';

export interface WriteBackOptions {
  /**
   * A machine-made person is created in Immich once it has this many clear faces. Immich hides unnamed people with
   * fewer than its minFaces (3 by default), so fewer would create people nobody can see; named people always go.
   */
  minFaces: number;
  /** Also tag assets `People/<Name>` for named people (off by default: tags rewrite XMP sidecars). */
  tags: boolean;
  /**
   * Delete the people we created and no longer need (the key has person.delete); without it they stay, hidden by
   * Immich because they have no faces. Default true.
   */
  deletePeople?: boolean;
}

export interface WriteBackSummary {
  peopleCreated: number;
  /** People an earlier process created without recording them, now linked to ours. */
  peopleAdopted: number;
  /** Empty people of ours removed: left by an earlier process, or by a creation that landed after we gave up. */
  peopleRemoved: number;
  facesCreated: number;
  facesReassigned: number;
  facesAdopted: number;
  facesLeftToUser: number;
  assetsTagged: number;
}

/**
 * Writes our people and faces into Immich without overriding the user: a face someone else assigned is left as it
 * is (and read back as the user's label); a face we wrote is recorded the moment the call returns, so a restart
 * after a crash at any point adopts what is there instead of writing it again.
 *
 * What to write is decided by the pure planner (write-back-plan.ts); this class only gathers its inputs from the
 * store and Immich, and carries out each operation in the planned order.
 */
export class WriteBackService {
  constructor(
    private readonly store: Store,
    private readonly client: ImmichClient,
    private readonly options: WriteBackOptions,
    private readonly log: Logger,
  ) {}

  async run(): Promise<WriteBackSummary> {
    const summary: WriteBackSummary = {
      peopleCreated: 0,
      peopleAdopted: 0,
      peopleRemoved: 0,
      facesCreated: 0,
      facesReassigned: 0,
      facesAdopted: 0,
      facesLeftToUser: 0,
      assetsTagged: 0,
    };
    const assets = new Map(this.store.assets.list(IMMICH_SOURCE).map((a) => [a.id, a]));
    const observations = this.store.observations
      .all({ vectors: false })
      .filter((o) => assets.has(o.assetId) && o.observation.face && o.personId);
    const faceLinks = new Map(this.store.immich.faces().map((link) => [link.observationId, link]));
    const planned = observations.map((o) => toPlanObservation(o, assets.get(o.assetId)!, faceLinks.get(o.id)));
    const once = new WriteOnce(this.store, this.client, this.log, this.options.deletePeople ?? true);

    const settled = await once.settle(
      { people: this.peopleWithLinks(), observations: planned, minFaces: this.options.minFaces },
      new Map(planned.map((o) => [o.id, o])),
      new Set([...faceLinks.values()].flatMap((link) => (link.immichPersonId ? [link.immichPersonId] : []))),
    );
    summary.peopleAdopted = settled.peopleAdopted;
    summary.peopleRemoved = settled.peopleRemoved;
    summary.facesAdopted = settled.facesAdopted;
    // face links may have been added by settling: plan from the store as it is now
    const links = new Map(this.store.immich.faces().map((link) => [link.observationId, link]));
    const current = observations.map((o) => toPlanObservation(o, assets.get(o.assetId)!, links.get(o.id)));

    for (const op of planPeople({
      people: this.peopleWithLinks(),
      observations: current,
      minFaces: this.options.minFaces,
    })) {
      await once.createPerson(op.personId, op.name);
      summary.peopleCreated++;
    }

    const facesInput = { people: this.peopleWithLinks(), observations: current };
    const facesByAsset = new Map<string, AssetFaceResponseDto[]>();
    for (const assetId of assetsNeedingFaces(facesInput)) facesByAsset.set(assetId, await this.client.faces(assetId));
    // Faces Immich showed before our writes, and those we created since: a created face is the one not among them.
    const knownFaceIds = new Set([...facesByAsset.values()].flat().map((face) => face.id));
    for (const op of planFaces(facesInput, facesByAsset)) {
      await this.execute(op, summary, knownFaceIds, once);
    }

    if (this.options.tags) {
      const byPerson = new Map<string, StoredObservation[]>();
      for (const o of observations) {
        if (!o.observation.face!.quality.clear) continue;
        const members = byPerson.get(o.personId!);
        if (members) members.push(o);
        else byPerson.set(o.personId!, [o]);
      }
      summary.assetsTagged = await this.tag(byPerson, assets);
    }
    return summary;
  }

  /** Carries out one face operation and records it in the store as soon as Immich has answered. */
  private async execute(
    op: FaceOp,
    summary: WriteBackSummary,
    knownFaceIds: Set<string>,
    once: WriteOnce,
  ): Promise<void> {
    switch (op.kind) {
      case 'adopt':
        this.linkFace(op, op.immichFaceId, 'adopted');
        summary.facesAdopted++;
        return;
      case 'reassign':
        await this.client.reassignFace(op.immichFaceId, op.immichPersonId);
        this.linkFace(op, op.immichFaceId, 'reassigned');
        summary.facesReassigned++;
        return;
      case 'leaveToUser':
        this.linkFace(op, op.immichFaceId, 'user');
        summary.facesLeftToUser++;
        return;
      case 'create': {
        // recorded before the call: a kill before the record below is settled by reading the asset back
        const marker = randomUUID();
        this.store.immich.addIntent({
          marker,
          kind: 'face',
          subject: String(op.observationId),
          immichPersonId: op.immichPersonId,
          assetId: op.assetId,
        });
        const made = await once.createFace(op, knownFaceIds);
        if (!made) {
          this.log.warn({ asset: op.assetId }, 'created a face but cannot find it again; will look next cycle');
          return;
        }
        knownFaceIds.add(made.id);
        this.store.immich.atomically(() => {
          this.linkFace(op, made.id, 'created');
          this.store.immich.removeIntent(marker);
        });
        summary.facesCreated++;
        return;
      }
    }
  }

  private linkFace(op: FaceOp, immichFaceId: string, origin: FaceOrigin): void {
    this.store.immich.linkFace({
      observationId: op.observationId,
      immichFaceId,
      immichPersonId: op.immichPersonId,
      origin,
    });
  }

  /** Our people with their Immich links as the store has them now. */
  private peopleWithLinks(): PlanPerson[] {
    return this.store.people.list().map((person) => ({
      id: person.id,
      name: person.name,
      hidden: person.hidden,
      immichId: this.store.immich.person(person.id)?.immichId ?? null,
    }));
  }

  /** `People/<Name>` on the assets of named people, each asset once; the asset list tagged so far is a checkpoint. */
  private async tag(
    byPerson: Map<string, StoredObservation[]>,
    assets: Map<number, { sourceId: string }>,
  ): Promise<number> {
    let tagged = 0;
    for (const person of this.store.people.list()) {
      if (!person.name) continue;
      const key = `immich.tags.${person.id}`;
      const done = new Set<string>(JSON.parse(this.store.checkpoints.get(key) ?? '[]') as string[]);
      const ids = [...new Set((byPerson.get(person.id) ?? []).map((o) => assets.get(o.assetId)!.sourceId))].filter(
        (id) => !done.has(id),
      );
      if (ids.length === 0) continue;
      await this.client.tagAssets(`People/${person.name}`, ids);
      ids.forEach((id) => done.add(id));
      this.store.checkpoints.set(key, JSON.stringify([...done].sort()));
      tagged += ids.length;
    }
    return tagged;
  }
}

function toPlanObservation(o: StoredObservation, asset: AssetRow, link: ImmichFaceLink | undefined): PlanObservation {
  const face = o.observation.face!;
  return {
    id: o.id,
    personId: o.personId!,
    clear: face.quality.clear,
    assetId: asset.sourceId,
    imageWidth: asset.width ?? 0,
    imageHeight: asset.height ?? 0,
    box: face.box,
    link: link ? { immichPersonId: link.immichPersonId, origin: link.origin } : null,
  };
}
