import type { StoredObservation } from '../store/observations.js';
import type { PersonRow } from '../store/people.js';
import type { SuggestionRow } from '../store/suggestions.js';
import type { Store } from '../store/store.js';
import { EditHistory, type HistoryEntry } from './edit-history.js';

export type { HistoryEntry };

/** `p3 "Ann"`, or `p3` for a person without a name. */
const label = (person: Pick<PersonRow, 'id' | 'name'>) => (person.name ? `${person.id} "${person.name}"` : person.id);
const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const kindOf = (o: StoredObservation) => (o.observation.face ? 'face' : 'body');
const cleanName = (name: string | null | undefined) => (name && name.trim() ? name.trim() : null);

/**
 * What a user does to people, recorded so that every re-cluster keeps it: names, hiding, covers, merges and moves
 * (the user's own assignments, must-links), splits, moves off a person and rejected suggestions (cannot-links), and
 * dismissals ("not a face"). Every edit is journaled with the rows it touched, so that it can be undone.
 */
export class PeopleService {
  private readonly edits: EditHistory;

  constructor(private readonly store: Store) {
    this.edits = new EditHistory(store);
  }

  list(): PersonRow[] {
    return this.store.people.list();
  }

  private person(id: string): PersonRow {
    const person = this.store.people.get(id);
    if (!person) throw new Error(`no person with id ${id}`);
    return person;
  }

  /** The observations of `ids`, each once; an unknown id is an error that names it. */
  private observations(ids: readonly number[]): StoredObservation[] {
    const unique = [...new Set(ids)];
    if (unique.length === 0) throw new Error('no observations given');
    const found = this.store.observations.byIds(unique, { vectors: true });
    const missing = unique.filter((id) => !found.some((o) => o.id === id));
    if (missing.length > 0) throw new Error(`no observation with id ${missing.join(', ')}`);
    return found;
  }

  name(id: string, name: string | null): void {
    const person = this.person(id);
    const newName = cleanName(name);
    if (newName === person.name) return;
    this.edits.record(
      'name',
      { people: [id], observations: [] },
      () => this.store.people.rename(id, newName),
      () =>
        newName === null
          ? `cleared the name of ${id} (was "${person.name}")`
          : person.name
            ? `renamed ${label(person)} to "${newName}"`
            : `named ${id} "${newName}"`,
    );
  }

  /** Hides a person from the people shown (or shows it again); a hidden person is kept like a named one. */
  hide(id: string, hidden: boolean): void {
    const person = this.person(id);
    if (person.hidden === hidden) return;
    this.edits.record(
      'hide',
      { people: [id], observations: [] },
      () => this.store.people.setHidden(id, hidden),
      () => (hidden ? `hid ${label(person)}` : `showed ${label(person)} again`),
    );
  }

  /**
   * The face a person is shown by; it must be theirs. Choosing it confirms it: it becomes the user's assignment, so
   * no re-cluster takes it off the person.
   */
  setCover(personId: string, observationId: number): void {
    const person = this.person(personId);
    const [observation] = this.observations([observationId]);
    if (observation.personId !== personId) {
      throw new Error(`observation ${observationId} is not ${label(person)}'s face: a cover must be one of theirs`);
    }
    if (!observation.observation.face) throw new Error(`observation ${observationId} has no face to show`);
    if (person.cover === observationId && observation.assignedBy === 'user') return;
    this.edits.record(
      'cover',
      { people: [personId], observations: [observationId] },
      () => {
        this.store.people.setCover(personId, observationId);
        if (observation.assignedBy !== 'user') {
          this.store.observations.assign([{ id: observationId, personId, assignedBy: 'user' }]);
        }
      },
      () => `chose face ${observationId} as the cover of ${label(person)}`,
    );
  }

  /** Moves everything of `from` onto `into`, as the user's own assignment; `into` keeps its name (or takes from's). */
  merge(into: string, from: string): void {
    if (into === from) throw new Error('cannot merge a person with itself');
    const target = this.person(into);
    const source = this.person(from);
    this.edits.record(
      'merge',
      this.mergeScope(target, source),
      () => this.mergeRows(target, source),
      () => `merged ${label(source)} into ${label(target)}: ${count(source.observations, 'face', 'faces')} moved`,
    );
  }

  private mergeScope(target: PersonRow, source: PersonRow) {
    const members = [target, source].flatMap((p) => this.store.observations.ofPerson(p.id).map((o) => o.id));
    return { people: [target.id, source.id], observations: members };
  }

