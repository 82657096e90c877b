import { randomUUID } from 'node:crypto';
import type { Db } from './database.js';

export interface PersonRow {
  id: string;
  name: string | null;
  hidden: boolean;
  /** The face the user chose to show the person by (one of theirs), or null. */
  cover: number | null;
  observations: number;
  exemplars: number[];
}

export class PeopleRepository {
  constructor(private readonly db: Db) {}

  create(options: { id?: string; name?: string | null } = {}, now = Date.now()): string {
    const id = options.id ?? randomUUID();
    this.db
      .prepare('INSERT INTO people (id, name, hidden, created_at, updated_at) VALUES (?, ?, 0, ?, ?)')
      .run(id, options.name ?? null, now, now);
    return id;
  }

  get(id: string): PersonRow | undefined {
    return this.select(id)[0];
  }

  list(): PersonRow[] {
    return this.select(null);
  }

  /** Every person, or the one with `id`, with observation counts and exemplars. */
  private select(id: string | null): PersonRow[] {
    const rows = this.db
      .prepare<
        [string | null, string | null],
        { id: string; name: string | null; hidden: number; cover: number | null; observations: number }
      >(
        `SELECT p.id, p.name, p.hidden, p.cover_observation_id AS cover, COUNT(o.id) AS observations
         FROM people p LEFT JOIN observations o ON o.person_id = p.id
         WHERE ? IS NULL OR p.id = ?
         GROUP BY p.id ORDER BY observations DESC, p.created_at, p.id`,
      )
      .all(id, id);
    const exemplars = new Map<string, number[]>();
    for (const e of this.db
      .prepare<[string | null, string | null], { person_id: string; observation_id: number }>(
        'SELECT person_id, observation_id FROM exemplars WHERE ? IS NULL OR person_id = ? ORDER BY observation_id',
      )
      .all(id, id)) {
      const list = exemplars.get(e.person_id);
      if (list) list.push(e.observation_id);
      else exemplars.set(e.person_id, [e.observation_id]);
    }
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      hidden: r.hidden === 1,
      cover: r.cover,
      observations: r.observations,
      exemplars: exemplars.get(r.id) ?? [],
    }));
  }

  rename(id: string, name: string | null, now = Date.now()): void {
    const result = this.db.prepare('UPDATE people SET name = ?, updated_at = ? WHERE id = ?').run(name, now, id);
    if (result.changes === 0) throw new Error(`no person with id ${id}`);
  }

  setHidden(id: string, hidden: boolean, now = Date.now()): void {
    this.db.prepare('UPDATE people SET hidden = ?, updated_at = ? WHERE id = ?').run(hidden ? 1 : 0, now, id);
  }

  /** The person's cover face; the caller checks that it is theirs. */
  setCover(id: string, observationId: number | null, now = Date.now()): void {
    this.db
      .prepare('UPDATE people SET cover_observation_id = ?, updated_at = ? WHERE id = ?')
      .run(observationId, now, id);
  }

  setExemplars(id: string, observationIds: readonly number[]): void {
    this.db.prepare('DELETE FROM exemplars WHERE person_id = ?').run(id);
    const insert = this.db.prepare('INSERT INTO exemplars (person_id, observation_id) VALUES (?, ?)');
    for (const o of observationIds) insert.run(id, o);
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM people WHERE id = ?').run(id);
  }
}
