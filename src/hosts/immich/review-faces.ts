import { randomUUID } from 'node:crypto';
import type { FaceOrigin } from '../../store/immich.js';
import type { StoredObservation } from '../../store/observations.js';
import type { Store } from '../../store/store.js';
import { IMMICH_SOURCE } from '../../ports.js';
import { ImmichUncertainWriteError, type AssetFaceResponseDto, type ImmichClient } from './client.js';
import { matchFace } from './face-match.js';
import type { FeatureFaceRecord } from './feature-face-plan.js';
import { FEATURE_FACE_CHECKPOINT } from './write-back.js';
import type { CreateFaceOp } from './write-back-plan.js';
import type { WriteOnce } from './write-once.js';

/** One face an edit on the review page changed in Immich, and where it was before (for the undo). */
export interface FaceChange {
  observationId: number;
  immichFaceId: string;
  /** The Immich person the face was on before the edit; null: on nobody, or not in Immich (`created`). */
  before: string | null;
  /** The edit created the face (Immich had none at our box). */
  created: boolean;
  /** The edit deleted the face (Immich's "remove face"). */
  deleted: boolean;
}

/** What one page edit did in Immich, kept under the edit's id so that its undo can do the inverse there. */
export interface ImmichEditRecord {
  /** A person's fields in Immich before the edit (only those it changed). */
  person?: { immichId: string; name?: string | null; hidden?: boolean };
  /** The person whose feature face the edit set. */
  feature?: { immichId: string };
  /** A merge in Immich: `absorbed` (our `from`, named and hidden so) went into `survivor`. */
  merge?: { survivor: string; absorbed: string; from: string; name: string | null; hidden: boolean };
  /** Our `from` had the only Immich person of a merge: `into` took it over (renamed from `name`). */
  takeover?: { immichId: string; from: string; into: string; name: string | null };
  faces?: FaceChange[];
  /** The Immich person made for the edit's (new) person. */
  createdPerson?: { personId: string; immichId: string };
}

const RECORD_PREFIX = 'immich.review.edit.';

/**
 * The record of edit `editId`'s Immich side, its faces named by the observations that stand for them now; undefined for
 * an edit not made on the page against Immich.
 */
export function readEditRecord(store: Store, editId: number): ImmichEditRecord | undefined {
  const text = store.checkpoints.get(`${RECORD_PREFIX}${editId}`);
  if (text === undefined) return undefined;
  const record = JSON.parse(text) as ImmichEditRecord;
  if (!record.faces) return record;
  // told in today's observations: a photo analysed again since (edited in Immich) has new rows for its faces
  const now = store.observations.currentIds(record.faces.map((c) => c.observationId));
  return { ...record, faces: record.faces.map((c) => ({ ...c, observationId: now.get(c.observationId)! })) };
}

export function writeEditRecord(store: Store, editId: number, record: ImmichEditRecord): void {
  store.checkpoints.set(`${RECORD_PREFIX}${editId}`, JSON.stringify(record));
}

/** A face observation on an Immich photo, with what placing it needs. */
interface ImmichFace {
  observation: StoredObservation;
  assetId: string;
  width: number;
  height: number;
}

/**
 * The Immich side of the review page's face edits, one call at a time, each recorded in the store the moment Immich
 * has answered (as the write-back does): faces put on a person (an existing face reassigned, or a manual one
 * created exactly once), faces deleted, and people created for a person Immich does not have yet.
 */
export class ImmichFaceWriter {
  /** Faces read per asset during one edit: an asset with several of the edit's faces is read once. */
  private readonly facesByAsset = new Map<string, AssetFaceResponseDto[]>();

  constructor(
    private readonly store: Store,
    private readonly client: ImmichClient,
    private readonly once: WriteOnce,
  ) {}

  /** The observations that are faces on Immich photos (others have nothing in Immich). */
  immichFaces(observations: readonly StoredObservation[]): ImmichFace[] {
    return observations.flatMap((observation) => {
      if (!observation.observation.face) return [];
      const asset = this.store.assets.byId(observation.assetId);
      if (!asset || asset.source !== IMMICH_SOURCE) return [];
      return [{ observation, assetId: asset.sourceId, width: asset.width ?? 0, height: asset.height ?? 0 }];
    });
  }

