import { randomUUID } from 'node:crypto';
import type { AssignedBy, Box } from '../types.js';
import type { Db } from './database.js';
import { iou, SAME_OBSERVATION_IOU } from './same-observation.js';

interface RemovedLabel {
  rowid: number;
  kind: 'face' | 'body';
  box: string;
  person_id: string;
  person_name: string | null;
  assigned_by: AssignedBy;
}

/**
 * The people on photos that left a folder library, kept by the photos' content. A person whose photos are all gone
 * is deleted rather than left empty with a name; the name and the user's assignments stay here, and when a photo
 * with the same content comes back its observations get their people back (the person made again, same id and name).
 */
export class RemovedLabelRepository {
  constructor(private readonly db: Db) {}

  /**
   * Removes assets like AssetRepository.removeIds, first keeping the labels that matter on them: observations of a
   * named person and the user's own assignments. People left without observations go. Returns the ids of the
   * people that went.
   */
  removeAssets(assetIds: readonly number[], now = Date.now()): string[] {
    if (assetIds.length === 0) return [];
    return this.db.transaction(() => {
      const keep = this.db.prepare(
        `INSERT INTO removed_labels (content_hash, kind, box, person_id, person_name, assigned_by, removed_at)
         SELECT a.content_hash, CASE WHEN o.face_box IS NULL THEN 'body' ELSE 'face' END,
                COALESCE(o.face_box, o.body_box), o.person_id, p.name, o.assigned_by, ?
         FROM observations o JOIN assets a ON a.id = o.asset_id JOIN people p ON p.id = o.person_id
         WHERE o.asset_id = ? AND a.content_hash IS NOT NULL AND o.assigned_by IS NOT NULL
           AND (p.name IS NOT NULL OR o.assigned_by = 'user')`,
      );
      const peopleOf = this.db.prepare<[number], { person_id: string }>(
        'SELECT DISTINCT person_id FROM observations WHERE asset_id = ? AND person_id IS NOT NULL',
      );
      const touched = new Set<string>();
      for (const id of assetIds) {
        keep.run(now, id);
        for (const p of peopleOf.all(id)) touched.add(p.person_id);
      }
      const remove = this.db.prepare('DELETE FROM assets WHERE id = ?');
      for (const id of assetIds) remove.run(id);
      const empty = this.db.prepare<[string], { n: number }>(
        'SELECT COUNT(*) AS n FROM observations WHERE person_id = ?',
      );
      const gone = [...touched].filter((person) => empty.get(person)!.n === 0).sort();
      const drop = this.db.prepare('DELETE FROM people WHERE id = ?');
      for (const person of gone) drop.run(person);
      return gone;
    })();
  }

  /**
   * Gives the observations of a photo just analysed the people kept for its content, if any: each kept label goes to
   * the observation of the same kind whose box matches it. Returns how many observations got a person back.
   */
  restore(assetId: number, contentHash: string): number {
    const labels = this.db
      .prepare<[string], RemovedLabel>(
        `SELECT rowid, kind, box, person_id, person_name, assigned_by FROM removed_labels WHERE content_hash = ?
         ORDER BY assigned_by = 'user' DESC, rowid`,
      )
      .all(contentHash);
    if (labels.length === 0) return 0;
    const observations = this.db
      .prepare<[number], { id: number; face_box: string | null; body_box: string | null }>(
        'SELECT id, face_box, body_box FROM observations WHERE asset_id = ? ORDER BY id',
      )
      .all(assetId);
    const restored = new Map<number, RemovedLabel>(); // observation → its label (the user's first)
    const used: number[] = [];
    for (const label of labels) {
      const box = JSON.parse(label.box) as Box;
      let best: { id: number; overlap: number } | null = null;
      for (const o of observations) {
        const theirs = label.kind === 'face' ? o.face_box : o.face_box === null ? o.body_box : null;
        if (theirs === null) continue;
        const overlap = iou(box, JSON.parse(theirs) as Box);
        if (overlap >= SAME_OBSERVATION_IOU && (!best || overlap > best.overlap)) best = { id: o.id, overlap };
      }
      if (!best) continue;
      used.push(label.rowid);
      if (!restored.has(best.id)) restored.set(best.id, label);
    }
    const personFor = new Map<string, string>();
    const assign = this.db.prepare('UPDATE observations SET person_id = ?, assigned_by = ? WHERE id = ?');
    for (const [observation, label] of restored) {
      let person = personFor.get(label.person_id);
      if (person === undefined) {
        person = this.personAgain(label);
        personFor.set(label.person_id, person);
      }
      assign.run(person, label.assigned_by, observation);
    }
    const forget = this.db.prepare('DELETE FROM removed_labels WHERE rowid = ?');
    for (const rowid of used) forget.run(rowid);
    return restored.size;
  }

  /**
   * The person a kept label belongs to: the same person when it is still there (it existed when the label was kept),
   * else made again with its id and name — or, when a person made later took the id meanwhile (ids derive from
   * observation ids, which SQLite may reuse), with a new id, which the other kept labels then follow. A person made
   * again is dated to its first kept label, so the next photo of it that comes back finds it.
   */
  private personAgain(label: RemovedLabel): string {
    const existing = this.db
      .prepare<[string], { created_at: number }>('SELECT created_at FROM people WHERE id = ?')
      .get(label.person_id);
    const since = this.db
      .prepare<[string], { since: number }>('SELECT MIN(removed_at) AS since FROM removed_labels WHERE person_id = ?')
      .get(label.person_id)!.since;
    if (existing && existing.created_at <= since) return label.person_id;
    const id = existing ? randomUUID() : label.person_id;
    this.db
      .prepare('INSERT INTO people (id, name, hidden, created_at, updated_at) VALUES (?, ?, 0, ?, ?)')
      .run(id, label.person_name, since, since);
    if (id !== label.person_id) {
      this.db.prepare('UPDATE removed_labels SET person_id = ? WHERE person_id = ?').run(id, label.person_id);
    }
    return id;
  }
}
