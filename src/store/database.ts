import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Db = Database.Database;

/**
 * Prepared statements kept per connection, by SQL text, least recently used out first. The store prepares its
 * statements where it runs them, and better-sqlite3 frees a statement's native memory only when V8 collects its
 * small JS object: a cycle that looked up each of 100,000 listed assets in one synchronous loop grew the sidecar's
 * malloc heap by about 700 MB (bench:immich, 100,000 photos) and spent 2 s of 30 in `prepare` (30,000 photos).
 * The store has about 60 distinct statements; the rest of the room is for ones built from a few fixed fragments.
 */
export const STATEMENT_CACHE_SIZE = 256;

function cacheStatements(db: Db): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  const cached = (sql: string): Database.Statement => {
    const hit = cache.get(sql);
    if (hit) {
      cache.delete(sql); // to the recent end
      cache.set(sql, hit);
      return hit;
    }
    const statement = prepare(sql);
    cache.set(sql, statement);
    if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    return statement;
  };
  // the same statement object for the same SQL: the store sets no per-statement mode (pluck, raw, expand), and its
  // one iteration (forRecognition) runs to the end before that SQL can run again, so a shared statement behaves as a
  // fresh one
  db.prepare = cached as Db['prepare'];
}

/**
 * Versioned migrations; PRAGMA user_version holds how many have run. Append only: never edit a shipped step.
 * Embeddings are float32 blobs with the id of the model that made them beside each.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE assets (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,                 -- 'folder' | 'immich'
    source_id TEXT NOT NULL,              -- a path relative to the library root, or an Immich asset id
    content_hash TEXT,                    -- sha256 of the bytes last analysed
    captured_at INTEGER,                  -- ms since epoch: EXIF time, else file time
    latitude REAL,
    longitude REAL,
    width INTEGER,
    height INTEGER,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    updated_at INTEGER NOT NULL,
    UNIQUE (source, source_id)
  );

  CREATE TABLE people (
    id TEXT PRIMARY KEY,
    name TEXT,                            -- set by the user; survives re-clustering
    hidden INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );

  CREATE TABLE observations (
    id INTEGER PRIMARY KEY,
    asset_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    face_box TEXT,                        -- JSON [x1,y1,x2,y2], upright pixels; null for a body-only observation
    face_score REAL,
    landmarks TEXT,                       -- JSON five points
    quality TEXT,                         -- JSON FaceQuality
    clear INTEGER NOT NULL DEFAULT 0,
    face_model TEXT,
    face_vector BLOB,
    body_box TEXT,
    body_score REAL,
    body_source TEXT,
    body_model TEXT,
    body_vector BLOB,
    moment INTEGER,
    cluster INTEGER,                      -- pass-1/2 cluster of the last full clustering
    person_id TEXT REFERENCES people(id) ON DELETE SET NULL,
    assigned_by TEXT CHECK (assigned_by IN ('cluster', 'assign', 'user')),
    CHECK (face_box IS NOT NULL OR body_box IS NOT NULL)
  );
  CREATE INDEX observations_asset ON observations(asset_id);
  CREATE INDEX observations_person ON observations(person_id);

  CREATE TABLE exemplars (
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    observation_id INTEGER NOT NULL REFERENCES observations(id) ON DELETE CASCADE,
    PRIMARY KEY (person_id, observation_id)
  );

  CREATE TABLE constraints (
    a INTEGER NOT NULL REFERENCES observations(id) ON DELETE CASCADE,
    b INTEGER NOT NULL REFERENCES observations(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('must-link', 'cannot-link')),
    origin TEXT NOT NULL,                 -- 'user' | 'immich' | …
    created_at INTEGER NOT NULL,
    PRIMARY KEY (a, b, kind),
    CHECK (a < b)
  );

  CREATE TABLE suggestions (
    id INTEGER PRIMARY KEY,
    person_a TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    person_b TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    score REAL NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected')),
    created_at INTEGER NOT NULL,
    UNIQUE (person_a, person_b)
  );

  CREATE TABLE checkpoints (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
  `
  -- Immich write-back: what we wrote, so a restart never writes it twice, and what Immich showed last time,
  -- so the next cycle can tell what the user changed.
  CREATE TABLE immich_people (
    person_id TEXT PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    immich_id TEXT UNIQUE,                -- null while a creation is in flight (see the write-back service)
    name TEXT,
    hidden INTEGER NOT NULL DEFAULT 0,
    intent_at INTEGER NOT NULL,
    synced_at INTEGER
  );

  CREATE TABLE immich_faces (
    observation_id INTEGER PRIMARY KEY REFERENCES observations(id) ON DELETE CASCADE,
    immich_face_id TEXT NOT NULL,
    immich_person_id TEXT,
    origin TEXT NOT NULL CHECK (origin IN ('created', 'reassigned', 'adopted', 'user')),
    written_at INTEGER NOT NULL
  );
  CREATE INDEX immich_faces_face ON immich_faces(immich_face_id);
  `,
  // recognition reads one face model's observations (and the body-only ones) straight from SQL
  `
  CREATE INDEX observations_face_model ON observations(face_model, person_id);
  `,
  // Folder libraries: the store records each scanned root, and a folder photo's identity is (library, path), so two
  // folders may both hold a.jpg and scanning one never removes the other's photos. SQLite cannot change a UNIQUE
  // constraint in place, so assets is rebuilt (the runner turns foreign keys off around migrations, so dropping the
  // old table cascades nothing). library_id 0 is a source's one implicit library: Immich's server, or folder photos
  // stored before libraries were recorded, which the first scan of their root claims (see LibraryRepository).
  `
  CREATE TABLE libraries (
    id INTEGER PRIMARY KEY,               -- assets.library_id; ids start at 1
    source TEXT NOT NULL,                 -- 'folder'
    root TEXT NOT NULL,                   -- the folder's absolute path
    created_at INTEGER NOT NULL,
    scanned_at INTEGER,
    UNIQUE (source, root)
  );

  CREATE TABLE assets_by_library (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    library_id INTEGER NOT NULL DEFAULT 0,
    source_id TEXT NOT NULL,              -- a path relative to the library root, or an Immich asset id
    content_hash TEXT,
    captured_at INTEGER,
    latitude REAL,
    longitude REAL,
    width INTEGER,
    height INTEGER,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    updated_at INTEGER NOT NULL,
    UNIQUE (source, library_id, source_id)
  );
  INSERT INTO assets_by_library (id, source, library_id, source_id, content_hash, captured_at, latitude, longitude,
                                 width, height, status, error, attempts, next_attempt_at, updated_at)
    SELECT id, source, 0, source_id, content_hash, captured_at, latitude, longitude,
           width, height, status, error, attempts, next_attempt_at, updated_at FROM assets;
  DROP TABLE assets;
  ALTER TABLE assets_by_library RENAME TO assets;
  CREATE INDEX assets_content ON assets(source, library_id, content_hash);

  -- The people on photos that left a folder library, by the photo's content: a name is never left on an empty
  -- person, and the same photo coming back (restored from a backup, the drive mounted again) gets its people back.
  CREATE TABLE removed_labels (
    content_hash TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('face', 'body')),
    box TEXT NOT NULL,                    -- JSON [x1,y1,x2,y2], upright pixels, to find the same observation again
    person_id TEXT NOT NULL,              -- no reference: the person may be gone, and is made again with this id
    person_name TEXT,
    assigned_by TEXT NOT NULL CHECK (assigned_by IN ('cluster', 'assign', 'user')),
    removed_at INTEGER NOT NULL
  );
  CREATE INDEX removed_labels_content ON removed_labels(content_hash);
  `,
  // Immich writes that create something (a person, a face) are recorded before the call, so that a reply lost after
  // Immich did the write, or a kill between the call and its record, is settled by reading Immich back rather than
  // by writing again (see src/hosts/immich/write-once.ts).
  `
  CREATE TABLE immich_intents (
    marker TEXT PRIMARY KEY,              -- person: the name it is created with, unique; face: a random id
    kind TEXT NOT NULL CHECK (kind IN ('person', 'face')),
    subject TEXT NOT NULL,                -- our person id, or an observation id; no reference: it may be gone since
    immich_person_id TEXT,                -- person: its Immich id once the create answered; face: the person it goes on
    asset_id TEXT,                        -- face: the Immich asset
    created_at INTEGER NOT NULL
  );
  `,
  // The review page's edits. Every edit to people is journaled with the state of the rows it touched before and
  // after, so that it can be undone; machine runs that changed something are journaled too, without state (they are
  // not undone: the next run decides again). A person's cover is one of its faces: SQLite lets ALTER TABLE add a
  // reference whose default is NULL, so deleting the face clears the cover. A dismissed observation ("not a face")
  // is never clustered, assigned, suggested or listed again; the flag lives on the observation, which an unchanged
  // photo keeps (only a photo analysed again, changed or under another face model, gets new observations).
  `
  CREATE TABLE edits (
    id INTEGER PRIMARY KEY,
    actor TEXT NOT NULL CHECK (actor IN ('user', 'machine')),
    kind TEXT NOT NULL,
    summary TEXT NOT NULL,               -- a sentence for people, without paths
    before TEXT,                          -- JSON EditState of the rows the edit touched; null for machine runs
    after TEXT,
    undoes INTEGER REFERENCES edits(id),  -- an undo: the edit it undid
    created_at INTEGER NOT NULL,
    undone_at INTEGER
  );

  ALTER TABLE people ADD COLUMN cover_observation_id INTEGER REFERENCES observations(id) ON DELETE SET NULL;
  ALTER TABLE observations ADD COLUMN dismissed INTEGER NOT NULL DEFAULT 0;
  `,
  // What the user already said about a photo in its host (Immich's faces on people, People/<Name> tags) is read once
  // its analysis is stored. Analysis and that read are two steps of a cycle: a photo analysed by a cycle that was
  // killed (or whose read failed) keeps edits_read = 0 until a later cycle reads it, instead of being clustered as if
  // the user had said nothing. Rows from before were read in the cycle that analysed them.
  `
  ALTER TABLE assets ADD COLUMN edits_read INTEGER NOT NULL DEFAULT 1;
  CREATE INDEX assets_edits_unread ON assets(source) WHERE edits_read = 0;
  `,
  // A photo analysed again gets new observation rows; an observation it sees again names its successor here, so that
  // the edit history, which names observations by id, still finds the face an earlier edit touched (undo).
  `
  CREATE TABLE observation_successors (
    id INTEGER PRIMARY KEY,
    successor INTEGER NOT NULL
  );
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Opens (creating if needed) the store: WAL, foreign keys, migrations each in its own transaction. `upTo`: migrate
 * only that far (tests build a store as an older release left it).
 */
export function openDatabase(path: string, upTo = SCHEMA_VERSION): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    db.close();
    throw new Error(`the store ${path} has schema version ${version}, newer than this program's ${SCHEMA_VERSION}`);
  }
  // SQLite's way to rebuild a table: foreign keys off (only possible outside a transaction), check them before commit
  if (version < upTo) db.pragma('foreign_keys = OFF');
  try {
    for (let v = version; v < upTo; v++) {
      db.transaction(() => {
        db.exec(MIGRATIONS[v]);
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) throw new Error(`migration ${v + 1} would break ${broken.length} references`);
        db.pragma(`user_version = ${v + 1}`);
      })();
    }
  } catch (error) {
    db.close();
    throw error;
  } finally {
    if (db.open) db.pragma('foreign_keys = ON');
  }
  cacheStatements(db);
  return db;
}
