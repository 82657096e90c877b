import type { Db } from './database.js';

export class CheckpointRepository {
  constructor(private readonly db: Db) {}

  get(name: string): string | undefined {
    return this.db.prepare<[string], { value: string }>('SELECT value FROM checkpoints WHERE name = ?').get(name)
      ?.value;
  }

  /** Every checkpoint whose name starts with `prefix`, by the rest of its name. */
  withPrefix(prefix: string): Map<string, string> {
    const rows = this.db
      .prepare<[number, string], { name: string; value: string }>(
        'SELECT name, value FROM checkpoints WHERE substr(name, 1, ?) = ? ORDER BY name',
      )
      .all(prefix.length, prefix);
    return new Map(rows.map((r) => [r.name.slice(prefix.length), r.value]));
  }

  set(name: string, value: string, now = Date.now()): void {
    this.db
      .prepare(
        `INSERT INTO checkpoints (name, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      )
      .run(name, value, now);
  }
}
