export type { HistoryItem, ReviewEditor } from '../ports.js';
import type { HistoryItem, ReviewEditor } from '../ports.js';
import { PeopleService } from './people.js';
import type { Store } from '../store/store.js';

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
