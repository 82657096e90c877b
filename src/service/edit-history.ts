import { constraintKey, type EditScope, type EditState, type ObservationState } from '../store/edit-state.js';
import type { EditActor, EditKind, EditRecord } from '../store/history.js';
import type { Store } from '../store/store.js';

/** One line of the history, newest first, as the review page shows it. */
export interface HistoryEntry {
  id: number;
  /** ms since epoch. */
  at: number;
  actor: EditActor;
  kind: EditKind;
  /** A sentence for people; no paths. */
  summary: string;
  undone: boolean;
  /**
   * A user's edit that still stands (not undone, not an undo itself). Undo may still refuse it when a later edit
   * changed the same people or faces; the error names that edit.
   */
  undoable: boolean;
}

const PERSON_FIELDS = ['name', 'hidden', 'cover'] as const;

const sameObservation = (x: ObservationState | null, y: ObservationState | null) =>
  x === y ||
  (x !== null &&
    y !== null &&
    x.personId === y.personId &&
    x.assignedBy === y.assignedBy &&
    x.dismissed === y.dismissed);

/** The user decided it: a later machine run never changes it, so a difference means a later edit did. */
const userOwned = (o: ObservationState) => o.assignedBy === 'user' || o.dismissed;

/**
 * The keys of what an edit changed: a person's existence (`person:<id>`) or one of its fields
 * (`person:<id>:name`), an observation's person, origin or dismissal, a suggestion. Exemplars are the machine's and
 * constraints only ever get added: neither makes two edits conflict.
 */
function changedKeys(before: EditState, after: EditState): Set<string> {
  const keys = new Set<string>();
  for (const id of Object.keys(before.people)) {
    const [b, a] = [before.people[id], after.people[id]];
    if ((b === null) !== (a === null)) keys.add(`person:${id}`);
    else if (b && a) for (const f of PERSON_FIELDS) if (b[f] !== a[f]) keys.add(`person:${id}:${f}`);
  }
  for (const id of Object.keys(before.observations)) {
    if (!sameObservation(before.observations[id], after.observations[id])) keys.add(`observation:${id}`);
  }
  for (const id of Object.keys(before.suggestions)) {
    if (JSON.stringify(before.suggestions[id]) !== JSON.stringify(after.suggestions[id])) keys.add(`suggestion:${id}`);
  }
  return keys;
}

/** What an edit changed, and the people it relied on (a later edit that put faces on a person relies on it). */
function touchedKeys(before: EditState, after: EditState): Set<string> {
  const keys = changedKeys(before, after);
  for (const [id, a] of Object.entries(after.people)) if (a) keys.add(`person:${id}`);
  return keys;
}

const scopeOf = (state: EditState): EditScope => ({
  people: Object.keys(state.people),
  observations: Object.keys(state.observations).map(Number),
  suggestions: Object.keys(state.suggestions).map(Number),
});

/** The user's edits journaled with the rows they touched, and their undo. */
export class EditHistory {
  constructor(private readonly store: Store) {}

  /**
   * Runs `work` atomically as a user's edit, recording the state of `scope` before and after it. An edit that
   * changed nothing leaves no entry. `summary` describes what happened, from the work's result.
   */
  record<T>(kind: EditKind, scope: EditScope, work: () => T, summary: (result: T) => string): T {
    return this.store.transaction(() => {
      const before = this.store.editState.capture(scope);
      const result = work();
      const after = this.store.editState.capture(scope, before);
      if (JSON.stringify(before) !== JSON.stringify(after)) {
        this.store.history.record({ actor: 'user', kind, summary: summary(result), before, after });
      }
      return result;
    });
  }

  list(options: { limit?: number; before?: number } = {}): HistoryEntry[] {
    return this.store.history.list(options).map((e) => ({
      id: e.id,
      at: e.at,
      actor: e.actor,
      kind: e.kind,
      summary: e.summary,
      undone: e.undoneAt !== null,
      undoable: e.actor === 'user' && e.kind !== 'undo' && e.undoneAt === null,
    }));
  }

  /**
   * Restores the rows an edit touched to their state before it, and records the undo. Refused when the edit is a
   * machine run, an undo, already undone, or when a later edit that still stands changed the same rows (undo that one
   * first), or the machine removed a person the edit needs.
   */
  undo(editId: number): void {
    this.store.transaction(() => {
      const edit = this.store.history.get(editId);
      if (!edit) throw new Error(`no edit #${editId} in the history`);
      if (edit.actor !== 'user' || !edit.before || !edit.after) {
        throw new Error(`edit #${edit.id} (${edit.summary}) was the machine's: the next run decides again`);
      }
      if (edit.kind === 'undo') throw new Error(`edit #${edit.id} is an undo itself; it cannot be undone`);
      if (edit.undoneAt !== null) throw new Error(`edit #${edit.id} (${edit.summary}) is already undone`);
      this.refuseLaterConflicts(edit);
      const { before, after } = edit;
      const scope = scopeOf(before);
      const current = this.store.editState.capture(scope, before);
      this.restore(edit, before, after, current);
      const restored = this.store.editState.capture(scope, before);
      this.store.history.record({
        actor: 'user',
        kind: 'undo',
        summary: `undid #${edit.id}: ${edit.summary}`,
        before: current,
        after: restored,
        undoes: edit.id,
      });
      this.store.history.markUndone(edit.id);
    });
  }

