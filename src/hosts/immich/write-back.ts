import type { AssetFaceResponseDto } from '@immich/sdk';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AssetRow } from '../../store/assets.js';
import type { FaceOrigin, ImmichFaceLink } from '../../store/immich.js';
import type { StoredObservation } from '../../store/observations.js';
import { IMMICH_SOURCE } from '../../ports.js';
import type { Store } from '../../store/store.js';
import type { AssetFaceReader } from './asset-faces.js';
import { ImmichRequestError, type ImmichClient } from './client.js';
import {
  featureFacesMayBeDue,
  parseFeatureFaceRecord,
  planFeatureFaces,
  type FeatureFacePerson,
  type FeatureFaceRecord,
  type SetFeatureFaceOp,
} from './feature-face-plan.js';
import { ImmichTwins, twinId } from './twins.js';
import { WriteOnce } from './write-once.js';
import {
  assetsNeedingFaces,
  displacedCreations,
  planFaces,
  type DisplacedFace,
  type FacesPlanInput,
  planPeople,
  type CreateFaceOp,
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
  /** People of ours whose feature face (their picture in Immich) was set. */
  featureFacesSet: number;
  assetsTagged: number;
}

/** Checkpoint name prefix of each Immich person's FeatureFaceRecord (JSON), by Immich person id. */
export const FEATURE_FACE_CHECKPOINT = 'immich.featureFace.';

/**
 * Writes our people and faces into Immich without overriding the user: a face someone else assigned is left as it
 * is (and read back as the user's label); a face we wrote is recorded the moment the call returns, so a restart
 * after a crash at any point adopts what is there instead of writing it again.
 *
 * What to write is decided by the pure planner (write-back-plan.ts); this class only gathers its inputs from the
 * store and Immich, and carries out each operation in the planned order.
 */
export class WriteBackService {
  /** Immich faces our observations are linked to, as of now: never taken as a face that ours gives way to. */
  private heldFaces = new Set<string>();
  private readonly twins: ImmichTwins;

  constructor(
    private readonly store: Store,
    private readonly client: ImmichClient,
    /** Reads the faces of the assets to write on in bulk where Immich allows (asset-faces.ts). */
    private readonly faces: AssetFaceReader,
    private readonly options: WriteBackOptions,
    private readonly log: Logger,
  ) {
    this.twins = new ImmichTwins(store, client);
  }

