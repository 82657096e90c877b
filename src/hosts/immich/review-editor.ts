import type { Logger } from 'pino';
import type { EditResult, FaceProposal, HistoryItem, LocalReviewEditor, ReviewEditor } from '../../ports.js';
import type { StoredObservation } from '../../store/observations.js';
import type { PersonRow } from '../../store/people.js';
import type { Store } from '../../store/store.js';
import { IMMICH_SOURCE } from '../../ports.js';
import { ImmichAuthError, type ImmichClient } from './client.js';
import type { ServerInfo } from './connection.js';
import { ImmichFaceWriter, writeEditRecord, type FaceChange, type ImmichEditRecord } from './review-faces.js';
import { currentPerson, mergeThroughImmich, personLabel, type MergeContext } from './review-merge.js';
import { ImmichUndo } from './review-undo.js';
import { WriteOnce } from './write-once.js';

export interface ImmichReviewEditorOptions {
  mode: 'manage' | 'suggest';
  store: Store;
  client: ImmichClient;
  info: Pick<ServerInfo, 'modernMerge' | 'canDeletePeople'>;
  /** The store's own editor (journaled, undoable): every edit lands there once Immich has it. */
  local: LocalReviewEditor;
  log: Logger;
}

const faces = (n: number) => `${n} ${n === 1 ? 'face' : 'faces'}`;

/**
 * The review page's edits when Immich holds the people.
 *
 * Manage mode (our recognition decides, Immich is told): what Immich has a notion of is done there at once, so its
 * own pages show it, and recorded in the store exactly as the sidecar records what it wrote, so the next cycle
 * neither reads it back as the user's change nor writes it again. Renames, hiding, the cover (Immich's feature face)
 * and merges are one call each, made before the store changes: refused by Immich, nothing changes. Moves change the
 * store first (a new person must exist to be linked), then Immich, face by face; what Immich refuses, the next
 * write-back carries. "Not this person" and "not a face" delete the face in Immich (its "remove face", which the
 * sidecar reads back as exactly that), the store following what Immich did. A rejected suggestion is ours alone.
 *
 * Suggest mode (Immich's people are the truth): only explicit answers write: an accepted merge suggestion merges in
 * Immich, an accepted face proposal puts that face on the person in Immich; rejections are remembered here.
 * Everything else is refused with the way to do it in Immich.
 *
 * Each edit's Immich side is kept under its journal entry, so that undo does the inverse in Immich, or refuses.
 */
export class ImmichReviewEditor implements ReviewEditor {
  readonly describe: string;
  readonly proposals?: (page: { offset: number; limit: number }) => { total: number; items: FaceProposal[] };
  readonly acceptProposal?: (observationId: number) => Promise<EditResult>;
  readonly rejectProposal?: (observationId: number) => Promise<EditResult>;
  private readonly store: Store;
  private readonly client: ImmichClient;
  private readonly local: LocalReviewEditor;
  private readonly once: WriteOnce;
  private readonly webUrl: string;

  constructor(private readonly options: ImmichReviewEditorOptions) {
    ({ store: this.store, client: this.client, local: this.local } = options);
    this.describe = `Immich (${options.mode} mode)`;
    this.once = new WriteOnce(this.store, this.client, options.log, options.info.canDeletePeople);
    this.webUrl = this.client.baseUrl.replace(/\/api$/, '');
    if (options.mode === 'suggest') {
      this.proposals = (page) => this.store.immich.proposals(IMMICH_SOURCE, page);
      this.acceptProposal = (id) => this.acceptFace(id);
      this.rejectProposal = (id) => this.rejectFace(id);
    }
  }

  private mergeContext(): MergeContext {
    return {
      store: this.store,
      client: this.client,
      mode: this.options.mode,
      modernMerge: this.options.info.modernMerge,
      journal: (work, record) => this.journal(work, record),
    };
  }

  private writer(): ImmichFaceWriter {
    return new ImmichFaceWriter(this.store, this.client, this.once);
  }