  private async faces(assetId: string): Promise<AssetFaceResponseDto[]> {
    let faces = this.facesByAsset.get(assetId);
    if (!faces) {
      faces = await this.client.faces(assetId);
      this.facesByAsset.set(assetId, faces);
    }
    return faces;
  }

  /**
   * The Immich face that is this observation's: the linked one while Immich has it, else the one at our box that no
   * other observation holds (`held`: Immich face ids linked to other observations).
   */
  private async immichFaceOf(face: ImmichFace, held: ReadonlySet<string>): Promise<AssetFaceResponseDto | undefined> {
    const faces = await this.faces(face.assetId);
    const link = this.store.immich.face(face.observation.id);
    const linked = link && faces.find((f) => f.id === link.immichFaceId);
    if (linked) return linked;
    const free = faces.filter((f) => !held.has(f.id));
    return matchFace(face.observation.observation.face!.box, free, face.width, face.height);
  }

  /**
   * Puts each face on `immichPersonId`: the matching Immich face is reassigned (left as it is when already there), or
   * a manual face is created where Immich has none. `done` gets each change as it happens, so a caller that fails
   * halfway still knows what Immich did.
   */
  async place(
    faces: readonly ImmichFace[],
    immichPersonId: string,
    origin: FaceOrigin,
    done: (change: FaceChange) => void = () => {},
  ): Promise<void> {
    const moving = new Set(faces.map((f) => f.observation.id));
    const held = new Set(
      this.store.immich
        .faces()
        .filter((l) => !moving.has(l.observationId))
        .map((l) => l.immichFaceId),
    );
    for (const face of faces) {
      const existing = await this.immichFaceOf(face, held);
      const observationId = face.observation.id;
      if (!existing) {
        const made = await this.create(face, immichPersonId);
        held.add(made);
        done({ observationId, immichFaceId: made, before: null, created: true, deleted: false });
        continue;
      }
      const holder = existing.person?.id ?? null;
      if (holder !== immichPersonId) {
        await this.client.reassignFace(existing.id, immichPersonId);
        this.facesByAsset.delete(face.assetId);
      }
      held.add(existing.id);
      this.store.immich.linkFace({ observationId, immichFaceId: existing.id, immichPersonId, origin });
      done({ observationId, immichFaceId: existing.id, before: holder, created: false, deleted: false });
    }
  }

  /** A manual face on our box, created exactly once: an intent first, settled by the write-back after a kill. */
  private async create(face: ImmichFace, immichPersonId: string): Promise<string> {
    const [x1, y1, x2, y2] = face.observation.observation.face!.box;
    const op: CreateFaceOp = {
      kind: 'create',
      observationId: face.observation.id,
      assetId: face.assetId,
      immichPersonId,
      box: face.observation.observation.face!.box,
      face: {
        assetId: face.assetId,
        personId: immichPersonId,
        imageWidth: face.width,
        imageHeight: face.height,
        x: Math.round(x1),
        y: Math.round(y1),
        width: Math.round(x2 - x1),
        height: Math.round(y2 - y1),
      },
    };
    const marker = randomUUID();
    this.store.immich.addIntent({
      marker,
      kind: 'face',
      subject: String(op.observationId),
      immichPersonId,
      assetId: op.assetId,
    });
    const known = new Set((await this.faces(face.assetId)).map((f) => f.id));
    const made = (await this.once.createFaces([op], known)).made.get(op) ?? null;
    if (!made) {
      throw new Error(`Immich created a face on ${face.assetId} but does not show it yet; the next sync adopts it`);
    }
    this.facesByAsset.delete(face.assetId);
    this.store.immich.atomically(() => {
      this.store.immich.linkFace({
        observationId: op.observationId,
        immichFaceId: made.id,
        immichPersonId,
        origin: 'created',
      });
      this.store.immich.removeIntent(marker);
    });
    return made.id;
  }

