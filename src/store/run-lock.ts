import Database from 'better-sqlite3';

/** Another `immich-people run` holds the store: two sidecars on one store would each write the same faces. */
export class RunLockError extends Error {
  constructor(readonly lockPath: string) {
    super(
      `another immich-people run is using this store (it holds ${lockPath}): one sidecar per store, or both would ` +
        'write the same people and faces into Immich',
    );
    this.name = 'RunLockError';
  }
}

export interface RunLock {
  release(): void;
}

/**
 * Takes the sidecar's lock of the store at `storePath` for as long as this process holds it: an SQLite file beside the
 * store (`<store>.run-lock`) kept under an exclusive lock by one connection. The operating system drops the lock with
 * the process, so a sidecar killed with SIGKILL leaves nothing to clean up; another process (or another connection in
 * this one) that asks while it is held gets RunLockError at once.
 *
 * Why: the write-back's exactly-once bookkeeping lives in the store, so it holds for one writer only. On the real
 * Immich 2.5.6 a second `run --once` started while a first was still writing created 130 of the first's 142 faces
 * again. The review page (`serve`) writes single edits through its own records and does not take this lock.
 */
export function takeRunLock(storePath: string): RunLock {
  const lockPath = `${storePath}.run-lock`;
  const db = new Database(lockPath);
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    // the first write takes the exclusive lock, which EXCLUSIVE locking mode keeps until the connection closes
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER); DELETE FROM holder;');
    db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new RunLockError(lockPath);
    throw error;
  }
  return { release: () => db.close() };
}