  /** Suggest mode changes Immich's people only through suggestions and proposals. */
  private refuseInSuggest(what: string): void {
    if (this.options.mode !== 'suggest') return;
    throw new Error(
      `suggest mode: Immich's people are the truth, so ${what} in Immich, on its People page (${this.webUrl}/people); ` +
        'this page answers merge suggestions and face proposals',
    );
  }

  private person(id: string): PersonRow {
    const person = this.store.people.get(id);
    if (!person) throw new Error(`no person with id ${id}`);
    return person;
  }

  private immichIdOf(personId: string): string | null {
    return this.store.immich.person(personId)?.immichId ?? null;
  }

  private observations(ids: readonly number[]): StoredObservation[] {
    const unique = [...new Set(ids)];
    const found = this.store.observations.byIds(unique, { vectors: false });
    const missing = unique.filter((id) => !found.some((o) => o.id === id));
    if (missing.length > 0) throw new Error(`no observation with id ${missing.join(', ')}`);
    return found;
  }

  /**
   * Runs a local edit and keeps `record` (read once the edit is done) under the journal entry it made; returns the
   * entry's id, or null when the edit changed nothing.
   */
  private async journal<T>(
    work: () => Promise<T>,
    record: () => ImmichEditRecord,
  ): Promise<{ result: T; editId: number | null }> {
    const last = this.store.history.list({ limit: 1 })[0]?.id ?? 0;
    const result = await work();
    const entry = this.store.history
      .list({ limit: 10 })
      .find((e) => e.id > last && e.actor === 'user' && e.kind !== 'undo');
    if (entry) writeEditRecord(this.store, entry.id, record());
    return { result, editId: entry?.id ?? null };
  }

  async name(personId: string, name: string | null): Promise<EditResult> {
    this.refuseInSuggest('people are named');
    const person = this.person(personId);
    const clean = name?.trim() ? name.trim() : null;
    const immichId = this.immichIdOf(personId);
    if (!immichId || clean === person.name) {
      await this.local.name(personId, clean);
      return immichId ? {} : { note: `${personLabel(person)} is not in Immich yet: the next sync creates it named` };
    }
    const before = await currentPerson(this.client, immichId);
    const updated = await this.client.updatePerson(immichId, { name: clean ?? '' });
    await this.journal(
      () => this.local.name(personId, clean),
      () => ({ person: { immichId, name: before.name || null } }),
    );
    this.store.immich.linkPerson(personId, immichId, updated.name || null, updated.isHidden);
    return { note: 'in Immich too' };
  }

  async hide(personId: string, hidden: boolean): Promise<EditResult> {
    this.refuseInSuggest('people are hidden');
    const person = this.person(personId);
    const immichId = this.immichIdOf(personId);
    if (!immichId || person.hidden === hidden) {
      await this.local.hide(personId, hidden);
      return immichId
        ? {}
        : { note: `${personLabel(person)} is not in Immich, and a hidden person is never written there` };
    }
    const before = await currentPerson(this.client, immichId);
    const updated = await this.client.updatePerson(immichId, { isHidden: hidden });
    await this.journal(
      () => this.local.hide(personId, hidden),
      () => ({ person: { immichId, hidden: before.isHidden } }),
    );
    this.store.immich.linkPerson(personId, immichId, updated.name || null, updated.isHidden);
    return { note: 'in Immich too' };
  }

  /** The cover is Immich's feature face: the face goes on the person in Immich first when it is not there yet. */
  async setCover(personId: string, observationId: number): Promise<EditResult> {
    this.refuseInSuggest("a person's picture is chosen");
    const person = this.person(personId);
    const [observation] = this.observations([observationId]);
    const immichId = this.immichIdOf(personId);
    const writer = this.writer();
    const [face] = writer.immichFaces([observation]);
    if (!immichId || !face || observation.personId !== personId) {
      await this.local.setCover(personId, observationId);
      return observation.personId === personId && face
        ? { note: `${personLabel(person)} is not in Immich yet: its picture there is Immich's choice` }
        : {};
    }
    const changes: FaceChange[] = [];
    if (this.store.immich.face(observationId)?.immichPersonId !== immichId) {
      await writer.place([face], immichId, 'reassigned', (c) => changes.push(c));
    }
    await this.client.updatePerson(immichId, { featureFaceAssetId: face.assetId });
    await writer.recordPicture(immichId, face.assetId);
    await this.journal(
      () => this.local.setCover(personId, observationId),
      () => ({ feature: { immichId }, faces: changes }),
    );
    return { note: "Immich's picture of the person too" };
  }

