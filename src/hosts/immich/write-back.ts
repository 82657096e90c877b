import type { AssetFaceResponseDto } from '@immich/sdk';
import type { Logger } from 'pino';
import type { StoredObservation } from '../../store/observations.js';
import { IMMICH_SOURCE } from '../../ports.js';
import type { Store } from '../../store/store.js';
import type { ImmichClient } from './client.js';
import { matchFace } from './face-match.js';

export interface WriteBackOptions {
  /**
   * A machine-made person is created in Immich once it has this many clear faces. Immich hides unnamed people with
   * fewer than its minFaces (3 by default), so fewer would create people nobody can see; named people always go.
   */
  minFaces: number;
  /** Also tag assets `People/<Name>` for named people (off by default: tags rewrite XMP sidecars). */
  tags: boolean;
}

export interface WriteBackSummary {
  peopleCreated: number;
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
 */
export class WriteBackService {
  private readonly facesCache = new Map<string, AssetFaceResponseDto[]>();

  constructor(
    private readonly store: Store,
    private readonly client: ImmichClient,
    private readonly options: WriteBackOptions,
    private readonly log: Logger,
  ) {}

  private async facesOf(assetId: string, fresh = false): Promise<AssetFaceResponseDto[]> {
    if (fresh || !this.facesCache.has(assetId)) this.facesCache.set(assetId, await this.client.faces(assetId));
    return this.facesCache.get(assetId)!;
  }

  async run(): Promise<WriteBackSummary> {
    this.facesCache.clear();
    const summary: WriteBackSummary = {
      peopleCreated: 0,
      facesCreated: 0,
      facesReassigned: 0,
      facesAdopted: 0,
      facesLeftToUser: 0,
      assetsTagged: 0,
    };
    const assets = new Map(this.store.assets.list(IMMICH_SOURCE).map((a) => [a.id, a]));
    const observations = this.store.observations
      .all({ vectors: false })
      .filter((o) => assets.has(o.assetId) && o.observation.face?.quality.clear && o.personId);
    const byPerson = new Map<string, StoredObservation[]>();
    for (const o of observations) {
      const members = byPerson.get(o.personId!);
      if (members) members.push(o);
      else byPerson.set(o.personId!, [o]);
    }

    const ourImmichPeople = new Set<string>();
    for (const person of this.store.people.list()) {
      const members = byPerson.get(person.id) ?? [];
      const link = this.store.immich.person(person.id);
      if (link?.immichId) {
        ourImmichPeople.add(link.immichId);
        continue;
      }
      if (person.hidden || (person.name === null && members.length < this.options.minFaces)) continue;
      const created = await this.client.createPerson(person.name);
      this.store.immich.linkPerson(person.id, created.id, created.name || null, created.isHidden);
      ourImmichPeople.add(created.id);
      summary.peopleCreated++;
    }

    for (const [personId, members] of byPerson) {
      const target = this.store.immich.person(personId)?.immichId;
      if (!target) continue;
      for (const o of members) {
        const link = this.store.immich.face(o.id);
        if (link && (link.origin === 'user' || link.immichPersonId === target)) continue;
        const asset = assets.get(o.assetId)!;
        const width = asset.width ?? 0;
        const height = asset.height ?? 0;
        const box = o.observation.face!.box;
        const existing = matchFace(box, await this.facesOf(asset.sourceId), width, height);
        if (existing) {
          const holder = existing.person?.id ?? null;
          if (holder === target) {
            this.store.immich.linkFace({
              observationId: o.id,
              immichFaceId: existing.id,
              immichPersonId: target,
              origin: 'adopted',
            });
            summary.facesAdopted++;
          } else if (holder === null || (link && link.immichPersonId === holder && ourImmichPeople.has(holder))) {
            // free, or on a person where we ourselves put it earlier
            await this.client.reassignFace(existing.id, target);
            this.store.immich.linkFace({
              observationId: o.id,
              immichFaceId: existing.id,
              immichPersonId: target,
              origin: 'reassigned',
            });
            this.facesCache.delete(asset.sourceId);
            summary.facesReassigned++;
          } else {
            this.store.immich.linkFace({
              observationId: o.id,
              immichFaceId: existing.id,
              immichPersonId: holder,
              origin: 'user',
            });
            summary.facesLeftToUser++;
          }
          continue;
        }
        await this.client.createFace({
          assetId: asset.sourceId,
          personId: target,
          imageWidth: width,
          imageHeight: height,
          x: Math.round(box[0]),
          y: Math.round(box[1]),
          width: Math.round(box[2] - box[0]),
          height: Math.round(box[3] - box[1]),
        });
        const made = matchFace(box, await this.facesOf(asset.sourceId, true), width, height);
        if (made) {
          this.store.immich.linkFace({
            observationId: o.id,
            immichFaceId: made.id,
            immichPersonId: target,
            origin: 'created',
          });
          summary.facesCreated++;
        } else {
          this.log.warn({ asset: asset.sourceId }, 'created a face but cannot find it again; will look next cycle');
        }
      }
    }

    if (this.options.tags) summary.assetsTagged = await this.tag(byPerson, assets);
    return summary;
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