  /**
   * Deletes the linked Immich face of each observation (Immich's "remove face"), when Immich shows it on `expected`
   * (the person the user took it off; any person when undefined). The link then records it as the user's deletion,
   * exactly as a deletion made in Immich is read back. Faces Immich shows elsewhere are left: returned as `kept`.
   */
  async remove(
    faces: readonly ImmichFace[],
    expected: (face: ImmichFace) => string | undefined,
    done: (change: FaceChange) => void,
  ): Promise<{ kept: number[] }> {
    const kept: number[] = [];
    for (const face of faces) {
      const link = this.store.immich.face(face.observation.id);
      if (!link?.immichPersonId) continue;
      const current = (await this.faces(face.assetId)).find((f) => f.id === link.immichFaceId);
      const holder = current?.person?.id ?? null;
      const wanted = expected(face);
      if (current && (holder === null || (wanted !== undefined && holder !== wanted))) {
        kept.push(face.observation.id);
        continue;
      }
      if (current) {
        try {
          await this.client.deleteFace(current.id);
        } catch (error) {
          if (!(error instanceof ImmichUncertainWriteError)) throw error;
          this.facesByAsset.delete(face.assetId);
          if ((await this.faces(face.assetId)).some((f) => f.id === current.id)) throw error;
        }
      }
      this.store.immich.linkFace({ ...link, immichPersonId: null, origin: 'user' });
      done({
        observationId: face.observation.id,
        immichFaceId: link.immichFaceId,
        before: holder ?? link.immichPersonId,
        created: false,
        deleted: true,
      });
    }
    return { kept };
  }

  /** Deletes faces an edit created (its undo): gone already counts as done. */
  async deleteCreated(changes: readonly FaceChange[]): Promise<void> {
    for (const change of changes) {
      try {
        await this.client.deleteFace(change.immichFaceId);
      } catch (error) {
        const [observation] = this.store.observations.byIds([change.observationId], { vectors: false });
        const [face] = observation ? this.immichFaces([observation]) : [];
        if (!face) throw error;
        this.facesByAsset.delete(face.assetId);
        if ((await this.faces(face.assetId)).some((f) => f.id === change.immichFaceId)) throw error;
      }
      this.store.immich.unlinkFace(change.observationId);
    }
  }

  /** Whether Immich draws people's pictures now (its facial recognition or face import is on), asked once. */
  private drawable: boolean | null = null;

  /**
   * Records that `immichId`'s picture (feature face) is the face on `assetId`, as the write-back records the ones it
   * sets: it then sets no other (only once more, if Immich could not draw it then and can now).
   */
  async recordPicture(immichId: string, assetId: string): Promise<void> {
    if (this.drawable === null) {
      const features = await this.client.features();
      this.drawable = features.facialRecognition || features.importFaces;
    }
    const record: FeatureFaceRecord = { assetId, drawable: this.drawable };
    this.store.checkpoints.set(`${FEATURE_FACE_CHECKPOINT}${immichId}`, JSON.stringify(record));
  }

  /**
   * Gives a person the page created in Immich its picture, as the write-back gives the people it creates: its
   * clearest face there (quality score, then observation id). Returns false when it has no clear face there yet.
   */
  async givePicture(personId: string, immichId: string): Promise<boolean> {
    const best = this.immichFaces(this.store.observations.ofPerson(personId))
      .filter((f) => f.observation.observation.face!.quality.clear)
      .filter((f) => this.store.immich.face(f.observation.id)?.immichPersonId === immichId)
      .sort(
        (a, b) =>
          b.observation.observation.face!.quality.score - a.observation.observation.face!.quality.score ||
          a.observation.id - b.observation.id,
      )[0];
    if (!best) return false;
    await this.client.updatePerson(immichId, { featureFaceAssetId: best.assetId });
    await this.recordPicture(immichId, best.assetId);
    return true;
  }

  /**
   * The Immich person of our `personId`, created (exactly once, named as ours, hidden as ours) when it has none.
   * Returns its id and whether it was made now.
   */
  async ensurePerson(personId: string): Promise<{ immichId: string; created: boolean }> {
    const linked = this.store.immich.person(personId)?.immichId;
    if (linked) return { immichId: linked, created: false };
    const person = this.store.people.get(personId);
    if (!person) throw new Error(`no person with id ${personId}`);
    const made = await this.once.createPerson(personId, person.name);
    if (person.hidden) {
      const hidden = await this.client.updatePerson(made.id, { isHidden: true });
      this.store.immich.linkPerson(personId, made.id, hidden.name || null, hidden.isHidden);
    }
    return { immichId: made.id, created: true };
  }
}
