import type { Db } from './database.js';

export class CheckpointRepository {
  constructor(private readonly db: Db) {}

  get(name: string): string | undefined {
    return this.db.prepare<[string], { value: string }>('SELECT value FROM checkpoints WHERE name = ?').get(name)
      ?.value;
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