  private refuseLaterConflicts(edit: EditRecord): void {
    const changed = changedKeys(edit.before!, edit.after!);
    const blocking = this.store.history
      .standingUserEditsAfter(edit.id)
      .filter((later) => [...touchedKeys(later.before!, later.after!)].some((k) => changed.has(k)))
      .reverse();
    if (blocking.length === 0) return;
    throw new Error(
      `edit #${edit.id} (${edit.summary}) cannot be undone while later edits to the same people or faces stand: ` +
        `undo ${blocking.map((b) => `#${b.id} (${b.summary})`).join(', then ')} first`,
    );
  }

  /** Why the machine's later work stops this undo, naming its last run. */
  private machineConflict(edit: EditRecord, what: string): Error {
    const run = this.store.history.lastMachineRunAfter(edit.id);
    return new Error(
      `edit #${edit.id} (${edit.summary}) cannot be undone: ${what}` +
        (run ? ` (the machine's last run since: #${run.id}, ${run.summary})` : ''),
    );
  }

  private restore(edit: EditRecord, before: EditState, after: EditState, current: EditState): void {
    const { editState } = this.store;
    // people: back as they were, field by field where the edit changed a field; made again where it deleted them
    const personAfterUndo = new Map<string, boolean>();
    for (const id of Object.keys(before.people)) {
      const [b, a, c] = [before.people[id], after.people[id], current.people[id]];
      if (b && !a) {
        if (c) throw this.machineConflict(edit, `person ${id} exists again`);
        editState.writePerson(id, { ...b, exemplars: [] });
      } else if (b && a) {
        const fields = PERSON_FIELDS.filter((f) => b[f] !== a[f]);
        if (!c) {
          // the person went since (a re-cluster removed it): nothing of it can be put back
          if (fields.length > 0) throw this.machineConflict(edit, `person ${id} is gone`);
          personAfterUndo.set(id, false);
          continue;
        }
        for (const f of fields) {
          if (c[f] !== a[f]) throw this.machineConflict(edit, `the ${f} of person ${id} changed since`);
        }
        if (fields.length > 0) {
          const back = (f: (typeof PERSON_FIELDS)[number]) => fields.includes(f);
          editState.writePerson(id, {
            ...c,
            name: back('name') ? b.name : c.name,
            hidden: back('hidden') ? b.hidden : c.hidden,
            cover: back('cover') ? b.cover : c.cover,
            updatedAt: b.updatedAt,
          });
        }
      }
      personAfterUndo.set(id, b !== null && (a === null || c !== null));
    }
    const exists = (person: string) => personAfterUndo.get(person) ?? this.store.people.get(person) !== undefined;

    for (const id of Object.keys(before.observations)) {
      const [b, a, c] = [before.observations[id], after.observations[id], current.observations[id]];
      if (sameObservation(b, a) || b === null || c === null) continue; // unchanged, or the photo is gone
      if (!sameObservation(c, a) && userOwned(c)) {
        throw this.machineConflict(edit, `observation ${id} was placed since`);
      }
      if (b.personId !== null && !exists(b.personId)) {
        throw this.machineConflict(edit, `person ${b.personId}, whom observation ${id} goes back to, is gone`);
      }
      editState.writeObservation(Number(id), b);
    }

    // exemplars: what the edit added goes, what it took comes back, among the faces the person holds again
    for (const id of Object.keys(before.people)) {
      const [b, a] = [before.people[id], after.people[id]];
      if (!b || !exists(id)) continue;
      const taken = new Set(a ? b.exemplars.filter((e) => !a.exemplars.includes(e)) : b.exemplars);
      const added = new Set(a ? a.exemplars.filter((e) => !b.exemplars.includes(e)) : []);
      if (taken.size === 0 && added.size === 0) continue;
      const now = this.store.people.get(id)!.exemplars.filter((e) => !added.has(e));
      const candidates = [...new Set([...now, ...taken])];
      const held = new Set(
        Object.entries(editState.capture({ people: [], observations: candidates }).observations)
          .filter(([, o]) => o?.personId === id)
          .map(([oid]) => Number(oid)),
      );
      this.store.people.setExemplars(
        id,
        candidates.filter((e) => held.has(e)).sort((x, y) => x - y),
      );
    }

    for (const id of Object.keys(before.suggestions)) {
      const [b, a] = [before.suggestions[id], after.suggestions[id]];
      if (JSON.stringify(b) !== JSON.stringify(a)) editState.writeSuggestion(Number(id), b);
    }
    const had = new Set(before.constraints.map(constraintKey));
    for (const c of after.constraints) if (!had.has(constraintKey(c))) editState.removeConstraint(c);

    // people the edit made go last, once their faces are back where they were
    for (const id of Object.keys(before.people)) {
      if (before.people[id] === null && after.people[id] !== null && current.people[id] !== null) {
        editState.writePerson(id, null);
      }
    }
  }
}
