import type { EditResult, LocalReviewEditor } from '../../ports.js';
import type { Store } from '../../store/store.js';
import { ImmichAuthError, ImmichUncertainWriteError, type ImmichClient } from './client.js';
import { readEditRecord, type FaceChange, type ImmichEditRecord, type ImmichFaceWriter } from './review-faces.js';

const faces = (n: number) => `${n} ${n === 1 ? 'face' : 'faces'}`;

/**
 * Undo of the review page's edits against Immich: the store's undo (journal.ts's rules: refused while a later edit
 * relies on it), and in Immich the inverse of what the edit did there, kept under its journal entry:
 * - a rename or hiding: set back, before the store (Immich refusing changes nothing);
 * - a merge: the merged person made again in Immich and its faces moved back to it;
 * - faces put on a person: moved back to the Immich person each was on, faces the edit created deleted, a person
 *   it created deleted (its other faces go back to nobody); refused when a face was on nobody in Immich before and
 *   stays on an existing person, since Immich cannot take a face off a person without deleting it;
 * - faces deleted: made again (manual faces) on the person they are back on.
 * An edit with no record (read back from Immich, or made on the command line) is refused when it touched anything
 * Immich has: undoing it here only would leave Immich telling the opposite.
 */
export class ImmichUndo {
  constructor(
    private readonly store: Store,
    private readonly client: ImmichClient,
    private readonly writer: ImmichFaceWriter,
    private readonly local: LocalReviewEditor,
    private readonly webUrl: string,
  ) {}

  async undo(editId: number): Promise<EditResult> {
    const refusal = this.local.undoRefusal(editId);
    if (refusal) throw new Error(refusal);
    const record = readEditRecord(this.store, editId);
    if (!record) {
      this.refuseUnrecorded(editId);
      return this.local.undo(editId);
    }
    if (record.person) return this.undoPerson(editId, record.person);
    if (record.merge) return this.undoMerge(editId, record.merge);
    if (record.takeover) return this.undoTakeover(editId, record.takeover);
    if (record.feature) {
      // the face stays on the person (the cover only confirmed it): Immich's picture goes back, where it can
      await this.local.undo(editId);
      return { note: await this.restoreFeature(record.feature.immichId) };
    }
    const changes = record.faces ?? [];
    if (changes.some((c) => c.deleted)) return this.undoDeleted(editId, changes);
    if (changes.length > 0 || record.createdPerson) return this.undoPlaced(editId, record);
    return this.local.undo(editId);
  }

  private refuseUnrecorded(editId: number): void {
    const edit = this.store.history.get(editId);
    if (!edit?.before) return;
    const people = Object.keys(edit.before.people).filter((id) => this.store.immich.person(id)?.immichId);
    const observations = Object.keys(edit.before.observations)
      .map(Number)
      .filter((id) => this.store.immich.face(id)?.immichPersonId);
    if (people.length === 0 && observations.length === 0) return;
    throw new Error(
      `edit #${editId} (${edit.summary}) was not made on this page against Immich (it came from Immich, or from ` +
        `the command line), and Immich has what it changed: change it in Immich (${this.webUrl}/people); ` +
        'the next sync brings that here',
    );
  }

  /** Name and hidden flag back in Immich first, then here. */
  private async undoPerson(editId: number, before: NonNullable<ImmichEditRecord['person']>): Promise<EditResult> {
    const update = {
      ...(before.name !== undefined ? { name: before.name ?? '' } : {}),
      ...(before.hidden !== undefined ? { isHidden: before.hidden } : {}),
    };
    const updated = await this.client.updatePerson(before.immichId, update);
    await this.local.undo(editId);
    const link = this.store.immich.byImmichId(before.immichId);
    if (link) this.store.immich.linkPerson(link.personId, before.immichId, updated.name || null, updated.isHidden);
    return { note: 'in Immich too' };
  }

  /** The merged person exists here again: it gets an Immich person of its own, and its faces go back onto it. */
  private async undoMerge(editId: number, merge: NonNullable<ImmichEditRecord['merge']>): Promise<EditResult> {
    await this.local.undo(editId);
    try {
      const { immichId } = await this.writer.ensurePerson(merge.from);
      const back = this.store.observations
        .ofPerson(merge.from)
        .filter((o) => this.store.immich.face(o.id)?.immichPersonId === merge.survivor);
      await this.writer.place(this.writer.immichFaces(back), immichId, 'reassigned');
      await this.writer.givePicture(merge.from, immichId);
      return { note: `in Immich too: a person of its own again, with ${faces(back.length)}` };
    } catch (error) {
      return { note: `undone here; Immich answered: ${(error as Error).message}. The next sync writes the rest` };
    }
  }

