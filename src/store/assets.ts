import type { Db } from './database.js';
import { DEFAULT_LIBRARY } from './libraries.js';

export type AssetStatus = 'pending' | 'done' | 'failed';

export interface AssetRow {
  id: number;
  source: string;
  /** The folder library it lies in (libraries.id), or DEFAULT_LIBRARY. */
  library: number;
  sourceId: string;
  contentHash: string | null;
  capturedAt: number | null;
  latitude: number | null;
  longitude: number | null;
  width: number | null;
  height: number | null;
  status: AssetStatus;
  error: string | null;
  attempts: number;
  /** ms since epoch of the last change to this row (a failure's time, for back-off). */
  updatedAt: number;
}

interface RawAsset {
  id: number;
  source: string;
  library_id: number;
  source_id: string;
  content_hash: string | null;
  captured_at: number | null;
  latitude: number | null;
  longitude: number | null;
  width: number | null;
  height: number | null;
  status: AssetStatus;
  error: string | null;
  attempts: number;
  updated_at: number;
}

const toRow = (r: RawAsset): AssetRow => ({
  id: r.id,
  source: r.source,
  library: r.library_id,
  sourceId: r.source_id,
  contentHash: r.content_hash,
  capturedAt: r.captured_at,
  latitude: r.latitude,
  longitude: r.longitude,
  width: r.width,
  height: r.height,
  status: r.status,
  error: r.error,
  attempts: r.attempts,
  updatedAt: r.updated_at,
});

export interface AssetIdentity {
  source: string;
  /** DEFAULT_LIBRARY when left out. */
  library?: number;
  sourceId: string;
  contentHash: string;
  capturedAt: number | null;
  latitude: number | null;
  longitude: number | null;
}

export class AssetRepository {
  constructor(private readonly db: Db) {}

  get(source: string, sourceId: string, library = DEFAULT_LIBRARY): AssetRow | undefined {
    const raw = this.db
      .prepare<[string, number, string], RawAsset>(
        'SELECT * FROM assets WHERE source = ? AND library_id = ? AND source_id = ?',
      )
      .get(source, library, sourceId);
    return raw && toRow(raw);
  }

  byId(id: number): AssetRow | undefined {
    const raw = this.db.prepare<[number], RawAsset>('SELECT * FROM assets WHERE id = ?').get(id);
    return raw && toRow(raw);
  }

  /** Every asset, or a source's (of every library, or of one). */
  list(source?: string, library?: number): AssetRow[] {
    const rows = this.db
      .prepare<[string | null, string | null, number | null, number | null], RawAsset>(
        `SELECT * FROM assets WHERE (? IS NULL OR source = ?) AND (? IS NULL OR library_id = ?)
         ORDER BY source, library_id, source_id`,
      )
      .all(source ?? null, source ?? null, library ?? null, library ?? null);
    return rows.map(toRow);
  }

  /** How many assets a source has, over every library. */
  count(source: string): number {
    return this.db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM assets WHERE source = ?').get(source)!.n;
  }

  /**
   * Records an asset about to be analysed. A new content hash resets it to pending; an unchanged one keeps its
   * status, so an interrupted scan resumes with what is still pending.
   */
  upsert(asset: AssetIdentity, now = Date.now()): AssetRow {
    this.db
      .prepare(
        `INSERT INTO assets (source, library_id, source_id, content_hash, captured_at, latitude, longitude, updated_at)
         VALUES (@source, @library, @sourceId, @contentHash, @capturedAt, @latitude, @longitude, @now)
         ON CONFLICT (source, library_id, source_id) DO UPDATE SET
           status = CASE WHEN content_hash IS excluded.content_hash THEN status ELSE 'pending' END,
           attempts = CASE WHEN content_hash IS excluded.content_hash THEN attempts ELSE 0 END,
           content_hash = excluded.content_hash, captured_at = excluded.captured_at,
           latitude = excluded.latitude, longitude = excluded.longitude, updated_at = excluded.updated_at`,
      )
      .run({ ...asset, library: asset.library ?? DEFAULT_LIBRARY, now });
    return this.get(asset.source, asset.sourceId, asset.library)!;
  }

  /** Its analysis is stored; what the user said about it in the host is still to be read (`awaitingUserEdits`). */
  markDone(id: number, size: { width: number; height: number }, now = Date.now()): void {
    this.db
      .prepare(
        `UPDATE assets SET status = 'done', error = NULL, width = ?, height = ?, edits_read = 0, updated_at = ?
         WHERE id = ?`,
      )
      .run(size.width, size.height, now, id);
  }

  /**
   * A source's analysed photos whose user edits in the host were not read yet, by source id: those analysed since
   * the last read, and those a killed or failed cycle analysed without reading.
   */
  awaitingUserEdits(source: string): { id: number; sourceId: string }[] {
    return this.db
      .prepare<[string], { id: number; source_id: string }>(
        `SELECT id, source_id FROM assets WHERE source = ? AND edits_read = 0 AND status = 'done' ORDER BY source_id`,
      )
      .all(source)
      .map((r) => ({ id: r.id, sourceId: r.source_id }));
  }

  /** The host's user edits of these photos (row ids) are read and stored. */
  markUserEditsRead(ids: readonly number[]): void {
    // by primary key: the unique (source, library_id, source_id) index cannot find a row by source id alone, and a
    // lookup per photo scanned the source's rows (20,000 photos took 45 s)
    const mark = this.db.prepare('UPDATE assets SET edits_read = 1 WHERE id = ?');
    this.db.transaction(() => ids.forEach((id) => mark.run(id)))();
  }

  markFailed(id: number, error: string, now = Date.now()): void {
    this.db
      .prepare(`UPDATE assets SET status = 'failed', error = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?`)
      .run(error, now, id);
  }

  /**
   * Sends back to analysis every asset whose faces were embedded by another model than `faceModel`: vectors of two
   * models never mix, so a backend change re-embeds. Returns how many.
   */
  requeueOtherModels(faceModel: string, now = Date.now()): number {
    return this.db
      .prepare(
        `UPDATE assets SET status = 'pending', attempts = 0, updated_at = ?
         WHERE status = 'done' AND id IN (SELECT asset_id FROM observations WHERE face_model IS NOT NULL AND face_model != ?)`,
      )
      .run(now, faceModel).changes;
  }

  /** Removes one asset and its observations; true when it existed. */
  remove(source: string, sourceId: string, library = DEFAULT_LIBRARY): boolean {
    return (
      this.db
        .prepare('DELETE FROM assets WHERE source = ? AND library_id = ? AND source_id = ?')
        .run(source, library, sourceId).changes > 0
    );
  }

  /** Removes assets of a source's library that are no longer there; their observations go with them. */
  removeMissing(source: string, present: ReadonlySet<string>, library = DEFAULT_LIBRARY): number {
    const gone = this.list(source, library).filter((a) => !present.has(a.sourceId));
    this.removeIds(gone.map((a) => a.id));
    return gone.length;
  }

  /** Removes assets by row id, with their observations, in one transaction. */
  removeIds(ids: readonly number[]): void {
    const remove = this.db.prepare('DELETE FROM assets WHERE id = ?');
    this.db.transaction(() => ids.forEach((id) => remove.run(id)))();
  }

  /** A file that moved within its library: the same row (observations, people and all) under its new path. */
  move(id: number, sourceId: string, now = Date.now()): void {
    this.db.prepare('UPDATE assets SET source_id = ?, updated_at = ? WHERE id = ?').run(sourceId, now, id);
  }
}