  async run(): Promise<WriteBackSummary> {
    const summary: WriteBackSummary = {
      peopleCreated: 0,
      peopleAdopted: 0,
      peopleRemoved: 0,
      facesCreated: 0,
      facesReassigned: 0,
      facesAdopted: 0,
      facesLeftToUser: 0,
      featureFacesSet: 0,
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

    const people = this.peopleWithLinks();
    const { faces: read, unread } = await this.faces.readForWriting(
      assetsNeedingFaces({ people, observations: current }),
    );
    const facesByAsset = new Map<string, AssetFaceResponseDto[]>();
    for (const [assetId, faces] of read) if (faces) facesByAsset.set(assetId, faces);
    // not read first (3.x, a photo without people): planned as faceless, checked by the read after the creations
    for (const assetId of unread) facesByAsset.set(assetId, []);
    // a photo Immich no longer has (deleted since it was listed) is left alone: the next full listing removes it
    const facesInput = { people, observations: current.filter((o) => read.get(o.assetId) !== null) };
    // looked up per asset, kept up to date as faces are linked: a scan of every link per asset made 10,000 photos
    // on 3.x take 571 s instead of 151 s to write (bench:immich)
    // (creating people linked no face since `links` was read)
    this.heldFaces = new Set([...links.values()].map((link) => link.immichFaceId));
    const observationsOf = new Map<string, PlanObservation[]>();
    for (const o of unread.size > 0 ? facesInput.observations : []) {
      if (!unread.has(o.assetId)) continue;
      const list = observationsOf.get(o.assetId);
      if (list) list.push(o);
      else observationsOf.set(o.assetId, [o]);
    }
    for (const [assetId, ops] of byAsset(planFaces(facesInput, facesByAsset))) {
      // a created face is the one on its person that Immich did not show before our writes
      const known = new Set(facesByAsset.get(assetId)!.map((face) => face.id));
      const unreadInput = unread.has(assetId) ? { people, observations: observationsOf.get(assetId) ?? [] } : null;
      await this.executeOnAsset(ops, summary, known, once, unreadInput);
    }

    // the faces as they are now on Immich's people: the feature faces are chosen among them
    const written = new Map(this.store.immich.faces().map((link) => [link.observationId, link]));
    summary.featureFacesSet = await this.setFeatureFaces(
      observations.map((o) => toPlanObservation(o, assets.get(o.assetId)!, written.get(o.id))),
    );

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

  /**
   * Carries out the face operations of one asset, each recorded in the store as soon as Immich has answered; the
   * faces it creates are found again with one read of the asset after the last of them. `unread`: the asset's faces
   * were not read first (the plan's input): that read also says where Immich had a face already, which then takes
   * the place of ours.
   */
  private async executeOnAsset(
    ops: readonly FaceOp[],
    summary: WriteBackSummary,
    known: ReadonlySet<string>,
    once: WriteOnce,
    unread: FacesPlanInput | null,
  ): Promise<void> {
    const creates: { op: CreateFaceOp; marker: string }[] = [];
    for (const op of ops) await this.executeExisting(op, summary, creates);
    if (creates.length === 0) return;
    const { made, after } = await once.createFaces(
      creates.map(({ op }) => op),
      known,
    );
    const displaced = new Map<number, DisplacedFace>();
    if (unread) {
      const created = new Map(
        creates.flatMap(({ op }) => (made.get(op) ? [[op.observationId, made.get(op)!.id]] : [])),
      );
      const faces = after ?? (await this.client.faces(creates[0].op.assetId));
      for (const d of displacedCreations(unread, created, faces, this.heldFaces)) displaced.set(d.observationId, d);
    }
    for (const { op, marker } of creates) {
      const face = made.get(op);
      if (!face) {
        this.log.warn({ asset: op.assetId }, 'created a face but cannot find it again; will look next cycle');
        continue;
      }
      const instead = displaced.get(op.observationId);
      // the intent stays until the face that takes our place is recorded: a stop in between is settled by reading back
      if (instead && (await once.deleteCreatedFace(face.id, op.assetId))) {
        this.log.info(
          { asset: op.assetId, face: instead.instead.immichFaceId },
          'Immich had this face: took its place',
        );
        await this.executeExisting(instead.instead, summary, []);
        this.store.immich.removeIntent(marker);
        continue;
      }
      this.store.immich.atomically(() => {
        this.linkFace(op, face.id, 'created');
        this.store.immich.removeIntent(marker);
      });
      summary.facesCreated++;
    }
  }

  /** Carries out an operation on a face Immich has; a creation is recorded as an intent and queued in `creates`. */
  private async executeExisting(
    op: FaceOp,
    summary: WriteBackSummary,
    creates: { op: CreateFaceOp; marker: string }[],
  ): Promise<void> {
    switch (op.kind) {
      case 'adopt':
        this.linkFace(op, op.immichFaceId, 'adopted');
        summary.facesAdopted++;
        break;
      case 'reassign':
        await this.client.reassignFace(op.immichFaceId, op.immichPersonId);
        this.linkFace(op, op.immichFaceId, 'reassigned');
        summary.facesReassigned++;
        break;
      case 'leaveToUser': {
        // someone else's person holds it (the user's, or Immich's clustering, read as the user's word as the labels
        // are): the store says so too, or the review page would show it on ours and a re-cluster keep it there
        const holder = await this.twins.of(op.immichPersonId);
        this.store.immich.atomically(() => {
          this.linkFace(op, op.immichFaceId, 'user');
          if (holder) this.store.observations.assign([{ id: op.observationId, personId: holder, assignedBy: 'user' }]);
        });
        summary.facesLeftToUser++;
        break;
      }
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
        creates.push({ op, marker });
        break;
      }
    }
  }

  /**
   * Gives each person we created its picture in Immich (see feature-face-plan.ts). Immich's settings are read only
   * when some person may need it, so an idle cycle asks nothing; each outcome is recorded, so nothing is set twice.
   */
  private async setFeatureFaces(observations: readonly PlanObservation[]): Promise<number> {
    const people: FeatureFacePerson[] = this.peopleWithLinks().map((p) => ({
      ...p,
      createdByUs: p.immichId !== null && p.id !== twinId(p.immichId),
    }));
    const recorded = new Map<string, FeatureFaceRecord>();
    for (const [immichId, json] of this.store.checkpoints.withPrefix(FEATURE_FACE_CHECKPOINT)) {
      const record = parseFeatureFaceRecord(json);
      if (record) recorded.set(immichId, record);
    }
    if (!featureFacesMayBeDue(people, observations, recorded)) return 0;
    const features = await this.client.features();
    const drawable = features.facialRecognition || features.importFaces;
    let set = 0;
    for (const op of planFeatureFaces(people, observations, recorded, drawable)) {
      const record = (value: FeatureFaceRecord) =>
        this.store.checkpoints.set(`${FEATURE_FACE_CHECKPOINT}${op.immichId}`, JSON.stringify(value));
      if (op.redraw) {
        // set while Immich could not draw it; the user may have drawn it since (the "missing thumbnails" job)
        const person = await this.client.person(op.immichId);
        if (!person) continue; // gone: the next cycle's read-back says why
        if (person.thumbnailPath) {
          record({ ...recorded.get(op.immichId)!, drawable: true });
          continue;
        }
      }
      const assetId = await this.trySetFeatureFace(op);
      record(assetId ? { assetId, drawable } : { assetId: op.assetIds[0], drawable, failed: true });
      if (assetId) set++;
    }
    if (set > 0 && !drawable) {
      this.log.warn(
        { people: set },
        "Immich draws people's pictures only while its facial recognition or face import is on: turn on face " +
          'import (Administration → Settings → Metadata → Import faces); the sidecar then sets them again',
      );
    }
    return set;
  }

  /** The first asset of `op` whose face Immich accepts as the person's feature face; null when it refuses all. */
  private async trySetFeatureFace(op: SetFeatureFaceOp): Promise<string | null> {
    for (const assetId of op.assetIds) {
      try {
        await this.client.updatePerson(op.immichId, { featureFaceAssetId: assetId });
        return assetId;
      } catch (error) {
        // 400: the face on that asset is no longer on the person (the user moved it); try the next one
        if (!(error instanceof ImmichRequestError && error.status === 400)) throw error;
        this.log.debug({ immichPersonId: op.immichId, asset: assetId }, 'Immich refused a feature face');
      }
    }
    this.log.warn({ immichPersonId: op.immichId }, 'Immich refused every face offered as a person’s picture');
    return null;
  }

  private linkFace(op: FaceOp, immichFaceId: string, origin: FaceOrigin): void {
    this.heldFaces.add(immichFaceId);
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

/** The operations of each asset, in plan order: assets in the order of their first operation. */
function byAsset(ops: readonly FaceOp[]): Map<string, FaceOp[]> {
  const grouped = new Map<string, FaceOp[]>();
  for (const op of ops) {
    const list = grouped.get(op.assetId);
    if (list) list.push(op);
    else grouped.set(op.assetId, [op]);
  }
  return grouped;
}

function toPlanObservation(o: StoredObservation, asset: AssetRow, link: ImmichFaceLink | undefined): PlanObservation {
  const face = o.observation.face!;
  return {
    id: o.id,
    personId: o.personId!,
    clear: face.quality.clear,
    score: face.quality.score,
    assetId: asset.sourceId,
    imageWidth: asset.width ?? 0,
    imageHeight: asset.height ?? 0,
    box: face.box,
    link: link ? { immichPersonId: link.immichPersonId, origin: link.origin } : null,
  };
}