  async merge(into: string, from: string): Promise<EditResult> {
    this.refuseInSuggest('people are merged (or accept a merge suggestion here)');
    return mergeThroughImmich(this.mergeContext(), into, from, () => this.local.merge(into, from));
  }

  async accept(suggestionId: number): Promise<EditResult> {
    const suggestion = this.store.suggestions.list().find((s) => s.id === suggestionId);
    if (!suggestion) throw new Error(`no open suggestion with id ${suggestionId}`);
    return mergeThroughImmich(this.mergeContext(), suggestion.personA, suggestion.personB, () =>
      this.local.accept(suggestionId),
    );
  }

  async reject(suggestionId: number): Promise<EditResult> {
    await this.journal(
      () => this.local.reject(suggestionId),
      () => ({}),
    );
    return { note: 'kept apart here (Immich has no notion of a rejected suggestion)' };
  }

  /**
   * The store first (a new person is made there), then Immich: the target's Immich person (created when it has
   * none), and each face reassigned or created there. Faces whose Immich assignment was the user's are the user's
   * to move again now: their links say so first, so that what Immich refuses the next write-back carries.
   */
  async move(
    observationIds: readonly number[],
    to: string | null,
    name: string | null,
  ): Promise<EditResult & { person: string }> {
    this.refuseInSuggest('faces are moved');
    const observations = this.observations(observationIds);
    this.store.transaction(() => {
      for (const o of observations) {
        const link = this.store.immich.face(o.id);
        if (link?.origin === 'user' && link.immichPersonId)
          this.store.immich.linkFace({ ...link, origin: 'reassigned' });
      }
    });
    const record: ImmichEditRecord = { faces: [] };
    const { result: moved, editId } = await this.journal(
      () => this.local.move(observationIds, to, name),
      () => record,
    );
    const writer = this.writer();
    const immichFaces = writer.immichFaces(observations);
    if (immichFaces.length === 0 || editId === null) return moved;
    try {
      const { immichId, created } = await writer.ensurePerson(moved.person);
      if (created) record.createdPerson = { personId: moved.person, immichId };
      await writer.place(immichFaces, immichId, 'reassigned', (c) => record.faces!.push(c));
      if (created) await writer.givePicture(moved.person, immichId);
    } catch (error) {
      return {
        ...moved,
        note: `moved here; Immich answered: ${(error as Error).message}. The next sync writes the rest`,
      };
    } finally {
      writeEditRecord(this.store, editId, record);
    }
    return { ...moved, note: `${faces(record.faces!.length)} moved in Immich too` };
  }

  /** "Not this person": the face is deleted in Immich when it is on that person there (Immich's "remove face"). */
  async remove(observationIds: readonly number[]): Promise<EditResult> {
    this.refuseInSuggest('faces are taken off people');
    const observations = this.observations(observationIds);
    const off = observations.find((o) => !o.personId);
    if (off) throw new Error(`observation ${off.id} belongs to no person`);
    return this.deleteThenLocal(
      observations,
      (o) => this.immichIdOf(o.personId!) ?? '',
      (ids) => this.local.remove(ids),
      true,
    );
  }

  /** "Not a face": deleted in Immich too when Immich shows it on a person as we linked it. */
  async dismiss(observationIds: readonly number[]): Promise<EditResult> {
    this.refuseInSuggest('faces are removed');
    const observations = this.observations(observationIds);
    return this.deleteThenLocal(
      observations,
      () => undefined,
      (ids) => this.local.dismiss(ids),
      false,
    );
  }

