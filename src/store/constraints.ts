import type { Db } from './database.js';

export type ConstraintKind = 'must-link' | 'cannot-link';

export interface Constraint {
  a: number;
  b: number;
  kind: ConstraintKind;
  origin: string;
}

/** Pairwise constraints between observations, from users (or Immich); every re-cluster keeps them. */
export class ConstraintRepository {
  constructor(private readonly db: Db) {}

  add(a: number, b: number, kind: ConstraintKind, origin = 'user', now = Date.now()): void {
    if (a === b) return;
    const [lo, hi] = a < b ? [a, b] : [b, a];
    this.db
      .prepare('INSERT OR IGNORE INTO constraints (a, b, kind, origin, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(lo, hi, kind, origin, now);
  }

  list(kind?: ConstraintKind): Constraint[] {
    const rows = this.db
      .prepare<[], Constraint>('SELECT a, b, kind, origin FROM constraints ORDER BY a, b, kind')
      .all();
    return kind ? rows.filter((r) => r.kind === kind) : rows;
  }
}