  /** `into` gives the Immich person back to `from`, named as before. */
  private async undoTakeover(editId: number, takeover: NonNullable<ImmichEditRecord['takeover']>): Promise<EditResult> {
    await this.local.undo(editId);
    const person = await this.client.person(takeover.immichId);
    if (!person) return { note: 'undone here; Immich no longer has that person' };
    const renamed =
      (person.name || null) === takeover.name
        ? person
        : await this.client.updatePerson(takeover.immichId, { name: takeover.name ?? '' });
    this.store.transaction(() => {
      this.store.immich.unlinkPerson(takeover.into);
      if (this.store.people.get(takeover.from)) {
        this.store.immich.linkPerson(takeover.from, takeover.immichId, renamed.name || null, renamed.isHidden);
      }
    });
    return { note: 'in Immich too' };
  }

  /**
   * Faces back to the Immich person each was on and created faces deleted, in Immich first; then here; then the
   * person the edit created deleted in Immich, which leaves its remaining faces (on nobody before) on nobody again.
   */
  private async undoPlaced(editId: number, record: ImmichEditRecord): Promise<EditResult> {
    const changes = record.faces ?? [];
    const stranded = changes.filter((c) => c.before === null && !c.created);
    if (stranded.length > 0 && !record.createdPerson) {
      throw new Error(
        `Immich cannot take a face off a person without deleting it, and ${faces(stranded.length)} of this edit ` +
          `were on nobody in Immich before: move ${stranded.length === 1 ? 'it' : 'them'} to the right person ` +
          `here, or remove ${stranded.length === 1 ? 'it' : 'them'} in Immich (${this.webUrl}/people)`,
      );
    }
    const returning = changes.filter((c): c is FaceChange & { before: string } => c.before !== null);
    for (const change of returning) await this.client.reassignFace(change.immichFaceId, change.before);
    await this.writer.deleteCreated(changes.filter((c) => c.created));
    await this.local.undo(editId);
    this.store.transaction(() => {
      for (const change of returning) {
        this.store.immich.linkFace({
          observationId: change.observationId,
          immichFaceId: change.immichFaceId,
          immichPersonId: change.before,
          origin: 'reassigned',
        });
      }
      for (const change of stranded) this.store.immich.unlinkFace(change.observationId);
    });
    const left = record.createdPerson ? await this.deletePerson(record.createdPerson.immichId) : '';
    return { note: ['in Immich too', left].filter(Boolean).join('; ') };
  }

  /** Deletes the (now empty of our faces) person an edit created; a key without person.delete leaves it. */
  private async deletePerson(immichId: string): Promise<string> {
    try {
      await this.client.deletePerson(immichId);
    } catch (error) {
      if (error instanceof ImmichAuthError) return `the person it made stays in Immich (${error.message})`;
      if (!(error instanceof ImmichUncertainWriteError) || (await this.client.person(immichId))) throw error;
    }
    return '';
  }

  /** Immich's picture of the person back to the cover the undo restored, when Immich has that face on them. */
  private async restoreFeature(immichId: string): Promise<string> {
    const link = this.store.immich.byImmichId(immichId);
    const cover = link ? this.store.people.get(link.personId)?.cover : null;
    const face = cover ? this.store.immich.face(cover) : undefined;
    const [observation] = cover ? this.store.observations.byIds([cover], { vectors: false }) : [];
    const [onImmich] = observation ? this.writer.immichFaces([observation]) : [];
    if (!face || face.immichPersonId !== immichId || !onImmich) return "undone here; Immich's picture of them stays";
    await this.client.updatePerson(immichId, { featureFaceAssetId: onImmich.assetId });
    await this.writer.recordPicture(immichId, onImmich.assetId);
    return "Immich's picture of them too";
  }

  /**
   * Deleted faces: here first (the faces are back on their people), then made again in Immich on the person each is
   * back on. A face back on nobody stays out of Immich until it is on someone (the write-back then makes it).
   */
  private async undoDeleted(editId: number, changes: readonly FaceChange[]): Promise<EditResult> {
    await this.local.undo(editId);
    const ids = changes.filter((c) => c.deleted).map((c) => c.observationId);
    this.store.transaction(() => {
      for (const id of ids) this.store.immich.unlinkFace(id);
    });
    const observations = this.store.observations.byIds(ids, { vectors: false });
    let made = 0;
    try {
      for (const o of observations) {
        const immichId = o.personId ? this.store.immich.person(o.personId)?.immichId : null;
        if (!immichId) continue;
        await this.writer.place(this.writer.immichFaces([o]), immichId, 'reassigned', () => made++);
      }
    } catch (error) {
      return { note: `undone here; Immich answered: ${(error as Error).message}. The next sync writes the rest` };
    }
    return { note: made > 0 ? `${faces(made)} made again in Immich` : 'undone here' };
  }
}