  /**
   * Deletes the faces in Immich, then makes the local edit for what Immich did (and for faces Immich has not on
   * anyone of ours); one journal entry per face when `each`. A key without face.delete leaves Immich as it is.
   */
  private async deleteThenLocal(
    observations: readonly StoredObservation[],
    expected: (o: StoredObservation) => string | undefined,
    edit: (ids: number[]) => Promise<EditResult>,
    each: boolean,
  ): Promise<EditResult> {
    const writer = this.writer();
    const changes = new Map<number, FaceChange>();
    let failure: Error | null = null;
    let kept: number[] = [];
    try {
      ({ kept } = await writer.remove(
        writer.immichFaces(observations),
        (f) => expected(f.observation),
        (c) => changes.set(c.observationId, c),
      ));
    } catch (error) {
      failure = error as Error;
    }
    const denied = failure instanceof ImmichAuthError && changes.size === 0;
    const linked = (o: StoredObservation) => Boolean(this.store.immich.face(o.id)?.immichPersonId);
    const local = observations.filter((o) => changes.has(o.id) || denied || !linked(o) || kept.includes(o.id));
    if (local.length === 0) throw failure ?? new Error('nothing to change');
    const groups = each ? local.map((o) => [o]) : [local];
    for (const group of groups) {
      await this.journal(
        () => edit(group.map((o) => o.id)),
        () => ({ faces: group.flatMap((o) => changes.get(o.id) ?? []) }),
      );
    }
    const notes: string[] = [];
    if (changes.size > 0) notes.push(`${faces(changes.size)} removed in Immich too`);
    if (kept.length > 0) notes.push(`Immich shows ${faces(kept.length)} on someone else now: left there`);
    if (denied) notes.push(`Immich kept the faces: ${failure!.message}`);
    else if (failure)
      notes.push(`Immich answered: ${failure.message}; ${faces(observations.length - local.length)} not changed`);
    return notes.length > 0 ? { note: notes.join('; ') } : {};
  }

  private proposal(observationId: number): { observation: StoredObservation; proposal: FaceProposal } {
    const [observation] = this.store.observations.byIds([observationId], { vectors: false });
    const asset = observation && this.store.assets.byId(observation.assetId);
    const person = observation?.personId ? this.store.people.get(observation.personId) : undefined;
    if (
      !observation?.observation.face ||
      observation.assignedBy !== 'assign' ||
      observation.dismissed ||
      asset?.source !== IMMICH_SOURCE ||
      !person ||
      !this.immichIdOf(person.id)
    ) {
      throw new Error(`no open face proposal for observation ${observationId}`);
    }
    return {
      observation,
      proposal: { observationId, asset: asset.sourceId, personId: person.id, name: person.name },
    };
  }

  /** Puts the face on the person's Immich person (reassigned, or created where Immich has none), then here. */
  private async acceptFace(observationId: number): Promise<EditResult> {
    const { observation, proposal } = this.proposal(observationId);
    const immichId = this.immichIdOf(proposal.personId)!;
    const writer = this.writer();
    const changes: FaceChange[] = [];
    await writer.place(writer.immichFaces([observation]), immichId, 'user', (c) => changes.push(c));
    await this.journal(
      () => this.local.move([observationId], proposal.personId, null),
      () => ({ faces: changes }),
    );
    return { note: `on ${personLabel({ id: proposal.personId, name: proposal.name })} in Immich too` };
  }

  private async rejectFace(observationId: number): Promise<EditResult> {
    const { proposal } = this.proposal(observationId);
    await this.journal(
      () => this.local.remove([observationId]),
      () => ({}),
    );
    return {
      note: `remembered here: not proposed for ${personLabel({ id: proposal.personId, name: proposal.name })} again`,
    };
  }

  async undo(editId: number): Promise<EditResult> {
    return new ImmichUndo(this.store, this.client, this.writer(), this.local, this.webUrl).undo(editId);
  }

  history(limit: number): HistoryItem[] {
    return this.local.history(limit);
  }
}
