import { PeopleService } from './people.js';
import type { Store } from '../store/store.js';

/** One line of the history page: a user's or the machine's change. */
export interface HistoryItem {
  id: number;
  at: number;
  actor: 'user' | 'machine';
  kind: string;
  summary: string;
  undone: boolean;
  undoable: boolean;
}

/**
 * How the review page's edits reach the people: straight into the store for a folder library (constraints every
 * re-cluster keeps), or through Immich's API when Immich holds the truth. Every method may refuse with an Error whose
 * message the page shows as it is.
 */
export interface ReviewEditor {
  /** Where edits go, in words for the page ("this store", "Immich (manage mode)"). */
  readonly describe: string;
  name(personId: string, name: string | null): Promise<void>;
  hide(personId: string, hidden: boolean): Promise<void>;
  setCover(personId: string, observationId: number): Promise<void>;
  merge(into: string, from: string): Promise<void>;
  /** Onto `to`, or a new person (named `name`) when `to` is null; returns the person's id. */
  move(observationIds: readonly number[], to: string | null, name: string | null): Promise<string>;
  /** "Not this person": each face leaves its person for good. */
  remove(observationIds: readonly number[]): Promise<void>;
  /** "Not a face". */
  dismiss(observationIds: readonly number[]): Promise<void>;
  accept(suggestionId: number): Promise<void>;
  reject(suggestionId: number): Promise<void>;
  undo(editId: number): Promise<void>;
  history(limit: number): HistoryItem[];
}

/** A folder library's editor: every edit is a constraint in the store, journaled so it can be undone. */
export class StoreEditor implements ReviewEditor {
  readonly describe = 'this store';
  private readonly people: PeopleService;

  constructor(store: Store) {
    this.people = new PeopleService(store);
  }

  async name(personId: string, name: string | null): Promise<void> {
    this.people.name(personId, name);
  }
  async hide(personId: string, hidden: boolean): Promise<void> {
    this.people.hide(personId, hidden);
  }
  async setCover(personId: string, observationId: number): Promise<void> {
    this.people.setCover(personId, observationId);
  }
  async merge(into: string, from: string): Promise<void> {
    this.people.merge(into, from);
  }
  async move(observationIds: readonly number[], to: string | null, name: string | null): Promise<string> {
    return this.people.move(observationIds, to, name);
  }
  async remove(observationIds: readonly number[]): Promise<void> {
    for (const id of observationIds) this.people.split(id);
  }
  async dismiss(observationIds: readonly number[]): Promise<void> {
    this.people.dismiss(observationIds);
  }
  async accept(suggestionId: number): Promise<void> {
    this.people.accept(suggestionId);
  }
  async reject(suggestionId: number): Promise<void> {
    this.people.reject(suggestionId);
  }
  async undo(editId: number): Promise<void> {
    this.people.undo(editId);
  }
  history(limit: number): HistoryItem[] {
    return this.people.history({ limit });
  }
}
