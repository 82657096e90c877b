import type { AssignedBy } from '../types.js';
import type { ConstraintKind } from './constraints.js';
import type { Db } from './database.js';
import type { SuggestionRow } from './suggestions.js';

/** A person's row as an edit saw it: everything an undo puts back. */
export interface PersonState {
  name: string | null;
  hidden: boolean;
  cover: number | null;
  createdAt: number;
  updatedAt: number;
  /** Observation ids, ascending. */
  exemplars: number[];
}

export interface ObservationState {
  personId: string | null;
  assignedBy: AssignedBy | null;
  dismissed: boolean;
}

export interface SuggestionState {
  personA: string;
  personB: string;
  score: number;
  status: SuggestionRow['status'];
  createdAt: number;
}

export interface ConstraintState {
  a: number;
  b: number;
  kind: ConstraintKind;
  origin: string;
  createdAt: number;
}

/**
 * The rows one edit touched, before or after it (null: the row did not exist). Keys are ids (observation and
 * suggestion ids as strings: the state is stored as JSON). `constraints`: every constraint naming one of the
 * observations, so that before and after tell which ones the edit added.
 */
export interface EditState {
  people: Record<string, PersonState | null>;
  observations: Record<string, ObservationState | null>;
  suggestions: Record<string, SuggestionState | null>;
  constraints: ConstraintState[];
}

/** What an edit may touch: the state of these rows is recorded before and after it. */
export interface EditScope {
  people: readonly string[];
  observations: readonly number[];
  /** Suggestions besides those of the scope's people, which are always included (deleting a person deletes them). */
  suggestions?: readonly number[];
}

interface RawPerson {
  name: string | null;
  hidden: number;
  cover_observation_id: number | null;
  created_at: number;
  updated_at: number;
}

interface RawSuggestion {
  id: number;
  person_a: string;
  person_b: string;
  score: number;
  status: SuggestionRow['status'];
  created_at: number;
}

export const constraintKey = (c: Pick<ConstraintState, 'a' | 'b' | 'kind'>) => `${c.a}|${c.b}|${c.kind}`;

/** The order an EditState lists its constraints in: by ends, then kind. */
const byConstraintOrder = (x: ConstraintState, y: ConstraintState) =>
  x.a - y.a || x.b - y.b || (x.kind < y.kind ? -1 : 1);

/** Reads and writes the rows of an EditState: the store side of the edit history's undo. */
export class EditStateRepository {
  constructor(private readonly db: Db) {}

  /**
   * The state of the scope's rows now. `like`: the state recorded before an edit, whose rows are read again (the
   * suggestions of a person the edit deleted are gone with it, and must be read as gone, not left out).
   */
  capture(scope: EditScope, like?: EditState): EditState {
    const people: EditState['people'] = {};
    const getPerson = this.db.prepare<[string], RawPerson>(
      'SELECT name, hidden, cover_observation_id, created_at, updated_at FROM people WHERE id = ?',
    );
    const exemplarsOf = this.db.prepare<[string], { observation_id: number }>(
      'SELECT observation_id FROM exemplars WHERE person_id = ? ORDER BY observation_id',
    );
    for (const id of scope.people) {
      const row = getPerson.get(id);
      people[id] = row
        ? {
            name: row.name,
            hidden: row.hidden === 1,
            cover: row.cover_observation_id,
            createdAt: row.created_at,
            updatedAt: row.updated_at,
            exemplars: exemplarsOf.all(id).map((e) => e.observation_id),
          }
        : null;
    }

    const observations: EditState['observations'] = {};
    const getObservation = this.db.prepare<
      [number],
      { person_id: string | null; assigned_by: AssignedBy | null; dismissed: number }
    >('SELECT person_id, assigned_by, dismissed FROM observations WHERE id = ?');
    for (const id of scope.observations) {
      const row = getObservation.get(id);
      observations[id] = row
        ? { personId: row.person_id, assignedBy: row.assigned_by, dismissed: row.dismissed === 1 }
        : null;
    }

    const suggestionIds = new Set<number>([
      ...(scope.suggestions ?? []),
      ...Object.keys(like?.suggestions ?? {}).map(Number),
    ]);
    const ofPerson = this.db.prepare<[string, string], { id: number }>(
      'SELECT id FROM suggestions WHERE person_a = ? OR person_b = ?',
    );
    for (const id of scope.people) for (const s of ofPerson.all(id, id)) suggestionIds.add(s.id);
    const getSuggestion = this.db.prepare<[number], RawSuggestion>('SELECT * FROM suggestions WHERE id = ?');
    const suggestions: EditState['suggestions'] = {};
    for (const id of [...suggestionIds].sort((a, b) => a - b)) {
      const row = getSuggestion.get(id);
      suggestions[id] = row
        ? {
            personA: row.person_a,
            personB: row.person_b,
            score: row.score,
            status: row.status,
            createdAt: row.created_at,
          }
        : null;
    }

    const constraints = new Map<string, ConstraintState>();
    const ofObservation = this.db.prepare<[number, number], ConstraintState>(
      `SELECT a, b, kind, origin, created_at AS createdAt FROM constraints WHERE a = ? OR b = ?`,
    );
    for (const id of scope.observations) {
      for (const c of ofObservation.all(id, id)) constraints.set(constraintKey(c), c);
    }
    const sorted = [...constraints.values()].sort(byConstraintOrder);
    return { people, observations, suggestions, constraints: sorted };
  }

