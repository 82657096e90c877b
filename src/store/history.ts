import type { Db } from './database.js';
import { observationIdsOf, renumberObservations, type EditState } from './edit-state.js';

export type EditActor = 'user' | 'machine';

/** What an entry of the history did. */
export type EditKind =
  | 'name'
  | 'hide'
  | 'merge'
  | 'split'
  | 'move'
  | 'dismiss'
  | 'cover'
  | 'accept'
  | 'reject'
  | 'undo'
  | 'recluster'
  | 'assign';

/**
 * One journaled edit, with the state of the rows it touched (null for a machine run), told in today's observations: a
 * photo analysed again since has new rows for the faces it saw again (ObservationRepository.currentIds).
 */
export interface EditRecord {
  id: number;
  at: number;
  actor: EditActor;
  kind: EditKind;
  summary: string;
  before: EditState | null;
  after: EditState | null;
  /** For an undo: the edit it undid. */
  undoes: number | null;
  undoneAt: number | null;
}

interface RawEdit {
  id: number;
  actor: EditActor;
  kind: EditKind;
  summary: string;
  before: string | null;
  after: string | null;
  undoes: number | null;
  created_at: number;
  undone_at: number | null;
}

/** Maps observation ids to the rows that stand for them now. */
type CurrentIds = (ids: readonly number[]) => ReadonlyMap<number, number>;

function toRecord(r: RawEdit, withState: boolean, currentIds: CurrentIds): EditRecord {
  const state = (json: string | null): EditState | null => {
    if (!withState || json === null) return null;
    const parsed = JSON.parse(json) as EditState;
    return renumberObservations(parsed, currentIds(observationIdsOf(parsed)));
  };
  return {
    id: r.id,
    at: r.created_at,
    actor: r.actor,
    kind: r.kind,
    summary: r.summary,
    before: state(r.before),
    after: state(r.after),
    undoes: r.undoes,
    undoneAt: r.undone_at,
  };
}

/** The journal of edits to people, the user's and the machine's, newest last by id. */
export class HistoryRepository {
  constructor(
    private readonly db: Db,
    private readonly currentIds: CurrentIds,
  ) {}

  record(
    entry: {
      actor: EditActor;
      kind: EditKind;
      summary: string;
      before?: EditState | null;
      after?: EditState | null;
      undoes?: number | null;
    },
    now = Date.now(),
  ): number {
    const result = this.db
      .prepare(
        'INSERT INTO edits (actor, kind, summary, before, after, undoes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        entry.actor,
        entry.kind,
        entry.summary,
        entry.before ? JSON.stringify(entry.before) : null,
        entry.after ? JSON.stringify(entry.after) : null,
        entry.undoes ?? null,
        now,
      );
    return Number(result.lastInsertRowid);
  }

  /** Newest first, without their states: `limit` entries with ids below `before` (all when absent). */
  list(options: { limit?: number; before?: number } = {}): EditRecord[] {
    return this.db
      .prepare<[number | null, number | null, number], RawEdit>(
        `SELECT id, actor, kind, summary, NULL AS before, NULL AS after, undoes, created_at, undone_at FROM edits
         WHERE ? IS NULL OR id < ? ORDER BY id DESC LIMIT ?`,
      )
      .all(options.before ?? null, options.before ?? null, options.limit ?? -1)
      .map((r) => toRecord(r, false, this.currentIds));
  }

  get(id: number): EditRecord | undefined {
    const raw = this.db.prepare<[number], RawEdit>('SELECT * FROM edits WHERE id = ?').get(id);
    return raw && toRecord(raw, true, this.currentIds);
  }

  /** The newest entry's id (0 for an empty history): a mark to ask `userEditsAfter` about later. */
  latestId(): number {
    return this.db.prepare<[], { id: number | null }>('SELECT MAX(id) AS id FROM edits').get()!.id ?? 0;
  }

  /** How many of the user's edits (undos included) came after `id`. */
  userEditsAfter(id: number): number {
    return this.db
      .prepare<[number], { n: number }>(`SELECT COUNT(*) AS n FROM edits WHERE id > ? AND actor = 'user'`)
      .get(id)!.n;
  }

  /** The user's edits after `id` that still stand (not undone, not undos themselves), with their states. */
  standingUserEditsAfter(id: number): EditRecord[] {
    return this.db
      .prepare<[number], RawEdit>(
        `SELECT * FROM edits WHERE id > ? AND actor = 'user' AND kind != 'undo' AND undone_at IS NULL ORDER BY id`,
      )
      .all(id)
      .map((r) => toRecord(r, true, this.currentIds));
  }

  /** The newest machine run after `id`, if any. */
  lastMachineRunAfter(id: number): EditRecord | undefined {
    const raw = this.db
      .prepare<[number], RawEdit>(
        `SELECT id, actor, kind, summary, NULL AS before, NULL AS after, undoes, created_at, undone_at FROM edits
         WHERE id > ? AND actor = 'machine' ORDER BY id DESC LIMIT 1`,
      )
      .get(id);
    return raw && toRecord(raw, false, this.currentIds);
  }

  markUndone(id: number, now = Date.now()): void {
    this.db.prepare('UPDATE edits SET undone_at = ? WHERE id = ?').run(now, id);
  }
}
