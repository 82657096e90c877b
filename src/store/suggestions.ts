import type { Db } from './database.js';

export interface SuggestionRow {
  id: number;
  personA: string;
  personB: string;
  score: number;
  status: 'open' | 'accepted' | 'rejected';
}

export class SuggestionRepository {
  constructor(private readonly db: Db) {}

  /** Replaces the open suggestions; accepted and rejected ones stay as history. */
  replaceOpen(suggestions: readonly { personA: string; personB: string; score: number }[], now = Date.now()): void {
    this.db.prepare("DELETE FROM suggestions WHERE status = 'open'").run();
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO suggestions (person_a, person_b, score, status, created_at) VALUES (?, ?, ?, 'open', ?)`,
    );
    for (const s of suggestions) {
      const [a, b] = s.personA < s.personB ? [s.personA, s.personB] : [s.personB, s.personA];
      insert.run(a, b, s.score, now);
    }
  }

  list(status: SuggestionRow['status'] = 'open'): SuggestionRow[] {
    return this.db
      .prepare<[string], SuggestionRow>(
        `SELECT id, person_a AS personA, person_b AS personB, score, status FROM suggestions
         WHERE status = ? ORDER BY score DESC, id`,
      )
      .all(status);
  }

  setStatus(id: number, status: SuggestionRow['status']): void {
    this.db.prepare('UPDATE suggestions SET status = ? WHERE id = ?').run(status, id);
  }
}
