export type { EditResult, FaceProposal, HistoryItem, LocalReviewEditor, ReviewEditor } from '../ports.js';
import type { EditResult, HistoryItem, LocalReviewEditor } from '../ports.js';
import { PeopleService } from './people.js';
import type { Store } from '../store/store.js';

/** Thrown inside a transaction to roll a trial undo back. */
class TrialUndo extends Error {}

/** A folder library's editor: every edit is a constraint in the store, journaled so it can be undone. */
export class StoreEditor implements LocalReviewEditor {
  readonly describe = 'this store';
  private readonly people: PeopleService;

  constructor(private readonly store: Store) {
    this.people = new PeopleService(store);
  }

  async name(personId: string, name: string | null): Promise<EditResult> {
    this.people.name(personId, name);
    return {};
  }
  async hide(personId: string, hidden: boolean): Promise<EditResult> {
    this.people.hide(personId, hidden);
    return {};
  }
  async setCover(personId: string, observationId: number): Promise<EditResult> {
    this.people.setCover(personId, observationId);
    return {};
  }
  async merge(into: string, from: string): Promise<EditResult> {
    this.people.merge(into, from);
    return {};
  }
  async move(
    observationIds: readonly number[],
    to: string | null,
    name: string | null,
  ): Promise<EditResult & { person: string }> {
    return { person: this.people.move(observationIds, to, name) };
  }
  async remove(observationIds: readonly number[]): Promise<EditResult> {
    // one transaction: a face that cannot be taken off leaves the others where they were
    this.store.transaction(() => {
      for (const id of observationIds) this.people.split(id);
    });
    return {};
  }
  async dismiss(observationIds: readonly number[]): Promise<EditResult> {
    this.people.dismiss(observationIds);
    return {};
  }
  async accept(suggestionId: number): Promise<EditResult> {
    this.people.accept(suggestionId);
    return {};
  }
  async reject(suggestionId: number): Promise<EditResult> {
    this.people.reject(suggestionId);
    return {};
  }
  async undo(editId: number): Promise<EditResult> {
    this.people.undo(editId);
    return {};
  }
  history(limit: number): HistoryItem[] {
    return this.people.history({ limit });
  }

  undoRefusal(editId: number): string | null {
    try {
      this.store.transaction(() => {
        this.people.undo(editId);
        throw new TrialUndo();
      });
    } catch (error) {
      if (error instanceof TrialUndo) return null;
      return (error as Error).message;
    }
    return null;
  }
}