  private mergeRows(target: PersonRow, source: PersonRow): void {
    const members = [target, source].flatMap((p) => this.store.observations.ofPerson(p.id));
    this.store.observations.assign(
      members.map((o) => ({ id: o.id, personId: target.id, assignedBy: 'user' as const })),
    );
    this.store.people.setExemplars(target.id, [...target.exemplars, ...source.exemplars]);
    if (target.name === null && source.name !== null) this.store.people.rename(target.id, source.name);
    if (target.cover === null && source.cover !== null) this.store.people.setCover(target.id, source.cover);
    this.store.people.remove(source.id);
  }

  /** A person's anchors, but `leaving`: the faces the user put on it and its exemplars. */
  private anchors(person: PersonRow, leaving: ReadonlySet<number>): number[] {
    return this.store.observations
      .ofPerson(person.id)
      .filter((o) => !leaving.has(o.id) && (o.assignedBy === 'user' || person.exemplars.includes(o.id)))
      .map((o) => o.id);
  }

  /**
   * Takes observations off their people for good: each is cannot-linked to the anchors of the person it leaves, and
   * leaves its exemplars and cover.
   */
  private takeOff(observations: readonly StoredObservation[], people: ReadonlyMap<string, PersonRow>): void {
    const leaving = new Set(observations.map((o) => o.id));
    for (const person of people.values()) {
      const anchors = this.anchors(person, leaving);
      for (const o of observations) {
        if (o.personId !== person.id) continue;
        for (const a of anchors) this.store.constraints.add(o.id, a, 'cannot-link');
      }
      this.leave(person, leaving);
    }
  }

  /** The person keeps none of `leaving` as exemplars or cover. */
  private leave(person: PersonRow, leaving: ReadonlySet<number>): void {
    if (person.exemplars.some((e) => leaving.has(e))) {
      this.store.people.setExemplars(
        person.id,
        person.exemplars.filter((e) => !leaving.has(e)),
      );
    }
    if (person.cover !== null && leaving.has(person.cover)) this.store.people.setCover(person.id, null);
  }

  /** The people holding `observations` now, but `except`. */
  private holders(observations: readonly StoredObservation[], except?: string): Map<string, PersonRow> {
    const ids = new Set(observations.map((o) => o.personId).filter((p): p is string => p !== null && p !== except));
    return new Map([...ids].sort().map((id) => [id, this.person(id)]));
  }

  /** Takes one observation away from its person; it may never join that person again. */
  split(observationId: number): void {
    const [observation] = this.observations([observationId]);
    if (!observation.personId) throw new Error(`observation ${observationId} belongs to no person`);
    const person = this.person(observation.personId);
    this.edits.record(
      'split',
      { people: [person.id], observations: [observationId] },
      () => {
        this.takeOff([observation], new Map([[person.id, person]]));
        this.store.observations.assign([{ id: observationId, personId: null, assignedBy: null }]);
      },
      () => `took ${kindOf(observation)} ${observationId} off ${label(person)}; it will not join ${person.id} again`,
    );
  }

  /**
   * Puts observations on person `to` as the user's own assignment, or on a new person (named `name`, if given) when
   * `to` is null. Faces taken off another person are "not that person" too (cannot-links, as split). Unknown and
   * dismissed faces may be moved: a dismissed face moved to a person is a face again. Returns the person's id.
   */
  move(observationIds: readonly number[], to: string | null, name?: string | null): string {
    const observations = this.observations(observationIds);
    const target = to === null ? null : this.person(to);
    if (target && cleanName(name) !== null) {
      throw new Error(`a name is given only to a new person; name ${label(target)} with people name`);
    }
    const targetId = target?.id ?? this.newPersonId(observations.map((o) => o.id));
    const previous = this.holders(observations, targetId);
    const ids = observations.map((o) => o.id);
    return this.edits.record(
      'move',
      { people: [targetId, ...previous.keys()], observations: ids },
      () => {
        if (!target) this.store.people.create({ id: targetId, name: cleanName(name) });
        this.takeOff(
          observations.filter((o) => o.personId !== null && o.personId !== targetId),
          previous,
        );
        this.store.observations.assign(ids.map((id) => ({ id, personId: targetId, assignedBy: 'user' as const })));
        this.store.observations.setDismissed(
          observations.filter((o) => o.dismissed).map((o) => o.id),
          false,
        );
        // a person without a gallery attracts no new face until the next re-cluster: the clear faces moved onto it
        // are its exemplars meanwhile
        if (!target || target.exemplars.length === 0) {
          const clear = observations.filter((o) => o.observation.face?.quality.clear && o.observation.face.embedding);
          if (clear.length > 0)
            this.store.people.setExemplars(
              targetId,
              clear.map((o) => o.id).sort((a, b) => a - b),
            );
        }
        return targetId;
      },
      () => {
        const what = count(ids.length, 'face', 'faces');
        const onto = target ? label(target) : `a new person ${label({ id: targetId, name: cleanName(name) })}`;
        const off = previous.size > 0 ? ` (off ${[...previous.values()].map(label).join(', ')})` : '';
        return `moved ${what} to ${onto}${off}`;
      },
    );
  }

