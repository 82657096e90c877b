import type { Db } from './database.js';

/** A source's one implicit library: Immich's server, or folder photos stored before libraries were recorded. */
export const DEFAULT_LIBRARY = 0;

export interface LibraryRow {
  id: number;
  source: string;
  /** A folder's absolute path. */
  root: string;
  createdAt: number;
  scannedAt: number | null;
}

interface RawLibrary {
  id: number;
  source: string;
  root: string;
  created_at: number;
  scanned_at: number | null;
}

const toRow = (r: RawLibrary): LibraryRow => ({
  id: r.id,
  source: r.source,
  root: r.root,
  createdAt: r.created_at,
  scannedAt: r.scanned_at,
});

/** The libraries the store knows: each folder root scanned into it, with its own photos. */
export class LibraryRepository {
  constructor(private readonly db: Db) {}

  /** The library at `root`, recorded on its first scan. */
  ensure(source: string, root: string, now = Date.now()): LibraryRow {
    this.db
      .prepare(
        'INSERT INTO libraries (source, root, created_at) VALUES (?, ?, ?) ON CONFLICT (source, root) DO NOTHING',
      )
      .run(source, root, now);
    return this.find(source, root)!;
  }

  find(source: string, root: string): LibraryRow | undefined {
    const raw = this.db
      .prepare<[string, string], RawLibrary>('SELECT * FROM libraries WHERE source = ? AND root = ?')
      .get(source, root);
    return raw && toRow(raw);
  }

  list(source?: string): LibraryRow[] {
    return this.db
      .prepare<[string | null, string | null], RawLibrary>(
        'SELECT * FROM libraries WHERE ? IS NULL OR source = ? ORDER BY id',
      )
      .all(source ?? null, source ?? null)
      .map(toRow);
  }

  markScanned(id: number, now = Date.now()): void {
    this.db.prepare('UPDATE libraries SET scanned_at = ? WHERE id = ?').run(now, id);
  }

  /**
   * Gives a library the source's photos stored before libraries were recorded, when they are its photos: at least
   * half of their paths are in its listing. A first scan of another folder leaves them where they are. Returns how
   * many it claimed.
   */
  claimUnrecorded(library: LibraryRow, listed: ReadonlySet<string>): number {
    const unrecorded = this.db
      .prepare<[string, number], { source_id: string }>(
        'SELECT source_id FROM assets WHERE source = ? AND library_id = ?',
      )
      .all(library.source, DEFAULT_LIBRARY);
    if (unrecorded.length === 0) return 0;
    const present = unrecorded.filter((a) => listed.has(a.source_id)).length;
    if (present * 2 < unrecorded.length) return 0;
    return this.db
      .prepare('UPDATE assets SET library_id = ? WHERE source = ? AND library_id = ?')
      .run(library.id, library.source, DEFAULT_LIBRARY).changes;
  }
}