  /**
   * Puts a person's row back as `state` says (exemplars aside), creating it if it is gone; null deletes it. A cover
   * whose observation is gone (its photo left) stays empty.
   */
  writePerson(id: string, state: PersonState | null): void {
    if (state === null) {
      this.db.prepare('DELETE FROM people WHERE id = ?').run(id);
      return;
    }
    this.db
      .prepare(
        `INSERT INTO people (id, name, hidden, cover_observation_id, created_at, updated_at)
         VALUES (?, ?, ?, (SELECT id FROM observations WHERE id = ?), ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, hidden = excluded.hidden,
           cover_observation_id = excluded.cover_observation_id, created_at = excluded.created_at,
           updated_at = excluded.updated_at`,
      )
      .run(id, state.name, state.hidden ? 1 : 0, state.cover, state.createdAt, state.updatedAt);
  }

  writeObservation(id: number, state: ObservationState): void {
    this.db
      .prepare('UPDATE observations SET person_id = ?, assigned_by = ?, dismissed = ? WHERE id = ?')
      .run(state.personId, state.assignedBy, state.dismissed ? 1 : 0, id);
  }

  /** Puts a suggestion back with its id; another row for the same two people (a newer run's) gives way. */
  writeSuggestion(id: number, state: SuggestionState | null): void {
    this.db.prepare('DELETE FROM suggestions WHERE id = ?').run(id);
    if (state === null) return;
    this.db.prepare('DELETE FROM suggestions WHERE person_a = ? AND person_b = ?').run(state.personA, state.personB);
    this.db
      .prepare('INSERT INTO suggestions (id, person_a, person_b, score, status, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, state.personA, state.personB, state.score, state.status, state.createdAt);
  }

  removeConstraint(c: Pick<ConstraintState, 'a' | 'b' | 'kind'>): void {
    this.db.prepare('DELETE FROM constraints WHERE a = ? AND b = ? AND kind = ?').run(c.a, c.b, c.kind);
  }

  /** Which of `ids` are observations that exist now. */
  existingObservations(ids: readonly number[]): Set<number> {
    const get = this.db.prepare<[number], { id: number }>('SELECT id FROM observations WHERE id = ?');
    return new Set(ids.filter((id) => get.get(id) !== undefined));
  }
}

/** Every observation id an EditState names: its keys, covers, exemplars and constraint ends. */
export function observationIdsOf(state: EditState): number[] {
  const ids = new Set(Object.keys(state.observations).map(Number));
  for (const p of Object.values(state.people)) {
    if (!p) continue;
    if (p.cover !== null) ids.add(p.cover);
    for (const e of p.exemplars) ids.add(e);
  }
  for (const c of state.constraints) ids.add(c.a).add(c.b);
  return [...ids];
}

/**
 * `state` with each observation id it names replaced by `current`'s (ids `current` lacks stay): an edit recorded
 * before its photo was analysed again, told in the observations that stand for those faces now.
 */
export function renumberObservations(state: EditState, current: ReadonlyMap<number, number>): EditState {
  const to = (id: number) => current.get(id) ?? id;
  const people: EditState['people'] = {};
  for (const [id, p] of Object.entries(state.people)) {
    people[id] = p && {
      ...p,
      cover: p.cover === null ? null : to(p.cover),
      exemplars: p.exemplars.map(to).sort((x, y) => x - y),
    };
  }
  const observations: EditState['observations'] = {};
  for (const [id, o] of Object.entries(state.observations)) observations[String(to(Number(id)))] = o;
  const constraints = state.constraints
    .map((c) => ({ ...c, a: Math.min(to(c.a), to(c.b)), b: Math.max(to(c.a), to(c.b)) }))
    .sort(byConstraintOrder);
  return { people, observations, suggestions: state.suggestions, constraints };
}
