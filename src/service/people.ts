import type { PersonRow } from '../store/people.js';
import type { SuggestionRow } from '../store/suggestions.js';
import type { Store } from '../store/store.js';

/**
 * What a user does to people, recorded so that every re-cluster keeps it: names, merges (user-confirmed
 * assignments, which become must-links), splits and rejected suggestions (cannot-links).
 */
export class PeopleService {
  constructor(private readonly store: Store) {}

  list(): PersonRow[] {
    return this.store.people.list();
  }

  private person(id: string): PersonRow {
    const person = this.store.people.get(id);
    if (!person) throw new Error(`no person with id ${id}`);
    return person;
  }

  name(id: string, name: string | null): void {
    this.person(id);
    this.store.people.rename(id, name && name.trim() ? name.trim() : null);
  }

  /** Moves everything of `from` onto `into`, as the user's own assignment; `into` keeps its name (or takes from's). */
  merge(into: string, from: string): void {
    if (into === from) throw new Error('cannot merge a person with itself');
    const target = this.person(into);
    const source = this.person(from);
    this.store.transaction(() => {
      const members = this.store.observations
        .all({ vectors: false })
        .filter((o) => o.personId === into || o.personId === from);
      this.store.observations.assign(members.map((o) => ({ id: o.id, personId: into, assignedBy: 'user' as const })));
      this.store.people.setExemplars(into, [...target.exemplars, ...source.exemplars]);
      if (target.name === null && source.name !== null) this.store.people.rename(into, source.name);
      this.store.people.remove(from);
    });
  }

  /** Takes one observation away from its person; it may never join that person again. */
  split(observationId: number): void {
    const [observation] = this.store.observations.byIds([observationId], { vectors: false });
    if (!observation) throw new Error(`no observation with id ${observationId}`);
    if (!observation.personId) throw new Error(`observation ${observationId} belongs to no person`);
    const person = this.person(observation.personId);
    const anchors = this.store.observations
      .all({ vectors: false })
      .filter(
        (o) =>
          o.id !== observationId &&
          o.personId === person.id &&
          (o.assignedBy === 'user' || person.exemplars.includes(o.id)),
      );
    this.store.transaction(() => {
      for (const a of anchors) this.store.constraints.add(observationId, a.id, 'cannot-link');
      this.store.observations.assign([{ id: observationId, personId: null, assignedBy: null }]);
      this.store.people.setExemplars(
        person.id,
        person.exemplars.filter((e) => e !== observationId),
      );
    });
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
    this.store.transaction(() => {
      this.merge(s.personA, s.personB);
      this.store.suggestions.setStatus(id, 'accepted');
    });
  }

  /** Remembers the rejection as cannot-links between the two people's exemplars. */
  reject(id: number): void {
    const s = this.suggestion(id);
    const a = this.person(s.personA);
    const b = this.person(s.personB);
    this.store.transaction(() => {
      for (const x of a.exemplars) for (const y of b.exemplars) this.store.constraints.add(x, y, 'cannot-link');
      this.store.suggestions.setStatus(id, 'rejected');
    });
  }
}