  /** A new person's id, as recognition makes them: `p` and the first observation's id (`x` added while taken). */
  private newPersonId(observationIds: readonly number[]): string {
    let id = `p${Math.min(...observationIds)}`;
    while (this.store.people.get(id)) id = `${id}x`;
    return id;
  }

  /**
   * "Not a face": the observations leave their people and are never clustered, assigned, suggested or listed as
   * unknown again; new faces that look like them stay unknown too (see recognition/dismissed.ts).
   */
  dismiss(observationIds: readonly number[]): void {
    const observations = this.observations(observationIds).filter((o) => !o.dismissed);
    if (observations.length === 0) return;
    const previous = this.holders(observations);
    const ids = observations.map((o) => o.id);
    this.edits.record(
      'dismiss',
      { people: [...previous.keys()], observations: ids },
      () => {
        const leaving = new Set(ids);
        for (const person of previous.values()) this.leave(person, leaving);
        this.store.observations.assign(ids.map((id) => ({ id, personId: null, assignedBy: null })));
        this.store.observations.setDismissed(ids, true);
      },
      () => {
        const off = previous.size > 0 ? ` (off ${[...previous.values()].map(label).join(', ')})` : '';
        return `dismissed ${count(ids.length, 'face', 'faces')} as not a face${off}`;
      },
    );
  }

  suggestions(): SuggestionRow[] {
    return this.store.suggestions.list();
  }

  /**
   * Faces our gallery assigned by itself on photos from a host that keeps its own people (Immich): in suggest mode
   * these are proposals for the host's unassigned faces.
   */
  proposals(source = 'immich'): { observationId: number; asset: string; personId: string; name: string | null }[] {
    const assets = new Map(this.store.assets.list(source).map((a) => [a.id, a.sourceId]));
    const names = new Map(this.store.people.list().map((p) => [p.id, p.name]));
    return this.store.observations
      .all({ vectors: false })
      .filter((o) => o.assignedBy === 'assign' && o.personId && assets.has(o.assetId))
      .map((o) => ({
        observationId: o.id,
        asset: assets.get(o.assetId)!,
        personId: o.personId!,
        name: names.get(o.personId!) ?? null,
      }));
  }

  private suggestion(id: number): SuggestionRow {
    const found = this.store.suggestions.list().find((s) => s.id === id);
    if (!found) throw new Error(`no open suggestion with id ${id}`);
    return found;
  }

  accept(id: number): void {
    const s = this.suggestion(id);
    const target = this.person(s.personA);
    const source = this.person(s.personB);
    this.edits.record(
      'accept',
      { ...this.mergeScope(target, source), suggestions: [id] },
      () => {
        this.mergeRows(target, source);
        this.store.suggestions.setStatus(id, 'accepted');
      },
      () => `accepted suggestion ${id}: merged ${label(source)} into ${label(target)}`,
    );
  }

  /** Remembers the rejection as cannot-links between the two people's exemplars. */
  reject(id: number): void {
    const s = this.suggestion(id);
    const a = this.person(s.personA);
    const b = this.person(s.personB);
    this.edits.record(
      'reject',
      { people: [a.id, b.id], observations: [...a.exemplars, ...b.exemplars], suggestions: [id] },
      () => {
        for (const x of a.exemplars) for (const y of b.exemplars) this.store.constraints.add(x, y, 'cannot-link');
        this.store.suggestions.setStatus(id, 'rejected');
      },
      () => `rejected suggestion ${id}: ${label(a)} and ${label(b)} are kept apart`,
    );
  }

  /** The history of edits to people, the user's and the machine's, newest first. */
  history(options: { limit?: number; before?: number } = {}): HistoryEntry[] {
    return this.edits.list(options);
  }

  /**
   * Restores the state before edit `editId` and records the undo. Refused, naming the edit to undo first, when a
   * later edit changed the same people or faces.
   */
  undo(editId: number): void {
    this.edits.undo(editId);
  }
}
